"""Figures for dose-response estimates: the ATT(d) or ACRT(d) curve with its bands.

Drawn from the tidy table of a dose-response result (``DoseResponseResult.tidy()``), never
from the raw data.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme


def plot_dose_response(
    tidy: pd.DataFrame,
    *,
    parameter: str = "ATT(d)",
    dose_label: str = "Dose",
    outcome_label: str = "Outcome",
    truth: pd.DataFrame | None = None,
    title: str | None = None,
) -> Figure:
    """Estimated curve, pointwise interval (dark) and uniform band (light) against the dose.

    Parameters
    ----------
    tidy : DataFrame
        Rows with ``parameter``, ``dose``, ``estimate``, ``conf_low``, ``conf_high`` and
        optionally ``conf_low_uniform``, ``conf_high_uniform``.
    parameter : {"ATT(d)", "ACRT(d)"}
    truth : DataFrame, optional
        Columns ``dose`` and ``truth``: a known curve drawn dashed (simulated data).
    """
    use_theme()
    rows = tidy[tidy["parameter"] == parameter].sort_values("dose")
    x = rows["dose"].to_numpy(dtype=float)
    fig, ax = plt.subplots()
    if rows.empty:
        ax.text(
            0.5,
            0.5,
            "No dose-response estimate to show",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color=NEUTRAL,
        )
        ax.set_axis_off()
        return fig
    if "conf_low_uniform" in rows and np.isfinite(rows["conf_low_uniform"]).any():
        ax.fill_between(
            x,
            rows["conf_low_uniform"],
            rows["conf_high_uniform"],
            color=PALETTE[0],
            alpha=0.15,
            label="uniform band",
        )
    ax.fill_between(
        x,
        rows["conf_low"],
        rows["conf_high"],
        color=PALETTE[0],
        alpha=0.3,
        label="pointwise interval",
    )
    ax.plot(x, rows["estimate"], color=PALETTE[0], lw=2, label=f"estimated {parameter}")
    if truth is not None and len(truth):
        ax.plot(truth["dose"], truth["truth"], color=PALETTE[1], lw=2, ls="--", label="truth")
    ax.axhline(0.0, color=NEUTRAL, lw=1)
    ax.set_xlabel(dose_label)
    kind = "effect" if parameter == "ATT(d)" else "effect of one more unit of dose"
    ax.set_ylabel(f"{kind} on {outcome_label}")
    ax.set_title(title or f"{parameter}: {outcome_label} by {dose_label}")
    ax.legend(loc="best")
    return fig
