"""A fixed-effects dose coefficient as an effect in SD units, for pricing.

A fixed-effects run estimates the change in the outcome per unit of a dose. The cost layer
(:mod:`improve.cost`) prices effects in standard deviations of the outcome for what the
program delivers, so a dose coefficient becomes such an effect only at a stated dose: one
unit when the dose is an on/off indicator (0 or 1), else the dose change the program
delivers (``priced_dose``). Without one, no effect is recorded and the reason is given in
one sentence, which the cost layer repeats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from improve.effects.size import effect_record, outcome_sd, to_sd_units

__all__ = ["dose_effects"]


def _is_on_off(values: pd.Series) -> bool:
    observed = set(pd.to_numeric(values, errors="coerce").dropna().unique().tolist())
    return bool(observed) and observed <= {0.0, 1.0}


def _untreated_sd(panel: Any, outcome: str, dose: str) -> tuple[float, str]:
    """SD of the outcome over observations at zero dose (all observations when < 2)."""
    data = panel.data
    untreated = data.loc[pd.to_numeric(data[dose], errors="coerce") == 0, outcome].dropna()
    if len(untreated) >= 2:
        return float(untreated.std(ddof=1)), "SD of the outcome where the dose is zero"
    return float(data[outcome].dropna().std(ddof=1)), "SD of the outcome, all observations"


def dose_effects(
    fits: Mapping[str, Any], panel: Any, dose: str, priced_dose: float = 0.0
) -> tuple[dict[str, dict[str, float | str]], str]:
    """Each outcome's dose effect in SD units at the priced dose, or why there is none.

    Parameters
    ----------
    fits : mapping of outcome to fit
        :func:`improve.fe.panel_regression` results; the dose's row of ``tidy()`` is used.
    panel : Panel
    dose : str
        The dose column.
    priced_dose : float
        The dose the program delivers (e.g. 1.0 coach FTE per 100 students). 0 means one
        unit when the dose is on/off, and no effect otherwise.

    Returns
    -------
    effects : dict
        Outcome → :func:`improve.effects.effect_record` (empty when none can be stated).
    reason : str
        Empty when effects are given; else one sentence saying why not.
    """
    if priced_dose < 0 or not np.isfinite(priced_dose):
        return {}, f"the priced dose must be positive, got {priced_dose}"
    if priced_dose == 0:
        if not _is_on_off(panel.data[dose]):
            return {}, (
                f"the dose '{dose}' is continuous, so its coefficient is an effect per unit "
                "and not a program's effect; pass -p priced_dose=<the dose the program "
                "delivers> to the fixed_effects run to record one in SD units"
            )
        priced_dose = 1.0
    effects: dict[str, dict[str, float | str]] = {}
    for outcome, fit in fits.items():
        tidy = fit.tidy()
        row = tidy.loc[tidy["term"] == dose] if "term" in tidy.columns else tidy.iloc[[0]]
        at_dose = row.iloc[[0]].copy()
        for col in ("estimate", "std_error", "conf_low", "conf_high"):
            at_dose[col] = at_dose[col] * priced_dose
        value, label = _untreated_sd(panel, outcome, dose)
        if not np.isfinite(value) or value <= 0:
            return {}, f"the outcome '{outcome}' does not vary, so it has no SD to scale by"
        sd = outcome_sd(panel, outcome, "user", value=value, label=label)
        sized = to_sd_units(at_dose, sd).iloc[0]
        effects[outcome] = effect_record(
            sized, f"{getattr(fit, 'vcov_label', 'fixed effects')}, at dose {priced_dose:g}"
        )
    return effects, ""
