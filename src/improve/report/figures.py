"""Figures for the data-check workbook. Each function draws a prepared table."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from improve.data.profile import (
    NEVER_TREATED,
    NOT_OBSERVED,
    NOT_YET_TREATED,
    STATUS_LABELS,
    TREATED,
)
from improve.report.theme import MISSING, NEUTRAL, PALETTE, cohort_colors, use_theme


def cohort_status_rows(matrix: pd.DataFrame) -> pd.DataFrame:
    """One row per cohort of a units × periods status matrix, in the matrix's cohort order.

    A cohort's status in a period is the status its observed units have then (the same for
    all of them: it follows from the cohort), or :data:`NOT_OBSERVED` when none of them is
    observed. The index holds the cohorts (0 = never treated). Rows carry no unit counts, so
    a figure drawn from them cannot show cohort sizes.
    """
    cohorts = np.asarray(matrix.attrs.get("cohort", [0] * len(matrix)))
    values = matrix.to_numpy()
    order = list(dict.fromkeys(cohorts.tolist()))
    rows = []
    for cohort in order:
        sub = values[cohorts == cohort]
        observed = sub != NOT_OBSERVED
        first = np.argmax(observed, axis=0)
        row = np.where(observed.any(axis=0), sub[first, np.arange(sub.shape[1])], NOT_OBSERVED)
        rows.append(row)
    return pd.DataFrame(
        np.array(rows, dtype=values.dtype).reshape(len(order), values.shape[1]),
        index=pd.Index([int(c) for c in order], name="cohort"),
        columns=matrix.columns,
    )


def plot_treatment_timing(matrix: pd.DataFrame, unit_label: str = "Units") -> Figure:
    """Cohorts × periods coloured by treatment status (in the manner of R's panelView).

    ``matrix`` is :func:`improve.data.profile.treatment_status_matrix` (one row per unit);
    the figure draws one band of equal height per cohort (:func:`cohort_status_rows`), so
    band heights cannot give away the size of a cohort, suppressed or not. No unit id and
    no count is drawn.
    """
    use_theme()
    codes = [NOT_OBSERVED, NOT_YET_TREATED, TREATED, NEVER_TREATED]
    colors = [MISSING, "#BBD7EA", PALETTE[0], "#D9D9D9"]
    lookup = {code: i for i, code in enumerate(codes)}
    rows = cohort_status_rows(matrix)
    image = np.vectorize(lookup.get)(rows.to_numpy()) if len(rows) else np.zeros((0, 0))
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    ax.imshow(
        image,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(colors),
        vmin=0,
        vmax=len(codes) - 1,
    )
    periods = list(matrix.columns)
    ax.set_xticks(range(len(periods)))
    ax.set_xticklabels([str(p) for p in periods], rotation=45, ha="right")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(["Never treated" if c == 0 else f"First treated {c}" for c in rows.index])
    ax.set_xlabel(str(matrix.columns.name or "Period"))
    ax.set_ylabel(f"{unit_label} by cohort (one band each)")
    ax.grid(False)
    present = set(np.unique(rows.to_numpy()))
    handles = [
        Patch(facecolor=c, edgecolor="#555555", label=STATUS_LABELS[code])
        for code, c in zip(codes, colors, strict=True)
        if code in present
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=len(handles))
    gap = [i for i, p in enumerate(periods) if (matrix[p] == NOT_OBSERVED).all()]
    for i in gap:
        ax.axvspan(i - 0.5, i + 0.5, facecolor="none", edgecolor=NEUTRAL, hatch="//", lw=0)
    ax.set_title("Treatment timing")
    fig.tight_layout()
    return fig


def plot_outcome_trends(
    trends: pd.DataFrame, outcome_label: str, gap_periods: list[int] | None = None
) -> Figure:
    """Mean outcome by cohort over time; cohorts' first treated periods marked.

    ``trends`` is :func:`improve.data.profile.outcome_trends` output (possibly suppressed).
    Lines break at gap periods, which are shaded.
    """
    use_theme()
    fig, ax = plt.subplots()
    cohorts = [int(c) for c in trends["cohort"].unique()]
    colors = cohort_colors(cohorts)
    markers = "osD^vP*X"
    for i, (cohort, frame) in enumerate(trends.groupby("cohort", sort=True)):
        cohort = int(cohort)
        frame = frame.sort_values("period")
        style = "--" if cohort == 0 else "-"
        ax.plot(
            frame["period"],
            frame["mean"],
            style,
            marker=markers[i % len(markers)],
            color=colors[cohort],
            label=frame["label"].iloc[0],
            ms=4,
        )
        if cohort != 0:
            ax.axvline(cohort - 0.5, color=colors[cohort], lw=0.8, alpha=0.5, ls=":")
    for gap in gap_periods or []:
        ax.axvspan(gap - 0.5, gap + 0.5, color=NEUTRAL, alpha=0.15, lw=0)
        ax.text(
            gap,
            0.02,
            "no data",
            transform=ax.get_xaxis_transform(),
            ha="center",
            fontsize=8,
            color="#444444",
        )
    ax.set_xlabel("Period")
    ax.set_ylabel(f"Mean {outcome_label}")
    ax.set_title(f"{outcome_label}: mean by cohort")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    periods = sorted(trends["period"].unique())
    ax.set_xticks(periods)
    ax.set_xticklabels([str(p) for p in periods], rotation=45, ha="right")
    fig.tight_layout()
    return fig
