"""Any tidy estimate put on the WWC effect-size scale."""

from __future__ import annotations

from typing import Any

import pandas as pd

from improve.effects.wwc.effect_sizes import improvement_index, small_sample_correction
from improve.effects.wwc.handbook import HANDBOOK
from improve.errors import SpecError


def standardized_effects(
    tidy: pd.DataFrame,
    sd: Any,
    *,
    n_treatment: float | None = None,
    n_comparison: float | None = None,
) -> pd.DataFrame:
    """Put any tidy estimates (ATT, event-study or FE coefficients) on the WWC effect scale.

    Estimates, standard errors and interval bounds are divided by the chosen SD (see
    :func:`improve.effects.size.outcome_sd`), then, when the group sizes are given,
    multiplied by the small-sample correction ``omega``, which makes them Hedges' g for
    an adjusted mean difference. The improvement index and the SD used are added, so the
    choice of SD is reported with every row.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Tidy estimates (``estimate``, ``std_error``, ``conf_low``, ``conf_high``...).
    sd : OutcomeSD
        The SD to divide by, with its description.
    n_treatment, n_comparison : float, optional
        Group sizes for ``omega``; without them no small-sample correction is applied.

    Returns
    -------
    pandas.DataFrame
        A copy with rescaled columns and ``sd_used``, ``sd_kind``, ``sd_description``,
        ``omega``, ``improvement_index`` and ``handbook``.
    """
    from improve.effects.size import to_sd_units

    out = to_sd_units(tidy, sd)
    omega = 1.0
    if n_treatment is not None or n_comparison is not None:
        if n_treatment is None or n_comparison is None:
            raise SpecError("give both n_treatment and n_comparison (or neither)")
        omega = small_sample_correction(n_treatment + n_comparison)
    for col in ("estimate", "std_error", "conf_low", "conf_high"):
        if col in out.columns:
            out[col] = out[col] * omega
    for col in ("conf_low_uniform", "conf_high_uniform"):
        if col in out.columns:
            out[col] = out[col] * omega
    out["sd_description"] = sd.description
    out["omega"] = omega
    out["improvement_index"] = improvement_index(out["estimate"].to_numpy(dtype="float64"))
    out["handbook"] = HANDBOOK
    return out
