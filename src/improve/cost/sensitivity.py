"""How the cost per student and the cost per 0.1 SD move when one assumption changes.

Rows (each changes one thing from the base case): the discount rate at 3% and 5%, every
price at the low and high end of its range (rows with a range), every price 20% lower and
higher, take-up of 80% of the students planned (fixed costs spread over fewer students),
and the effect at either end of its interval.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from improve.cost.costing import CostOptions, cost_program
from improve.cost.discount import STANDARD_RATES
from improve.cost.ingredients import Ingredients
from improve.cost.prices import PriceIndex

#: Share by which every price is moved in the "prices lower/higher" rows.
PRICE_CHANGE = 0.20
#: Take-up in the "fewer students served" row.
LOW_TAKE_UP = 0.80


def _scenarios(ingredients: Ingredients, options: CostOptions) -> list[tuple[str, CostOptions]]:
    rows = [("base case", options)]
    for rate in STANDARD_RATES:
        if not math.isclose(rate, options.discount_rate):
            rows.append(
                (f"discount rate {rate:.0%}", dataclasses.replace(options, discount_rate=rate))
            )
    frame = ingredients.frame
    if frame["price_low"].notna().any() or frame["price_high"].notna().any():
        rows += [
            (
                "prices at the low end of their ranges",
                dataclasses.replace(options, price_scenario="low"),
            ),
            (
                "prices at the high end of their ranges",
                dataclasses.replace(options, price_scenario="high"),
            ),
        ]
    rows += [
        (
            f"every price {PRICE_CHANGE:.0%} lower",
            dataclasses.replace(options, price_multiplier=1 - PRICE_CHANGE),
        ),
        (
            f"every price {PRICE_CHANGE:.0%} higher",
            dataclasses.replace(options, price_multiplier=1 + PRICE_CHANGE),
        ),
    ]
    if options.take_up > LOW_TAKE_UP:
        rows.append(
            (
                f"take-up {LOW_TAKE_UP:.0%} of students planned",
                dataclasses.replace(options, take_up=LOW_TAKE_UP * options.take_up),
            )
        )
    return rows


def _per_gain(cost: float, effect: float | None, per: float) -> float:
    if effect is None or not effect > 0:
        return math.nan
    return cost / (effect / per)


def sensitivity_table(
    ingredients: Ingredients,
    options: CostOptions,
    index: PriceIndex,
    effect: float | None = None,
    effect_interval: tuple[float, float] | None = None,
    per: float = 0.1,
) -> pd.DataFrame:
    """Cost per student and per ``per`` SD under each scenario.

    Parameters
    ----------
    ingredients, options, index
        As for :func:`~improve.cost.costing.cost_program` (``options`` is the base case).
    effect : float, optional
        Effect in SD units (no ratio column values without it).
    effect_interval : tuple of float, optional
        The effect's interval; adds a row for each end.
    per : float, default 0.1

    Returns
    -------
    pandas.DataFrame
        ``scenario, cost_per_student, change_in_cost, cost_per_gain`` (NaN where the effect
        is not positive).
    """
    rows = []
    base_cost = None
    for name, scenario in _scenarios(ingredients, options):
        cost = cost_program(ingredients, scenario, index).per_student
        base_cost = cost if base_cost is None else base_cost
        rows.append(
            {
                "scenario": name,
                "cost_per_student": cost,
                "effect_sd": effect,
                "cost_per_gain": _per_gain(cost, effect, per),
            }
        )
    if effect_interval is not None:
        for end, value in zip(("lower", "upper"), effect_interval, strict=True):
            rows.append(
                {
                    "scenario": f"effect at the {end} end of its interval",
                    "cost_per_student": base_cost,
                    "effect_sd": value,
                    "cost_per_gain": _per_gain(base_cost, value, per),
                }
            )
    table = pd.DataFrame(rows)
    table.insert(2, "change_in_cost", table["cost_per_student"] / base_cost - 1.0)
    return table
