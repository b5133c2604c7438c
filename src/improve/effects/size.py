"""Standardised effects: any estimate in standard-deviation units, with the SD choice reported."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from improve.errors import EstimationError, SpecError

SDKind = Literal["comparison_pre", "pooled_pre", "user"]

_DESCRIPTIONS = {
    "comparison_pre": (
        "SD of {outcome} across comparison (never-treated) units before treatment began"
    ),
    "pooled_pre": "SD of {outcome} across all units before treatment began",
    "user": "{label}",
}


@dataclass(frozen=True)
class OutcomeSD:
    """The standard deviation an effect is divided by, and where it came from.

    Attributes
    ----------
    value : float
    kind : str
        ``"comparison_pre"``, ``"pooled_pre"`` or ``"user"``.
    description : str
        Sentence for reports ("SD of math_ss across comparison units before treatment began").
    n : int
        Observations behind it (0 for a user-supplied SD).
    """

    value: float
    kind: str
    description: str
    n: int


def outcome_sd(
    panel: object,
    outcome: str,
    kind: SDKind = "comparison_pre",
    *,
    value: float | None = None,
    label: str | None = None,
) -> OutcomeSD:
    """Choose the SD used to standardise effects on ``outcome``.

    Parameters
    ----------
    panel : Panel
        Loaded panel (its spec names the unit, time and cohort columns).
    outcome : str
    kind : {"comparison_pre", "pooled_pre", "user"}
        ``comparison_pre``: never-treated units, periods before the earliest cohort (the
        What Works Clearinghouse preference for a comparison-group SD). ``pooled_pre``: all
        units in those periods. ``user``: a supplied SD, e.g. the state's student-level SD
        when the panel holds school means (school-mean SDs are much smaller and inflate
        effect sizes).
    value, label : optional
        The SD and its description for ``kind="user"``.
    """
    if kind == "user":
        if value is None or not np.isfinite(value) or value <= 0:
            raise SpecError("a user-supplied SD must be a positive number (value=...)")
        text = label or f"user-supplied SD of {outcome}"
        return OutcomeSD(float(value), "user", text, 0)
    if kind not in ("comparison_pre", "pooled_pre"):
        raise SpecError(f"kind must be comparison_pre, pooled_pre or user, got {kind!r}")
    spec = panel.spec  # type: ignore[attr-defined]
    data: pd.DataFrame = panel.data  # type: ignore[attr-defined]
    if spec.cohort is None:
        raise SpecError("standardising against the pre-period needs treatment timing (cohort)")
    cohorts = data[spec.cohort]
    first = cohorts[cohorts > 0].min() if (cohorts > 0).any() else data[spec.time].max() + 1
    rows = data[spec.time] < first
    if kind == "comparison_pre":
        rows &= cohorts == 0
    values = data.loc[rows, outcome].dropna()
    if len(values) < 2:
        raise EstimationError(
            f"too few pre-treatment values of {outcome} to compute an SD ({len(values)}); "
            "use kind='pooled_pre' or supply the SD (kind='user')"
        )
    sd = float(values.std(ddof=1))
    text = _DESCRIPTIONS[kind].format(outcome=outcome)
    return OutcomeSD(sd, kind, text, int(len(values)))


def to_sd_units(tidy: pd.DataFrame, sd: OutcomeSD) -> pd.DataFrame:
    """Divide estimates, standard errors and interval bounds by ``sd.value``.

    The SD is treated as known (its own sampling error is not propagated), as is usual for
    WWC effect sizes; statistics and p-values are unchanged by the rescaling.
    """
    out = tidy.copy()
    scale_cols = [
        c
        for c in (
            "estimate",
            "std_error",
            "conf_low",
            "conf_high",
            "conf_low_uniform",
            "conf_high_uniform",
        )
        if c in out.columns
    ]
    for col in scale_cols:
        out[col] = out[col] / sd.value
    out["sd_used"] = sd.value
    out["sd_kind"] = sd.kind
    return out


def effect_record(row: Mapping[str, Any], inference: str) -> dict[str, float | str]:
    """One row of :func:`to_sd_units` output as a run's ``effects`` entry in results.json.

    ``improve.cost`` prices the effects a finished run records this way (estimate, standard
    error and interval in SD units, the SD used and the inference in words), so any design's
    workbook can be priced without the cost layer knowing its tables.
    """
    return {
        "estimate_sd": float(row["estimate"]),
        "std_error_sd": float(row["std_error"]),
        "conf_low_sd": float(row["conf_low"]),
        "conf_high_sd": float(row["conf_high"]),
        "sd": float(row["sd_used"]),
        "inference": inference,
    }
