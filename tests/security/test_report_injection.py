"""Issue #23 item 1: no script or file injection in report.html, report.pdf or the index.

Crafted labels, parameters and column names carry ``<img onerror>``, ``<script>`` and
``<iframe src=file:///...planted.txt>``; each page is loaded in headless Chromium with
JavaScript on, and nothing may run, load or be framed; the PDF must not hold the planted
file's text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from improve.report.html_safety import CSP, sanitise_fragment, sanitise_report
from improve.runner.publish.pdf import html_to_pdf

from .harness import PLANTED_MARKER, chromium_or_skip, load_page, pdf_text

#: Active markup: an element that runs or loads, or inside a tag an event handler or a URL
#: leaving the page (escaped text such as ``&lt;iframe src=file:...`` is not a tag).
_ACTIVE = re.compile(
    r"<\s*(script|iframe|object|embed|frame|svg|math|form|base|link)\b"
    r"|<[a-z][^<>]*\son[a-z]+\s*="
    r"|<[a-z][^<>]*\s(href|src)\s*=\s*['\"]?\s*(javascript|file|https?|vbscript):",
    re.I,
)


def _assert_static(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    head, _, body = html.partition("<body")
    assert CSP in head
    assert not _ACTIVE.search(body), _ACTIVE.search(body)
    record = load_page(page)
    assert record.dialogs == []
    assert record.frames == []
    assert record.foreign_requests(page.as_uri()) == []
    assert record.console_errors == []
    assert PLANTED_MARKER not in record.text


@pytest.mark.slow
@pytest.mark.parametrize("run", ["did_run", "event_study_run", "evidence_run"])
def test_report_is_static_and_leaks_no_file(run: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(run)
    _assert_static(folder / "report.html")
    assert PLANTED_MARKER not in pdf_text(folder / "report.pdf")
    assert (folder.parent / "index.html").exists()
    _assert_static_index(folder.parent / "index.html")


def _assert_static_index(page: Path) -> None:
    """The index ships its own sorting script; nothing a user wrote may run or load."""
    record = load_page(page)
    assert record.dialogs == []
    assert record.frames == []
    assert record.foreign_requests(page.as_uri()) == []
    assert PLANTED_MARKER not in record.text


@pytest.mark.slow
def test_labels_are_shown_as_text(did_run: Path) -> None:
    text = load_page(did_run / "report.html").text
    assert "<img src=x onerror=alert('program')>" in text
    assert "<iframe src=file://" in text


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=file:///etc/passwd></iframe>",
    "<object data=file:///etc/passwd></object>",
    "<embed src=file:///etc/passwd>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href='file:///etc/passwd'>x</a>",
    "<a href='http://example.invalid/'>x</a>",
    "<img src='http://example.invalid/x.png'>",
    "<img src='planted.txt'>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<p style='background:url(file:///etc/passwd)'>x</p>",
    "<p style='background:u\\72l(http://example.invalid)'>x</p>",
    "<style>@import url(http://example.invalid/x.css);</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<meta http-equiv=refresh content='0;url=http://example.invalid'>",
    "<base href='http://example.invalid/'>",
    "<form action='http://example.invalid'><button>x</button></form>",
    "<details open ontoggle=alert(1)>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitiser_removes_every_active_part(payload: str) -> None:
    cleaned = sanitise_fragment(f"<p>before</p>{payload}<p>after</p>")
    assert not _ACTIVE.search(cleaned), cleaned
    assert "example.invalid" not in cleaned and "passwd" not in cleaned.replace("&lt;", "")
    assert "<p>before</p>" in cleaned  # (an unclosed payload may swallow what follows)


def test_sanitiser_keeps_what_a_report_is_made_of() -> None:
    figure = (
        "<figure class='improve-figure' id='figure-x'><img src='data:image/png;base64,AAAA' "
        "alt='a chart' style='max-width:100%'/><figcaption><b>Figure 1.</b> x</figcaption>"
        "</figure><nav class='improve-toc' aria-label='Contents'><a href='#s'>s</a></nav>"
        "<style>#t td { border: 1px solid #ddd; }</style>"
        "<table><thead><tr><th scope='col' colspan='2'>h</th></tr></thead>"
        "<tbody><tr><td headers='h'>1</td><td>2</td></tr></tbody></table>"
    )
    cleaned = sanitise_fragment(figure)
    for kept in (
        "data:image/png;base64,AAAA",
        'alt="a chart"',
        'href="#s"',
        "<style>",
        'colspan="2"',
        'aria-label="Contents"',
        "<figcaption>",
    ):
        assert kept in cleaned, kept


def test_report_head_gets_the_policy_and_keeps_its_css() -> None:
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title>"
        "<style>body { color: #222; }</style></head>"
        "<body class='jp-Notebook'><h1>t</h1><script>alert(1)</script></body></html>"
    )
    cleaned = sanitise_report(page)
    assert CSP in cleaned and "body { color: #222; }" in cleaned
    assert "<script" not in cleaned and "<h1>t</h1>" in cleaned


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["playwright", "subprocess"])
def test_pdf_is_printed_without_script_or_file_access(backend: str, tmp_path: Path) -> None:
    """The print layer on its own (an unsanitised page): no JavaScript, no other file."""
    chromium_or_skip()
    planted = tmp_path / "planted.txt"
    planted.write_text(PLANTED_MARKER, encoding="utf-8")
    page = tmp_path / "report.html"
    # the command line route relies on the report's policy (every report.html carries it)
    head = f"<head><meta http-equiv='Content-Security-Policy' content=\"{CSP}\"></head>"
    page.write_text(
        f"<html>{head if backend == 'subprocess' else ''}<body><p>visible text</p>"
        "<script>document.body.insertAdjacentText('beforeend', 'SCRIPT-RAN')</script>"
        f"<iframe src='{planted.as_uri()}' width=600 height=200></iframe>"
        f"<object data='{planted.as_uri()}' width=600 height=200></object>"
        "</body></html>",
        encoding="utf-8",
    )
    html_to_pdf(page, tmp_path / "report.pdf", backend=backend)
    text = pdf_text(tmp_path / "report.pdf")
    assert "visible text" in text
    assert "SCRIPT-RAN" not in text
    assert PLANTED_MARKER not in text
