"""What a school finance file allows: the design check of the resource-equity workbook.

The input checks (:mod:`improve.finance.checks`) stop a run on data that cannot be read
right. This check reports, for data that can, which analyses the file supports and how
far to trust them: enough schools per district for a within/between-district split, need
counts for vertical equity and need weighting, spending per pupil on a plausible scale,
and years on both sides of a formula change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from improve.design.result import Finding, findings_frame
from improve.finance.checks import PLAUSIBLE_PER_PUPIL, pupil_weighted_median

__all__ = ["FinanceDesignCheck", "check_finance_design"]

#: Fewest schools in a district for its within-district inequality to be worth reading.
MIN_SCHOOLS_PER_DISTRICT = 2
#: Fewest years on each side of a formula change for a before/after comparison.
MIN_YEARS_EACH_SIDE = 2


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
    problems = sum(f.follows.startswith(("no ", "every district")) for f in findings)
    return FinanceDesignCheck(findings=findings, problems=problems)
