"""Every estimator's event study on one axis (as R ``did2s::event_study`` does)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import SpecError

_COLUMNS = ["estimator", "event_time", "estimate", "std_error", "conf_low", "conf_high"]


def _event_rows(result: Any) -> pd.DataFrame:
    """Event-time rows of any result whose tidy frame has ``event_time``."""
    tidy = result.tidy() if hasattr(result, "tidy") else result
    if "event_time" not in tidy.columns:
        raise SpecError(
            "this result has no event times: pass event-study results (e.g. "
            "aggregate(..., type='dynamic'), twfe(..., dynamic=True), imputation(...))"
        )
    rows = tidy.loc[tidy["event_time"].notna()]
    return rows[["event_time", "estimate", "std_error", "conf_low", "conf_high"]]


def compare_event_studies(
    results: Mapping[str, Any],
    *,
    min_e: float | None = None,
    max_e: float | None = None,
) -> pd.DataFrame:
    """Stack event-study estimates from several estimators into one long table.

    Parameters
    ----------
    results : mapping label -> result
        Results with a ``tidy()`` holding ``event_time`` rows (Callaway–Sant'Anna dynamic
        aggregation, two-way fixed effects event study, Sun–Abraham, imputation,
        two-stage), or their tidy frames.
    min_e, max_e : float, optional
        Event-time window.

    Returns
    -------
    pandas.DataFrame
        ``estimator, event_time, estimate, std_error, conf_low, conf_high``, estimators in
        the order given. A period an estimator normalises to zero (the two-way fixed-effects
        reference period) has no row for that estimator.
    """
    if not results:
        raise SpecError("give at least one event-study result to compare")
    parts = []
    for label, result in results.items():
        rows = _event_rows(result).assign(estimator=label)
        parts.append(rows)
    table = pd.concat(parts, ignore_index=True)[_COLUMNS]
    if min_e is not None:
        table = table.loc[table["event_time"] >= min_e]
    if max_e is not None:
        table = table.loc[table["event_time"] <= max_e]
    order = {label: i for i, label in enumerate(results)}
    table = table.assign(_order=table["estimator"].map(order))
    table = table.sort_values(["_order", "event_time"], kind="stable").drop(columns="_order")
    return table.reset_index(drop=True)


def event_time_spread(table: pd.DataFrame) -> pd.DataFrame:
    """Per event time: how far the estimators' estimates are apart (max − min)."""
    grouped = table.groupby("event_time")["estimate"]
    out = pd.DataFrame(
        {"estimators": grouped.count(), "lowest": grouped.min(), "highest": grouped.max()}
    )
    out["spread"] = out["highest"] - out["lowest"]
    return out.reset_index().assign(spread=lambda f: np.round(f["spread"], 12))
