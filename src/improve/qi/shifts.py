"""What an improvement team reads: did each school's centre line move after each change, and
is the move a signal?

For each facet (school) and each phase after the first, the phase is charted against the
previous phase's frozen centre line and limits (qicharts2 ``freeze``): the shift is a
*signal* when the runs rules (Anhøj) or the 3-sigma rule fire in the new phase's points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.qi.anhoej import runs_analysis
from improve.qi.result import QicResult
from improve.results import Result


@dataclass(frozen=True)
class ShiftSummary(Result):
    """One row per school and change: centre line before and after, direction, signal."""

    table: pd.DataFrame
    measure: str
    unit_label: str = "schools"

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


def _shift_row(before: pd.DataFrame, after: pd.DataFrame, multiply: float) -> dict[str, Any]:
    """Compare a phase with the previous phase's frozen centre line and limits."""
    cl_before = float(before["cl"].iloc[0])
    cl_after = float(after["cl"].iloc[0])
    scale = np.abs(cl_before) * 1e-12 + 1e-15
    if np.isnan(cl_before) or np.isnan(cl_after):
        direction = ""
    else:
        direction = (
            "up"
            if cl_after > cl_before + scale
            else ("down" if cl_after < cl_before - scale else "none")
        )
    y = pd.concat([before["y"], after["y"]]).to_numpy(float)
    runs = runs_analysis(y, np.full(len(y), cl_before))
    lcl, ucl = before["lcl"].mean(), before["ucl"].mean()
    with np.errstate(invalid="ignore"):
        outside = after["y"].to_numpy(float)
        sigma = bool(np.any((outside > ucl) | (outside < lcl)))
    return {
        "cl_before": cl_before,
        "cl_after": cl_after,
        "change": cl_after - cl_before,
        "direction": direction,
        "runs_signal": runs.runs_signal,
        "sigma_signal": sigma,
        "signal": bool(runs.runs_signal or sigma) and direction in ("up", "down"),
        "points_after": int(after["y"].notna().sum()),
    }


def phase_shifts(
    result: QicResult, *, measure: str | None = None, unit_label: str = "schools"
) -> ShiftSummary:
    """Centre line before and after each phase change, per facet, with the signal.

    The baseline is the previous phase with its own centre line; its limits are taken as
    their mean (exact for charts with constant limits, an approximation for p and u charts
    with varying n). The runs analysis covers both phases against the baseline centre line,
    as a frozen chart would.
    """
    points = result.points
    labels = dict(enumerate(result.part_names, start=1))
    rows = []
    for (f1, f2), panel in points.groupby(["facet1", "facet2"], sort=True):
        phases = [p for _, p in panel.groupby("part", sort=True)]
        for before, after in zip(phases[:-1], phases[1:], strict=False):
            number = int(after["part"].iloc[0])
            facet = " · ".join(str(f) for f in (f1, f2) if str(f) != "1") or "all"
            rows.append(
                {
                    "facet": facet,
                    "phase_before": labels.get(number - 1, f"phase {number - 1}"),
                    "phase_after": labels.get(number, f"phase {number}"),
                    **_shift_row(before, after, result.multiply),
                }
            )
    table = pd.DataFrame(rows)
    return ShiftSummary(
        table=table, measure=measure or (result.y or result.x), unit_label=unit_label
    )
