"""What a school finance file allows: the design check of the resource-equity workbook.

The input checks (:mod:`improve.finance.checks`) stop a run on data that cannot be read
right. This check reports, for data that can, which analyses the file supports and how
far to trust them: enough schools per district for a within/between-district split, need
counts for vertical equity and need weighting, spending per pupil on a plausible scale,
years on both sides of a formula change, and districts whose formula funding did not change
(the dose-0 comparison group of the dose-response DiD), counted by size of change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from improve.design.result import Finding, findings_frame
from improve.finance.checks import PLAUSIBLE_PER_PUPIL, pupil_weighted_median
from improve.finance.formula import DOSE_CHANGE, dose_bins, formula_doses, formula_panel

__all__ = ["FinanceDesignCheck", "check_finance_design"]

#: Fewest schools in a district for its within-district inequality to be worth reading.
MIN_SCHOOLS_PER_DISTRICT = 2
#: Fewest years on each side of a formula change for a before/after comparison.
MIN_YEARS_EACH_SIDE = 2
#: Fewest districts with unchanged formula funding for the dose-response DiD to lean on.
MIN_UNCHANGED_DISTRICTS = 5


@dataclass(frozen=True)
class FinanceDesignCheck:
    """Findings of :func:`check_finance_design`; ``problems`` counts analyses not supported."""

    findings: tuple[Finding, ...]
    problems: int

    def tidy(self) -> pd.DataFrame:
        """One row per finding: ``check``, ``found``, ``follows``."""
        return findings_frame(self.findings)

    def table(self) -> pd.DataFrame:
        """The findings with column headers in words, for reports."""
        return findings_frame(self.findings, words=True)


def _schools_per_district(current: pd.DataFrame) -> Finding:
    counts = current.groupby("district")["school"].nunique()
    single = int((counts < MIN_SCHOOLS_PER_DISTRICT).sum())
    found = (
        f"{len(counts)} districts, {int(counts.min())} to {int(counts.max())} schools each "
        f"(median {float(counts.median()):g}); {single} with a single school"
    )
    if len(counts) < 2:
        follows = "one district: no between-district comparison; the decomposition is all within"
    elif single == len(counts):
        follows = "every district has one school: within-district inequality is zero by design"
    elif single:
        follows = "single-school districts add nothing within; read the split with that in mind"
    else:
        follows = "the within/between-district decomposition can be read as it stands"
    return Finding("Schools per district", found, follows)


def _need_counts(current: pd.DataFrame) -> Finding:
    needs = [c for c in current.columns if c.startswith("n_")]
    if not needs:
        return Finding(
            "Need counts",
            "no counts of pupils by need (poverty, English learners, disabilities)",
            "no vertical equity or need weighting: map 'needs:' to add them",
        )
    missing = int(current[needs].isna().any(axis=1).sum())
    names = ", ".join(n.removeprefix("n_").replace("_", " ") for n in needs)
    follows = (
        "vertical equity and need-weighted pupils use every school"
        if not missing
        else f"{missing} schools lack a need count and drop out of the need analyses"
    )
    return Finding("Need counts", f"{names} for {len(current) - missing} schools", follows)


def _scale(current: pd.DataFrame) -> Finding:
    values = current["per_pupil"].to_numpy(dtype=float)
    median = pupil_weighted_median(current["per_pupil"], current["enrollment"])
    low, high = PLAUSIBLE_PER_PUPIL
    outside = int(((values < low) | (values > high)).sum())
    found = f"pupil-weighted median ${median:,.0f} per pupil; {outside} schools outside "
    found += f"${low:,.0f}-${high:,.0f}"
    follows = (
        "amounts are on a plausible dollar scale"
        if not outside
        else "check those schools' spending and enrollment before reading the extremes"
    )
    return Finding("Scale of spending", found, follows)


def _formula_years(schools: pd.DataFrame, change_year: Any) -> Finding:
    years = sorted(schools["year"].dropna().unique().tolist())
    if "formula_per_pupil" not in schools.columns:
        return Finding(
            "Years around the formula change",
            f"{len(years)} years; no formula funding column",
            "no formula-change analysis: map 'formula_funding:' to add it",
        )
    if not change_year:
        return Finding(
            "Years around the formula change",
            f"{len(years)} years; no formula change year",
            "no formula-change analysis: set change_year or 'formula_change_year:' in the map",
        )
    before = sum(y < change_year for y in years)
    after = sum(y >= change_year for y in years)
    found = f"{before} years before {change_year}, {after} from it on"
    if min(before, after) == 0:
        follows = "no before/after comparison: the file needs years on both sides"
    elif min(before, after) < MIN_YEARS_EACH_SIDE:
        follows = "one year on a side: trends before the change cannot be checked"
    else:
        follows = "before/after comparisons and a check of earlier trends are possible"
    return Finding("Years around the formula change", found, follows)


def _unchanged_districts(schools: pd.DataFrame, change_year: Any) -> Finding | None:
    """Dose-0 districts and districts per $1,000 of change (None: no before/after data)."""
    years = schools["year"].dropna().unique().tolist()
    if (
        "formula_per_pupil" not in schools.columns
        or not change_year
        or not any(y < change_year for y in years)
        or not any(y >= change_year for y in years)
    ):
        return None
    doses = formula_doses(formula_panel(schools, []), change_year)
    bins = dose_bins(doses)
    unchanged = int((doses[DOSE_CHANGE] == 0).sum())
    counts = "; ".join(f"{r.change_k}: {r.districts}" for r in bins.itertuples())
    found = f"{unchanged} of {len(doses)} districts with no change in formula funding per "
    found += f"pupil (dose 0). Districts by change: {counts}"
    if not unchanged:
        follows = (
            "no dose-response DiD: no district kept its funding; only the fixed-effects "
            "estimate (an effect linear in funding, alike everywhere) is available"
        )
    elif unchanged < MIN_UNCHANGED_DISTRICTS:
        follows = (
            f"fewer than {MIN_UNCHANGED_DISTRICTS} unchanged districts: the dose-response "
            "DiD rests on very few comparisons; read its bands with care"
        )
    else:
        follows = "the dose-response DiD can compare districts that gained with those that did not"
    thin = int(
        ((bins["districts"] < MIN_UNCHANGED_DISTRICTS) & (bins["change_k"] != "no change")).sum()
    )
    if thin and unchanged:
        follows += f"; {thin} change bin(s) hold fewer than {MIN_UNCHANGED_DISTRICTS} districts"
    return Finding("Districts with unchanged formula funding", found, follows)


def check_finance_design(
    schools: pd.DataFrame, year: Any, change_year: Any = None
) -> FinanceDesignCheck:
    """What the school table (:func:`improve.finance.perpupil.school_table`) supports.

    Parameters
    ----------
    schools : DataFrame
        School rows with ``school, district, year, enrollment, per_pupil`` and ``n_*`` need
        counts (and ``formula_per_pupil`` when formula funding is mapped).
    year : Any
        The year analysed in detail.
    change_year : Any, optional
        First year under a new formula.
    """
    current = schools.loc[schools["year"] == year] if "year" in schools.columns else schools
    findings = (
        _schools_per_district(current),
        _need_counts(current),
        _scale(current),
        _formula_years(schools, change_year),
    )
    unchanged = _unchanged_districts(schools, change_year)
    if unchanged is not None:
        findings = (*findings, unchanged)
    problems = sum(f.follows.startswith(("no ", "every district")) for f in findings)
    return FinanceDesignCheck(findings=findings, problems=problems)
