"""The improvement-cycles evaluation on the simulated network, and the demo's regeneration."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

from improve.demo.qi import write_qi_demo
from improve.errors import SpecError
from improve.qi.evaluation import evaluate_cycles, phase_labels
from improve.qi.series import check_qi_input, load_qi_series

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo_qi"


def test_qi_demo_regenerates_byte_identically(tmp_path: Path) -> None:
    paths = write_qi_demo(tmp_path)
    for name, path in paths.items():
        assert path.read_bytes() == (DEMO / path.name).read_bytes(), name
    assert "SYNTHETIC" in (DEMO / "README.md").read_text()


@pytest.fixture(scope="module")
def series():
    return load_qi_series(DEMO / "network.csv", DEMO / "columns.yaml")


@pytest.mark.parametrize("measure", ["attendance", "benchmark"])
def test_every_true_shift_is_found_as_an_upward_signal(series, measure: str) -> None:
    truth = json.loads((DEMO / "truth.json").read_text())
    ev = evaluate_cycles(series, measure)
    table = ev.shifts.tidy()
    for cycle, schools in truth["logit_shifts"][measure].items():
        rows = table[(table["phase_after"] == cycle) & table["facet"].isin(list(schools))]
        assert len(rows) == len(schools)
        assert (rows["direction"] == "up").all() and rows["signal"].all(), rows
    assert any(s.startswith(ev.measure.label.capitalize()) for s in ev.summary_sentences())


def test_chart_is_chosen_from_the_measure(series) -> None:
    assert evaluate_cycles(series, "attendance").chart == "pp"  # overdispersed, large n
    assert evaluate_cycles(series, "benchmark", chart="p").chart == "p"


def test_small_denominators_are_suppressed_everywhere(series) -> None:
    ev = evaluate_cycles(series, "benchmark", min_cell_size=10)
    points = ev.control.tidy()
    small = series.data["students_assessed"] < 10
    assert small.any()
    assert points["n"].dropna().min() >= 10
    assert ev.control.suppression_note and "not shown" in ev.control.summary()


def test_cycle_starts_override_the_phase_column(series) -> None:
    ev = evaluate_cycles(series, "attendance", cycle_starts=["2024-01-29"])
    assert set(ev.shifts.tidy()["phase_after"]) == {"cycle 1"}
    labels = phase_labels(series.data["week"], {"late": "2025-01-06"})
    assert set(labels) == {"baseline", "late"}


def test_runner_check_summarises_and_rejects_unknown_measures() -> None:
    text = check_qi_input(DEMO / "network.csv", DEMO / "columns.yaml", {"measure": ""})
    assert text.startswith("data ok: 864 rows, 12 units, 72 periods")
    with pytest.raises(SpecError, match="not in the column map"):
        check_qi_input(DEMO / "network.csv", DEMO / "columns.yaml", {"measure": "math"})


def test_unit_names_are_pseudonymised_unless_public(series) -> None:
    from dataclasses import replace

    hidden = evaluate_cycles(replace(series, public_units=False), "attendance")
    names = set(hidden.control.tidy()["facet1"])
    assert names == {f"School {i:02d}" for i in range(1, 13)}
    assert set(hidden.shifts.tidy()["facet"]) == names


@pytest.mark.parametrize(
    ("kind", "column", "chart"),
    [("continuous", "attended_days", "i"), ("count", "students_met_benchmark", "c")],
)
def test_other_measure_types_choose_their_chart(series, kind, column, chart) -> None:
    from dataclasses import replace

    from improve.qi.series import MeasureSpec

    measure = MeasureSpec(name="m", numerator=column, denominator=None, type=kind, label="m")
    ev = evaluate_cycles(replace(series, measures={"m": measure}), "m")
    assert ev.chart == chart and ev.funnel is None
    assert len(ev.shifts.tidy()) == 36 and ev.summary_sentences()


def test_gap_warning_is_one_sentence_for_the_whole_network(series) -> None:
    warnings = evaluate_cycles(series, "attendance").control.warnings
    gaps = [w for w in warnings if "not regular" in w]
    assert len(gaps) == 1 and gaps[0].startswith("In every panel")


def test_runner_check_rejects_bad_chart_and_dates() -> None:
    check = DEMO / "network.csv", DEMO / "columns.yaml"
    with pytest.raises(SpecError, match="chart must be"):
        check_qi_input(*check, {"chart": "pie"})
    with pytest.raises(SpecError, match="not a date"):
        check_qi_input(*check, {"cycle_starts": ["next week"]})


def test_a_single_series_without_units(series) -> None:
    from dataclasses import replace

    one = series.data[series.data["school"] == "School A"]
    ev = evaluate_cycles(replace(series, data=one, unit=None), "attendance")
    assert ev.funnel is None and len(ev.shifts.tidy()) == 3


def test_runner_check_stops_zero_denominators_before_running(tmp_path: Path) -> None:
    from improve.errors import DataError

    data = load_qi_series(DEMO / "network.csv", DEMO / "columns.yaml").data
    bad = data.assign(enrolled_days=data["enrolled_days"].where(data.index != 3, 0))
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataError, match="'enrolled_days' is zero or negative"):
        check_qi_input(tmp_path / "bad.csv", DEMO / "columns.yaml", {})
