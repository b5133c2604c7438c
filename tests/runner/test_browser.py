"""Reports in a real browser: headless Chromium (Debian's) driven by Playwright.

Checks that ``report.html`` and ``index.html`` load without console errors, that every
figure has loaded and carries alt text, and that every link in the index resolves; saves
screenshots next to the run. `.ci/run` installs Debian's chromium; elsewhere the test is
skipped when no Chromium is installed (and fails in CI, where it must run).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from improve.runner import run_workbook
from improve.runner.publish.pdf import LAUNCH_ARGS, find_chromium, pdf_unavailable_reason

# the Chromium report.pdf is printed with (IMPROVE_CHROMIUM, else chromium on PATH)
CHROMIUM = None if pdf_unavailable_reason() else find_chromium()
ARGS = list(LAUNCH_ARGS)

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("CI must install Debian's chromium for the browser tests (.ci/run)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _open(browser, path: Path, screenshot: Path) -> tuple[object, list[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(screenshot), full_page=True)
    return page, errors


@pytest.mark.slow
def test_report_and_index_in_chromium(browser, tmp_path, school_csv, school_map):
    run = run_workbook("panel_profile", school_csv, columns=school_map, out=tmp_path)
    page, errors = _open(browser, run.folder / "report.html", tmp_path / "report.png")
    assert errors == []
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete && e.naturalWidth > 0, e.getAttribute('alt')])"
    )
    assert len(images) >= 3
    assert all(loaded for loaded, _ in images), "a figure did not load"
    assert all(alt and alt.strip() for _, alt in images), "a figure has no alt text"
    toc = page.eval_on_selector_all("nav.improve-toc a", "els => els.map(e => e.hash)")
    for anchor in toc:
        assert page.query_selector(f"[id='{unquote(anchor[1:])}']"), anchor
    assert (tmp_path / "report.png").stat().st_size > 10_000

    index, errors = _open(browser, tmp_path / "index.html", tmp_path / "index.png")
    assert errors == []
    links = index.eval_on_selector_all("a", "els => els.map(e => e.href)")
    assert links
    for link in links:
        target = Path(unquote(urlparse(link).path))
        assert target.exists(), f"index links to a missing file: {target}"
