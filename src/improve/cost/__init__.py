"""Costs and cost-effectiveness of programs (the ingredients method).

Read an ingredients file (:func:`read_ingredients`), price it in one base year with a price
index and discount it to present value (:func:`cost_program`), read the effect of a
finished evaluation run (:func:`run_effects`), and compute the cost per student per 0.1 SD
with Fieller, delta-method and Monte Carlo intervals (:func:`cost_effectiveness`).
:func:`evaluate_cost` does all of it for the workbook.
"""

from improve.cost.costing import CostOptions, ProgramCost, cost_program, price_lines
from improve.cost.discount import annualisation_factor, discount_factor, present_value
from improve.cost.effectiveness import CostEffectiveness, cost_effectiveness
from improve.cost.evaluation import CostEvaluation, evaluate_cost
from improve.cost.ingredients import Ingredients, check_ingredients, read_ingredients
from improve.cost.prices import PriceIndex, read_price_index
from improve.cost.ratio import RatioInterval, delta_interval, fieller_interval, monte_carlo_interval
from improve.cost.runs import EffectRecord, run_effect, run_effects
from improve.cost.sensitivity import sensitivity_table

__all__ = [
    "CostEffectiveness",
    "CostEvaluation",
    "CostOptions",
    "EffectRecord",
    "Ingredients",
    "PriceIndex",
    "ProgramCost",
    "RatioInterval",
    "annualisation_factor",
    "check_ingredients",
    "cost_effectiveness",
    "cost_program",
    "delta_interval",
    "discount_factor",
    "evaluate_cost",
    "fieller_interval",
    "monte_carlo_interval",
    "present_value",
    "price_lines",
    "read_ingredients",
    "read_price_index",
    "run_effect",
    "run_effects",
    "sensitivity_table",
]
