"""What an RD plot draws: binned means (``rdplot``) and the local fits with confidence bands.

``rdrobust.rdplot`` chooses the bins (evenly spaced, mimicking the variance of the raw
data by default) and returns bin means with their intervals and a global polynomial.
The estimate, though, comes from a *local* polynomial within the bandwidth, so
:func:`binned_scatter` adds that fit on each side (kernel-weighted least squares, the same
order, kernel and bandwidth as the estimate) with a pointwise confidence band
(heteroskedasticity-robust HC1), so the plot shows the jump that is estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.rd._engine import call_engine
from improve.rd.estimate import design_arrays

_KERNELS = {
    "tri": lambda u: np.clip(1 - np.abs(u), 0, None),
    "triangular": lambda u: np.clip(1 - np.abs(u), 0, None),
    "epa": lambda u: np.clip(0.75 * (1 - u**2), 0, None),
    "epanechnikov": lambda u: np.clip(0.75 * (1 - u**2), 0, None),
    "uni": lambda u: (np.abs(u) <= 1).astype(float),
    "uniform": lambda u: (np.abs(u) <= 1).astype(float),
}


@dataclass(frozen=True)
class BinnedScatter:
    """Bins and fitted lines of an RD plot.

    Attributes
    ----------
    bins : pandas.DataFrame
        ``x`` (bin mean of the running variable), ``y`` (bin mean of the outcome),
        ``conf_low``, ``conf_high``, ``n`` (observations), ``side`` ("below"/"above").
    fits : pandas.DataFrame
        ``x``, ``fit``, ``conf_low``, ``conf_high``, ``side``: the local polynomial on
        each side within the bandwidth.
    outcome, running : str
    cutoff : float
    h : tuple of float
    """

    bins: pd.DataFrame
    fits: pd.DataFrame
    outcome: str
    running: str
    cutoff: float
    h: tuple[float, float]
    confidence_level: float


def _local_fit(
    x: np.ndarray, y: np.ndarray, grid: np.ndarray, h: float, p: int, kernel: str, z: float
) -> pd.DataFrame:
    weights = _KERNELS[kernel.lower()](x / h)
    keep = weights > 0
    xs, ys, ws = x[keep], y[keep], weights[keep]
    design = np.vander(xs, p + 1, increasing=True)
    bread = np.linalg.pinv(design.T @ (design * ws[:, None]))
    beta = bread @ design.T @ (ws * ys)
    resid = ys - design @ beta
    n, k = design.shape
    meat = (design * (ws * resid)[:, None]).T @ (design * (ws * resid)[:, None])
    vcov = bread @ meat @ bread * (n / max(n - k, 1))
    g = np.vander(grid, p + 1, increasing=True)
    fit = g @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", g, vcov, g))
    return pd.DataFrame(
        {"x": grid, "fit": fit, "conf_low": fit - z * se, "conf_high": fit + z * se}
    )


def binned_scatter(
    data: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    *,
    h: float | tuple[float, float],
    p: int = 1,
    kernel: str = "triangular",
    confidence_level: float = 0.95,
    points: int = 50,
    **rdplot_options: Any,
) -> BinnedScatter:
    """Bins from ``rdplot`` and the local polynomial fits with pointwise bands.

    Parameters
    ----------
    data : pandas.DataFrame
    outcome, running : str
    cutoff : float
    h : float or (left, right)
        Bandwidth of the estimate (the fits are drawn within it).
    p, kernel : polynomial order and kernel of the estimate.
    confidence_level : float
    points : int
        Grid points per side for the fitted lines.
    **rdplot_options
        Passed to ``rdrobust.rdplot`` unchanged (``nbins``, ``binselect``, ``scale``...).
    """
    arrays = design_arrays(data, outcome, running)
    x, y = arrays["x"], arrays["y"]
    from rdrobust import rdplot  # here: it imports plotting libraries

    out = call_engine(
        rdplot,
        f"the RD plot of {outcome}",
        y,
        x,
        c=cutoff,
        hide=True,
        ci=100 * confidence_level,
        **rdplot_options,
    )
    vb = out.vars_bins
    bins = pd.DataFrame(
        {
            "x": vb["rdplot_mean_x"].to_numpy(float),
            "y": vb["rdplot_mean_y"].to_numpy(float),
            "conf_low": vb["rdplot_ci_l"].to_numpy(float),
            "conf_high": vb["rdplot_ci_r"].to_numpy(float),
            "n": vb["rdplot_N"].to_numpy(int),
        }
    ).dropna(subset=["x", "y"])
    bins["side"] = np.where(bins["x"] < cutoff, "below", "above")
    h_left, h_right = (h, h) if np.isscalar(h) else h
    from scipy import stats  # here, not at module level: slow to import

    z = float(stats.norm.ppf(0.5 + confidence_level / 2))
    fits = []
    for side, width, sel in (("below", h_left, x < cutoff), ("above", h_right, x >= cutoff)):
        xc = x[sel] - cutoff
        edge = -min(width, np.abs(xc).max()) if side == "below" else min(width, xc.max())
        grid = np.linspace(min(0.0, edge), max(0.0, edge), points)
        fit = _local_fit(xc, y[sel], grid, float(width), int(p), kernel, z)
        fit["x"] = fit["x"] + cutoff
        fit["side"] = side
        fits.append(fit)
    return BinnedScatter(
        bins=bins.reset_index(drop=True),
        fits=pd.concat(fits, ignore_index=True),
        outcome=outcome,
        running=running,
        cutoff=float(cutoff),
        h=(float(h_left), float(h_right)),
        confidence_level=confidence_level,
    )
