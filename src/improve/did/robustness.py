"""Robustness: the same overall effect under alternative specifications, side by side."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from improve._deprecation import warn_renamed
from improve.did.aggregate import aggregate
from improve.did.attgt import att_gt
from improve.did.twfe import twfe
from improve.errors import EstimationError


def _describe(result: Any) -> str:
    covariates = ", ".join(result.covariates) if result.covariates else "none"
    return (
        f"Callaway–Sant'Anna: {result.control_group} comparison, {result.est_method}, "
        f"covariates: {covariates}"
    )


_COLUMNS = ["specification", "estimator", "estimate", "std_error", "conf_low", "conf_high"]


def robustness_table(
    data: Any,
    outcome: str,
    base: Mapping[str, Any],
    variants: Mapping[str, Mapping[str, Any]],
    *,
    include_twfe: bool = True,
    confidence_level: float = 0.95,
    alpha: float | None = None,
) -> pd.DataFrame:
    """Overall (simple) ATT of ``outcome`` for the main specification and each variant.

    Parameters
    ----------
    data : Panel or DataFrame
    outcome : str
    base : mapping
        Keyword arguments of :func:`improve.did.att_gt` for the main specification.
    variants : mapping of label -> mapping
        Each variant's changes to ``base`` (e.g. ``{"Never-treated comparison":
        {"control_group": "nevertreated"}}``).
    include_twfe : bool
        Add the static two-way fixed-effects coefficient, the estimate a reader may know,
        which is biased when effects differ across cohorts or grow with exposure.
    confidence_level : float
        Level of the confidence intervals.
    alpha : float, optional
        Deprecated: ``1 - confidence_level``; give ``confidence_level`` instead.

    Returns
    -------
    pandas.DataFrame
        One row per specification: ``specification, estimator, estimate, std_error,
        conf_low, conf_high`` (and ``note`` when a variant could not be estimated).
    """
    if alpha is not None:
        warn_renamed("alpha", "confidence_level")
    else:
        alpha = 1 - confidence_level
    rows = []
    specs = {"Main specification": {}, **variants}
    for label, changes in specs.items():
        kwargs = {**base, **changes, "alpha": alpha}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = att_gt(data, outcome, **kwargs)
                overall = aggregate(result, type="simple").tidy().iloc[0]
            rows.append(
                {
                    "specification": label,
                    "estimator": _describe(result),
                    **{c: float(overall[c]) for c in _COLUMNS[2:]},
                    "note": "",
                }
            )
        except EstimationError as exc:
            rows.append(
                {"specification": label, "estimator": "Callaway–Sant'Anna", "note": str(exc)}
            )
    if include_twfe:
        fit = twfe(data, outcome, cluster=base.get("cluster"), alpha=alpha).tidy().iloc[0]
        rows.append(
            {
                "specification": "Two-way fixed effects (static)",
                "estimator": "TWFE: unit and year effects, one post-treatment indicator",
                **{c: float(fit[c]) for c in _COLUMNS[2:]},
                "note": "biased when effects grow with exposure or differ by cohort",
            }
        )
    return pd.DataFrame(rows, columns=[*_COLUMNS, "note"])
