"""Figures for improvement charts: run/control charts (small multiples), Pareto, funnel.

Every function draws from a result's tables (``QicResult.tidy()``, a funnel table, Pareto
counts), never from raw rows, so points and limits suppressed in those tables stay hidden.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme

POINT = PALETTE[0]
SIGNAL = PALETTE[5]
LIMIT = NEUTRAL


def _positions(panel: pd.DataFrame, categorical: bool) -> np.ndarray:
    if categorical:
        return np.arange(len(panel), dtype=float)
    return panel["x"].to_numpy()


def _draw_panel(
    ax: Axes, panel: pd.DataFrame, *, chart: str, categorical: bool, short_labels: bool = False
) -> None:
    xs = _positions(panel, categorical)
    y = panel["y"].to_numpy(float)
    if not categorical:
        ax.plot(xs, y, color=POINT, lw=1, alpha=0.8)
    signal = panel["sigma.signal"].to_numpy(bool)
    ax.scatter(xs[~signal], y[~signal], s=14, color=POINT, zorder=3)
    ax.scatter(xs[signal], y[signal], s=26, color=SIGNAL, zorder=4, label="outside limits")
    for _, rows in panel.groupby("part", sort=True):
        idx = np.flatnonzero(panel["part"].to_numpy() == rows["part"].iloc[0])
        px = xs[idx]
        runs = bool(rows["runs.signal"].any())
        ax.plot(
            px,
            rows["cl"],
            color=SIGNAL if runs else PALETTE[2],
            lw=1.4,
            ls="--" if runs else "-",
            drawstyle="steps-mid",
        )
        if chart != "run":
            for name in ("lcl", "ucl"):
                ax.plot(px, rows[name], color=LIMIT, lw=1, drawstyle="steps-mid")
        if "target" in rows and rows["target"].notna().any():
            ax.plot(px, rows["target"], color=PALETTE[3], lw=1, ls=":")
        if idx[0] > 0 and not categorical:
            ax.axvline(xs[idx[0]], color=NEUTRAL, lw=0.8, ls=":")
        label = rows["part.label"].iloc[0] if "part.label" in rows else None
        if label is not None and not (isinstance(label, float) and math.isnan(label)):
            ax.text(
                px[0],
                1.0,
                str(int(rows["part"].iloc[0])) if short_labels else str(label),
                transform=ax.get_xaxis_transform(),
                fontsize=8,
                va="bottom",
                color=NEUTRAL,
            )
    _draw_notes(ax, panel, xs)
    frozen = ~panel["baseline"].to_numpy(bool) if "baseline" in panel else np.zeros(0, bool)
    if frozen.any() and not frozen.all() and not categorical:
        first = xs[int(np.argmax(frozen))]
        ax.axvline(first, color=NEUTRAL, lw=0.8, ls="--")
        ax.text(
            first,
            1.0,
            " limits from the baseline before this line",
            fontsize=8,
            transform=ax.get_xaxis_transform(),
            va="bottom",
            color=NEUTRAL,
        )
    if categorical:
        ax.set_xticks(xs, panel["x"].astype(str), rotation=45, ha="right")
    elif pd.api.types.is_datetime64_any_dtype(panel["x"]):
        locator = mdates.AutoDateLocator(maxticks=5 if short_labels else 8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _draw_notes(ax: Axes, panel: pd.DataFrame, xs: np.ndarray) -> None:
    """Annotations (qic ``notes``) above their points."""
    if "notes" not in panel:
        return
    for i in np.flatnonzero(panel["notes"].notna().to_numpy()):
        y = panel["y"].iloc[i]
        if not np.isfinite(y):
            continue
        ax.annotate(
            str(panel["notes"].iloc[i]),
            (xs[i], y),
            xytext=(0, 18),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            color=NEUTRAL,
            arrowprops={"arrowstyle": "-", "color": NEUTRAL, "lw": 0.6},
        )


def _phase_key(table: pd.DataFrame) -> str:
    """ "Phases: 1 baseline; 2 cycle 1" for small multiples (labels too long for panels)."""
    if "part.label" not in table or table["part.label"].isna().all():
        return ""
    pairs = table.dropna(subset=["part.label"]).drop_duplicates(["part", "part.label"])
    return (
        "Phases: "
        + "; ".join(
            f"{int(p)} {lab}" for p, lab in zip(pairs["part"], pairs["part.label"], strict=True)
        )
        + "."
    )


def plot_qic(
    table: pd.DataFrame,
    *,
    chart: str,
    title: str,
    categorical: bool = False,
    ylabel: str = "Value",
    xlabel: str = "",
    facet_labels: dict[str, str] | None = None,
    note: str | None = None,
    ncol: int | None = None,
) -> Figure:
    """A run or control chart; one panel per facet.

    Points outside the 3-sigma limits are orange; a centre line that is orange and dashed
    marks a phase with a runs signal (Anhøj rules). Phases are separated by dotted lines
    and labelled at the top.

    Parameters
    ----------
    table : DataFrame
        ``QicResult.tidy()`` (qicharts2's columns).
    note : str, optional
        A sentence printed under the chart (e.g. why some limits are not drawn).
    """
    use_theme()
    panels = list(table.groupby(["facet1", "facet2"], sort=True))
    ncol = ncol or min(len(panels), 4)
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(
        nrow,
        ncol,
        squeeze=False,
        sharey=True,
        figsize=(3.2 * ncol if len(panels) > 1 else 7.5, 2.6 * nrow if len(panels) > 1 else 4.5),
    )
    for ax, ((f1, f2), panel) in zip(axes.flat, panels, strict=False):
        _draw_panel(
            ax,
            panel.reset_index(drop=True),
            chart=chart,
            categorical=categorical,
            short_labels=len(panels) > 1,
        )
        if len(panels) > 1:
            name = " · ".join(str(f) for f in (f1, f2) if str(f) != "1")
            ax.set_title((facet_labels or {}).get(name, name), fontsize=9)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    if xlabel:
        for ax in axes[-1, :]:
            ax.set_xlabel(xlabel)
    fig.suptitle(title)
    caption = (
        "Orange points: outside the 3-sigma limits. Orange dashed centre line: "
        "non-random runs (Anhøj rules)."
    )
    key = _phase_key(table) if len(panels) > 1 else ""
    for extra in (key, note):
        if extra:
            caption = f"{caption}\n{textwrap.fill(extra, 140)}"
    fig.tight_layout()
    fig.text(0.01, 0.0, caption, fontsize=8, color=NEUTRAL, ha="left", va="top")
    return fig


def plot_pareto(table: pd.DataFrame, *, title: str, xlabel: str = "") -> Figure:
    """Bars of each category's share, largest first, with the cumulative share as a line.

    ``table`` is ``ParetoResult.tidy()`` (``x, y, y.cum, p, p.cum``).
    """
    use_theme()
    fig, ax = plt.subplots()
    positions = np.arange(len(table))
    ax.bar(positions, table["p"], color=PALETTE[4])
    ax.plot(positions, table["p.cum"], color="#333333", marker="o", ms=4)
    for x, share, count in zip(positions, table["p"], table["y"], strict=True):
        ax.text(x, share, f"{int(count)}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(positions, table["x"].astype(str), rotation=45, ha="right")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_ylabel("Share of cases (bars) and cumulative share (line)")
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.set_title(title)
    return fig


def plot_funnel(
    table: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    title: str,
    ylabel: str = "Rate",
    xlabel: str = "Denominator (n)",
    label_units: bool = False,
) -> Figure:
    """Units' rates by denominator inside 2- and 3-sigma funnels around the pooled rate.

    ``table`` is ``FunnelResult.tidy()``; ``lines`` is ``FunnelResult.limits_by_n(grid)``.
    Units outside the 3-sigma funnel are orange. Unit names are printed only when
    ``label_units`` is True (the column map declares units public).
    """
    use_theme()
    fig, ax = plt.subplots()
    ax.plot(lines["n"], lines["cl"], color=PALETTE[2], lw=1.4)
    for name, style in (("", "-"), (".95", ":")):
        ax.plot(lines["n"], lines[f"lcl{name}"], color=LIMIT, lw=1, ls=style)
        ax.plot(lines["n"], lines[f"ucl{name}"], color=LIMIT, lw=1, ls=style)
    flagged = table["signal"].isin(["high", "low"]).to_numpy()
    ax.scatter(table["n"][~flagged], table["y"][~flagged], color=POINT, s=22, zorder=3)
    ax.scatter(table["n"][flagged], table["y"][flagged], color=SIGNAL, s=30, zorder=4)
    if label_units:
        for _, row in table.iterrows():
            ax.annotate(
                str(row["unit"]),
                (row["n"], row["y"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    ax.set_xscale("log")
    plain = plt.FuncFormatter(lambda v, _: f"{v:,.0f}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.text(
        0.01,
        -0.02,
        "Solid grey: 3-sigma limits; dotted: 2-sigma. Orange: outside the "
        "3-sigma limits (special cause).",
        fontsize=8,
        color=NEUTRAL,
        ha="left",
        va="top",
    )
    return fig
