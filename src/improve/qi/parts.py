"""Subgroups, phases and baselines: how rows become the points of a chart.

Rows are aggregated to one subgroup per x value (and facet), as qicharts2 does; phases
(``part``) split each facet's subgroups after given positions; ``freeze`` fixes the limits
on the first subgroups; ``exclude`` drops subgroups from every calculation but keeps them
on the chart.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

AGG_FUNS = ("mean", "median", "sum", "sd")


def _agg(values: pd.core.groupby.SeriesGroupBy, agg_fun: str) -> pd.Series:
    if agg_fun == "mean":
        return values.mean()
    if agg_fun == "median":
        return values.median()
    if agg_fun == "sum":
        return values.sum()
    return values.std(ddof=1)


def aggregate(frame: pd.DataFrame, *, got_n: bool, agg_fun: str) -> pd.DataFrame:
    """One row per (facet1, facet2, x): sums, counts, means, sds and the plotted value.

    ``frame`` has columns ``x, y, n, notes, facet1, facet2, cl, target``. Follows qicharts2's
    ``qic.agg``: a single row with missing y keeps a missing sum; the plotted value is
    ``sum(y) / sum(n)`` with a denominator, else ``agg_fun`` of y.
    """
    frame = frame[frame["x"].notna()]
    groups = frame.groupby(["facet1", "facet2", "x"], sort=True, dropna=True, observed=True)
    y = groups["y"]
    out = pd.DataFrame(
        {
            "y.sum": y.sum(),
            "y.length": y.count(),
            "size": y.size(),
            "y.mean": y.mean(),
            "y.sd": y.std(ddof=1),
            "cl": groups["cl"].first() if frame["cl"].notna().any() else np.nan,
            "target": groups["target"].first() if frame["target"].notna().any() else np.nan,
            "notes": groups["notes"].agg(_join_notes),
        }
    )
    single = out["size"] == 1
    out.loc[single, "y.sum"] = y.first()[single].astype(float)
    out.loc[single & (out["y.length"] == 0), "y.sum"] = np.nan
    if got_n:
        out["n"] = groups["n"].sum()
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            out["y"] = groups["y"].sum() / out["n"]
    else:
        out["n"] = np.nan
        out["y"] = _agg(y, agg_fun)
    return out.drop(columns="size").reset_index()


def _join_notes(notes: pd.Series) -> str | float:
    texts = [str(t) for t in pd.unique(notes) if isinstance(t, str) and t != ""]
    return " | ".join(texts) if texts else np.nan


def make_parts(breaks: Sequence[int], n_rows: int) -> np.ndarray:
    """Part number (1, 2, ...) of each of ``n_rows`` subgroups; a new part starts after each
    break position (1-based, as qicharts2's ``part = c(12, 24)``)."""
    cuts = sorted({0, *[int(b) for b in breaks]})
    cuts = [c for c in cuts if 0 <= c < n_rows]
    sizes = np.diff([*cuts, n_rows])
    return np.repeat(np.arange(1, len(cuts) + 1), sizes)


def breaks_from_labels(x: pd.Series, labels: pd.Series) -> tuple[list[int], list[str]]:
    """Break positions and phase names from a phase label per row.

    As qicharts2: the label of each x value's first row, in data order; a new part starts
    where a label first appears.
    """
    first = ~x.duplicated()
    per_x = labels[first].astype(str).tolist()
    names = list(dict.fromkeys(per_x))
    positions = [per_x.index(name) for name in names][1:]
    return positions, names


def assign_parts(
    points: pd.DataFrame, frame: pd.DataFrame, labels: pd.Series | None, breaks: Sequence[int]
) -> None:
    """Add ``part``, ``part.label`` and ``xx`` (position within the facet) to ``points``.

    With phase ``labels`` (one per row of ``frame``), each facet's breaks come from its own
    rows, so a school missing a week keeps its phases aligned (qicharts2 takes the breaks
    from the first facet's x values for all facets; the two agree when every facet has the
    same x values).
    """
    points["part"] = 0
    points["xx"] = 0
    points["part.label"] = None
    for key, idx in points.groupby(["facet1", "facet2"], sort=False).groups.items():
        names: list[str] = []
        if labels is not None:
            rows = frame[(frame["facet1"] == key[0]) & (frame["facet2"] == key[1])]
            breaks, names = breaks_from_labels(rows["x"], labels.loc[rows.index])
        parts = make_parts(breaks, len(idx))
        points.loc[idx, "part"] = parts
        points.loc[idx, "xx"] = np.arange(1, len(idx) + 1)
        if names:
            points.loc[idx, "part.label"] = [names[p - 1] for p in parts]
