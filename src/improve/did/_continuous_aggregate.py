"""Aggregating cell estimates of the continuous-treatment DiD: over cells and by event time.

Overall and dose-response curves average the post-treatment cells with weight
``P(G = g | treated) / (number of post cells of g)`` (R ``contdid`` / ``ptetools``: each
cohort's cells averaged, cohorts weighted by size). Event-time effects average the cells
with ``t - g = e`` with weights proportional to cohort size (R ``did`` "dynamic"). Weights
are treated as known (as both R ``contdid`` and the Python peers do).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from improve.did._continuous_cells import CellFit

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Aggregate:
    """Estimates and their influence functions (rows: units, columns: estimates)."""

    estimate: FloatArray
    inf_func: FloatArray


def overall_weights(cells: Sequence[CellFit]) -> FloatArray:
    """Weight of each cell in the overall and dose aggregation (0 for pre-treatment cells)."""
    post = [c for c in cells if c.post]
    size = {c.group: c.n_treated for c in post}
    n_post = {g: sum(1 for c in post if c.group == g) for g in size}
    total = float(sum(size.values()))
    return np.array([size[c.group] / total / n_post[c.group] if c.post else 0.0 for c in cells])


def combine(cells: Sequence[CellFit], weights: FloatArray, field: str) -> Aggregate:
    """Weighted sum of a cell field (``att_d``, ``acrt_glob``...) and of its influence function."""
    est = sum(w * np.atleast_1d(getattr(c, field)) for c, w in zip(cells, weights, strict=True))
    inf = sum(
        w * getattr(c, f"if_{field}").reshape(len(c.if_att_glob), -1)
        for c, w in zip(cells, weights, strict=True)
    )
    return Aggregate(np.asarray(est, dtype=float), np.asarray(inf, dtype=float))


def event_weights(cells: Sequence[CellFit]) -> tuple[FloatArray, FloatArray]:
    """Event times and the cell weights of each (shape (cells, event times)): cohort size
    among the cells at that event time."""
    times = np.array(sorted({c.event_time for c in cells}))
    weights = np.zeros((len(cells), len(times)))
    for j, e in enumerate(times):
        w = np.array([c.n_treated if c.event_time == e else 0.0 for c in cells], dtype=float)
        weights[:, j] = w / w.sum()
    return times, weights


def event_study(cells: Sequence[CellFit], field: str) -> tuple[FloatArray, Aggregate]:
    """Event times and the cohort-size weighted average of ``field`` at each."""
    times, weights = event_weights(cells)
    est, inf = [], []
    for j in range(len(times)):
        agg = combine(cells, weights[:, j], field)
        est.append(agg.estimate[0])
        inf.append(agg.inf_func[:, 0])
    return times, Aggregate(np.array(est), np.column_stack(inf))
