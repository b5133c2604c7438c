"""Figures for resource equity: distribution, spending against need, decomposition, trends.

Each function draws from the standard school table or a result's tidy table, never names a
school, and uses the shared theme.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme

_MEASURE_WORDS = {
    "per_pupil": "Spending per pupil ($)",
    "per_weighted_pupil": "Spending per need-weighted pupil ($)",
}


def _words(measure: str) -> str:
    return _MEASURE_WORDS.get(measure, measure.replace("_", " "))


def plot_distribution(
    table: pd.DataFrame,
    measure: str = "per_pupil",
    *,
    weighting: str = "pupils",
    second: str | None = None,
    bins: int = 30,
) -> Figure:
    """Histogram of a per-pupil measure across pupils (or schools), median marked.

    With ``second`` a second measure is drawn on the same axis (e.g. per need-weighted
    pupil beside per pupil).
    """
    use_theme()
    fig, ax = plt.subplots()
    measures = [measure] + ([second] if second else [])
    values = np.concatenate([table[m].to_numpy(float) for m in measures])
    edges = np.histogram_bin_edges(values, bins=bins)
    for i, m in enumerate(measures):
        w = table["enrollment"].to_numpy(float) if weighting == "pupils" else None
        ax.hist(
            table[m].to_numpy(float),
            bins=edges,
            weights=w,
            alpha=0.6,
            color=PALETTE[i],
            label=_words(m),
        )
        order = np.argsort(table[m].to_numpy(float))
        cum = np.cumsum((w if w is not None else np.ones(len(table)))[order])
        median = table[m].to_numpy(float)[order][np.searchsorted(cum, cum[-1] / 2)]
        ax.axvline(median, color=PALETTE[i], ls="--", lw=1.5)
    ax.set_xlabel("Dollars")
    ax.set_ylabel("Pupils" if weighting == "pupils" else "Schools")
    ax.legend()
    ax.set_title(
        "Distribution across "
        + ("pupils" if weighting == "pupils" else "schools")
        + " (dashed: median)"
    )
    return fig


def plot_vertical(
    table: pd.DataFrame,
    measure: str,
    fitted: tuple[float, float],
    *,
    need: str = "poverty_share",
    need_label: str = "Share of students in poverty",
) -> Figure:
    """Per-pupil spending against the need share, point size by enrollment, fitted line."""
    use_theme()
    fig, ax = plt.subplots()
    x = table[need].to_numpy(float)
    size = table["enrollment"].to_numpy(float)
    ax.scatter(
        x,
        table[measure],
        s=10 + 60 * size / size.max(),
        alpha=0.45,
        color=PALETTE[0],
        edgecolor="none",
        label="Schools (size: enrollment)",
    )
    grid = np.linspace(x.min(), x.max(), 50)
    intercept, slope = fitted
    ax.plot(
        grid,
        intercept + slope * grid,
        color=PALETTE[5],
        lw=2,
        label=f"Fitted (enrollment-weighted): {slope * 0.1:+,.0f} $ per 10 points",
    )
    ax.set_xlabel(need_label)
    ax.set_ylabel(_words(measure))
    ax.legend()
    return fig


def plot_decomposition(tidy: pd.DataFrame, *, group_label: str = "districts") -> Figure:
    """Within and between parts of the Theil index, stacked, one bar per year."""
    use_theme()
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    frame = tidy.assign(year=tidy["year"].fillna(0).astype(str))
    wide = frame.pivot(index="year", columns="term", values="estimate")
    years = list(wide.index)
    ax.bar(years, wide["within"], color=PALETTE[0], label=f"Within {group_label}")
    ax.bar(
        years,
        wide["between"],
        bottom=wide["within"],
        color=PALETTE[1],
        label=f"Between {group_label}",
    )
    ax.set_ylabel("Theil index")
    ax.set_xlabel("Year")
    ax.legend()
    return fig


def plot_trends(
    tidy: pd.DataFrame,
    *,
    measure: str = "per_pupil",
    change_year: Any = None,
    terms: tuple[str, ...] = ("coefficient_of_variation", "gini", "federal_range_ratio"),
) -> Figure:
    """Indices by year with their bootstrap intervals, the formula change marked."""
    use_theme()
    fig, ax = plt.subplots()
    frame = tidy.loc[(tidy["measure"] == measure) & tidy["term"].isin(terms)]
    for i, term in enumerate(terms):
        part = frame.loc[frame["term"] == term].sort_values("year")
        if part.empty:
            continue
        label = str(part["index"].iloc[0]) if "index" in part.columns else term
        ax.plot(part["year"], part["estimate"], marker="o", color=PALETTE[i], label=label)
        ax.fill_between(
            part["year"].astype(float),
            part["conf_low"],
            part["conf_high"],
            color=PALETTE[i],
            alpha=0.15,
        )
    if change_year:
        ax.axvline(float(change_year) - 0.5, color=NEUTRAL, lw=1)
        ax.text(
            float(change_year) - 0.4,
            ax.get_ylim()[1],
            "formula change",
            va="top",
            fontsize=9,
            color=NEUTRAL,
        )
    ax.set_xlabel("Year")
    ax.set_ylabel("Index (lower is more equal)")
    ax.legend()
    return fig
