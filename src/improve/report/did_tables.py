"""Tables of a DiD evaluation with one set of standard errors for the whole report."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["analytic_cells_table"]


def analytic_cells_table(evaluation: Any) -> pd.DataFrame:
    """ATT(g,t) with the analytic standard errors the event study and summaries use.

    With ``bootstrap=True`` :func:`improve.did.att_gt` reports multiplier-bootstrap
    standard errors for the cells while the aggregations use the analytic (CR2 when
    clustered) ones; a report shows one kind. The analytic standard errors are the square
    roots of the result's analytic covariance (``vcov``), with the same degrees of freedom;
    cells without a standard error stay without one. Counts of treated and comparison
    units are added as in :meth:`~improve.did.evaluation.DiDEvaluation.cells_table`.
    """
    cells = evaluation.cells
    with np.errstate(invalid="ignore"):
        analytic = np.sqrt(np.diag(np.asarray(cells.vcov, dtype="float64")))
    se = np.where(np.isfinite(np.asarray(cells.se, dtype="float64")), analytic, np.nan)
    tidy = replace(cells, se=se, uniform=False).tidy()
    tidy["n_treated"] = np.asarray(cells.n_treated)
    tidy["n_comparison"] = np.asarray(cells.n_control)
    return tidy
