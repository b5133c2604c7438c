"""Figures for treatments that switch on and off: dCDH event studies and treatment histories."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme


def plot_switch_event_study(
    effects: pd.DataFrame,
    *,
    design: str = "entry",
    outcome_label: str = "Effect",
    title: str | None = None,
) -> Figure:
    """Effects (and placebos) by periods since the first change, pointwise and uniform bands.

    Parameters
    ----------
    effects : DataFrame
        ``MultiplegtResult.effects()``: ``horizon, estimate, conf_low, conf_high`` and
        optionally ``conf_low_uniform, conf_high_uniform``.
    design : {"entry", "exit"}
        Labels the horizontal axis by periods since treatment changed or ended.
    """
    use_theme()
    fig, ax = plt.subplots()
    h = effects["horizon"].to_numpy(float)
    est = effects["estimate"].to_numpy(float)
    if "conf_low_uniform" in effects:
        lo, hi = (
            effects["conf_low_uniform"].to_numpy(float),
            effects["conf_high_uniform"].to_numpy(float),
        )
        ok = np.isfinite(lo)
        ax.fill_between(
            h[ok], lo[ok], hi[ok], color=PALETTE[0], alpha=0.15, lw=0, label="uniform band"
        )
    pre = h < 0
    ax.errorbar(
        h,
        est,
        yerr=[
            est - effects["conf_low"].to_numpy(float),
            effects["conf_high"].to_numpy(float) - est,
        ],
        fmt="none",
        ecolor=NEUTRAL,
        capsize=3,
    )
    ax.plot(h[~pre], est[~pre], "o", color=PALETTE[0], label="effect")
    if pre.any():
        ax.plot(h[pre], est[pre], "s", color=PALETTE[1], label="placebo")
    ax.axhline(0.0, color=NEUTRAL, lw=1)
    ax.set_xlabel(
        "Periods since treatment ended"
        if design == "exit"
        else "Periods since treatment changed (negative: placebos)"
    )
    ax.set_ylabel(outcome_label)
    if title:
        ax.set_title(title)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_treatment_histories(histories: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Share of units in each treatment state by period (stacked areas).

    Parameters
    ----------
    histories : DataFrame
        Columns ``period`` and one column per state (``not yet``, ``funded``, ``ended``,
        ``never``) holding counts or shares.
    """
    use_theme()
    fig, ax = plt.subplots()
    states = [c for c in histories.columns if c != "period"]
    x = histories["period"].to_numpy(float)
    ax.stackplot(
        x,
        *[histories[s].to_numpy(float) for s in states],
        labels=states,
        colors=[PALETTE[i % len(PALETTE)] for i in range(len(states))],
        alpha=0.8,
    )
    ax.set_xlabel("Period")
    ax.set_ylabel("Units")
    if title:
        ax.set_title(title)
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def histories_wide(histories: pd.DataFrame) -> pd.DataFrame:
    """``period, state, n_units`` rows as one column per state (suppressed counts as 0)."""
    wide = histories.pivot_table(
        index="period", columns="state", values="n_units", aggfunc="sum", sort=False
    ).fillna(0.0)
    order = [s for s in ("never", "not yet", "funded", "ended") if s in wide.columns]
    return wide[order].reset_index()
