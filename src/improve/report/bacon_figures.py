"""Figure for the Goodman-Bacon decomposition, drawn from its tidy table."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.report.theme import NEUTRAL, PALETTE, use_theme

#: Colour and marker of each comparison type (the forbidden one in vermillion).
_STYLE: dict[str, tuple[str, str]] = {
    "treated vs never treated": (PALETTE[0], "o"),
    "earlier vs later treated": (PALETTE[2], "s"),
    "later vs earlier treated": (PALETTE[5], "^"),
    "later vs always treated": (PALETTE[3], "D"),
}


def plot_bacon(
    tidy: pd.DataFrame,
    *,
    twfe_estimate: float | None = None,
    outcome_label: str = "2x2 DiD estimate",
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> Figure:
    """Scatter of every 2x2 DiD estimate against its weight in the TWFE coefficient.

    Parameters
    ----------
    tidy : pandas.DataFrame
        ``BaconResult.tidy()``: one row per comparison with ``type``, ``estimate``, ``weight``.
    twfe_estimate : float, optional
        The TWFE coefficient, drawn as a horizontal line (default: the weighted sum of the
        estimates, which equals it).
    outcome_label : str
        Y-axis label (name the outcome and its units).
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    use_theme()
    fig = ax.figure if ax is not None else plt.subplots()[0]
    ax = ax if ax is not None else fig.axes[0]
    weight = tidy["weight"].to_numpy(dtype=float)
    est = tidy["estimate"].to_numpy(dtype=float)
    if twfe_estimate is None:
        twfe_estimate = float(np.sum(weight * est))
    kinds = list(dict.fromkeys(tidy["type"]))
    extra = iter(PALETTE[4:])
    for kind in kinds:
        color, marker = _STYLE.get(kind, (next(extra, NEUTRAL), "o"))
        m = (tidy["type"] == kind).to_numpy()
        ax.scatter(
            weight[m],
            est[m],
            s=45,
            marker=marker,
            color=color,
            edgecolor="black",
            linewidth=0.5,
            label=f"{kind} (total weight {weight[m].sum():.2f})",
            zorder=3,
        )
    ax.axhline(
        twfe_estimate, color=PALETTE[7], lw=1.2, ls="--", label=f"TWFE = {twfe_estimate:.3g}"
    )
    ax.axhline(0, color=NEUTRAL, lw=0.8)
    ax.set_xlabel("Weight in the TWFE coefficient")
    ax.set_ylabel(outcome_label)
    ax.set_xlim(left=0)
    ax.set_title(title or "Goodman-Bacon decomposition")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig
