"""Figures for synthetic estimates: trajectories, unit weights, placebo paths.

Each function draws from tables the result provides (``trajectories()``, ``omega``,
a permutation test's gaps), never from the raw data, so suppression applied to those
tables carries into the figure.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme


def plot_synth_trajectories(
    trajectories: pd.DataFrame,
    *,
    time_weights: pd.Series | None = None,
    treated_label: str = "Treated",
    synthetic_label: str = "Synthetic comparison",
    outcome_label: str = "Outcome",
    title: str | None = None,
) -> Figure:
    """Treated mean and its synthetic counterpart by period, adoption marked.

    Parameters
    ----------
    trajectories : DataFrame
        Columns ``period, treated, synthetic, post`` (``SynthResult.trajectories()``).
    time_weights : Series, optional
        λ by pre-period; drawn as shaded bars along the bottom (the periods SDID compares).
    """
    use_theme()
    fig, ax = plt.subplots()
    ax.plot(
        trajectories["period"], trajectories["treated"], color=PALETTE[0], lw=2, label=treated_label
    )
    ax.plot(
        trajectories["period"],
        trajectories["synthetic"],
        color=PALETTE[1],
        lw=2,
        ls="--",
        label=synthetic_label,
    )
    post = trajectories.loc[trajectories["post"], "period"]
    if len(post):
        ax.axvline(float(post.iloc[0]) - 0.5, color=NEUTRAL, lw=1)
        ax.text(
            float(post.iloc[0]) - 0.4,
            ax.get_ylim()[1],
            "adoption",
            va="top",
            fontsize=9,
            color=NEUTRAL,
        )
    if time_weights is not None and float(time_weights.sum()) > 0:
        low, high = ax.get_ylim()
        height = 0.15 * (high - low)
        ax.bar(
            time_weights.index.astype(float),
            time_weights.to_numpy() * height,
            bottom=low,
            width=0.8,
            color=PALETTE[2],
            alpha=0.5,
            label="pre-period weight (λ)",
        )
        ax.set_ylim(low, high)
    ax.set_xlabel("Period")
    ax.set_ylabel(outcome_label)
    ax.set_title(title or f"{treated_label} and its synthetic comparison")
    ax.legend(loc="best")
    return fig


def plot_unit_weights(weights: pd.Series, *, top: int = 15, unit_label: str = "Donor") -> Figure:
    """Horizontal bars of the largest unit weights (ω)."""
    use_theme()
    shown = weights[weights > 1e-8].sort_values(ascending=True).tail(top)
    fig, ax = plt.subplots(figsize=(6.5, max(2.0, 0.3 * len(shown) + 1)))
    ax.barh([str(i) for i in shown.index], shown.to_numpy(), color=PALETTE[0])
    ax.set_xlabel("Weight in the synthetic comparison (ω)")
    ax.set_ylabel(unit_label)
    ax.set_title(f"{unit_label} weights ({int((weights > 1e-8).sum())} of {len(weights)} used)")
    return fig


def plot_placebo_gaps(
    periods: Any,
    treated_gap: np.ndarray,
    placebo_gaps: np.ndarray,
    *,
    adoption: Any,
    outcome_label: str = "Gap (treated − synthetic)",
    treated_label: str = "Treated",
) -> Figure:
    """Spaghetti plot: each donor's placebo gap in grey, the treated unit's highlighted."""
    use_theme()
    fig, ax = plt.subplots()
    x = np.asarray(periods, dtype=float)
    for row in np.atleast_2d(placebo_gaps):
        ax.plot(x, row, color=NEUTRAL, lw=0.8, alpha=0.5)
    ax.plot(x, treated_gap, color=PALETTE[5], lw=2.2, label=treated_label)
    ax.plot([], [], color=NEUTRAL, lw=0.8, label="placebos (donors as if treated)")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(float(adoption) - 0.5, color=NEUTRAL, lw=1)
    ax.set_xlabel("Period")
    ax.set_ylabel(outcome_label)
    ax.set_title("Placebo-in-space: the treated gap among the donors' placebo gaps")
    ax.legend(loc="best")
    return fig
