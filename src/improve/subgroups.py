"""Run any estimator by subgroup, compare subgroups, and keep small groups out of reports.

Subgroups come either as *subgroup rows* (a state file with one row per school, year and
student group, as ``data/demo/subgroups.csv``) or as a column of *student-level* data. The
estimator is any function that takes a :class:`~improve.data.Panel` and returns one
estimate with its standard error, so the same machinery serves staggered DiD, two-way fixed
effects or a fixed-effects dose response.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from improve.data.load import Panel
from improve.effects.multiple import benjamini_hochberg
from improve.errors import EstimationError, ImproveError, SpecError

#: An estimator for one subgroup: Panel -> mapping with ``estimate`` and ``std_error``.
SubgroupEstimator = Callable[[Panel], Mapping[str, float]]


@dataclass(frozen=True)
class SubgroupResult:
    """Estimates by subgroup and the tests of their differences.

    Attributes
    ----------
    estimates : pandas.DataFrame
        One row per subgroup: ``subgroup, estimate, std_error, statistic, p_value,
        conf_low, conf_high, n_units, suppressed, note``.
    differences : pandas.DataFrame
        Pairwise differences with BH-adjusted p-values (``p_value_bh``) and a column
        ``significant_bh`` at ``alpha``.
    heterogeneity : dict
        Cochran's Q test that all subgroup effects are equal (``q``, ``df``, ``p_value``).
    alpha : float
    min_cell_size : int
    note : str
        How the differences were tested (independence approximation).
    """

    estimates: pd.DataFrame
    differences: pd.DataFrame
    heterogeneity: dict[str, float]
    alpha: float
    min_cell_size: int
    note: str

    def tidy(self) -> pd.DataFrame:
        """The subgroup estimates (``term`` = subgroup)."""
        out = self.estimates.rename(columns={"subgroup": "term"})
        return out

    def plot(self, outcome_label: str = "Effect", title: str | None = None) -> Any:
        """Forest plot of the published (unsuppressed) subgroup estimates."""
        from improve.report.did_figures import plot_forest

        return plot_forest(
            self.estimates, outcome_label=outcome_label, title=title, level=1 - self.alpha
        )


def attach_timing(subgroup_panel: Panel, unit_panel: Panel) -> Panel:
    """Copy each unit's treatment timing (and cluster) from a unit-level panel.

    Subgroup files rarely carry program timing; the school file does.
    """
    spec = unit_panel.spec
    if spec.cohort is None:
        raise SpecError("the unit-level panel has no treatment timing to attach")
    timing = unit_panel.data.groupby(spec.unit, observed=True)[spec.cohort].first()
    data = subgroup_panel.data.copy()
    sub_unit = subgroup_panel.spec.unit
    data[spec.cohort] = data[sub_unit].map(timing)
    missing = data[spec.cohort].isna()
    if missing.any():
        n = int(data.loc[missing, sub_unit].nunique())
        warnings.warn(
            f"{n} units in the subgroup file have no timing in the unit file; they are dropped",
            stacklevel=2,
        )
        data = data.loc[~missing]
    data[spec.cohort] = data[spec.cohort].astype("int64")
    new_spec = replace(subgroup_panel.spec, cohort=spec.cohort)
    return Panel(data=data.reset_index(drop=True), spec=new_spec, report=subgroup_panel.report)


def _subset(panel: Panel, column: str, level: Any) -> Panel:
    data = panel.data.loc[panel.data[column] == level].reset_index(drop=True)
    return Panel(data=data, spec=replace(panel.spec, subgroups=()), report=panel.report)


def by_subgroup(
    panel: Panel,
    estimator: SubgroupEstimator,
    *,
    column: str | None = None,
    levels: Sequence[Any] | None = None,
    min_cell_size: int = 10,
    count_column: str | None = None,
    alpha: float = 0.05,
    compare_exclude: Sequence[Any] = ("all_students", "all", "total"),
) -> SubgroupResult:
    """Estimate separately in each subgroup and test whether the effects differ.

    Parameters
    ----------
    panel : Panel
        Subgroup rows (one per unit × period × subgroup) or student-level rows.
    estimator : callable
        Takes the subgroup's Panel; returns a mapping with ``estimate`` and ``std_error``
        (and optionally ``df``, degrees of freedom for t intervals).
    column : str, optional
        Subgroup column (default: the spec's first subgroup column).
    levels : sequence, optional
        Subgroups to run, in display order (default: all, sorted).
    min_cell_size : int
        A subgroup estimate is suppressed (not shown, not tested) when fewer than this many
        units contribute, or when ``count_column`` says the group is smaller than this.
    count_column : str, optional
        Column holding the group's size per row (e.g. students tested); rows below
        ``min_cell_size`` are dropped before estimation, as published files suppress them.
    alpha : float
        Level for intervals and the BH-adjusted tests.
    compare_exclude : sequence
        Groups estimated and shown but left out of the comparisons (the all-students row
        overlaps every other group).

    Notes
    -----
    Pairwise differences are tested as if subgroup estimates were independent. Subgroups of
    the same schools share school-level shocks, which makes their estimates positively
    correlated; the independence approximation then overstates the variance of a
    difference, so the tests are conservative.
    """
    column = column or (panel.spec.subgroups[0] if panel.spec.subgroups else None)
    if column is None or column not in panel.data.columns:
        raise SpecError("say which column holds the subgroups (column=...)")
    data = panel.data
    all_levels = sorted(data[column].dropna().unique())
    if count_column is not None:
        counts = data[count_column]
        data = data.loc[counts.notna() & (counts >= min_cell_size)]
        panel = Panel(data=data, spec=panel.spec, report=panel.report)
    levels = list(levels) if levels is not None else all_levels
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for level in levels:
        sub = _subset(panel, column, level)
        n_units = int(sub.data[panel.spec.unit].nunique())
        row: dict[str, Any] = {
            "subgroup": level,
            "n_units": n_units,
            "suppressed": False,
            "note": "",
        }
        if n_units < min_cell_size:
            row.update(suppressed=True, note=f"fewer than {min_cell_size} units")
            rows.append(row)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = estimator(sub)
            est, se = float(out["estimate"]), float(out["std_error"])
            dof = float(out.get("df", np.inf))
        except (ImproveError, np.linalg.LinAlgError, ValueError) as exc:
            row.update(suppressed=True, note=f"not estimable: {str(exc)[:120]}")
            rows.append(row)
            continue
        # t reference when the estimator reports degrees of freedom (clustered CR2)
        finite = np.isfinite(dof)
        crit = float(stats.t.ppf(1 - alpha / 2, dof)) if finite else z
        tail = stats.t.sf(abs(est / se), dof) if finite else stats.norm.sf(abs(est / se))
        row.update(
            estimate=est,
            std_error=se,
            statistic=est / se,
            p_value=float(2 * tail),
            conf_low=est - crit * se,
            conf_high=est + crit * se,
        )
        rows.append(row)
    columns = [
        "subgroup",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
        "n_units",
        "suppressed",
        "note",
    ]
    estimates = pd.DataFrame(rows).reindex(columns=columns)
    shown = estimates.loc[~estimates["suppressed"].astype(bool) & estimates["estimate"].notna()]
    shown = shown.loc[~shown["subgroup"].isin(list(compare_exclude))]
    pairs = []
    for (_, a), (_, b) in itertools.combinations(shown.iterrows(), 2):
        diff = a["estimate"] - b["estimate"]
        se = float(np.hypot(a["std_error"], b["std_error"]))
        pairs.append(
            {
                "term": f"{a['subgroup']} − {b['subgroup']}",
                "estimate": diff,
                "std_error": se,
                "statistic": diff / se,
                "p_value": float(2 * stats.norm.sf(abs(diff / se))),
            }
        )
    differences = pd.DataFrame(
        pairs, columns=["term", "estimate", "std_error", "statistic", "p_value"]
    )
    if len(differences):
        bh = benjamini_hochberg(differences["p_value"].to_numpy(), alpha)
        differences["p_value_bh"] = np.asarray(bh.p_adjusted)
        differences["significant_bh"] = differences["p_value_bh"] < alpha
    heterogeneity = _cochran_q(shown["estimate"].to_numpy(), shown["std_error"].to_numpy())
    note = (
        "Differences tested as if subgroup estimates were independent (conservative when "
        "subgroups share schools); p-values adjusted with Benjamini–Hochberg."
    )
    return SubgroupResult(estimates, differences, heterogeneity, alpha, min_cell_size, note)


def _cochran_q(estimates: np.ndarray, std_errors: np.ndarray) -> dict[str, float]:
    if estimates.size < 2:
        return {"q": float("nan"), "df": 0, "p_value": float("nan")}
    w = 1.0 / std_errors**2
    pooled = float(np.sum(w * estimates) / np.sum(w))
    q = float(np.sum(w * (estimates - pooled) ** 2))
    df = int(estimates.size - 1)
    return {"q": q, "df": df, "p_value": float(stats.chi2.sf(q, df))}


def did_subgroup_estimator(outcome: str, **options: Any) -> SubgroupEstimator:
    """A subgroup estimator: the overall (simple) staggered-DiD ATT of ``outcome``."""
    from improve.did import aggregate, att_gt

    def estimate(panel: Panel) -> Mapping[str, float]:
        result = att_gt(panel, outcome, **options)
        simple = aggregate(result, type="simple")
        if not np.isfinite(simple.estimate):
            raise EstimationError("no estimable post-treatment cells")
        return {
            "estimate": simple.estimate,
            "std_error": simple.std_error,
            "df": simple.df,
        }

    return estimate
