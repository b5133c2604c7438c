"""Several cutoffs (different funding lines in different grant rounds), normalised and pooled.

Each round's running variable is centred at its own cutoff, so a score of 72 in a round
with a line at 70 becomes +2. The pooled estimate is rdrobust at 0 on the centred scores
(the normalising-and-pooling approach of Cattaneo, Keele, Titiunik & Vazquez-Bare 2016); the
estimate at each cutoff is shown beside it, so a pooled effect hiding different effects is
visible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from improve.errors import EstimationError, SpecError
from improve.rd.estimate import RDResult, rd_estimate
from improve.rd.robustness import _failed_row, result_row

#: Name of the centred running variable added by :func:`normalise_cutoffs`.
CENTRED = "running_centred"


def normalise_cutoffs(data: pd.DataFrame, running: str, cutoff_column: str) -> pd.DataFrame:
    """A copy with ``running_centred`` = running variable minus each row's cutoff."""
    for col in (running, cutoff_column):
        if col not in data.columns:
            raise SpecError(f"column '{col}' is not in the data")
    cut = pd.to_numeric(data[cutoff_column], errors="coerce")
    if cut.isna().any():
        raise SpecError(
            f"cutoff column '{cutoff_column}' is missing or not a number in "
            f"{int(cut.isna().sum())} rows; every row needs its round's cutoff"
        )
    return data.assign(**{CENTRED: pd.to_numeric(data[running], errors="coerce") - cut})


def pooled_cutoffs(
    data: pd.DataFrame, outcome: str, running: str, cutoff_column: str, **options: Any
) -> tuple[RDResult, pd.DataFrame]:
    """Pooled estimate on centred scores, and the estimate at each cutoff.

    Returns
    -------
    pooled : RDResult
        rdrobust at 0 on ``running_centred`` (options as for ``rd_estimate``).
    by_cutoff : pandas.DataFrame
        One row per cutoff value (estimate, robust interval, bandwidths, observations),
        then the pooled row.
    """
    centred = normalise_cutoffs(data, running, cutoff_column)
    pooled = rd_estimate(centred, outcome, CENTRED, 0.0, **options)
    rows = []
    for value in np.sort(pd.to_numeric(centred[cutoff_column]).unique()):
        part = centred.loc[centred[cutoff_column] == value]
        row: dict[str, Any] = {"cutoff": f"{value:g}", "n": len(part)}
        try:
            row.update(result_row(rd_estimate(part, outcome, running, float(value), **options)))
        except EstimationError as exc:
            row.update(_failed_row())
            row["note"] = str(exc)
        rows.append(row)
    rows.append({"cutoff": "pooled (centred)", "n": len(centred), **result_row(pooled)})
    table = pd.DataFrame(rows)
    table["note"] = table.get("note", pd.Series("", index=table.index)).fillna("")
    return pooled, table
