"""Survey tables ready to publish: small groups suppressed, with complementary suppression.

A group with fewer respondents than the minimum cell size is hidden in every table. Where a
total (or an overall figure) is also shown, one hidden group could be recovered by
subtraction, so within each family of rows (one grouping, one item) the next-smallest
group is hidden too. Rows are marked ``suppressed``; :class:`~improve.report.RunOutputs`
blanks them and keeps their numbers out of every other output.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: Row label of totals in survey tables.
TOTAL = "Total"


def mark_small_groups(
    frame: pd.DataFrame,
    min_cell_size: int | None,
    *,
    family: Sequence[str] = ("grouping",),
    count: str = "n",
    complementary: bool = True,
) -> pd.DataFrame:
    """``frame`` with a ``suppressed`` column: small groups and their complements, blanked.

    Parameters
    ----------
    frame : DataFrame
        One row per group (``term`` or ``group`` names it), a count column, and
        optionally a ``Total`` row per family.
    min_cell_size : int or None
        None or 0: nothing is suppressed.
    family : sequence of str
        Columns whose values define one family (e.g. ``grouping``, or ``item``).
    complementary : bool
        When exactly one group of a family is hidden, hide the next-smallest too.
    """
    out = frame.copy()
    previous = out["suppressed"].astype(bool) if "suppressed" in out else False
    out["suppressed"] = previous
    if not min_cell_size or out.empty:
        return out
    name = "term" if "term" in out.columns and "group" not in out.columns else "group"
    keys = [c for c in family if c in out.columns]
    parts = [part.index for _, part in out.groupby(keys, sort=False)] if keys else [out.index]
    for index in parts:
        rows = out.loc[index]
        groups = rows[rows[name] != TOTAL]
        small = groups.index[(groups[count] < min_cell_size) | groups["suppressed"]]
        out.loc[small, "suppressed"] = True
        if complementary and len(small) == 1:
            rest = groups.drop(index=small).sort_values(count, kind="mergesort")
            if len(rest):
                out.loc[rest.index[0], "suppressed"] = True
    hidden = out["suppressed"].to_numpy(bool)
    for column in out.columns:
        numeric = pd.api.types.is_numeric_dtype(out[column].dtype)
        if numeric and not pd.api.types.is_bool_dtype(out[column].dtype):
            out[column] = out[column].astype(float).mask(hidden)
    return out
