"""What an improvement team reads: did each school's centre line move after each change, and
is the move a signal?

For each facet (school) and each phase after the first, the phase is charted against the
previous phase's frozen centre line and limits (qicharts2 ``freeze``): the shift is a
*signal* when, in the new phase's points, the runs rules (Anhøj) fire with most points on
the side of the shift, or a point lies beyond the frozen 3-sigma limit on that side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import SpecError
from improve.qi.anhoej import runs_analysis
from improve.qi.limits import CHARTS, Limits, Subgroups
from improve.qi.result import QicResult
from improve.results import Result


@dataclass(frozen=True)
class ShiftSummary(Result):
    """One row per school and change: centre line before and after, direction, signal."""

    table: pd.DataFrame
    measure: str
    unit_label: str = "units"

    def tidy(self) -> pd.DataFrame:
        """``facet, phase_before, phase_after, cl_before, cl_after, change, direction,
        runs_signal, sigma_signal, signal``."""
        return self.table.copy()

    def _title(self) -> str:
        return f"Shifts in {self.measure} after each change"

    def _notes(self) -> list[str]:
        return self.sentences()

    def sentences(self) -> list[str]:
        """One sentence per change, e.g. "Attendance shifted up after cycle 2 in 4 of 9
        schools; the shift is a signal in 3."."""
        out = []
        for phase, rows in self.table.groupby("phase_after", sort=False):
            total = len(rows)
            for direction in ("up", "down"):
                moved = rows[rows["direction"] == direction]
                if moved.empty:
                    continue
                out.append(
                    f"{self.measure} shifted {direction} after {phase} in {len(moved)} of "
                    f"{total} {self.unit_label}; the shift is a signal in "
                    f"{int(moved['signal'].sum())}."
                )
        return out


def _frozen_limits(
    before: pd.DataFrame, after: pd.DataFrame, chart: str, multiply: float
) -> Limits:
    """Limits of both phases computed on the earlier phase only (qicharts2 ``freeze``)."""
    both = pd.concat([before, after])
    g = Subgroups(
        y=both["y"].to_numpy(float) / multiply,
        y_sum=both["y.sum"].to_numpy(float),
        y_length=both["y.length"].to_numpy(float),
        y_mean=both["y.mean"].to_numpy(float),
        y_sd=both["y.sd"].to_numpy(float),
        n=both["n"].to_numpy(float),
        cl=np.full(len(both), np.nan),
        base=np.r_[before["include"].to_numpy(bool), np.zeros(len(after), bool)],
    )
    return CHARTS[chart](g, True)


def _shift_row(
    before: pd.DataFrame, after: pd.DataFrame, chart: str, multiply: float
) -> dict[str, Any]:
    """Compare a phase with the previous phase's frozen centre line and limits.

    The runs analysis covers the later phase's points against the earlier centre line; a
    3-sigma signal is a later point beyond the frozen limit on the side of the shift.
    """
    cl_before = float(before["cl"].iloc[0])
    cl_after = float(after["cl"].iloc[0])
    if np.isnan(cl_before) or np.isnan(cl_after) or cl_after == cl_before:
        direction = "none"
    else:
        direction = "up" if cl_after > cl_before else "down"
    frozen = _frozen_limits(before, after, chart, multiply)
    k = len(before)
    y = frozen.y[k:]
    runs = runs_analysis(y, frozen.cl[k:])
    with np.errstate(invalid="ignore"):
        above = np.nansum(y > frozen.cl[k:])
        below = np.nansum(y < frozen.cl[k:])
        beyond = y > frozen.ucl[k:] if direction == "up" else y < frozen.lcl[k:]
    sided = (above > below) if direction == "up" else (below > above)
    runs_signal = bool(runs.runs_signal and sided and direction != "none")
    sigma_signal = bool(np.any(beyond)) and direction != "none"
    return {
        "cl_before": cl_before,
        "cl_after": cl_after,
        "change": cl_after - cl_before,
        "direction": direction,
        "runs_signal": runs_signal,
        "sigma_signal": sigma_signal,
        "signal": runs_signal or sigma_signal,
        "points_after": int(np.sum(~np.isnan(y))),
    }


def phase_shifts(
    result: QicResult, *, measure: str | None = None, unit_label: str = "units"
) -> ShiftSummary:
    """Centre line before and after each phase change, per facet, with the signal.

    Each later phase is judged against limits computed on the phase before it alone (for p
    and u charts at each later point's own n), as if the chart had been frozen at the
    change. Not available for MR charts (moving ranges have no level to shift).
    """
    if result.chart == "mr":
        raise SpecError("Phase shifts need a chart of levels; use an I chart, not an MR chart.")
    points = result.points
    rows = []
    for (f1, f2), panel in points.groupby(["facet1", "facet2"], sort=True):
        phases = [p for _, p in panel.groupby("part", sort=True)]
        for before, after in zip(phases[:-1], phases[1:], strict=False):
            number = int(after["part"].iloc[0])
            names = (before["part.label"].iloc[0], after["part.label"].iloc[0])
            facet = " · ".join(str(f) for f in (f1, f2) if str(f) != "1") or "all"
            rows.append(
                {
                    "facet": facet,
                    "phase_before": names[0] or f"phase {number - 1}",
                    "phase_after": names[1] or f"phase {number}",
                    **_shift_row(before, after, result.chart, result.multiply),
                }
            )
    table = pd.DataFrame(rows)
    return ShiftSummary(
        table=table, measure=measure or (result.y or result.x), unit_label=unit_label
    )
