"""Sensitivity plot for HonestDiD-style robust confidence intervals."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme


def plot_sensitivity(
    result: Any,
    *,
    outcome_label: str = "Effect (outcome units)",
    title: str | None = None,
    null: float | None = 0.0,
    ax: plt.Axes | None = None,
) -> Figure:
    """Original confidence interval and robust intervals against M (or M-bar).

    Parameters
    ----------
    result : improve.did.sensitivity.HonestDiDResult
        Output of :func:`improve.did.sensitivity.honest_did`; only its ``tidy()`` table,
        ``original_ci``, ``parameter`` and ``ci_method`` are used.
    outcome_label : str
        Y-axis label (name the outcome and its units).
    title : str, optional
    null : float or None
        Draw a horizontal reference line at this value (default 0; ``None`` for none).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    use_theme()
    fig = ax.figure if ax is not None else plt.subplots()[0]
    ax = ax if ax is not None else fig.axes[0]
    tidy = result.tidy()
    m = tidy["m"].to_numpy(dtype=float)
    lo = tidy["conf_low"].to_numpy(dtype=float)
    hi = tidy["conf_high"].to_numpy(dtype=float)
    olo, ohi = result.original_ci
    step = float(np.min(np.diff(np.unique(m)))) if np.unique(m).size > 1 else 1.0
    x_orig = float(m.min()) - step
    ax.errorbar(
        [x_orig],
        [(olo + ohi) / 2],
        yerr=[[(ohi - olo) / 2], [(ohi - olo) / 2]],
        fmt="none",
        ecolor=PALETTE[5],
        elinewidth=2.5,
        capsize=4,
        label="Original",
    )
    ax.errorbar(
        m,
        (lo + hi) / 2,
        yerr=[(hi - lo) / 2, (hi - lo) / 2],
        fmt="none",
        ecolor=PALETTE[0],
        elinewidth=2.5,
        capsize=4,
        label=f"Robust ({result.ci_method})",
    )
    if null is not None:
        ax.axhline(null, color=NEUTRAL, linewidth=1, linestyle="--")
    name = "M" if result.parameter == "M" else r"$\bar{M}$"
    ax.set_xticks([x_orig, *m], ["Original", *[f"{v:g}" for v in m]])
    ax.set_xlabel(name)
    ax.set_ylabel(outcome_label)
    ax.set_title(title or f"Sensitivity to violations of parallel trends ({name})")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig
