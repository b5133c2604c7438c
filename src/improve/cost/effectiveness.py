"""Cost-effectiveness: incremental cost per student for each 0.1 SD of effect, with intervals.

The ratio is ``cost per student / (effect in SD / per)`` with ``per = 0.1`` by default: the
dollars per student that buy a gain of 0.1 SD. A program that lowers the outcome at a
positive cost has no meaningful ratio (business as usual dominates it); one whose effect is
not distinguishable from zero has an interval without an upper bound, said in words.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from improve.cost.ratio import (
    RatioInterval,
    delta_interval,
    fieller_interval,
    format_money,
    monte_carlo_interval,
    t_df_for_critical,
)
from improve.results import Result, tidy_frame


@dataclass(frozen=True)
class CostEffectiveness(Result):
    """Cost per student per ``per`` SD of effect, with Fieller, delta and Monte Carlo intervals.

    Attributes
    ----------
    outcome : str
    cost : float
        Incremental cost per student.
    cost_se : float
        Its standard error (0 when the prices carry no range).
    effect : float
        Effect in SD units.
    effect_se : float
    critical : float
        Critical value of the effect's interval (the run's t or normal value).
    confidence_level : float
    per : float
        Effect unit priced (0.1 SD).
    intervals : dict of str to RatioInterval
    delta_se : float
        Delta-method standard error of the ratio.
    """

    outcome: str
    cost: float
    cost_se: float
    effect: float
    effect_se: float
    critical: float
    confidence_level: float
    per: float
    intervals: dict[str, RatioInterval]
    delta_se: float
    unit: str = ""

    @property
    def gain_words(self) -> str:
        """What one unit of gain is: "0.1 SD gain" or a natural unit ("additional proficient
        student")."""
        return self.unit or f"{self.per:g} SD gain"

    def _effect_words(self) -> str:
        if self.unit:
            return f"{self.effect:.3g} {self.unit}s per student"
        return f"{self.effect:.2f} SD"

    @property
    def ratio(self) -> float:
        """Dollars per student per ``per`` SD (NaN when the effect is zero)."""
        units = self.effect / self.per
        return self.cost / units if units else math.nan

    @property
    def effect_significant(self) -> bool:
        return abs(self.effect) > self.critical * self.effect_se

    @property
    def dominated(self) -> bool:
        """The program costs more than business as usual and lowered the outcome."""
        return self.cost > 0 and self.effect < 0

    def tidy(self) -> pd.DataFrame:
        """One row per interval method: the ratio, the delta-method SE and the bounds
        (``interval`` says bounded, outside — two rays — or unbounded)."""
        methods = ["fieller", "delta", "monte_carlo"]
        table = tidy_frame(
            [f"cost per {self.gain_words}"] * 3,
            np.full(3, self.ratio),
            np.full(3, self.delta_se),
            confidence_level=self.confidence_level,
            extra={"outcome": self.outcome, "method": methods},
        )
        table["conf_low"] = [self.intervals[m].low for m in methods]
        table["conf_high"] = [self.intervals[m].high for m in methods]
        table["interval"] = [self.intervals[m].kind for m in methods]
        return table

    def sentence(
        self, outcome_label: str | None = None, money: Callable[[float], str] = format_money
    ) -> str:
        """The finding in plain words."""
        label = outcome_label or self.outcome
        level = f"{self.confidence_level:.0%}"
        cost = money(self.cost)
        if self.effect <= 0:
            if self.dominated and self.effect_significant:
                return (
                    f"The program cost {cost} per student more than business as usual and "
                    f"{label} fell ({self._effect_words()}), so it bought no gain: business as "
                    "usual was both cheaper and at least as effective."
                )
            return (
                f"The program did not raise {label} (estimate {self._effect_words()}), so no "
                f"cost per {self.gain_words} can be given; at {cost} per student it cost more "
                "than business as usual for no measured gain."
            )
        text = (
            f"At {cost} per student, each {self.gain_words} in {label} cost "
            f"{money(self.ratio)}" + ("" if self.unit else " per student")
        )
        fieller = self.intervals["fieller"]
        if fieller.bounded:
            return text + f" ({level} Fieller interval {fieller.words(money)})."
        return text + (
            f", but the effect is not statistically different from zero, so the {level} "
            f"interval for the cost per {self.gain_words} is {fieller.words(money)}: the data "
            "cannot rule out that the program bought no gain at any price."
        )

    def plot(self, label: str | None = None):
        """This program on the cost-effectiveness plane."""
        from improve.report.cost_figures import cost_effectiveness_plane

        z = self.critical
        points = pd.DataFrame(
            [
                {
                    "label": label or self.outcome,
                    "effect_sd": self.effect,
                    "effect_conf_low": self.effect - z * self.effect_se,
                    "effect_conf_high": self.effect + z * self.effect_se,
                    "cost_per_student": self.cost,
                }
            ]
        )
        return cost_effectiveness_plane(points, per=self.per)

    def summary(self) -> str:
        return "\n".join(
            [
                f"Cost-effectiveness: {self.outcome}",
                "",
                self.tidy()[["method", "estimate", "conf_low", "conf_high", "interval"]].to_string(
                    index=False
                ),
                "",
                self.sentence(),
            ]
        )


def cost_effectiveness(
    cost: float,
    effect: float,
    effect_se: float,
    *,
    cost_se: float = 0.0,
    outcome: str = "outcome",
    confidence_level: float = 0.95,
    critical: float | None = None,
    per: float = 0.1,
    draws: int = 100_000,
    seed: int = 20240601,
    unit: str = "",
) -> CostEffectiveness:
    """Cost per student per ``per`` SD with Fieller, delta-method and Monte Carlo intervals.

    Parameters
    ----------
    cost : float
        Incremental cost per student (present value, base-year dollars).
    effect, effect_se : float
        Effect in SD units and its standard error.
    cost_se : float, default 0
        Standard error of the cost per student (from price ranges).
    outcome : str
    confidence_level : float, default 0.95
    critical : float, optional
        Critical value for the intervals; default normal. Pass the evaluation's own
        (``EffectRecord.critical``) to keep its t degrees of freedom; the Monte Carlo then
        draws the effect from the matching Student t.
    per : float, default 0.1
        The effect unit priced, in SD.
    draws, seed : int
        Monte Carlo draws and seed.
    unit : str, optional
        A natural unit instead of SD: ``effect`` is then the units gained per student
        (e.g. 0.03 additional proficient students per student served), ``per = 1`` and the
        ratio is the cost per unit ("additional proficient student").
    """
    from scipy import stats

    crit = float(critical) if critical else float(stats.norm.ppf(0.5 + confidence_level / 2))
    units, units_se = effect / per, effect_se / per
    fieller = fieller_interval(cost, cost_se, units, units_se, crit)
    delta, delta_se = delta_interval(cost, cost_se, units, units_se, crit)
    df = t_df_for_critical(crit, confidence_level)
    monte_carlo, _ = monte_carlo_interval(
        cost,
        cost_se,
        units,
        units_se,
        confidence_level=confidence_level,
        df=df,
        draws=draws,
        seed=seed,
    )
    return CostEffectiveness(
        outcome=outcome,
        cost=float(cost),
        cost_se=float(cost_se),
        effect=float(effect),
        effect_se=float(effect_se),
        critical=crit,
        confidence_level=confidence_level,
        per=per,
        intervals={"fieller": fieller, "delta": delta, "monte_carlo": monte_carlo},
        delta_se=delta_se,
        unit=unit,
    )
