"""The true dose-response of the demo school generator, for comparison with estimates.

In :mod:`improve.demo.schools` a funded school's effect in year ``t`` is
``f(D_i) * K_it``: ``f(D) = clip(D / REFERENCE_FTE_PER_100, 0.5, 2) ** DOSE_ELASTICITY`` with
``D_i`` the school's mean coach FTE per 100 students over its funded years, and ``K_it`` the
schedule by years since the first grant (fading after a non-renewed grant ends) times the
school's student-mix multiplier. This module rebuilds the simulation with the same arguments
and returns, for one outcome,

* ``overall``: the sample truths of ATT^o (mean over funded schools of each school's
  average effect over its observed funded years, the weights of the estimator's overall
  average) and ACRT^o (mean of ``K̄_i f'(D_i)``, each school's own response to one more
  unit of dose);
* ``curve``: at each dose ``d``, ``att_structural = mean_i K̄_i * f(d)`` (the effect the average
  funded school would get at dose ``d``) and its slope ``acrt_structural``, and ``att_sieve`` /
  ``acrt_sieve``: the least-squares projection of the schools' average effects on the
  estimator's dose basis, the curve a correctly specified estimator converges to in this
  sample (``ATT(d|d)`` smoothed the way the estimator smooths it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.demo.schools import (
    DEFAULT_SEED,
    DOSE_ELASTICITY,
    EFFECT_SCHEDULE_SD,
    REFERENCE_FTE_PER_100,
    _simulate_panel,
)

#: Dose-factor clip range (ratio to the reference dose) used by the generator.
CLIP = (0.5, 2.0)


@dataclass(frozen=True)
class DoseTruth:
    """True dose-response of one outcome (see the module docstring)."""

    outcome: str
    overall: dict[str, float]
    curve: pd.DataFrame
    unit_doses: np.ndarray


def dose_factor(dose: np.ndarray) -> np.ndarray:
    """``f(D)`` of the generator."""
    ratio = np.clip(np.asarray(dose, dtype=float) / REFERENCE_FTE_PER_100, *CLIP)
    return ratio**DOSE_ELASTICITY


def dose_factor_slope(dose: np.ndarray) -> np.ndarray:
    """``f'(D)`` (0 where the ratio is clipped)."""
    d = np.asarray(dose, dtype=float)
    ratio = d / REFERENCE_FTE_PER_100
    inside = (ratio > CLIP[0]) & (ratio < CLIP[1])
    slope = DOSE_ELASTICITY * ratio ** (DOSE_ELASTICITY - 1.0) / REFERENCE_FTE_PER_100
    return np.where(inside, slope, 0.0)


def true_dose_response(
    outcome: str = "math_ss",
    dvals: np.ndarray | None = None,
    *,
    degree: int = 3,
    seed: int = DEFAULT_SEED,
    **simulate_kwargs: Any,
) -> DoseTruth:
    """True dose-response of the demo data made with ``simulate_schools(seed, **kwargs)``.

    Parameters
    ----------
    outcome : str
        A scheduled outcome (scale scores, attendance, chronic absence, discipline).
    dvals : ndarray, optional
        Doses of the curve (default: quantiles 0.10..0.99 of the funded schools' doses,
        the estimator's default grid).
    degree : int
        Polynomial degree of the sieve projection (the estimator's ``degree``).
    seed, **simulate_kwargs
        As in :func:`improve.demo.schools.simulate_schools`.
    """
    if outcome not in EFFECT_SCHEDULE_SD:
        raise ValueError(
            f"no scheduled dose-response for {outcome!r}; use one of {sorted(EFFECT_SCHEDULE_SD)}"
        )
    df, y0, y1 = _simulate_panel(seed, **_arguments(simulate_kwargs))
    frame = pd.DataFrame(
        {
            "unit": df["school_id"].to_numpy(),
            "g": df["first_grant_year"].to_numpy(),
            "t": df["school_year"].to_numpy(),
            "d": df["coach_fte_per_100"].to_numpy(dtype=float),
            "effect": y1[outcome] - y0[outcome],
        }
    )
    post = frame[(frame["g"] > 0) & (frame["t"] >= frame["g"])]
    by_unit = post.groupby("unit").agg(
        effect=("effect", "mean"), dose=("d", lambda s: s[s > 0].mean())
    )
    by_unit = by_unit[by_unit["dose"] > 0]
    dose = by_unit["dose"].to_numpy(dtype=float)
    tau = by_unit["effect"].to_numpy(dtype=float)
    k = tau / dose_factor(dose)
    grid = (
        np.quantile(dose, np.arange(0.10, 0.99 + 0.005, 0.01))
        if dvals is None
        else np.asarray(dvals, dtype=float)
    )
    coef = np.polyfit(dose, tau, degree)
    curve = pd.DataFrame(
        {
            "dose": grid,
            "att_structural": k.mean() * dose_factor(grid),
            "acrt_structural": k.mean() * dose_factor_slope(grid),
            "att_sieve": np.polyval(coef, grid),
            "acrt_sieve": np.polyval(np.polyder(coef), grid),
        }
    )
    overall = {"att": float(tau.mean()), "acrt": float(np.mean(k * dose_factor_slope(dose)))}
    return DoseTruth(outcome=outcome, overall=overall, curve=curve, unit_doses=dose)


def _arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``_simulate_panel``'s arguments after the seed, with the defaults of
    :func:`improve.demo.schools.simulate_schools`."""
    defaults = {
        "n_districts": 60,
        "n_schools": 700,
        "years": range(2014, 2025),
        "gap_years": (2020,),
        "pretrend_violation": 0.0,
        "effect_scale": 1.0,
    }
    unknown = set(kwargs) - set(defaults)
    if unknown:
        raise TypeError(f"unknown simulate_schools argument(s): {sorted(unknown)}")
    return {**defaults, **kwargs}
