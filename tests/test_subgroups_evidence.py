"""Subgroup runs, their comparison and suppression, and the evidence summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.data import PanelSpec, load_panel
from improve.effects.evidence import evidence_summary
from improve.subgroups import attach_timing, by_subgroup, did_subgroup_estimator

from sample_data import SCHOOL_MAP, make_school_panel

#: Minimum cell size of the subgroup runs (group C, with 3 tested students, falls under it).
MIN_CELL = 10


def make_schools():
    """The school panel of these tests (80 simulated schools)."""
    return load_panel(make_school_panel(n_schools=80, seed=5), columns=SCHOOL_MAP)


@pytest.fixture(scope="module")
def schools():
    return make_schools()


@pytest.fixture(scope="module")
def subgroup_rows(schools):
    return make_subgroup_rows(schools)


def make_subgroup_rows(schools):
    """Subgroup rows: group A gets +6 on top of the school effect, group B none, C tiny."""
    rng = np.random.default_rng(2)
    base = schools.data[["school_id", "school_year", "district_id", "first_grant_year", "math_ss"]]
    rows = []
    for name, extra, size in (
        ("A", 6.0, 40),
        ("B", 0.0, 40),
        ("C", 0.0, 3),
        ("all_students", 3.0, 83),
    ):
        treated = (base["first_grant_year"] > 0) & (base["school_year"] >= base["first_grant_year"])
        frame = base.assign(
            subgroup=name,
            n_tested=size,
            math_ss=base["math_ss"] + extra * treated + rng.normal(0, 1, len(base)),
        )
        rows.append(frame.drop(columns="first_grant_year"))
    data = pd.concat(rows, ignore_index=True)
    spec = PanelSpec(
        unit="school_id",
        time="school_year",
        outcomes=("math_ss",),
        covariates=("n_tested",),
        cluster="district_id",
        subgroups=("subgroup",),
    )
    return attach_timing(load_panel(data, spec=spec, validate_timing=False), schools)


def run_subgroups(subgroup_rows):
    """The subgroup analysis these tests check (and the data-safety scan publishes)."""
    return by_subgroup(
        subgroup_rows,
        did_subgroup_estimator("math_ss", covariates=[]),
        min_cell_size=MIN_CELL,
        count_column="n_tested",
    )


def write_published_outputs(folder: Path) -> tuple[list[Path], set[str]]:
    """Write what a report shows of these runs; return the files and the school ids.

    Used by ``tests/runner/test_data_safety.py`` to scan the subgroup outputs for unit ids
    and unsuppressed small cells: the subgroup estimates and comparisons as CSV and HTML,
    the forest plot as SVG, and the evidence summary table as CSV.
    """
    import matplotlib.pyplot as plt

    from improve.did.evaluation import evaluate

    schools = make_schools()
    result = run_subgroups(make_subgroup_rows(schools))
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "subgroups.csv", folder / "subgroup_differences.csv"]
    result.tidy().to_csv(files[0], index=False)
    result.differences.to_csv(files[1], index=False)
    files.append(folder / "subgroups.html")
    files[-1].write_text(result.tidy().to_html(index=False), encoding="utf-8")
    fig = result.plot("points")
    files.append(folder / "subgroups.svg")
    fig.savefig(files[-1])
    plt.close(fig)
    overall = {
        o: evaluate(schools, o, covariates=[]).simple.tidy().iloc[0]
        for o in ("math_ss", "reading_ss")
    }
    summary = evidence_summary(
        schools, overall, domains={"math_ss": "achievement", "reading_ss": "achievement"}, better={}
    )
    files.append(folder / "evidence_summary.csv")
    summary.table.to_csv(files[-1], index=False)
    return files, set(schools.data["school_id"])


def test_by_subgroup_recovers_difference_and_suppresses_small_groups(subgroup_rows):
    result = run_subgroups(subgroup_rows)
    est = result.estimates.set_index("subgroup")
    assert bool(est.loc["C", "suppressed"]) and np.isnan(est.loc["C", "estimate"])
    assert est.loc["A", "estimate"] - est.loc["B", "estimate"] == pytest.approx(6.0, abs=1.0)
    diff = result.differences.set_index("term")
    assert list(diff.index) == ["A − B"]  # all_students and suppressed C are not compared
    assert bool(diff.loc["A − B", "significant_bh"])
    assert result.heterogeneity["df"] == 1
    fig = result.plot("points")
    assert {t.get_text() for t in fig.axes[0].get_yticklabels()} == {"A", "B", "C", "all students"}


def test_evidence_summary_rates_a_qed_with_unequal_baselines(schools):
    from improve.did.evaluation import evaluate

    overall = {
        o: evaluate(schools, o, covariates=[]).simple.tidy().iloc[0]
        for o in ("math_ss", "reading_ss")
    }
    summary = evidence_summary(
        schools, overall, domains={"math_ss": "achievement", "reading_ss": "achievement"}, better={}
    )
    table = summary.table.set_index("outcome")
    sd = summary.sds["math_ss"].value
    assert table.loc["math_ss", "effect_size"] == pytest.approx(
        table.loc["math_ss", "estimate"] / sd
    )
    assert table.loc["math_ss", "attrition_level"] == "low"
    assert "p_adjusted" in table.columns
    assert summary.rating.design == "quasi_experimental"
    assert summary.reasons()


def test_subgroup_intervals_use_the_estimators_degrees_of_freedom(schools):
    from scipy import stats

    column = "__level"
    data = schools.data.assign(**{column: np.where(schools.data.index % 2 == 0, "x", "y")})
    panel = type(schools)(data=data, spec=schools.spec, report=schools.report)

    def estimator(sub):
        return {"estimate": 1.0, "std_error": 0.5, "df": 4.0}

    def normal(sub):
        return {"estimate": 1.0, "std_error": 0.5}

    t_rows = by_subgroup(panel, estimator, column=column, min_cell_size=1).estimates
    z_rows = by_subgroup(panel, normal, column=column, min_cell_size=1).estimates
    t_row = t_rows.loc[t_rows["subgroup"] == "x"].iloc[0]
    z_row = z_rows.loc[z_rows["subgroup"] == "x"].iloc[0]
    assert t_row["conf_high"] == pytest.approx(1.0 + stats.t.ppf(0.975, 4) * 0.5)
    assert z_row["conf_high"] == pytest.approx(1.0 + 1.959963984540054 * 0.5)
    assert t_row["p_value"] == pytest.approx(2 * stats.t.sf(2.0, 4))
