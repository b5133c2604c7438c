"""Figures for threshold designs: the RD plot, the running variable's histogram, and
estimates across bandwidths, placebo cutoffs or donut holes.

Every figure takes ``min_cell_size``: a bin holding fewer observations is left out of the
picture (and the caption's count says so), so no figure shows a mean of a few units.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme


def _shown_bins(bins: pd.DataFrame, min_cell_size: int | None) -> pd.DataFrame:
    if not min_cell_size:
        return bins
    return bins.loc[bins["n"] >= min_cell_size]


def rd_plot(
    scatter: Any,
    *,
    outcome_label: str | None = None,
    running_label: str | None = None,
    min_cell_size: int | None = None,
    title: str | None = None,
) -> Figure:
    """Binned means with the local fits and their confidence bands on each side.

    Parameters
    ----------
    scatter : BinnedScatter
        From :func:`improve.rd.binned_scatter` (bins and fits).
    min_cell_size : int, optional
        Bins with fewer observations are not drawn.
    """
    use_theme()
    fig, ax = plt.subplots()
    bins = _shown_bins(scatter.bins, min_cell_size)
    for side, color in (("below", PALETTE[0]), ("above", PALETTE[1])):
        b = bins.loc[bins["side"] == side]
        ax.scatter(
            b["x"],
            b["y"],
            s=18,
            color=color,
            alpha=0.8,
            zorder=3,
            label=f"bin means {side} the cutoff",
        )
        f = scatter.fits.loc[scatter.fits["side"] == side]
        ax.plot(f["x"], f["fit"], color=color, lw=2.2, zorder=4)
        ax.fill_between(f["x"], f["conf_low"], f["conf_high"], color=color, alpha=0.2, lw=0)
    ax.axvline(scatter.cutoff, color=NEUTRAL, lw=1, ls="--")
    ax.text(scatter.cutoff, ax.get_ylim()[1], " cutoff", va="top", fontsize=9, color=NEUTRAL)
    ax.set_xlabel(running_label or scatter.running)
    ax.set_ylabel(outcome_label or scatter.outcome)
    level = f"{scatter.confidence_level:.0%}"
    ax.set_title(title or f"Bin means and local fits within the bandwidth ({level} bands)")
    ax.legend(loc="best", fontsize=8)
    return fig


def density_plot(
    x: np.ndarray,
    cutoff: float,
    *,
    running_label: str | None = None,
    bins: int = 40,
    min_cell_size: int | None = None,
) -> Figure:
    """Histogram of the running variable, bars split at the cutoff (small bars hidden)."""
    use_theme()
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    width = (x.max() - x.min()) / bins
    start = cutoff - np.ceil((cutoff - x.min()) / width) * width
    edges = np.arange(start, x.max() + width, width)
    counts, edges = np.histogram(x, edges)
    shown = counts >= (min_cell_size or 0)
    fig, ax = plt.subplots()
    left = edges[:-1]
    below = left < cutoff
    ax.bar(
        left[below & shown],
        counts[below & shown],
        width=width,
        align="edge",
        color=PALETTE[0],
        alpha=0.8,
        label="below the cutoff",
    )
    ax.bar(
        left[~below & shown],
        counts[~below & shown],
        width=width,
        align="edge",
        color=PALETTE[1],
        alpha=0.8,
        label="at or above the cutoff",
    )
    ax.axvline(cutoff, color=NEUTRAL, lw=1, ls="--")
    ax.set_xlabel(running_label or "Running variable")
    ax.set_ylabel("Number of units")
    hidden = int((~shown & (counts > 0)).sum())
    note = f" ({hidden} small bars hidden)" if hidden else ""
    ax.set_title(f"How units are spread around the cutoff{note}")
    ax.legend(loc="best", fontsize=8)
    return fig


def estimates_plot(
    table: pd.DataFrame,
    x: str,
    *,
    main: float | None = None,
    x_label: str,
    effect_label: str = "Estimated jump at the cutoff",
    title: str,
) -> Figure:
    """Estimates with their robust intervals against ``x`` (bandwidth multiple, placebo
    cutoff or donut radius); the main estimate as a horizontal line."""
    use_theme()
    rows = table.loc[np.isfinite(table["estimate"].to_numpy(dtype=float))]
    pos = pd.to_numeric(rows[x], errors="coerce").to_numpy(dtype=float)
    fig, ax = plt.subplots()
    est = rows["estimate"].to_numpy(dtype=float)
    ax.errorbar(
        pos,
        est,
        yerr=[
            est - rows["robust_conf_low"].to_numpy(float),
            rows["robust_conf_high"].to_numpy(float) - est,
        ],
        fmt="o",
        color=PALETTE[0],
        capsize=3,
        label="estimate, robust interval",
    )
    ax.axhline(0, color="black", lw=0.8)
    if main is not None:
        ax.axhline(main, color=PALETTE[1], lw=1.2, ls="--", label="main estimate")
    ax.set_xlabel(x_label)
    ax.set_ylabel(effect_label)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    return fig
