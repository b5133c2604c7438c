"""The same fixed-effects estimate under several inference methods, and few-cluster subsamples."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from improve.data.load import Panel
from improve.errors import SpecError
from improve.fe.panel import panel_regression

DEFAULT_METHODS: tuple[str, ...] = ("hc1", "cr1", "cr2", "wild")


def compare_inference(
    data: Any,
    outcome: str,
    treatment: str,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    **options: Any,
) -> pd.DataFrame:
    """Estimate once per inference method and stack the tidy rows.

    Parameters
    ----------
    data : Panel or DataFrame
    outcome, treatment : str
    methods : sequence of str
        Values of ``se`` for :func:`improve.fe.panel_regression`.
    **options
        Passed to :func:`panel_regression` (cluster, n_boot, seed, alpha, ...).

    Returns
    -------
    pandas.DataFrame
        One row per method: ``method, inference, estimate, std_error, df, p_value,
        conf_low, conf_high, n_clusters, warning``. The estimate is the same in every row;
        only the uncertainty changes.
    """
    rows = []
    for method in methods:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = panel_regression(data, outcome, treatment, se=method, **options)
        row = result.tidy().iloc[0]
        rows.append(
            {
                "method": method,
                "inference": result.vcov_label,
                "estimate": float(row["estimate"]),
                "std_error": float(row["std_error"]),
                "df": _first(getattr(result, "df", None)),
                "p_value": float(row["p_value"]),
                "conf_low": float(row["conf_low"]),
                "conf_high": float(row["conf_high"]),
                "n_clusters": _first(getattr(result, "n_clusters", None)),
                "warning": "; ".join(str(w.message) for w in caught)[:200],
            }
        )
    return pd.DataFrame(rows)


def _first(value: Any) -> float:
    """First element of an array or tuple (per-coefficient df, per-dimension clusters)."""
    flat = np.atleast_1d(np.asarray(value, dtype=float)) if value is not None else np.array([])
    return float(flat[0]) if flat.size else float("nan")


def subsample_clusters(
    panel: Panel, n_clusters: int, seed: int, cluster: str | None = None
) -> Panel:
    """Keep ``n_clusters`` randomly chosen clusters (seeded), to show few-cluster inference.

    ``cluster`` defaults to the spec's cluster, else the unit (as panel_regression's). With
    ``n_clusters`` at or above the number of clusters, every cluster is kept.
    """
    cluster = cluster or panel.spec.cluster or panel.spec.unit
    if cluster not in panel.data.columns:
        raise SpecError(f"subsample_clusters: cluster column {cluster!r} is not in the panel")
    ids = np.sort(panel.data[cluster].unique())
    if n_clusters < 2:
        raise SpecError(f"n_clusters must be at least 2, got {n_clusters}")
    n_clusters = min(n_clusters, ids.size)
    chosen = np.random.default_rng(seed).choice(ids, size=n_clusters, replace=False)
    data = panel.data.loc[panel.data[cluster].isin(chosen)].reset_index(drop=True)
    return Panel(data=data, spec=panel.spec, report=panel.report)
