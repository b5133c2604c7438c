"""The portfolio index in headless Chromium: sorting, filtering, links, failed runs hidden,
phone width, print view, no console errors, images with alt text."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from improve.runner.publish.index import write_index
from improve.runner.publish.pdf import LAUNCH_ARGS, find_chromium, pdf_unavailable_reason

from .portfolio_runs import HOSTILE, make_portfolio

CHROMIUM = None if pdf_unavailable_reason() else find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    reports = make_portfolio(tmp_path_factory.mktemp("portfolio"), earlier=True)
    return write_index(reports)


@pytest.fixture
def page(index):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(LAUNCH_ARGS))
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(index.as_uri())
        tab.wait_for_load_state("load")
        yield tab, errors
        assert errors == [], errors
        browser.close()


def _column(tab, index: int) -> list[str]:
    return tab.eval_on_selector_all(
        "#portfolio-table tbody tr:not([hidden])",
        f"rows => rows.map(r => r.cells[{index}].textContent.trim())",
    )


def _values(tab, index: int) -> list[str]:
    return tab.eval_on_selector_all(
        "#portfolio-table tbody tr:not([hidden])",
        f"rows => rows.map(r => r.cells[{index}].getAttribute('data-value'))",
    )


@pytest.mark.slow
def test_sorting_by_a_column(page) -> None:
    tab, _ = page
    assert _column(tab, 1) == ["g4", "attendance", "math_ss", "reading_ss"]
    tab.click("th:nth-child(3) button")  # effect, ascending
    effects = [float(v) for v in _values(tab, 2)]
    assert effects == sorted(effects) and len(effects) == 4
    assert _column(tab, 2)[0].startswith("-0.05")
    assert tab.get_attribute("th:nth-child(3)", "aria-sort") == "ascending"
    tab.click("th:nth-child(3) button")
    assert [float(v) for v in _values(tab, 2)] == sorted(effects, reverse=True)
    tab.click("th:nth-child(7) button")  # cost per 0.1 SD: rows without one go last
    assert _column(tab, 6)[0].startswith("$150")


@pytest.mark.slow
def test_filtering(page) -> None:
    tab, _ = page
    tab.fill("#filter-text", "reading")
    assert _column(tab, 1) == ["reading_ss"]
    assert tab.text_content("#shown-count") == "1 of 6 rows shown"
    tab.fill("#filter-text", "")
    tab.select_option("#filter-design", "synthetic control")
    assert _column(tab, 0) == [HOSTILE]
    tab.select_option("#filter-design", "")
    tab.check("#filter-significant")
    assert _column(tab, 1) == ["g4", "math_ss"]
    tab.check("#show-superseded")  # the earlier run's significant row comes back
    assert _column(tab, 1) == ["g4", "math_ss", "math_ss"]
    assert tab.text_content("#shown-count") == "3 of 6 rows shown"


@pytest.mark.slow
def test_links_images_and_failed_runs(page, index) -> None:
    tab, _ = page
    links = tab.eval_on_selector_all("a", "els => els.map(e => e.href)")
    assert len(links) > 10
    for link in links:
        assert Path(unquote(urlparse(link).path)).exists(), link
    images = tab.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete && e.naturalWidth > 0, e.getAttribute('alt')])"
    )
    assert images and all(ok and alt and alt.strip() for ok, alt in images)
    assert not tab.is_visible("tr.status-failed")
    tab.check("#show-failed")
    assert tab.is_visible("tr.status-failed")
    assert tab.evaluate("() => window.__xss === undefined && !document.title.includes('x')")


@pytest.mark.slow
def test_readable_on_a_phone_and_printable(page) -> None:
    tab, _ = page
    tab.set_viewport_size({"width": 390, "height": 800})
    overflow = tab.evaluate(
        "() => { const t = document.getElementById('portfolio-table');"
        " return t.scrollWidth - t.parentElement.clientWidth; }"
    )
    assert overflow <= 1
    assert tab.evaluate(
        "() => getComputedStyle(document.querySelector('#portfolio-table tbody td'),"
        " '::before').content"
    ).startswith('"Program')
    tab.emulate_media(media="print")
    assert not tab.is_visible(".controls")
    assert tab.is_visible("#portfolio-table")
