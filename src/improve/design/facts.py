"""Count what the design check needs from a panel's rows."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from improve.design.result import DesignFacts


def count_facts(
    frame: pd.DataFrame, spec: Any, outcomes: list[str], cluster_col: str
) -> DesignFacts:
    """Count what the verdict needs from the panel's rows."""
    unit = frame[spec.unit].astype("string")
    times = pd.to_numeric(frame[spec.time], errors="coerce")
    periods = sorted(int(p) for p in times.dropna().unique())
    gaps: tuple[int, ...] = ()
    if periods:
        present = set(periods)
        gaps = tuple(p for p in range(periods[0], periods[-1] + 1) if p not in present)
    n_units = int(unit.nunique())
    unit_cluster = frame[cluster_col].astype("string").groupby(unit, sort=True).first()

    timing_col = spec.timing_column
    if timing_col is not None and timing_col in frame.columns:
        row_timing = pd.to_numeric(frame[timing_col], errors="coerce").fillna(0.0)
        last = periods[-1] if periods else math.inf
        row_timing = row_timing.where(row_timing <= last, 0.0)
        unit_timing = row_timing.groupby(unit, sort=True).min()
    else:
        unit_timing = pd.Series(0.0, index=unit_cluster.index)
    treated_units = unit_timing > 0

    doses = tuple(d for d in spec.doses if d in frame.columns)
    dosed_units = pd.Series(False, index=unit_cluster.index)
    for dose in doses:
        values = pd.to_numeric(frame[dose], errors="coerce").fillna(0.0)
        dosed_units |= (values != 0).groupby(unit, sort=True).any()
    # clusters holding an ever-treated unit (or, with a dose and no timing, a dosed unit)
    exposed = treated_units if timing_col is not None else dosed_units
    treated_clusters = set(unit_cluster[exposed].dropna())
    all_clusters = set(unit_cluster.dropna())

    cohort_sizes = unit_timing[treated_units].value_counts().sort_index()
    first = periods[0] if periods else None
    n_first = int((treated_units & (unit_timing <= (first if first is not None else 0))).sum())

    observed = times.groupby(unit, sort=True).nunique()
    missing_periods = int((observed < len(periods)).sum())
    missing_outcome: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for col in outcomes:
        values = pd.to_numeric(frame[col], errors="coerce")
        missing_outcome[col] = int(values.isna().groupby(unit, sort=True).any().sum())
        usable = times.where(values.notna())
        usable_periods = int(usable.nunique())
        per_unit = usable.groupby(unit, sort=True).nunique().reindex(unit_cluster.index)
        dropped[col] = int((per_unit.fillna(0) < usable_periods).sum())
    balanced = missing_periods == 0 and not any(dropped.values())

    return DesignFacts(
        n_units=n_units,
        n_periods=len(periods),
        first_period=first,
        last_period=periods[-1] if periods else None,
        gap_periods=gaps,
        cluster=cluster_col,
        n_clusters=len(all_clusters),
        n_treated_clusters=len(treated_clusters),
        n_comparison_clusters=len(all_clusters - treated_clusters),
        n_treated_units=int(treated_units.sum()),
        n_never_treated_units=int((~treated_units).sum()) if timing_col is not None else 0,
        cohorts=tuple((int(g), int(n)) for g, n in cohort_sizes.items()),
        n_treated_first_period=n_first,
        n_switch_off_units=_switch_off_units(frame, spec, unit, times),
        doses=doses,
        n_dosed_units=int(dosed_units.sum()),
        balanced=balanced,
        n_units_missing_periods=missing_periods,
        n_units_missing_outcome=missing_outcome,
        n_units_dropped_balanced=dropped,
    )


def _switch_off_units(
    frame: pd.DataFrame, spec: Any, unit: pd.Series, times: pd.Series
) -> int | None:
    """Units whose 0/1 treatment is 0 in a period after their first 1 (None: no 0/1 column)."""
    if spec.treatment is None or spec.treatment not in frame.columns:
        return None
    treat = pd.to_numeric(frame[spec.treatment], errors="coerce")
    first_on = times.where(treat == 1).groupby(unit).transform("min")
    off_after = (times > first_on) & (treat == 0)
    return int(unit[off_after.fillna(False)].nunique())
