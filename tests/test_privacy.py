"""Privacy: primary and complementary suppression, top/bottom coding, table notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from improve.report.privacy import (
    DEFAULT_MIN_CELL_SIZE,
    recoverable_cells,
    suppress_small_cells,
    suppress_table,
    suppression_note,
    top_bottom_code,
)


def _with_margins(body: pd.DataFrame) -> pd.DataFrame:
    t = body.copy()
    t.loc["all_students"] = t.sum()
    t["total"] = t.sum(axis=1)
    return t


def _bounds_by_lp(table: pd.DataFrame, mask: pd.DataFrame) -> list[tuple[float, float]]:
    """Independent audit: the range each suppressed cell can take given every published
    cell, the row/column additivity and non-negativity (continuous relaxation)."""
    values = table.to_numpy(dtype=float)
    hidden = list(zip(*np.nonzero(mask.to_numpy()), strict=True))
    pos = {cell: k for k, cell in enumerate(hidden)}
    n_rows, n_cols = values.shape
    a_eq, b_eq = [], []
    lines = [[(r, c) for r in range(n_rows - 1)] + [(n_rows - 1, c)] for c in range(n_cols)]
    lines += [[(r, c) for c in range(n_cols - 1)] + [(r, n_cols - 1)] for r in range(n_rows)]
    for line in lines:
        *members, total = line
        coef = np.zeros(len(hidden))
        rhs = 0.0
        for cell, sign in [(m, 1.0) for m in members] + [(total, -1.0)]:
            if cell in pos:
                coef[pos[cell]] += sign
            else:
                rhs -= sign * values[cell]
        if coef.any():
            a_eq.append(coef)
            b_eq.append(rhs)
    out = []
    for k in range(len(hidden)):
        c = np.zeros(len(hidden))
        c[k] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None)).fun
        hi = -linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None)).fun
        out.append((lo, hi))
    return out


def test_primary_and_complementary_in_subgroup_by_school_table() -> None:
    body = pd.DataFrame(
        {"A": [20, 3, 17], "B": [30, 12, 18], "C": [25, 15, 10]},
        index=["female", "male", "nonbinary"],
    )
    t = _with_margins(body)
    res = suppress_table(t, row_total="all_students", col_total="total")
    assert res.primary.sum().sum() == 1 and res.primary.loc["male", "A"]
    assert res.complementary.to_numpy().sum() >= 3
    assert pd.isna(res.table.loc["male", "A"])
    # no row or column (with its total) has exactly one suppressed cell
    m = res.mask
    assert not ((m.sum(axis=0) == 1).any() or (m.sum(axis=1) == 1).any())
    # and no suppressed value can be recovered by subtraction or by combining equations
    assert recoverable_cells(t, m, row_total="all_students", col_total="total") == []
    for lo, hi in _bounds_by_lp(t, m):
        assert hi - lo > 0.5
    # the visible note
    assert "fewer than 10" in res.note and "recovered from totals" in res.note
    assert res.table.attrs["note"] == res.note
    shown = res.display(marker="*")
    assert shown.loc["male", "A"] == "*" and "shown as *" in shown.attrs["note"]


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_never_leak(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)))
    body = pd.DataFrame(rng.choice([0, 2, 4, 7, 9, 11, 15, 30, 60], size=shape))
    body.index = [f"g{i}" for i in range(shape[0])]
    body.columns = [f"s{j}" for j in range(shape[1])]
    t = _with_margins(body)
    res = suppress_table(t, min_cell_size=10, row_total="all_students", col_total="total")
    small = (t.to_numpy() > 0) & (t.to_numpy() < 10)
    assert (res.primary.to_numpy() == small).all()
    assert recoverable_cells(t, res.mask, row_total="all_students", col_total="total") == []
    for lo, hi in _bounds_by_lp(t, res.mask):
        assert hi - lo > 1e-6


def test_recoverable_cells_detects_a_leak() -> None:
    t = _with_margins(pd.DataFrame({"A": [20, 3], "B": [30, 40]}, index=["x", "y"]))
    only_primary = suppress_table(t, row_total="all_students", col_total="total").primary
    leaks = recoverable_cells(t, only_primary, row_total="all_students", col_total="total")
    assert leaks == [("y", "A")]


def test_subgroup_families_add_to_all_students() -> None:
    counts = pd.DataFrame(
        {"n": [120, 64, 56, 115, 5, 70, 50]},
        index=["all_students", "female", "male", "english", "el", "frl", "not_frl"],
    )
    res = suppress_table(
        counts,
        row_total="all_students",
        row_groups=[["female", "male"], ["english", "el"], ["frl", "not_frl"]],
        totals_known=False,
    )
    hidden = set(counts.index[res.mask["n"]])
    assert hidden == {"el", "english"}  # the complement is in the same family only
    assert (
        recoverable_cells(
            counts,
            res.mask,
            row_total="all_students",
            row_groups=[["female", "male"], ["english", "el"], ["frl", "not_frl"]],
            totals_known=False,
        )
        == []
    )


def test_totals_published_elsewhere_are_protected_by_default() -> None:
    body = pd.DataFrame({"A": [20, 4], "B": [30, 40]}, index=["x", "y"])
    res = suppress_table(body)  # no margins in the table, but the sums may be public
    assert res.mask.to_numpy().sum() == 4
    assert suppress_table(body, totals_known=False).mask.to_numpy().sum() == 1


def test_min_cell_size_is_a_parameter() -> None:
    body = _with_margins(pd.DataFrame({"A": [20, 12], "B": [30, 40]}, index=["x", "y"]))
    assert not suppress_table(body, row_total="all_students", col_total="total").mask.any().any()
    res = suppress_table(body, min_cell_size=15, row_total="all_students", col_total="total")
    assert res.primary.loc["y", "A"] and "fewer than 15" in res.note
    assert DEFAULT_MIN_CELL_SIZE == 10
    with pytest.raises(ValueError, match="min_cell_size"):
        suppress_table(body, min_cell_size=0)
    with pytest.raises(ValueError, match="row_total"):
        suppress_table(body, row_total="everyone")


def test_zeros_are_shown_unless_asked() -> None:
    body = _with_margins(pd.DataFrame({"A": [0, 30], "B": [30, 40]}, index=["x", "y"]))
    assert not suppress_table(body, row_total="all_students", col_total="total").mask.any().any()
    res = suppress_table(body, row_total="all_students", col_total="total", suppress_zeros=True)
    assert res.primary.loc["x", "A"]


def test_top_bottom_coding() -> None:
    t = pd.DataFrame(
        {
            "school": ["a", "b", "c", "d"],
            "pct_prof": [3.2, 50.44, 97.0, np.nan],
            "share": [0.5, 0.04, 0.96, 0.2],
        }
    )
    out = top_bottom_code(t, ["pct_prof"])
    assert list(out["pct_prof"].iloc[:3]) == ["<5%", "50%", ">95%"]
    assert pd.isna(out["pct_prof"].iloc[3])
    out = top_bottom_code(t, ["share"], proportion=True, decimals=1)
    assert list(out["share"]) == ["50.0%", "<5%", ">95%", "20.0%"]
    assert "<5%" in out.attrs["note"] and ">95%" in out.attrs["note"]
    assert t["pct_prof"].iloc[0] == 3.2  # input untouched
    with pytest.raises(ValueError):
        top_bottom_code(t, ["pct_prof"], low=50, high=40)


def test_suppression_note_parts() -> None:
    note = suppression_note(10, complementary=True, coded=(5, 95))
    assert "fewer than 10" in note and "recovered" in note and "<5%" in note


def test_suppress_small_cells_unchanged() -> None:
    table = pd.DataFrame(
        {"cohort": [2018, 2019, 2020], "n_units": [12, 4, 0], "att": [1.5, 2.0, 0.3]}
    )
    out = suppress_small_cells(table, "n_units")
    assert list(out["suppressed"]) == [False, True, False]
    assert pd.isna(out.loc[1, "att"]) and pd.isna(out.loc[1, "n_units"])
    assert out.loc[0, "att"] == 1.5 and out.loc[2, "n_units"] == 0
    assert list(out["cohort"]) == [2018, 2019, 2020]


def test_suppress_counts_adds_a_complementary_cell():
    from improve.report.privacy import suppress_counts

    out = suppress_counts({0: 48, 2017: 14, 2020: 9, 2022: 11}, min_cell_size=10)
    assert out[2020] == "<10"
    assert out[2022] == "suppressed"  # else 9 = total - the others
    assert out[0] == 48 and out[2017] == 14
    two = suppress_counts({0: 40, 2017: 3, 2018: 4}, min_cell_size=10)
    assert two == {0: 40, 2017: "<10", 2018: "<10"}
    assert suppress_counts({0: 40, 2017: 30}, min_cell_size=10) == {0: 40, 2017: 30}


def test_suppress_small_cells_complementary_row():
    import pandas as pd

    from improve.report.privacy import suppress_small_cells

    table = pd.DataFrame(
        {
            "cohort": [2017, 2018, 2019, 0],
            "units": [9, 12, 30, 40],
            "share": [0.1, 0.13, 0.33, 0.44],
        }
    )
    plain = suppress_small_cells(table, "units", 10)
    assert plain["suppressed"].tolist() == [True, False, False, False]
    both = suppress_small_cells(table, "units", 10, complementary=True)
    assert both["suppressed"].tolist() == [True, True, False, False]
    assert both["units"].isna().tolist() == [True, True, False, False]
    assert both["cohort"].tolist() == [2017, 2018, 2019, 0]


def _state_panel(public_counts):
    from improve.data import load_panel

    rows = []
    for s in range(27):
        first = 2005 if s == 0 else 0
        for year in (2003, 2004, 2005, 2006):
            rows.append({"state": f"S{s:02d}", "year": year, "first": first, "rate": 0.1 * s})
    columns = {"unit": "state", "time": "year", "cohort": "first", "outcomes": ["rate"]}
    if public_counts is not None:
        columns["public_counts"] = public_counts
    return load_panel(pd.DataFrame(rows), columns=columns)


def test_public_unit_counts_are_not_suppressed():
    from improve.report.privacy import publishable_load_report, suppress_counts

    counts = {0: 26, 2005: 1}
    assert suppress_counts(counts, 10) == {0: "suppressed", 2005: "<10"}
    assert suppress_counts(counts, 10, public=True) == counts

    hidden = publishable_load_report(_state_panel(None).report, 10)
    assert hidden.cohorts == {0: "suppressed", 2005: "<10"}
    panel = _state_panel(["units"])
    assert panel.spec.public_counts == ("units",) and panel.spec.counts_public("units")
    shown = publishable_load_report(panel.report, 10)
    assert shown.cohorts == {0: 26, 2005: 1}
    assert "never treated: 26" in shown.to_text()
    assert "Public:   counts of units (not suppressed)" in shown.to_text()
    assert "Public" not in hidden.to_text()
    assert publishable_load_report(panel.report, 10, public=False).cohorts == hidden.cohorts
    assert shown.to_dict()["public_counts"] == ["units"]
    assert "public_counts" not in hidden.to_dict()


def test_public_counts_leave_a_count_table_whole():
    table = pd.DataFrame({"cohort": [2005, 0], "units": [1, 26], "share": [1 / 27, 26 / 27]})
    blanked = suppress_small_cells(table, "units", 10, complementary=True)
    assert blanked["units"].isna().all() and blanked["suppressed"].all()
    kept = suppress_small_cells(table, "units", 10, complementary=True, public=True)
    assert kept["units"].tolist() == [1, 26] and not kept["suppressed"].any()
    pd.testing.assert_frame_equal(kept.drop(columns="suppressed"), table, check_dtype=False)


def test_public_counts_key_is_checked():
    from improve.data import ColumnMap
    from improve.errors import SpecError

    base = {"unit": "state", "time": "year"}
    assert ColumnMap.from_dict({**base, "public_counts": "units"}).spec.public_counts == ("units",)
    both = ColumnMap.from_dict({**base, "public_counts": ["clusters", "units"]}).spec
    assert both.public_counts == ("clusters", "units")
    with pytest.raises(SpecError, match="did you mean 'units'"):
        ColumnMap.from_dict({**base, "public_counts": ["unit"]})


def test_publishable_load_report_shows_no_local_folders(tmp_path):
    from improve.data import load_panel
    from improve.report.privacy import publishable_load_report

    folder = tmp_path / "partner" / "2023"
    folder.mkdir(parents=True)
    _state_panel(None).data.to_csv(folder / "states.csv", index=False)
    columns = {"unit": "state", "time": "year", "cohort": "first", "outcomes": ["rate"]}
    report = load_panel(folder / "states.csv", columns=columns).report
    shown = publishable_load_report(report, 10)
    assert shown.source == "states.csv" and str(tmp_path) not in shown.to_text()
    assert (
        publishable_load_report(report, 10, data_dir=tmp_path).source == "partner/2023/states.csv"
    )
    assert report.source == str(folder / "states.csv")  # the report itself keeps the full path
