"""Small numbers: subgroups whose denominator is under the minimum cell size are hidden.

A hidden point loses its value, its denominator and its signal, and the limits drawn at it
are removed too (a p or u chart's limits depend on n, so they would reveal it). The centre
line, pooled over all subgroups, is an aggregate and stays.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from improve.qi.result import QicResult

HIDDEN = ("y", "n", "lcl", "ucl", "lcl.95", "ucl.95")


def suppress_small(result: QicResult, min_cell_size: int | None) -> QicResult:
    """A copy of ``result`` with subgroups of ``n < min_cell_size`` hidden everywhere.

    Without a denominator, subgroups aggregated from several records (Xbar and S charts,
    run and I charts of means) are judged by their number of records; charts of single
    values are returned unchanged. The returned result's
    ``suppression_note`` says how many points were hidden; figures print it.
    """
    if not min_cell_size:
        return result
    points = result.points.copy()
    if result.n is not None:
        size = points["n"].to_numpy(float)
    elif result.chart in ("xbar", "s") or (points["y.length"] > 1).any():
        size = points["y.length"].to_numpy(float)  # subgroup means of several records
    else:
        return result
    small = size < float(min_cell_size)
    points["suppressed"] = small
    if not small.any():
        return replace(result, points=points)
    for name in HIDDEN:
        points.loc[small, name] = np.nan
    points.loc[small, "sigma.signal"] = False
    note = (
        f"{int(small.sum())} point(s) based on fewer than {min_cell_size} are not shown, "
        "and the limits at those points are not drawn (they would reveal the small counts)."
    )
    return replace(result, points=points, suppression_note=note)
