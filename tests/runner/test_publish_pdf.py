"""``report.pdf``: the report printed by headless Chromium (Debian's), no LaTeX, no download.

A real run of the panel profile on the demo data prints a PDF whose text holds the report
title and a table caption; the same HTML printed twice (Playwright and the ``chromium
--print-to-pdf`` fallback) gives identical bytes; ``--pdf`` without Chromium stops before
anything runs (exit 2, one line) and a Chromium that fails leaves no folder that looks
complete. The PDF's text is read with a small parser below (no PDF library is installed).
`.ci/run` installs Debian's chromium; elsewhere the tests are skipped without it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import unicodedata
import zlib
from pathlib import Path

import pytest

from improve.runner.publish.pdf import html_to_pdf, normalise_pdf, pdf_unavailable_reason

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
TITLE = "Panel profile: is this file ready for an evaluation?"
CAPTION = "Schools in each treatment cohort."  # the demo map labels its units schools
MISSING = "/nonexistent/chromium"

NO_CHROMIUM = pdf_unavailable_reason()
if NO_CHROMIUM and os.environ.get("CI"):
    raise RuntimeError("CI must install Debian's chromium for the PDF tests (.ci/run)")
needs_chromium = pytest.mark.skipif(
    NO_CHROMIUM is not None, reason=f"no Chromium on this machine: {NO_CHROMIUM}"
)


def improve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "improve.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def run_args(out: Path, run_id: str, *extra: str) -> list[str]:
    return [
        "run",
        "panel_profile",
        "--data",
        str(DEMO / "schools.csv"),
        "--columns",
        str(DEMO / "columns.yaml"),
        "-p",
        "outcomes=[math_ss]",
        "--out",
        str(out),
        "--run-id",
        run_id,
        *extra,
    ]


# -- a minimal PDF text reader: Chromium's (Skia's) uncompressed object layout, Flate
# streams, Type0 fonts with ToUnicode maps and hex-string show-text operators ---------------

_OBJ = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)


def _stream(body: bytes) -> bytes:
    start = body.find(b"stream")
    if start == -1:
        return b""
    raw = body[start + 6 :].lstrip(b"\r\n")
    raw = raw[: raw.rfind(b"endstream")]
    return zlib.decompress(raw) if b"/FlateDecode" in body[:start] else raw


def _to_unicode(cmap: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        pattern = rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>"
        for lo, hi, dst in re.findall(pattern, block):
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(int(dst, 16) + i)
    return table


def pdf_pages_text(data: bytes) -> list[str]:
    """Text of each page, whitespace removed and ligatures unfolded (NFKC)."""
    objects = {int(m.group(1)): m.group(2) for m in _OBJ.finditer(data)}
    pages = []
    for body in objects.values():
        if not re.search(rb"/Type\s*/Page(?!s)\b", body):
            continue
        fonts: dict[bytes, dict[int, str]] = {}
        block = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
        for name, ref in re.findall(rb"/(\w+)\s+(\d+) 0 R", block.group(1) if block else b""):
            uni = re.search(rb"/ToUnicode\s+(\d+) 0 R", objects.get(int(ref), b""))
            fonts[name] = _to_unicode(_stream(objects[int(uni.group(1))])) if uni else {}
        contents = re.search(rb"/Contents\s+(\d+) 0 R", body)
        stream = _stream(objects[int(contents.group(1))]) if contents else b""
        chars: list[str] = []
        cmap: dict[int, str] = {}
        for tok in re.finditer(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>", stream):
            if tok.group(1):
                cmap = fonts.get(tok.group(1), {})
            else:
                hexs = tok.group(2).decode()
                chars += [cmap.get(int(hexs[i : i + 4], 16), "") for i in range(0, len(hexs), 4)]
        pages.append("".join(unicodedata.normalize("NFKC", "".join(chars)).split()))
    return pages


def squeeze(text: str) -> str:
    return "".join(text.split())


# -- tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, float]:
    """One real run with --pdf, and how long printing took."""
    out = tmp_path_factory.mktemp("reports")
    result = improve(*run_args(out, "with-pdf", "--pdf"))
    assert result.returncode == 0, result.stderr
    seconds = re.search(r"report\.pdf printed in ([\d.]+) s", result.stderr)
    assert seconds, result.stderr
    return out, float(seconds.group(1))


@needs_chromium
@pytest.mark.slow
def test_run_prints_a_pdf_with_title_caption_and_page_numbers(printed):
    out, seconds = printed
    folder = out / "with-pdf"
    data = (folder / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = pdf_pages_text(data)
    assert len(pages) >= 2
    text = "".join(pages)
    assert squeeze(TITLE) in text
    assert squeeze(CAPTION) in text
    for number in range(1, len(pages) + 1):  # the footer: title and page numbers
        assert f"Page{number}of{len(pages)}" in text
    assert text.count(squeeze(TITLE)) > len(pages)
    assert b"/MediaBox [0 0 612 792]" in data, "pages are not US Letter"
    assert f"({TITLE})".encode() in data, "the document title is not in the PDF metadata"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "report.pdf" in manifest["outputs"] and "report.html" in manifest["outputs"]
    index = (out / "index.html").read_text()
    assert "with-pdf/report.pdf" in index and "with-pdf/report.html" in index
    assert seconds < 60


@needs_chromium
@pytest.mark.slow
def test_same_html_prints_identical_bytes(printed, tmp_path):
    out, _ = printed
    html = out / "with-pdf" / "report.html"
    started = json.loads((out / "with-pdf" / "manifest.json").read_text())["started"]
    first = html_to_pdf(html, tmp_path / "a.pdf", created=started, backend="playwright")
    second = html_to_pdf(html, tmp_path / "b.pdf", created=started, backend="subprocess")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == (out / "with-pdf" / "report.pdf").read_bytes()
    stamp = started.replace("-", "").replace(":", "").replace("T", "")[:14]
    assert f"/CreationDate (D:{stamp}+00'00')".encode() in first.read_bytes()
    assert not list(tmp_path.glob(".*.part"))


def test_normalise_keeps_lengths_and_offsets():
    from datetime import UTC, datetime

    pdf = (
        b"%PDF-1.4\n1 0 obj\n<</CreationDate (D:20261122225046+00'00')\n"
        b"/ModDate (D:20261122225046+00'00')>>\nendobj\ntrailer\n<</Size 2\n"
        b"/ID [<0123456789ABCDEF0123456789ABCDEF> <FEDCBA9876543210FEDCBA9876543210>]>>\n"
        b"startxref\n9\n%%EOF\n"
    )
    fixed = normalise_pdf(pdf, datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert len(fixed) == len(pdf)
    assert fixed.count(b"(D:20200102030405+00'00')") == 2
    assert b"0123456789ABCDEF0123456789ABCDEF" not in fixed
    assert fixed.index(b"startxref") == pdf.index(b"startxref")
    when = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert normalise_pdf(pdf.replace(b"225046", b"235959"), when) == fixed


@pytest.mark.slow
def test_explicit_pdf_without_chromium_exits_2_before_running(tmp_path):
    start = time.monotonic()
    missing = {"IMPROVE_CHROMIUM": MISSING}
    result = improve(*run_args(tmp_path, "no-browser", "--pdf"), env=missing)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "apt-get install chromium" in lines[0] and "improve[pdf]" in lines[0]
    assert "Traceback" not in result.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("no-browser", ".tmp"))]
    assert time.monotonic() - start < 60


@pytest.mark.slow
def test_default_without_chromium_warns_once_and_skips_the_pdf(tmp_path):
    result = improve(*run_args(tmp_path, "auto"), env={"IMPROVE_CHROMIUM": MISSING})
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "report.pdf" in warnings[0] and "--no-pdf" in warnings[0]
    folder = tmp_path / "auto"
    assert (folder / "report.html").exists() and not (folder / "report.pdf").exists()
    assert "report.pdf" not in json.loads((folder / "manifest.json").read_text())["outputs"]
    assert "auto/report.pdf" not in (tmp_path / "index.html").read_text()
    quiet = improve(*run_args(tmp_path, "quiet", "--no-pdf"), env={"IMPROVE_CHROMIUM": MISSING})
    assert quiet.returncode == 0 and "warning" not in quiet.stderr


@pytest.mark.slow
def test_chromium_that_fails_leaves_no_complete_looking_folder(tmp_path):
    broken = {"IMPROVE_CHROMIUM": "/bin/false"}  # an executable that is not a browser
    result = improve(*run_args(tmp_path, "broken", "--pdf"), env=broken)
    assert result.returncode == 1
    assert "printing report.pdf failed" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "broken").exists()
    failed = tmp_path / "broken.failed"
    assert json.loads((failed / "manifest.json").read_text())["status"] == "failed"
    assert not (failed / "report.pdf").exists() and not (failed / "report.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


@pytest.mark.slow
def test_build_checks_pdf_setting_and_chromium_before_running(tmp_path):
    import yaml

    run = {
        "workbook": "panel_profile",
        "data": str(DEMO / "schools.csv"),
        "columns": str(DEMO / "columns.yaml"),
        "run_id": "b",
    }
    config = tmp_path / "reports.yaml"
    config.write_text(yaml.safe_dump({"runs": [{**run, "pdf": "yes"}]}), encoding="utf-8")
    bad = improve("build", str(config), "--out", str(tmp_path / "out"))
    assert bad.returncode == 2 and "'pdf:' of run 'b' must be true or false" in bad.stderr
    config.write_text(yaml.safe_dump({"runs": [run]}), encoding="utf-8")
    missing = improve(
        "build",
        str(config),
        "--out",
        str(tmp_path / "out"),
        "--pdf",
        env={"IMPROVE_CHROMIUM": MISSING},
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines()[-1].startswith("error: IMPROVE_CHROMIUM=")
    assert not (tmp_path / "out" / "b").exists()
