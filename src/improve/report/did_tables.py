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
    se = np.where(np.isfinite(np.asarray(cells.std_error, dtype="float64")), analytic, np.nan)
    tidy = replace(cells, std_error=se, uniform=False).tidy()
    tidy["n_treated"] = np.asarray(cells.n_treated)
    tidy["n_comparison"] = np.asarray(cells.n_control)
    return tidy


def evaluation_html(evaluation: Any) -> str:
    """HTML of a DiD evaluation for JupyterLab: overall effect, event study, inference.

    Used by ``DiDEvaluation._repr_html_``; every number goes through the report formatter
    and headers are in words.
    """
    import html

    from improve.report.headers import header_labels
    from improve.report.numbers import value_kind
    from improve.report.tables import Table

    def table(frame: pd.DataFrame, caption: str) -> str:
        return Table(
            frame,
            caption=caption,
            decimals=_decimals(frame),
            headers=header_labels(frame.columns),
            p_columns=[c for c in frame.columns if value_kind(str(c)) == "p"],
        ).to_html()

    keep = ["estimate", "std_error", "conf_low", "conf_high", "p_value"]
    overall = evaluation.simple.tidy()[keep]
    events = evaluation.event_study_table()
    events = events[[c for c in ["event_time", *keep] if c in events.columns]]
    note = evaluation.inference_note
    return (
        f"<div class='improve-evaluation'><b>Difference-in-differences evaluation of "
        f"{html.escape(str(evaluation.outcome))}</b>"
        + table(overall, "Overall effect (simple aggregation).")
        + table(events, "Event study.")
        + f"<p class='improve-note'>{html.escape(note[:1].upper() + note[1:])}.</p></div>"
    )


def _decimals(frame: pd.DataFrame) -> dict[str, int]:
    from improve.report.numbers import column_decimals

    estimate = column_decimals(frame["estimate"]) if "estimate" in frame else 2
    out = {}
    for column in frame.columns:
        if column.startswith("conf_") or column == "estimate":
            out[column] = estimate
        elif pd.api.types.is_float_dtype(frame[column].dtype):
            out[column] = column_decimals(frame[column])
    return out
