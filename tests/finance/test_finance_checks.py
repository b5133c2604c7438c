"""A school finance file that is wrong fails with one sentence naming the fix."""

from __future__ import annotations

import pandas as pd
import pytest

from improve.errors import DataError, SpecError
from improve.finance import FinanceMap, NeedWeights, school_table
from improve.finance.checks import check_school_finance_input
from improve.finance.weights import DEFAULT_NEED_WEIGHTS

MAP = {
    "school": "sch",
    "district": "dist",
    "enrollment": "enroll",
    "spending": {"local": "local", "state": "state"},
    "needs": {"poverty": "n_pov"},
    "district_total": "dist_total",
}


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sch": ["A1", "A2", "B1", "B2"],
            "dist": ["A", "A", "B", "B"],
            "enroll": [400, 600, 500, 500],
            "local": [2_000_000, 3_500_000, 1_000_000, 1_200_000],
            "state": [3_000_000, 4_000_000, 5_000_000, 5_200_000],
            "n_pov": [100, 300, 250, 200],
            "dist_total": [12_500_000, 12_500_000, 12_400_000, 12_400_000],
        }
    )


def _table(frame: pd.DataFrame, **changes: object) -> pd.DataFrame:
    return school_table(frame, FinanceMap.from_mapping({**MAP, **changes}))


def test_a_good_file_gives_per_pupil_and_need_weighted_amounts() -> None:
    table = _table(_frame())
    a1 = table.set_index("school").loc["A1"]
    assert a1["per_pupil"] == pytest.approx(5_000_000 / 400)
    assert a1["weighted_pupils"] == pytest.approx(400 + 0.25 * 100)
    assert a1["poverty_share"] == pytest.approx(0.25)
    custom = school_table(_frame(), FinanceMap.from_mapping(MAP), NeedWeights({"poverty": 1.0}))
    assert custom.set_index("school").loc["A1", "weighted_pupils"] == pytest.approx(500)


@pytest.mark.parametrize(("value", "word"), [(0, "zero"), (-5, "negative"), (None, "missing")])
def test_bad_enrollment_names_the_school(value, word) -> None:
    frame = _frame()
    frame.loc[1, "enroll"] = value
    with pytest.raises(DataError, match=rf"{word} enrollment in 'enroll' \(schools A2\)"):
        _table(frame)


def test_thousands_read_as_dollars_is_detected() -> None:
    frame = _frame()
    for column in ("local", "state", "dist_total"):
        frame[column] = frame[column] / 1000
    with pytest.raises(DataError, match="look like thousands.*'dollars: thousands'"):
        _table(frame)
    in_thousands = _table(frame, dollars="thousands")
    assert in_thousands["per_pupil"].tolist() == pytest.approx(_table(_frame())["per_pupil"])


def test_dollars_declared_as_thousands_is_detected() -> None:
    with pytest.raises(DataError, match="look like dollars already: remove 'dollars: thousands'"):
        _table(_frame(), dollars="thousands")


def test_per_pupil_amounts_in_a_total_column_are_implausible() -> None:
    frame = _frame().assign(local=[1.0, 1.0, 1.0, 1.0], state=[10.0, 10.0, 10.0, 10.0])
    with pytest.raises(DataError, match="outside the plausible range"):
        _table(frame.drop(columns="dist_total"), district_total=None)


def test_missing_need_counts_are_named() -> None:
    frame = _frame()
    frame.loc[2, "n_pov"] = None
    with pytest.raises(DataError, match=r"missing poverty counts in 'n_pov' \(schools B1\)"):
        _table(frame)


def test_need_count_above_enrollment() -> None:
    frame = _frame()
    frame.loc[0, "n_pov"] = 401
    with pytest.raises(DataError, match="above enrollment poverty counts"):
        _table(frame)


def test_district_totals_that_do_not_add_up() -> None:
    frame = _frame()
    frame.loc[frame["dist"] == "B", "dist_total"] = 15_000_000
    with pytest.raises(DataError, match=r"1 district totals in 'dist_total' do not match.*B 0"):
        _table(frame)
    frame = _frame()
    frame.loc[3, "dist_total"] = 1
    with pytest.raises(DataError, match="differs between rows of the same district"):
        _table(frame)


def test_a_school_missing_from_its_district_is_caught_by_the_total() -> None:
    with pytest.raises(DataError, match="a school may be missing"):
        _table(_frame().drop(index=3))


def test_percent_shares_declared_as_fractions() -> None:
    frame = _frame().assign(pct_pov=[25.0, 50.0, 50.0, 40.0])
    with pytest.raises(DataError, match="need_share_scale: percent"):
        _table(frame, needs=None, need_shares={"poverty": "pct_pov"})
    table = _table(frame, needs=None, need_shares={"poverty": "pct_pov"},
                   need_share_scale="percent")  # fmt: skip
    assert table["n_poverty"].tolist() == pytest.approx([100, 300, 250, 200])


def test_text_in_a_spending_column() -> None:
    frame = _frame().astype({"local": object})
    frame.loc[0, "local"] = "n/a*"
    with pytest.raises(DataError, match=r"'local' \(local spending\) holds text.*n/a\*"):
        _table(frame)


def test_duplicate_school_rows() -> None:
    frame = pd.concat([_frame(), _frame().iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="appear twice"):
        _table(frame)


def test_map_mistakes() -> None:
    with pytest.raises(SpecError, match="unknown key 'enrolment' \\(did you mean 'enrollment'"):
        FinanceMap.from_mapping({**MAP, "enrolment": "x"})
    with pytest.raises(SpecError, match="needs enrollment"):
        FinanceMap.from_mapping({k: v for k, v in MAP.items() if k != "enrollment"})
    with pytest.raises(DataError, match="'n_pvo' named in the column map.*did you mean 'n_pov'"):
        _table(_frame(), needs={"poverty": "n_pvo"})


def test_weights_are_checked_and_sourced() -> None:
    with pytest.raises(SpecError, match="need weight 'poverty'"):
        NeedWeights({"poverty": -0.1})
    table = NeedWeights().table()
    assert table["weight"].tolist() == list(DEFAULT_NEED_WEIGHTS.values())
    assert table["source"].str.len().min() > 20
    assert NeedWeights.from_parameter({"poverty": 0.5}).table()["source"].iloc[0] == (
        "set by the user"
    )


def test_runner_check_summarises(tmp_path) -> None:
    import yaml

    _frame().to_csv(tmp_path / "f.csv", index=False)
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(MAP))
    line = check_school_finance_input(tmp_path / "f.csv", tmp_path / "m.yaml", {})
    assert line == "data ok: 4 school rows, 4 schools, 2 districts, 1 year"
    with pytest.raises(SpecError, match="needs a column map"):
        check_school_finance_input(tmp_path / "f.csv", None, {})


def test_the_runner_knows_the_school_finance_kind() -> None:
    from improve.runner.inputs import input_check

    assert input_check("school_finance") is check_school_finance_input


def test_the_runner_stops_a_bad_file_before_any_kernel_starts(tmp_path) -> None:
    import yaml

    from improve.runner.run import plan_run

    frame = _frame()
    for column in ("local", "state", "dist_total"):
        frame[column] = frame[column] / 1000
    frame.to_csv(tmp_path / "f.csv", index=False)
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(MAP))
    with pytest.raises(DataError, match="dollars: thousands"):
        plan_run("resource_equity", tmp_path / "f.csv", columns=tmp_path / "m.yaml")
    with pytest.raises(SpecError, match="parameter 'outcome' names 'math'"):
        plan_run(
            "resource_equity", tmp_path / "f.csv", columns=tmp_path / "m.yaml",
            params={"outcome": "math"},
        )  # fmt: skip
    with pytest.raises(SpecError, match="group 'region' needs a region column"):
        plan_run(
            "resource_equity", tmp_path / "f.csv", columns=tmp_path / "m.yaml",
            params={"group": "region"},
        )  # fmt: skip
