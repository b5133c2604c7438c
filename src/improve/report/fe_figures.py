"""Dose-response figure of a fixed-effects fit with a continuous treatment.

Draws from a tidy frame only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def dose_response(
    result: Any,
    *,
    term: str | None = None,
    doses: np.ndarray | None = None,
    dose_label: str = "Dose (e.g. coach FTE per 100 students)",
    outcome_label: str | None = None,
    ax: Any = None,
) -> Any:
    """Plot the effect implied by a linear dose coefficient (and its lags) against the dose.

    For a linear dose ``d`` with coefficient ``b`` (and CI ``[l, h]``), the effect of moving
    from 0 to ``d`` is ``b·d`` with CI ``[l·d, h·d]``. If the result has lags or leads of the
    dose (``term_lag1`` …) a second panel shows the coefficient by relative period with its
    CI (the dynamic response to one unit of dose).

    Parameters
    ----------
    result : FEResult or pandas.DataFrame
        A fixed-effects result or its ``tidy()`` frame.
    term : str, optional
        The dose term (default: the first term).
    doses : array, optional
        Dose values on the x axis (default 0 … 2 in 50 steps).
    dose_label, outcome_label : str
        Axis labels (with units).
    ax : matplotlib Axes, optional
        Draw the dose panel here (no dynamic panel then).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from improve.report.theme import PALETTE, use_theme

    use_theme()
    tidy = result if isinstance(result, pd.DataFrame) else result.tidy()
    term = term or str(tidy["term"].iloc[0])
    row = tidy.loc[tidy["term"] == term]
    if row.empty:
        raise ValueError(f"term {term!r} is not in the result; terms are {list(tidy['term'])}")
    row = row.iloc[0]
    outcome_label = outcome_label or (
        f"Effect on {row['outcome']}" if "outcome" in tidy.columns else "Effect"
    )
    dynamic = tidy.loc[tidy["term"].str.fullmatch(rf"{term}(_lag\d+|_lead\d+)?")]
    two = ax is None and len(dynamic) > 1
    if ax is None:
        fig, axes = plt.subplots(1, 2 if two else 1, figsize=(10, 4) if two else (6.5, 4))
        axes = np.atleast_1d(axes)
        ax = axes[0]
    else:
        fig, axes = ax.figure, np.array([ax])
    d = np.linspace(0.0, 2.0, 50) if doses is None else np.asarray(doses, dtype=float)
    ax.fill_between(
        d,
        row["conf_low"] * d,
        row["conf_high"] * d,
        color=PALETTE[0],
        alpha=0.2,
        label="confidence interval",
        linewidth=0,
    )
    ax.plot(d, row["estimate"] * d, color=PALETTE[0], label=f"estimate ({term})")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(dose_label)
    ax.set_ylabel(outcome_label)
    ax.set_title("Dose response (linear in dose)")
    ax.legend(loc="best")
    if two:
        rel = dynamic["term"].str.extract(r"_(lag|lead)(\d+)$")
        k = np.where(rel[0] == "lead", -1, 1) * pd.to_numeric(rel[1]).fillna(0).to_numpy()
        order = np.argsort(k)
        k = k[order]
        dyn = dynamic.iloc[order]
        a2 = axes[1]
        a2.errorbar(
            k,
            dyn["estimate"],
            yerr=[dyn["estimate"] - dyn["conf_low"], dyn["conf_high"] - dyn["estimate"]],
            fmt="o",
            color=PALETTE[0],
            capsize=3,
        )
        a2.axhline(0.0, color="black", linewidth=0.8)
        a2.set_xticks(k)
        a2.set_xlabel("Periods after the dose (negative = leads)")
        a2.set_ylabel("Effect of one unit of dose")
        a2.set_title("Timing of the response")
    return fig
