"""Shared helpers of the security corpus: run a workbook on crafted inputs, load a page in
headless Chromium recording what it tries to do, read a PDF's text.

Every case in ``tests/security`` goes through the command line (``python -m improve.cli``),
as a partner would, into a temporary reports folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

FILES = Path(__file__).parent / "files"
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"

#: Text of the planted local file: it must never appear in a report or its PDF.
PLANTED_MARKER = "PLANTED-SECRET-7f3c9e"


def cli(*args: str, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``improve ARGS`` with this interpreter; the finished process (never raises)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-m", "improve.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_crafted(
    workbook: str,
    out: Path,
    *,
    data: Path | None = None,
    columns: Path | None = None,
    params: dict[str, str] | None = None,
    run_id: str | None = None,
    cwd: Path | None = None,
    pdf: bool = True,
) -> Path:
    """Run ``workbook`` through the CLI on crafted inputs; the published run folder.

    ``params`` are ``-p NAME=TEXT`` pairs as typed on the command line. A failed run fails
    the calling test with the CLI's output.
    """
    args = ["run", workbook, "--out", str(out), "--run-id", run_id or workbook]
    if data is not None:
        args += ["--data", str(data)]
    if columns is not None:
        args += ["--columns", str(columns)]
    for name, text in (params or {}).items():
        args += ["-p", f"{name}={text}"]
    args.append("--pdf" if pdf else "--no-pdf")
    done = cli(*args, cwd=cwd)
    if done.returncode != 0:
        pytest.fail(f"improve {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return out / (run_id or workbook)


def plant_local_file(folder: Path) -> Path:
    """A local file whose content (:data:`PLANTED_MARKER`) a crafted input tries to leak."""
    target = folder / "planted.txt"
    target.write_text(f"{PLANTED_MARKER}\n", encoding="utf-8")
    return target


@dataclass
class PageRecord:
    """What a page did when loaded with JavaScript on: anything here is an attack that worked."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)
    text: str = ""

    def foreign_requests(self, page_url: str) -> list[str]:
        """Requests other than the page itself and ``data:`` URIs."""
        return [r for r in self.requests if r != page_url and not r.startswith("data:")]


def chromium_or_skip() -> str:
    """Debian's Chromium (as ``report.pdf`` uses), or skip the test (fail in CI)."""
    from improve.runner.publish.pdf import find_chromium, pdf_unavailable_reason

    if pdf_unavailable_reason():
        if os.environ.get("CI"):
            raise RuntimeError("CI must install Debian's chromium for the security corpus")
        pytest.skip("no Chromium on this machine")
    return find_chromium()


def load_page(path: Path) -> PageRecord:
    """Open ``path`` in headless Chromium with JavaScript ON and record what it does.

    Dialogs (``alert``) are dismissed and recorded, as are console errors, every request
    (the page itself included) and every frame's URL. JavaScript is on so that a script
    that survived sanitising would show itself.
    """
    from playwright.sync_api import sync_playwright

    from improve.runner.publish.pdf import LAUNCH_ARGS

    chromium = chromium_or_skip()
    record = PageRecord()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(LAUNCH_ARGS))
        try:
            page = browser.new_page()

            def on_dialog(dialog) -> None:
                record.dialogs.append(f"{dialog.type}: {dialog.message}")
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.on(
                "console",
                lambda m: record.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda exc: record.console_errors.append(str(exc)))
            page.on("request", lambda request: record.requests.append(request.url))
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            record.frames = [f.url for f in page.frames[1:]]
            record.text = page.inner_text("body")
        finally:
            browser.close()
    return record


def pdf_text(path: Path) -> str:
    """The text of a PDF (pypdf)."""
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def text_files(folder: Path) -> dict[Path, str]:
    """Every text file of a run folder (HTML, JSON, CSV, Markdown, LaTeX, SVG, notebook)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (
            ".html",
            ".json",
            ".csv",
            ".md",
            ".tex",
            ".svg",
            ".ipynb",
            ".txt",
        ):
            out[path] = path.read_text(encoding="utf-8", errors="replace")
    return out
