"""Units a balanced-panel estimator drops: counted by reason, and the same count att_gt drops."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from improve.data import load_panel
from improve.data.balance import BalancedPanelLosses, balanced_panel_losses
from improve.did import att_gt

MAP = {"unit": "school", "time": "year", "cohort": "first", "outcomes": ["score"]}
YEARS = (2016, 2017, 2018, 2019, 2020)


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for s in range(60):
        first = (0, 2018, 2019)[s % 3]
        for year in YEARS:
            value = f"{500 + rng.normal(0, 5) + (3 if first and year >= first else 0):.1f}"
            rows.append({"school": f"s{s:03d}", "year": year, "first": first, "score": value})
    frame = pd.DataFrame(rows)
    at = frame.set_index(["school", "year"]).index
    for s in range(0, 6):  # six schools with a suppressed cell
        frame.loc[at.get_loc((f"s{s:03d}", 2018)), "score"] = "*"
    frame.loc[at.get_loc(("s006", 2017)), "score"] = ""  # one empty cell
    late = frame["school"].isin(["s007", "s008"]) & (frame["year"] == 2016)
    gap = (frame["school"] == "s009") & (frame["year"] == 2019)
    early = (frame["school"] == "s010") & (frame["year"] == 2020)
    return frame[~(late | gap | early)].reset_index(drop=True)


def test_losses_by_reason_and_sentence():
    panel = load_panel(_frame(), columns=MAP)
    losses = balanced_panel_losses(panel, "score")
    assert (losses.n_units, losses.n_dropped, losses.n_periods) == (60, 11, 5)
    assert dict(zip(losses.table["reason"], losses.table["units"], strict=True)) == {
        "suppressed": 6,
        "missing_value": 1,
        "enters_late": 2,
        "leaves_early": 1,
        "gap": 1,
    }
    text = losses.sentence("mean score")
    assert text.startswith("For mean score, a balanced-panel estimator drops 11 of 60 units (18%)")
    assert "6 with a suppressed or coded outcome value in some period" in text
    assert text.endswith("and 1 with no row for a period in between.")


def test_count_matches_what_att_gt_drops():
    panel = load_panel(_frame(), columns=MAP)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        att_gt(panel, "score")
    dropped = [re.search(r"dropped (\d+) units not observed", str(w.message)) for w in caught]
    counts = [int(m.group(1)) for m in dropped if m]
    assert counts == [balanced_panel_losses(panel, "score").n_dropped]


def test_a_complete_panel_loses_nothing_and_says_so():
    frame = _frame()
    complete = frame.groupby("school")["year"].transform("size") == len(YEARS)
    frame = frame[complete & ~frame["school"].isin([f"s{s:03d}" for s in range(7)])]
    columns = {**MAP, "labels": {"unit": "school"}}
    losses = balanced_panel_losses(load_panel(frame, columns=columns))
    assert losses.n_dropped == 0 and losses.table.empty
    assert losses.sentence() == (
        "For score, every one of the 49 schools has a value in all 5 periods, so a "
        "balanced-panel estimator keeps them all."
    )


def test_subgroup_rows_count_each_period_once():
    frame = _frame()
    both = pd.concat([frame.assign(group="a"), frame.assign(group="b")], ignore_index=True)
    panel = load_panel(both, columns={**MAP, "subgroups": ["group"]})
    losses = balanced_panel_losses(panel, "score")
    assert (losses.n_units, losses.n_dropped) == (60, 11)


def test_sentence_withholds_small_counts_unless_units_are_public():
    panel = load_panel(_frame(), columns=MAP)
    text = balanced_panel_losses(panel, "score").sentence(min_cell_size=5)
    assert "drops 11 of 60 units (18%)" in text
    assert "6 with a suppressed" in text
    assert "fewer than 5 with a missing outcome" in text
    assert "fewer than 5 with no row for a period in between" in text
    assert not re.search(r"\b[1-4] with", text)
    # one small reason: the next smallest is withheld too
    one_small = balanced_panel_losses(panel, "score")
    table = one_small.table[one_small.table["reason"].isin(["suppressed", "enters_late"])]
    two = BalancedPanelLosses("score", 60, 8, 5, table.reset_index(drop=True))
    assert two.sentence(min_cell_size=3) == (
        "For score, a balanced-panel estimator drops 8 of 60 units (13%) that lack a value in "
        "some of the 5 periods: some with a suppressed or coded outcome value in some period "
        "and fewer than 3 with first observed after the first period."
    )
    assert "fewer than 20 of 60 units" in two.sentence(min_cell_size=20)
    public = load_panel(_frame(), columns={**MAP, "public_counts": ["units"]})
    assert "1 with a missing outcome" in balanced_panel_losses(public, "score").sentence(
        min_cell_size=5
    )
