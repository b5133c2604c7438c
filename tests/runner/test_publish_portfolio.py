"""The portfolio on the index page: rows per program and outcome, joins, escaping, chart."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from improve.runner.publish.forest import forest_svg
from improve.runner.publish.index import collect_runs, latest_runs, render_index
from improve.runner.publish.portfolio import portfolio_rows

from .portfolio_runs import HOSTILE, make_portfolio


def _rows(tmp_path: Path) -> tuple[list[dict], str]:
    latest = latest_runs(collect_runs(make_portfolio(tmp_path)))
    return portfolio_rows(latest), render_index(latest)


def test_one_row_per_program_and_outcome_with_evidence_and_costs(tmp_path: Path) -> None:
    rows, _ = _rows(tmp_path)
    keys = [(r["program"], r["outcome"]) for r in rows]
    assert keys == [
        (HOSTILE, "g4"),
        ("schools.csv", "attendance"),  # evidence only, no program named anywhere
        ("the coach grant", "math_ss"),
        ("the coach grant", "reading_ss"),
    ]
    math = rows[2]
    assert math["effect_sd"] == 0.2 and math["design"] == "staggered difference-in-differences"
    assert math["tier"] == "Tier 2: moderate evidence" and math["wwc"] == "meets with reservations"
    assert math["cost_per_student"] == 300.0 and math["gain_interval"] == "bounded"
    assert rows[3]["tier"] == ""  # the evidence run did not rate reading
    assert rows[0]["design"] == "synthetic control" and rows[0]["cost_per_student"] is None


def test_tier_and_rating_come_from_their_keys_and_old_runs_still_read(tmp_path: Path) -> None:
    from improve.runner.publish.portfolio import _evidence

    table = [{"outcome": "math_ss", "effect_size": 0.2}]
    keyed = {"essa_tier": "Tier 3", "wwc_rating": "does_not_meet", "headline": "x; WWC: y"}
    assert _evidence({**keyed, "evidence": table})["tier"] == "Tier 3"
    assert _evidence({**keyed, "evidence": table})["wwc"] == "does not meet"
    old = {"headline": "Tier 4: demonstrates a rationale; WWC: meets_standards"}
    parsed = _evidence({**old, "evidence": table})
    assert parsed["tier"] == "Tier 4: demonstrates a rationale"
    assert parsed["wwc"] == "meets standards"
    assert _evidence({"headline": "no rating here", "evidence": table})["tier"] == ""


def test_page_escapes_names_and_links_the_files(tmp_path: Path) -> None:
    _, page = _rows(tmp_path)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;co&quot;" in page
    assert page.count("<script>") == 1  # only the page's own
    assert "href='did_evaluation-schools/report.html'" in page
    assert "href='cost_effectiveness-ingredients/report.html'>cost report" in page
    assert "interval unbounded: the effect could be zero" in page
    assert "$150" in page and "$120 to $200" in page
    # the failed run is listed (hidden until asked for) and the portfolio ignores it
    assert "<tr class='status-failed'>" in page and "show the 1 failed run" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_forest_chart_is_an_image_with_alt_text_and_escaped_labels(tmp_path: Path) -> None:
    rows, page = _rows(tmp_path)
    (uri,) = re.findall(r"src='data:image/svg\+xml;base64,([^']+)'", page)
    svg = base64.b64decode(uri).decode("utf-8")
    assert svg == forest_svg(rows)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<circle") == 4
    assert re.search(r"<img class='forest'[^>]* alt='Forest chart of 4 effects", page)


def test_no_runs_no_portfolio(tmp_path: Path) -> None:
    page = render_index([])
    assert "No evaluation with an effect" in page and "No runs yet" in page


def test_an_earlier_run_of_the_same_question_is_kept_but_hidden(tmp_path: Path) -> None:
    latest = latest_runs(collect_runs(make_portfolio(tmp_path, earlier=True)))
    rows = portfolio_rows(latest)
    old = [r for r in rows if r["superseded"]]
    assert [(r["run"]["run_id"], r["outcome"]) for r in old] == [
        ("did_evaluation-schools-2023", "math_ss"),
        ("did_evaluation-schools-2023", "reading_ss"),
    ]
    page = render_index(latest)
    assert page.count("data-superseded='1' hidden>") == 2
    assert "show 2 superseded rows" in page and "4 of 6 rows shown" in page
    assert "did_evaluation-schools-2023/report.html" in page


def test_effects_are_never_shown_as_minus_zero(tmp_path: Path) -> None:
    _, page = _rows(tmp_path)
    assert "-0.00" not in page and "-0.05<br><small>-0.10 to 0.00</small>" in page
