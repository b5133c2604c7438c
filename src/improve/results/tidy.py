"""The tidy table every result returns, and its plain-text rendering."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

TIDY_COLUMNS = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]


def tidy_frame(
    terms: Sequence[str],
    estimate: NDArray[np.float64],
    std_error: NDArray[np.float64],
    *,
    confidence_level: float = 0.95,
    extra: Mapping[str, object] | None = None,
    uniform_crit: float | NDArray[np.float64] | None = None,
    df: float | NDArray[np.float64] | None = None,
) -> pd.DataFrame:
    """Build a tidy table (one row per estimate) with pointwise and optional uniform bands.

    Parameters
    ----------
    terms : sequence of str
        Label of each estimate.
    estimate, std_error : ndarray
        Estimates and standard errors.
    confidence_level : float, default 0.95
        Coverage of the pointwise intervals.
    extra : mapping, optional
        Additional columns (``group``, ``time``, ``event_time``...) inserted after ``term``.
    uniform_crit : float or ndarray, optional
        Critical value of a uniform (simultaneous) band; NaN entries give no band for a row.
        A row's band is never narrower than its pointwise interval.
    df : float or ndarray, optional
        Degrees of freedom of t critical values and p-values per row (None or ``inf``:
        normal).

    Returns
    -------
    pandas.DataFrame
    """
    from scipy import stats  # here, not at module level: slow to import

    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    alpha = 1.0 - confidence_level
    dof = np.broadcast_to(np.inf if df is None else np.asarray(df, dtype=float), est.shape)
    normal = np.isinf(dof) | np.isnan(dof)
    safe = np.where(normal, 1.0, dof)
    z = np.where(normal, stats.norm.ppf(1.0 - alpha / 2.0), stats.t.ppf(1.0 - alpha / 2.0, safe))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    pval = np.where(normal, 2.0 * stats.norm.sf(np.abs(stat)), 2.0 * stats.t.sf(np.abs(stat), safe))
    data: dict[str, object] = {"term": list(terms)}
    if extra:
        data.update(extra)
    data.update(
        {
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "p_value": pval,
            "conf_low": est - z * se,
            "conf_high": est + z * se,
        }
    )
    if uniform_crit is not None:
        crit = np.maximum(np.broadcast_to(np.asarray(uniform_crit, dtype=float), est.shape), z)
        data["conf_low_uniform"] = est - crit * se
        data["conf_high_uniform"] = est + crit * se
    return pd.DataFrame(data)


def text_table(df: pd.DataFrame, digits: int = 4) -> str:
    """Render a tidy frame as fixed-width text (numbers rounded to ``digits``)."""
    shown = df.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            vals = shown[col].to_numpy(dtype=float)
            fin = vals[np.isfinite(vals)]
            integer = fin.size > 0 and bool(np.all(fin == np.round(fin)))
            if integer and col in ("group", "time", "event_time"):
                shown[col] = [("" if not np.isfinite(v) else f"{v:.0f}") for v in vals]
            else:
                shown[col] = [("" if not np.isfinite(v) else f"{v:.{digits}f}") for v in vals]
    return shown.to_string(index=False)


def fmt_num(v: float | None, digits: int = 4) -> str:
    """Format a possibly-missing number."""
    if v is None or not np.isfinite(v):
        return "NA"
    return f"{v:.{digits}f}"
