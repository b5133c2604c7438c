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

    Charts without a denominator are returned unchanged. The returned result's
    ``suppression_note`` says how many points were hidden; figures print it.
    """
    if not min_cell_size or result.n is None:
        return result
    points = result.points.copy()
    small = points["n"].to_numpy(float) < float(min_cell_size)
    points["suppressed"] = small
    if not small.any():
        return replace(result, points=points)
    for name in HIDDEN:
        points.loc[small, name] = np.nan
    points.loc[small, "sigma.signal"] = False
    note = (
        f"{int(small.sum())} point(s) with a denominator under {min_cell_size} are not shown, "
        "and the limits at those points are not drawn (they would reveal the small counts)."
    )
    return replace(result, points=points, suppression_note=note)
