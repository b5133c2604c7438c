"""Figures for costs: cost per student by category or payer, and the cost-effectiveness plane.

Each function draws from tables the cost results provide (``ProgramCost.by``, a table of
programs with effect and cost), never from raw data.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.cost.ratio import format_money
from improve.report.theme import NEUTRAL, PALETTE, use_theme


def cost_breakdown_figure(table: pd.DataFrame, kind: str = "category") -> Figure:
    """Horizontal bars: cost per student by ``kind`` (``ProgramCost.by(kind)``)."""
    use_theme()
    ordered = table.sort_values("per_student")
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(ordered) + 1.5))
    ax.barh(ordered[kind].astype(str), ordered["per_student"], color=PALETTE[0])
    for y, (value, share) in enumerate(zip(ordered["per_student"], ordered["share"], strict=True)):
        ax.text(value, y, f" {format_money(value)} ({share:.0%})", va="center", fontsize=9)
    ax.set_xlabel("Cost per student (present value)")
    ax.set_ylabel("")
    ax.set_xlim(0, float(ordered["per_student"].max()) * 1.35 or 1.0)
    ax.grid(axis="y", visible=False)
    return fig


def cost_effectiveness_plane(
    points: pd.DataFrame,
    *,
    per: float = 0.1,
    effect_label: str = "Effect (SD)",
) -> Figure:
    """The cost-effectiveness plane: incremental effect (x) against incremental cost (y).

    Parameters
    ----------
    points : DataFrame
        One row per program and outcome: ``label``, ``effect_sd``, ``effect_conf_low``,
        ``effect_conf_high``, ``cost_per_student`` and optionally ``cost_low`` and
        ``cost_high``.
    per : float, default 0.1
        Dashed rays through the origin mark the program's cost per ``per`` SD.
    """
    use_theme()
    fig, ax = plt.subplots()
    for i, row in enumerate(points.itertuples(index=False)):
        color = PALETTE[i % len(PALETTE)]
        x, y = float(row.effect_sd), float(row.cost_per_student)
        xerr = [[x - float(row.effect_conf_low)], [float(row.effect_conf_high) - x]]
        yerr = None
        if hasattr(row, "cost_low") and np.isfinite(getattr(row, "cost_low", np.nan)):
            yerr = [[y - float(row.cost_low)], [float(row.cost_high) - y]]
        ax.errorbar(
            x, y, xerr=xerr, yerr=yerr, fmt="o", color=color, capsize=3, label=str(row.label)
        )
        if x > 0:
            slope = y / x
            xs = np.array([0.0, x * 1.3])
            ax.plot(xs, slope * xs, ls=":", color=color, lw=1)
            ax.annotate(
                f"{format_money(y / (x / per))} per {per:g} SD",
                (x, y),
                textcoords="offset points",
                xytext=(6, 6),
                fontsize=9,
                color=color,
            )
    ax.axhline(0, color=NEUTRAL, lw=1)
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_xlabel(effect_label + " (bars: confidence interval)")
    ax.set_ylabel("Incremental cost per student ($)")
    low, high = ax.get_xlim()
    ax.set_xlim(min(low, -0.05), max(high, 0.05))
    ax.set_ylim(min(ax.get_ylim()[0], 0), ax.get_ylim()[1] * 1.1)
    ax.legend(loc="upper left", fontsize=9)
    return fig
