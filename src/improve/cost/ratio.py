"""Intervals for a cost-effectiveness ratio ``cost / effect``.

Three intervals on the same inputs (cost ``C`` with standard error ``s_C``, effect ``E``
with standard error ``s_E``, independent, critical value ``c``):

* **Fieller** (Fieller 1954; the recommended one): every ratio ``R`` with
  ``(C − R E)² ≤ c² (s_C² + R² s_E²)``, the roots of
  ``(E² − c² s_E²) R² − 2 C E R + (C² − c² s_C²) ≤ 0``. When the effect is significant
  (``E² > c² s_E²``) the set is a bounded interval; otherwise it is two rays (everything
  outside an interval) or the whole line: the data are consistent with an effect of zero,
  so no cost per unit of effect is ruled out as too high.
* **Delta method**: ``R ± c · sqrt(s_C² + R² s_E²) / |E|``; symmetric, adequate only when
  the effect is estimated precisely.
* **Monte Carlo**: percentiles of ``C*/E*`` over draws of the cost (normal) and the effect
  (normal, or Student t with the run's degrees of freedom); reported as unbounded when more
  than ``(1 − level)/2`` of the effect draws have the other sign than the estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats

IntervalKind = Literal["bounded", "outside", "unbounded"]


def format_amount(value: float) -> str:
    """An amount with thousands separators: whole units from 100 up, cents below."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def format_money(value: float) -> str:
    """A dollar amount (``$1,234``, ``$0.46``; ``-$12.50`` for negatives)."""
    sign = "-" if value < 0 else ""
    return f"{sign}${format_amount(abs(value))}"


@dataclass(frozen=True)
class RatioInterval:
    """An interval for a ratio.

    Attributes
    ----------
    method : str
        ``"fieller"``, ``"delta"`` or ``"monte_carlo"``.
    kind : {"bounded", "outside", "unbounded"}
        ``bounded``: ``[low, high]``. ``outside``: every value ``≤ low`` or ``≥ high``
        (two rays). ``unbounded``: every value.
    low, high : float
        Bounds (NaN when unbounded).
    """

    method: str
    kind: IntervalKind
    low: float
    high: float

    @property
    def bounded(self) -> bool:
        return self.kind == "bounded"

    def words(self, money: Callable[[float], str] = format_amount) -> str:
        """The interval in words (e.g. "from 1,200 to 3,400" or "unbounded: ...")."""
        if self.kind == "bounded":
            return f"from {money(self.low)} to {money(self.high)}"
        if self.kind == "outside":
            return (
                f"unbounded: at most {money(self.low)} or at least "
                f"{money(self.high)} (the effect could be zero)"
            )
        return "unbounded: any value (the effect could be zero)"


def _check(se: float, name: str) -> float:
    se = float(se)
    if not se >= 0 or not math.isfinite(se):
        raise ValueError(f"the {name} standard error must be a non-negative number")
    return se


def fieller_interval(
    cost: float,
    cost_se: float,
    effect: float,
    effect_se: float,
    critical: float = 1.959963984540054,
) -> RatioInterval:
    """Fieller's interval for ``cost / effect`` (cost and effect independent)."""
    s_c, s_e = _check(cost_se, "cost"), _check(effect_se, "effect")
    c2 = critical**2
    a = effect**2 - c2 * s_e**2
    b = -2.0 * cost * effect
    c0 = cost**2 - c2 * s_c**2
    disc = b * b - 4.0 * a * c0
    if a > 0:
        root = math.sqrt(max(disc, 0.0))
        return RatioInterval("fieller", "bounded", (-b - root) / (2 * a), (-b + root) / (2 * a))
    if a < 0 and disc > 0:
        root = math.sqrt(disc)
        r1, r2 = sorted(((-b - root) / (2 * a), (-b + root) / (2 * a)))
        return RatioInterval("fieller", "outside", r1, r2)
    return RatioInterval("fieller", "unbounded", math.nan, math.nan)


def delta_interval(
    cost: float,
    cost_se: float,
    effect: float,
    effect_se: float,
    critical: float = 1.959963984540054,
) -> tuple[RatioInterval, float]:
    """Delta-method interval for ``cost / effect`` and the ratio's standard error."""
    s_c, s_e = _check(cost_se, "cost"), _check(effect_se, "effect")
    if effect == 0:
        return RatioInterval("delta", "unbounded", math.nan, math.nan), math.nan
    ratio = cost / effect
    se = math.sqrt(s_c**2 + ratio**2 * s_e**2) / abs(effect)
    return RatioInterval("delta", "bounded", ratio - critical * se, ratio + critical * se), se


def t_df_for_critical(critical: float, confidence_level: float = 0.95) -> float:
    """Degrees of freedom of the Student t whose critical value is ``critical`` (inf when
    ``critical`` is at or below the normal one)."""
    q = 0.5 + confidence_level / 2
    if critical <= stats.norm.ppf(q) + 1e-9:
        return math.inf
    return float(optimize.brentq(lambda df: stats.t.ppf(q, df) - critical, 0.5, 1e7))


def monte_carlo_interval(
    cost: float,
    cost_se: float,
    effect: float,
    effect_se: float,
    *,
    confidence_level: float = 0.95,
    df: float = math.inf,
    draws: int = 100_000,
    seed: int = 20240601,
) -> tuple[RatioInterval, np.ndarray]:
    """Monte Carlo percentile interval for ``cost / effect``, and the draws of the ratio."""
    s_c, s_e = _check(cost_se, "cost"), _check(effect_se, "effect")
    rng = np.random.default_rng(seed)
    cost_draws = cost + s_c * rng.standard_normal(draws)
    noise = rng.standard_normal(draws) if not math.isfinite(df) else rng.standard_t(df, draws)
    effect_draws = effect + s_e * noise
    ratio = cost_draws / effect_draws
    tail = (1.0 - confidence_level) / 2.0
    wrong_sign = float(np.mean(np.sign(effect_draws) != np.sign(effect))) if effect else 1.0
    if wrong_sign > tail:
        return RatioInterval("monte_carlo", "unbounded", math.nan, math.nan), ratio
    low, high = np.quantile(ratio, [tail, 1.0 - tail])
    return RatioInterval("monte_carlo", "bounded", float(low), float(high)), ratio
