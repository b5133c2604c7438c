"""Fail well: plain-English errors and warnings about a series before it is charted.

Errors (:class:`~improve.errors.DataError`) stop the chart when it cannot be right:
zero or negative denominators, negative counts, numerators above denominators. Warnings
are sentences kept on the result and shown under the chart when it can be drawn but should
be read with care: missing weeks, phases too short for the runs rules, too few points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from improve.errors import DataError

#: Charts whose y must be a count (never negative).
COUNT_CHARTS = ("p", "pp", "c", "u", "up", "g")
#: Fewer useful points than this in a phase makes the runs rules weak (Anhøj 2014).
MIN_POINTS = 12


def _where(frame: pd.DataFrame, mask: pd.Series, x: str) -> str:
    rows = frame.loc[mask]
    value = rows.iloc[0][x]
    if isinstance(value, pd.Timestamp):
        value = value.date() if value == value.normalize() else value
    return f"{int(mask.sum())} row(s), first at {x} = {value}"


def check_values(frame: pd.DataFrame, *, x: str, y: str | None, n: str | None, chart: str) -> None:
    """Raise :class:`DataError` for values no chart can use."""
    if n is not None:
        denom = pd.to_numeric(frame[n], errors="coerce")
        bad = denom <= 0
        if bad.any():
            raise DataError(
                f"The denominator column {n!r} is zero or negative in {_where(frame, bad, x)}. "
                "A rate needs a positive denominator: drop those rows or fix the counts."
            )
    if y is not None and chart in COUNT_CHARTS:
        values = pd.to_numeric(frame[y], errors="coerce")
        bad = values < 0
        if bad.any():
            raise DataError(
                f"The count column {y!r} is negative in {_where(frame, bad, x)}. "
                f"A {chart} chart needs counts of zero or more: fix those rows."
            )
        if n is not None and chart in ("p", "pp"):
            over = values > pd.to_numeric(frame[n], errors="coerce")
            if over.any():
                raise DataError(
                    f"The numerator {y!r} is larger than the denominator {n!r} in "
                    f"{_where(frame, over, x)}; a proportion cannot exceed 1. Check the "
                    "column map (numerator and denominator may be swapped)."
                )


def _gap_warning(dates: pd.Series) -> str | None:
    unique = pd.Series(sorted(pd.unique(dates.dropna())))
    if len(unique) < 3:
        return None
    steps = unique.diff().dropna()
    usual = steps.mode().iloc[0]
    gaps = steps[steps > usual * 1.5]
    if gaps.empty:
        return None
    first = unique[gaps.index[0] - 1]
    return (
        f"dates are not regular: {len(gaps)} gap(s) longer than the usual step of "
        f"{usual.days} day(s), the first after {pd.Timestamp(first).date()}. Missing weeks "
        "are not points; check whether data are missing or the unit was closed (holidays, "
        "summer)."
    )


def _gap_warnings(points: pd.DataFrame) -> list[str]:
    """One sentence per distinct gap pattern, naming the panels it concerns."""
    by_text: dict[str, list[str]] = {}
    panels = list(points.groupby(["facet1", "facet2"], sort=True))
    for (f1, f2), panel in panels:
        note = _gap_warning(panel["x"])
        if note:
            label = " · ".join(str(f) for f in (f1, f2) if str(f) != "1")
            by_text.setdefault(note, []).append(label)
    out = []
    for note, labels in by_text.items():
        if len(panels) == 1:
            out.append(note[0].upper() + note[1:])
        elif len(labels) == len(panels):
            out.append(f"In every panel, {note}")
        else:
            out.append(f"In {', '.join(labels)}: {note}")
    return out


def series_warnings(points: pd.DataFrame, raw_x: pd.Series, *, chart: str) -> list[str]:
    """Sentences about gaps in dates and phases too short for the rules."""
    notes: list[str] = []
    if pd.api.types.is_datetime64_any_dtype(raw_x):
        notes.extend(_gap_warnings(points))
    if chart == "mr":
        return notes
    useful = points.groupby(["facet1", "facet2", "part"])["n.useful"].first()
    short = useful[useful < MIN_POINTS]
    if len(short):
        fewest = int(np.nanmin(short.to_numpy(float))) if len(short) else 0
        notes.append(
            f"{len(short)} of {len(useful)} phase(s) have fewer than {MIN_POINTS} useful points "
            f"(fewest {fewest}): the runs rules are weak there, and limits are imprecise."
        )
    return notes
