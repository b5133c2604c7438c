"""Checks of an RD estimate that rdrobust does not give in one call.

* :func:`covariate_balance`: each baseline covariate as the outcome; a covariate that jumps
  at the cutoff means units on the two sides differ in more than the program.
* :func:`placebo_cutoffs`: the estimate at fake cutoffs on one side of the real one, using
  only that side's data (no program changes there, so jumps should be rare).
* :func:`bandwidth_sensitivity`: the estimate with 0.5× to 2× the chosen bandwidth.
* :func:`donut_hole`: the estimate without the units closest to the cutoff (those most
  likely to have sorted).

Each returns a table with one row per variant: the conventional estimate and the robust
interval and p-value (rdrobust's), bandwidth and effective observations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import EstimationError
from improve.rd.estimate import RDResult, rd_estimate

#: Bandwidth multiples of the sensitivity table (the WWC asks for a range around the
#: chosen bandwidth; half to double is the usual one).
BANDWIDTH_MULTIPLES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
#: Quantiles of each side's running variable used as placebo cutoffs by default.
PLACEBO_QUANTILES = (0.25, 0.5, 0.75)


def result_row(result: RDResult) -> dict[str, Any]:
    """The conventional estimate with the robust interval: one table row."""
    robust = result.tidy().iloc[2]
    return {
        "estimate": result.estimate,
        "std_error": float(result.std_error[0]),
        "robust_conf_low": float(robust["conf_low"]),
        "robust_conf_high": float(robust["conf_high"]),
        "robust_p_value": float(robust["p_value"]),
        "h_left": result.h[0],
        "h_right": result.h[1],
        "n_effective": int(sum(result.n_effective)),
    }


def _failed_row() -> dict[str, Any]:
    keys = (
        "estimate",
        "std_error",
        "robust_conf_low",
        "robust_conf_high",
        "robust_p_value",
        "h_left",
        "h_right",
    )
    return {**{k: np.nan for k in keys}, "n_effective": 0}


def covariate_balance(
    data: pd.DataFrame, covariates: Sequence[str], running: str, cutoff: float, **options: Any
) -> pd.DataFrame:
    """Each covariate as the outcome of an RD estimate (options as for ``rd_estimate``).

    ``effect_size`` is the jump over the covariate's SD below the cutoff within the
    bandwidth (the WWC judges baseline differences in SD units).
    """
    rows = []
    x = pd.to_numeric(data[running], errors="coerce")
    for cov in covariates:
        res = rd_estimate(data, cov, running, cutoff, **options)
        near = (x < cutoff) & (x >= cutoff - res.h[0])
        sd = float(pd.to_numeric(data.loc[near, cov], errors="coerce").std(ddof=1))
        row = {"covariate": cov, **result_row(res), "sd_below": sd}
        row["effect_size"] = res.estimate / sd if sd > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def placebo_cutoffs(
    data: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    placebos: Sequence[float] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """RD estimates at fake cutoffs, each using only the data on its side of the real one.

    Parameters
    ----------
    placebos : sequence of float, optional
        Fake cutoffs (default: the quartiles of the running variable on each side).
    **options
        As for :func:`~improve.rd.rd_estimate` (a ``fuzzy`` column is ignored: the
        placebo asks whether the outcome jumps where nothing happens).
    """
    options.pop("fuzzy", None)
    x = pd.to_numeric(data[running], errors="coerce")
    if placebos is None:
        below = x[x < cutoff].quantile(list(PLACEBO_QUANTILES)).tolist()
        above = x[x >= cutoff].quantile(list(PLACEBO_QUANTILES)).tolist()
        placebos = [*below, *above]
    rows = []
    for fake in placebos:
        side = x < cutoff if fake < cutoff else x >= cutoff
        row: dict[str, Any] = {"cutoff": float(fake), "side": "below" if fake < cutoff else "above"}
        try:
            res = rd_estimate(data.loc[side.to_numpy()], outcome, running, fake, **options)
            row.update(result_row(res))
        except EstimationError as exc:
            row.update(_failed_row())
            row["note"] = str(exc)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if "note" not in frame.columns:
        frame["note"] = ""
    frame["note"] = frame["note"].fillna("")
    return frame


def bandwidth_sensitivity(
    data: pd.DataFrame,
    result: RDResult,
    multiples: Sequence[float] = BANDWIDTH_MULTIPLES,
    **options: Any,
) -> pd.DataFrame:
    """The estimate with each multiple of the chosen bandwidths (``h`` and ``b`` scaled).

    ``options`` are those of the original estimate (``fuzzy``, ``covs``, ``cluster``, ``p``,
    ``kernel``, ...); ``h``, ``b`` and ``bwselect`` are replaced.
    """
    h, b = np.array(result.h), np.array(result.b)
    for key in ("h", "b", "bwselect", "rho"):
        options.pop(key, None)
    rows = []
    for m in multiples:
        res = rd_estimate(
            data,
            result.outcome,
            result.running,
            result.cutoff,
            h=list(m * h),
            b=list(m * b),
            **options,
        )
        rows.append({"multiple": float(m), **result_row(res)})
    return pd.DataFrame(rows)


def donut_hole(
    data: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    radii: Sequence[float],
    **options: Any,
) -> pd.DataFrame:
    """The estimate leaving out units within each radius of the cutoff (0 = all units)."""
    x = pd.to_numeric(data[running], errors="coerce").to_numpy(dtype=float)
    rows = []
    for r in [0.0, *radii]:
        keep = ~(np.abs(x - cutoff) < r) if r > 0 else np.ones(x.size, dtype=bool)
        row: dict[str, Any] = {"radius": float(r), "left_out": int((~keep).sum())}
        try:
            row.update(result_row(rd_estimate(data.loc[keep], outcome, running, cutoff, **options)))
        except EstimationError as exc:
            row.update(_failed_row())
            row["note"] = str(exc)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["note"] = frame.get("note", pd.Series("", index=frame.index)).fillna("")
    return frame
