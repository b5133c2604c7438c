"""Figures for difference-in-differences results, drawn from their tidy tables.

Every function takes the tidy frame a result's ``.tidy()`` returns (columns ``estimate``,
``conf_low``, ``conf_high`` and, where a uniform band exists, ``conf_low_uniform``,
``conf_high_uniform``), so any estimator that returns the same shape gets the same figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.report.numbers import format_number
from improve.report.theme import NEUTRAL, PALETTE, use_theme


def plot_event_study(
    tidy: pd.DataFrame,
    *,
    outcome_label: str = "Effect",
    reference_period: float | None = -1,
    title: str | None = None,
    level: float = 0.95,
    ax: plt.Axes | None = None,
) -> Figure:
    """Event-study plot: estimate by event time with pointwise CIs and the uniform band.

    Parameters
    ----------
    tidy : pandas.DataFrame
        One row per event time with ``event_time``, ``estimate``, ``conf_low``,
        ``conf_high`` and optionally ``conf_low_uniform``/``conf_high_uniform``.
    outcome_label : str
        Y-axis label, with units (e.g. "Math scale score points").
    reference_period : float, optional
        Event time normalised to zero (drawn as an open marker at 0); ``None`` for none.
    title : str, optional
    level : float
        Confidence level, stated in the legend.
    ax : matplotlib Axes, optional
    """
    use_theme()
    frame = tidy.sort_values("event_time")
    fig = ax.figure if ax is not None else plt.subplots()[0]
    ax = ax if ax is not None else fig.axes[0]
    e = frame["event_time"].to_numpy(dtype=float)
    est = frame["estimate"].to_numpy(dtype=float)
    pre = e < 0
    pct = f"{level:.0%}"
    if {"conf_low_uniform", "conf_high_uniform"} <= set(frame.columns) and frame[
        "conf_low_uniform"
    ].notna().any():
        ax.fill_between(
            e,
            frame["conf_low_uniform"],
            frame["conf_high_uniform"],
            step=None,
            color=PALETTE[4],
            alpha=0.25,
            lw=0,
            label=f"{pct} uniform band",
        )
    for mask, color, label in (
        (pre, PALETTE[1], "before treatment"),
        (~pre, PALETTE[0], "after treatment"),
    ):
        if not mask.any():
            continue
        low = est[mask] - frame["conf_low"].to_numpy(dtype=float)[mask]
        high = frame["conf_high"].to_numpy(dtype=float)[mask] - est[mask]
        ax.errorbar(
            e[mask],
            est[mask],
            yerr=[low, high],
            fmt="o" if label.startswith("after") else "s",
            color=color,
            capsize=3,
            ms=5,
            lw=1.4,
            label=f"{label} ({pct} CI)",
        )
    if reference_period is not None and reference_period not in set(e):
        ax.plot(
            [reference_period],
            [0.0],
            marker="o",
            mfc="white",
            mec="black",
            ls="none",
            label=f"reference period (e = {reference_period:g})",
        )
    ax.axhline(0, color=NEUTRAL, lw=1)
    ax.axvline(-0.5, color=NEUTRAL, lw=1, ls="--")
    ax.set_xlabel("Periods since treatment began (event time)")
    ax.set_ylabel(outcome_label)
    ticks = np.unique(
        np.concatenate(
            [e, [reference_period]]
            if reference_period is not None and not np.isnan(reference_period)
            else [e]
        )
    )
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.set_title(title or "Event study")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def plot_att_gt_heatmap(
    tidy: pd.DataFrame, *, outcome_label: str = "ATT(g,t)", title: str | None = None
) -> Figure:
    """Heatmap of group-time effects: cohorts in rows, periods in columns.

    Cells whose confidence interval excludes zero are outlined; pre-treatment cells are
    hatched so placebo estimates are not read as effects.
    """
    use_theme()
    grid = tidy.pivot_table(index="group", columns="time", values="estimate", aggfunc="first")
    low = tidy.pivot_table(index="group", columns="time", values="conf_low", aggfunc="first")
    high = tidy.pivot_table(index="group", columns="time", values="conf_high", aggfunc="first")
    groups = list(grid.index)
    times = list(grid.columns)
    values = grid.to_numpy(dtype=float)
    bound = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 1.0
    fig, ax = plt.subplots(figsize=(max(5.0, 0.7 * len(times) + 2.5), 0.55 * len(groups) + 2.0))
    image = ax.imshow(values, cmap="RdBu_r", vmin=-bound, vmax=bound, aspect="auto")
    for i, g in enumerate(groups):
        for j, t in enumerate(times):
            v = values[i, j]
            if np.isnan(v):
                continue
            if t < g:
                ax.add_patch(
                    plt.Rectangle(
                        (j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="#999999", lw=0
                    )
                )
            lo, hi = low.iloc[i, j], high.iloc[i, j]
            if lo > 0 or hi < 0:
                ax.add_patch(
                    plt.Rectangle(
                        (j - 0.45, i - 0.45), 0.9, 0.9, fill=False, edgecolor="black", lw=1.2
                    )
                )
            ax.text(
                j,
                i,
                format_number(v),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(v) > 0.6 * bound else "black",
            )
    ax.set_xticks(range(len(times)))
    ax.set_xticklabels([f"{t:g}" for t in times], rotation=45, ha="right")
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([f"{g:g}" for g in groups])
    ax.set_xlabel("Period")
    ax.set_ylabel("Cohort (first treated period)")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=outcome_label, shrink=0.8)
    ax.set_title(title or "Group-time effects (hatched: before treatment; boxed: CI excludes 0)")
    fig.tight_layout()
    return fig


def plot_estimates(
    tidy: pd.DataFrame,
    *,
    x: str,
    outcome_label: str = "Effect",
    title: str | None = None,
    level: float = 0.95,
    overall: tuple[float, float] | None = None,
) -> Figure:
    """Coefficient plot of estimates by cohort or period with pointwise CIs and uniform band.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Rows with column ``x`` (cohort or period), ``estimate``, ``conf_low``, ``conf_high``.
    x : str
        Column on the horizontal axis (``"group"`` or ``"time"``).
    overall : (estimate, std_error), optional
        Drawn as a horizontal reference line.
    """
    use_theme()
    frame = tidy.sort_values(x)
    fig, ax = plt.subplots()
    pos = np.arange(len(frame))
    est = frame["estimate"].to_numpy(dtype=float)
    pct = f"{level:.0%}"
    if "conf_low_uniform" in frame.columns and frame["conf_low_uniform"].notna().any():
        ax.vlines(
            pos,
            frame["conf_low_uniform"],
            frame["conf_high_uniform"],
            color=PALETTE[4],
            lw=6,
            alpha=0.45,
            label=f"{pct} uniform band",
        )
    ax.errorbar(
        pos,
        est,
        yerr=[
            est - frame["conf_low"].to_numpy(dtype=float),
            frame["conf_high"].to_numpy(dtype=float) - est,
        ],
        fmt="o",
        color=PALETTE[0],
        capsize=3,
        label=f"estimate ({pct} CI)",
    )
    if overall is not None and np.isfinite(overall[0]):
        ax.axhline(
            overall[0],
            color=PALETTE[5],
            ls="--",
            lw=1,
            label=f"overall {format_number(overall[0])} (SE {format_number(overall[1])})",
        )
    ax.axhline(0, color=NEUTRAL, lw=1)
    ax.set_xticks(pos)
    ax.set_xticklabels([f"{v:g}" for v in frame[x]])
    ax.set_xlabel("Cohort (first treated period)" if x == "group" else "Period")
    ax.set_ylabel(outcome_label)
    ax.set_title(title or ("Effects by cohort" if x == "group" else "Effects by period"))
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def plot_forest(
    estimates: pd.DataFrame,
    *,
    label_column: str = "subgroup",
    outcome_label: str = "Effect",
    title: str | None = None,
    level: float = 0.95,
) -> Figure:
    """Forest plot: one row per group with its estimate and confidence interval.

    Rows flagged ``suppressed`` (too few units) are listed with "suppressed" instead of an
    estimate, so a reader sees the group exists but no number is published.
    """
    use_theme()
    frame = estimates.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(frame) + 1.6))
    ys = np.arange(len(frame))[::-1]
    suppressed = frame.get("suppressed", pd.Series(False, index=frame.index)).astype(bool)
    shown = ~suppressed & frame["estimate"].notna()
    est = frame["estimate"].to_numpy(dtype=float)
    ax.errorbar(
        est[shown],
        ys[shown],
        xerr=[
            est[shown] - frame.loc[shown, "conf_low"].to_numpy(dtype=float),
            frame.loc[shown, "conf_high"].to_numpy(dtype=float) - est[shown],
        ],
        fmt="o",
        color=PALETTE[0],
        capsize=3,
        label=f"estimate ({level:.0%} CI)",
    )
    for y in ys[~shown.to_numpy()]:
        ax.text(
            0.0,
            y,
            "suppressed (too few units)",
            va="center",
            ha="center",
            fontsize=8,
            color="#444444",
        )
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_yticks(ys)
    ax.set_yticklabels([str(v).replace("_", " ") for v in frame[label_column]])
    ax.set_xlabel(outcome_label)
    ax.set_title(title or "Effects by subgroup")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def plot_event_study_comparison(
    table: pd.DataFrame,
    *,
    outcome_label: str = "Effect",
    title: str | None = None,
    level: float = 0.95,
) -> Figure:
    """Event studies of several estimators on one axis, dodged sideways, with pointwise CIs.

    ``table`` is :func:`improve.did.event_study_comparison.compare_event_studies` output.
    """
    use_theme()
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    labels = list(dict.fromkeys(table["estimator"]))
    width = 0.7 / max(len(labels), 1)
    markers = "osD^vP*X"
    for i, label in enumerate(labels):
        part = table.loc[table["estimator"] == label].sort_values("event_time")
        x = part["event_time"].to_numpy(dtype=float) + (i - (len(labels) - 1) / 2) * width
        est = part["estimate"].to_numpy(dtype=float)
        low = est - part["conf_low"].to_numpy(dtype=float)
        high = part["conf_high"].to_numpy(dtype=float) - est
        ax.errorbar(
            x,
            est,
            yerr=[np.nan_to_num(low), np.nan_to_num(high)],
            fmt=markers[i % len(markers)],
            color=PALETTE[i % len(PALETTE)],
            ms=4,
            capsize=2,
            lw=1,
            label=label,
        )
    ax.axhline(0, color=NEUTRAL, lw=1)
    ax.axvline(-0.5, color=NEUTRAL, lw=1, ls="--")
    ticks = sorted(table["event_time"].unique())
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.set_xlabel("Periods since treatment began (event time)")
    ax.set_ylabel(outcome_label)
    ax.set_title(title or f"Event studies by estimator ({level:.0%} pointwise intervals)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig
