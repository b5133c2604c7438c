"""WWC overall and differential attrition against the cautious and optimistic boundaries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from improve.effects.wwc.handbook import HANDBOOK, Boundary, _handbook
from improve.errors import EstimationError, SpecError


@dataclass(frozen=True)
class AttritionBoundaryCheck:
    """Where an (overall, differential) attrition pair falls under one WWC boundary."""

    boundary: str
    overall_percent_row: int | None
    max_differential: float
    level: str


@dataclass(frozen=True)
class Attrition:
    """Overall and differential attrition and their WWC classification.

    Rates are proportions (0.12 = 12%). ``cautious`` and ``optimistic`` give the verdict
    under each boundary; ``level`` is the verdict under the boundary the review protocol
    names (``boundary``).

    Attributes
    ----------
    n_treatment_start, n_treatment_end, n_comparison_start, n_comparison_end : int
        Units (schools, students) assigned / in the baseline sample and still in the
        analytic sample.
    overall, treatment, comparison, differential : float
        Attrition rates; ``differential = |treatment - comparison|``.
    cautious, optimistic : AttritionBoundaryCheck
    boundary : {"cautious", "optimistic"}
    """

    n_treatment_start: int
    n_treatment_end: int
    n_comparison_start: int
    n_comparison_end: int
    overall: float
    treatment: float
    comparison: float
    differential: float
    cautious: AttritionBoundaryCheck
    optimistic: AttritionBoundaryCheck
    boundary: str = "cautious"
    handbook: str = HANDBOOK
    source: str = ""

    @property
    def level(self) -> str:
        """``"low"`` or ``"high"`` under the chosen boundary."""
        return (self.cautious if self.boundary == "cautious" else self.optimistic).level

    @property
    def low(self) -> bool:
        """True when attrition is low under the chosen boundary."""
        return self.level == "low"

    def reason(self) -> str:
        """Sentence for reports."""
        chosen = self.cautious if self.boundary == "cautious" else self.optimistic
        limit = (
            "no differential attrition is low at this overall rate"
            if not np.isfinite(chosen.max_differential)
            else f"the {self.boundary} boundary allows {chosen.max_differential:.1f} points"
        )
        return (
            f"overall attrition {self.overall:.1%}, differential {100 * self.differential:.1f} "
            f"percentage points: {self.level} attrition under the {self.boundary} boundary "
            f"({limit})"
        )

    def tidy(self) -> pd.DataFrame:
        """One row with the rates and both verdicts."""
        return pd.DataFrame(
            [
                {
                    "overall": self.overall,
                    "treatment": self.treatment,
                    "comparison": self.comparison,
                    "differential": self.differential,
                    "cautious_max_differential": self.cautious.max_differential / 100,
                    "cautious": self.cautious.level,
                    "optimistic_max_differential": self.optimistic.max_differential / 100,
                    "optimistic": self.optimistic.level,
                    "boundary": self.boundary,
                    "level": self.level,
                    "handbook": self.handbook,
                }
            ]
        )


def attrition_table() -> pd.DataFrame:
    """The WWC attrition boundaries as stored: overall (%) and the highest low-attrition
    differential (percentage points) under the cautious and optimistic boundaries."""
    tab = _handbook()["attrition"]
    return pd.DataFrame(
        {
            "overall_percent": tab["overall_percent"],
            "cautious": [math.nan if v is None else v for v in tab["cautious"]],
            "optimistic": [math.nan if v is None else v for v in tab["optimistic"]],
        }
    )


def attrition_boundary(
    overall: float, differential: float, boundary: Boundary = "cautious"
) -> AttritionBoundaryCheck:
    """Is an (overall, differential) attrition pair low or high under one WWC boundary?

    The table is laid out by whole percent of overall attrition, so the overall rate is
    rounded to the nearest whole percent (halves up) and that row's boundary is read;
    attrition is low when the differential (in percentage points) is at or below it. An
    overall rate beyond the last row with a boundary is high attrition.

    Parameters
    ----------
    overall, differential : float
        Proportions (0.12 for 12%).
    boundary : {"cautious", "optimistic"}
    """
    if boundary not in ("cautious", "optimistic"):
        raise SpecError(f"boundary must be 'cautious' or 'optimistic', got {boundary!r}")
    for name, v in (("overall", overall), ("differential", differential)):
        if v is None or not np.isfinite(v) or not 0 <= v <= 1:
            raise SpecError(
                f"{name} attrition must be a proportion in [0, 1] (0.12 for 12%), got {v!r}"
            )
    tab = _handbook()["attrition"]
    row = int(math.floor(100 * overall + 0.5 + 1e-9))
    limits = tab[boundary]
    rows = tab["overall_percent"]
    limit = None
    if row <= rows[-1]:
        limit = limits[rows.index(row)]
    max_diff = math.nan if limit is None else float(limit)
    low = limit is not None and 100 * differential <= float(limit) + 1e-9
    return AttritionBoundaryCheck(
        boundary=boundary,
        overall_percent_row=row if row <= rows[-1] else None,
        max_differential=max_diff,
        level="low" if low else "high",
    )


def attrition(
    n_treatment_start: int,
    n_treatment_end: int,
    n_comparison_start: int,
    n_comparison_end: int,
    *,
    boundary: Boundary = "cautious",
    source: str = "",
) -> Attrition:
    """Overall and differential attrition, classified under both WWC boundaries.

    Parameters
    ----------
    n_treatment_start, n_comparison_start : int
        Units assigned (or in the baseline sample) per group.
    n_treatment_end, n_comparison_end : int
        Units still in the analytic sample.
    boundary : {"cautious", "optimistic"}
        The boundary the review protocol names: cautious when the intervention could
        plausibly affect who leaves the sample (the conservative default), optimistic
        when it is unlikely to.
    source : str
        Free text describing what attrition means here (e.g. "schools that closed or
        stopped reporting").
    """
    counts = {
        "n_treatment_start": n_treatment_start,
        "n_treatment_end": n_treatment_end,
        "n_comparison_start": n_comparison_start,
        "n_comparison_end": n_comparison_end,
    }
    for name, v in counts.items():
        if v is None or v < 0 or int(v) != v:
            raise SpecError(f"{name} must be a whole number >= 0, got {v!r}")
    if n_treatment_start == 0 or n_comparison_start == 0:
        raise SpecError("each group needs at least one unit at the start to measure attrition")
    if n_treatment_end > n_treatment_start or n_comparison_end > n_comparison_start:
        raise SpecError(
            "the analytic sample cannot be larger than the starting sample; check that the "
            "end counts are of the same units as the start counts"
        )
    start = n_treatment_start + n_comparison_start
    overall = 1 - (n_treatment_end + n_comparison_end) / start
    a_t = 1 - n_treatment_end / n_treatment_start
    a_c = 1 - n_comparison_end / n_comparison_start
    diff = abs(a_t - a_c)
    return Attrition(
        n_treatment_start=int(n_treatment_start),
        n_treatment_end=int(n_treatment_end),
        n_comparison_start=int(n_comparison_start),
        n_comparison_end=int(n_comparison_end),
        overall=overall,
        treatment=a_t,
        comparison=a_c,
        differential=diff,
        cautious=attrition_boundary(overall, diff, "cautious"),
        optimistic=attrition_boundary(overall, diff, "optimistic"),
        boundary=boundary,
        source=source,
    )


def panel_attrition(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    treated: str,
    outcome: str,
    baseline: object,
    followup: object,
    boundary: Boundary = "cautious",
) -> Attrition:
    """Attrition of units in a panel: those with the outcome at baseline but not at follow-up.

    In a school panel this counts schools that closed, merged or stopped reporting (or
    whose follow-up value was suppressed) between the baseline and follow-up periods.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit and period.
    unit, time, outcome : str
        Column names.
    treated : str
        Column that is truthy for treated units (e.g. ``cohort > 0`` computed beforehand,
        or the cohort itself: any value > 0 counts as treated).
    baseline, followup : period values
        The baseline period and the follow-up period.
    boundary : {"cautious", "optimistic"}
    """
    for col in (unit, time, treated, outcome):
        if col not in data.columns:
            raise SpecError(f"column {col!r} is not in the data")
    status = data.groupby(unit, observed=True)[treated].max()
    status = status.fillna(0).astype("float64") > 0
    has = data.loc[data[outcome].notna(), [unit, time]]
    at_base = set(has.loc[has[time] == baseline, unit])
    if not at_base:
        raise EstimationError(
            f"no unit has {outcome} in the baseline period {baseline!r}; choose a baseline "
            "period that is in the panel"
        )
    at_follow = set(has.loc[has[time] == followup, unit]) & at_base
    units = pd.Index(sorted(at_base))
    is_t = status.reindex(units).fillna(False).to_numpy(dtype=bool)
    kept = units.isin(list(at_follow))
    return attrition(
        int(is_t.sum()),
        int((is_t & kept).sum()),
        int((~is_t).sum()),
        int((~is_t & kept).sum()),
        boundary=boundary,
        source=(
            f"units with {outcome} in {baseline} that no longer report it in {followup} "
            "(closed, merged, stopped reporting or suppressed)"
        ),
    )
