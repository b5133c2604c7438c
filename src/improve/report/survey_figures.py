"""Figures for surveys: diverging Likert bars, ranked needs, group means, before/after.

Each function draws from a table a survey result provides (after the run's suppression,
when drawn through :class:`~improve.report.RunOutputs`), never from respondents' answers:
rows marked ``suppressed`` or with blank values are left out of the figure.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme


def _shown(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    keep = frame[value].notna()
    if "suppressed" in frame.columns:
        keep &= ~frame["suppressed"].fillna(False).astype(bool)
    return frame.loc[keep]


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _level_colors(k: int) -> list:
    """Diverging colours (purple to orange, colour-blind safe), grey in the middle."""
    cmap = colormaps["PuOr"]
    colors = [cmap(x) for x in np.linspace(0.9, 0.1, k)]
    if k % 2:
        colors[k // 2] = NEUTRAL
    return colors


def plot_likert(
    distribution: pd.DataFrame, *, title: str | None = None, sort: bool = True
) -> Figure:
    """Diverging stacked bars: disagreement left of zero, agreement right, neutral split.

    Parameters
    ----------
    distribution : DataFrame
        ``item, label, level, level_order, percent`` (``ItemSummary.distribution``); items
        sharing one set of levels.
    sort : bool
        Items ordered by their share in the upper half (highest at the top).
    """
    use_theme()
    dist = _shown(distribution, "percent")
    wide = dist.pivot_table(
        index="label", columns="level_order", values="percent", sort=False
    ).fillna(0.0)
    levels = dist.drop_duplicates("level_order").sort_values("level_order")["level"].tolist()
    k = wide.shape[1]
    lower = wide.iloc[:, : k // 2].sum(axis=1) + (wide.iloc[:, k // 2] / 2 if k % 2 else 0)
    if sort:
        wide = wide.loc[(wide.sum(axis=1) - lower).sort_values().index]
        lower = lower.loc[wide.index]
    fig, ax = plt.subplots(figsize=(8.0, max(2.2, 0.55 * len(wide) + 1.4)))
    y = np.arange(len(wide))
    left = -lower.to_numpy()
    for j, color in enumerate(_level_colors(k)):
        width = wide.iloc[:, j].to_numpy()
        ax.barh(y, width, left=left, color=color, edgecolor="white", label=levels[j])
        for yi, (x0, w) in enumerate(zip(left, width, strict=True)):
            if w >= 8:
                ax.text(x0 + w / 2, yi, f"{w:.0f}", ha="center", va="center", fontsize=8)
        left = left + width
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [_wrap(s) for s in wide.index])
    ax.set_xlabel("Percent of respondents who answered (left: lower answers, right: higher)")
    ax.xaxis.set_major_formatter(lambda v, _: f"{abs(v):.0f}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=min(k, 5), fontsize=8)
    ax.set_title(title or "Answers to rated items")
    ax.grid(axis="y", visible=False)
    return fig


def plot_selections(table: pd.DataFrame, *, title: str = "Options chosen") -> Figure:
    """Ranked horizontal bars of the share choosing each option, with intervals."""
    use_theme()
    shown = _shown(table, "estimate").iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, max(2.0, 0.45 * len(shown) + 1.2)))
    y = np.arange(len(shown))
    est = 100 * shown["estimate"].to_numpy(float)
    ax.barh(y, est, color=PALETTE[0])
    if {"conf_low", "conf_high"} <= set(shown.columns):
        err = np.vstack([est - 100 * shown["conf_low"], 100 * shown["conf_high"] - est])
        ax.errorbar(est, y, xerr=err, fmt="none", ecolor="black", lw=1, capsize=3)
    ax.set_yticks(y, [_wrap(s, 34) for s in shown["term"]])
    ax.set_xlabel("Percent of respondents choosing the option")
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    return fig


def plot_group_means(
    by_group: pd.DataFrame, *, group_label: str = "group", title: str | None = None
) -> Figure:
    """Mean answer per group for each item, with intervals (one marker colour per group)."""
    use_theme()
    shown = _shown(by_group, "estimate")
    items = list(dict.fromkeys(shown["term"]))
    groups = list(dict.fromkeys(shown["group"]))
    fig, ax = plt.subplots(figsize=(8.0, max(2.2, 0.6 * len(items) + 1.4)))
    offsets = np.linspace(-0.25, 0.25, max(len(groups), 1))
    for g, (group, offset) in enumerate(zip(groups, offsets, strict=True)):
        part = shown[shown["group"] == group].set_index("term").reindex(items)
        y = np.arange(len(items)) + offset
        est = part["estimate"].to_numpy(float)
        err = np.vstack(
            [est - part["conf_low"].to_numpy(float), part["conf_high"].to_numpy(float) - est]
        )
        ax.errorbar(
            est, y, xerr=err, fmt="o", color=PALETTE[g % len(PALETTE)], capsize=2, label=str(group)
        )
    ax.set_yticks(np.arange(len(items)), [_wrap(s) for s in items])
    ax.invert_yaxis()
    ax.set_xlabel("Mean answer (1 = lowest)")
    ax.legend(
        title=group_label,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.15),
        ncol=min(len(groups), 4),
        fontsize=8,
    )
    ax.set_title(title or f"Mean answers by {group_label}")
    return fig


def plot_change(table: pd.DataFrame, *, title: str = "Before and after") -> Figure:
    """Mean before and after for each pre/post pair, joined by an arrow."""
    use_theme()
    shown = _shown(table, "estimate")
    fig, ax = plt.subplots(figsize=(7.5, max(2.0, 0.6 * len(shown) + 1.2)))
    y = np.arange(len(shown))
    before = shown["mean_before"].to_numpy(float)
    after = shown["mean_after"].to_numpy(float)
    for yi, (b, a) in enumerate(zip(before, after, strict=True)):
        ax.annotate(
            "",
            xy=(a, yi),
            xytext=(b, yi),
            arrowprops={"arrowstyle": "->", "color": NEUTRAL, "lw": 1.5},
        )
    ax.plot(before, y, "o", color=PALETTE[1], label="before")
    ax.plot(after, y, "o", color=PALETTE[0], label="after")
    ax.set_yticks(y, [_wrap(s) for s in shown["term"]])
    ax.invert_yaxis()
    ax.set_xlabel("Mean answer (1 = lowest), respondents who answered both")
    ax.legend(loc="best")
    ax.set_title(title)
    return fig


def plot_response_rates(table: pd.DataFrame, *, title: str = "Response rates") -> Figure:
    """Bars of the response rate of each category, one panel row per grouping."""
    use_theme()
    shown = _shown(table, "estimate")
    shown = shown[shown["term"] != "Total"]
    labels = [f"{g}: {t}" for g, t in zip(shown["grouping"], shown["term"], strict=True)]
    fig, ax = plt.subplots(figsize=(7.5, max(2.0, 0.4 * len(shown) + 1.2)))
    y = np.arange(len(shown))
    codes = pd.factorize(shown["grouping"])[0]
    ax.barh(
        y, 100 * shown["estimate"].to_numpy(float), color=[PALETTE[c % len(PALETTE)] for c in codes]
    )
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Percent of those invited who answered")
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    return fig
