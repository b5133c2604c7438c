"""Worked examples computed by hand: present value, price adjustment, per-student cost, and
the cost-effectiveness ratio with its Fieller, delta-method and simulation intervals.

Every expected number is written out as the arithmetic a reader can redo on paper, with the
CPI-U annual averages of the shipped table (2022: 292.655, 2023: 304.702, 2021: 270.970).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from improve.cost import (
    CostOptions,
    annualisation_factor,
    check_ingredients,
    cost_effectiveness,
    cost_program,
    delta_interval,
    fieller_interval,
    monte_carlo_interval,
    present_value,
    read_price_index,
)

CPI_2021, CPI_2022, CPI_2023 = 270.970, 292.655, 304.702


def test_present_value_of_three_equal_years() -> None:
    costs = {2022: 1000.0, 2023: 1000.0, 2024: 1000.0}
    # 1000 + 1000/1.03 + 1000/1.03^2 = 1000 + 970.8738 + 942.5959
    assert present_value(costs, 0.03) == pytest.approx(2913.4696955, abs=1e-6)
    # 1000 + 952.3810 + 907.0295
    assert present_value(costs, 0.05) == pytest.approx(2859.4104308, abs=1e-6)
    assert present_value(costs, 0.0) == pytest.approx(3000.0)
    assert present_value({2024: 1000.0}, 0.03, start_year=2022) == pytest.approx(1000 / 1.0609)


def test_annualisation_factor() -> None:
    # r / (1 - (1 + r)^-n): 0.03 / (1 - 1/1.12550881) = 0.03 / 0.11151295 = 0.26902705
    assert annualisation_factor(0.03, 4) == pytest.approx(0.2690270452, abs=1e-9)
    assert annualisation_factor(0.05, 4) == pytest.approx(0.2820118326, abs=1e-9)
    assert annualisation_factor(0.0, 4) == 0.25
    # charged at the end of each of its 4 years, the annualised costs repay the price
    charges = {year: annualisation_factor(0.03, 4) for year in range(1, 5)}
    assert present_value(charges, 0.03, start_year=0) == pytest.approx(1.0)


def test_price_adjustment_with_cpi_u() -> None:
    index = read_price_index()
    # 24,000 dollars of 2021 in 2023 dollars: 24000 * 304.702 / 270.970 = 26,987.67
    assert 24000 * index.factor(2021, 2023) == pytest.approx(26987.6665314, abs=1e-6)
    assert index.factor(2023, 2023) == 1.0
    assert index.values[2022] == CPI_2022


def _example_ingredients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ingredient": ["Coach", "Coach", "Laptop", "Laptop", "Workbook", "Old PD"],
            "category": [
                "personnel",
                "personnel",
                "materials",
                "materials",
                "materials",
                "training",
            ],
            "quantity": [1.0, 1.0, 1.0, 1.0, 1.0, 20.0],
            "scale": ["site", "site", "site", "site", "student", "site"],
            "price": [50000.0, 52000.0, 1000.0, 1000.0, 10.0, 40.0],
            "price_year": [2022, 2023, 2023, 2023, 2023, 2023],
            "benefits_rate": [0.2, 0.2, None, None, None, None],
            "year": [2022, 2023, 2022, 2023, 2023, 2023],
            "life_years": [None, None, 4, 4, None, None],
            "payer": ["state", "state", "district", "district", "district", "district"],
            "condition": ["program"] * 5 + ["business_as_usual"],
        }
    )


def test_per_student_cost_worked_example() -> None:
    ingredients = check_ingredients(_example_ingredients())
    options = CostOptions(base_year=2023, discount_rate=0.03, students=100, sites=2)
    cost = cost_program(ingredients, options)
    a = 0.03 / (1 - 1.03**-4)
    coach_2022 = 1 * 2 * 50000 * 1.2 * CPI_2023 / CPI_2022  # first year: not discounted
    coach_2023 = 1 * 2 * 52000 * 1.2 / 1.03
    laptops = 2 * 1000 * a + 2 * 1000 * a / 1.03
    workbooks = 100 * 10 / 1.03
    program = coach_2022 + coach_2023 + laptops + workbooks
    old_pd = 20 * 2 * 40 / 1.03
    assert cost.program_total == pytest.approx(program, rel=1e-12)
    assert cost.business_as_usual_total == pytest.approx(old_pd, rel=1e-12)
    assert cost.incremental_total == pytest.approx(program - old_pd, rel=1e-12)
    assert cost.per_student == pytest.approx((program - old_pd) / 100, rel=1e-12)
    assert cost.per_site == pytest.approx((program - old_pd) / 2, rel=1e-12)
    # by hand: coach 120,000 * 304.702 / 292.655 = 124,939.74 and 124,800 / 1.03 = 121,165.05;
    # laptops 538.05 + 538.05 / 1.03 = 1,060.44; workbooks 970.87; old PD 1,553.40:
    # 124,939.74 + 121,165.05 + 1,060.44 + 970.87 - 1,553.40 = 246,582.70
    assert cost.incremental_total == pytest.approx(246582.70, abs=0.01)
    by_payer = cost.by("payer").set_index("payer")["present_value"]
    assert by_payer["state"] == pytest.approx(coach_2022 + coach_2023)
    tidy = cost.tidy().set_index("term")
    assert tidy.loc["cost per student", "estimate"] == pytest.approx(cost.per_student)


def test_fieller_with_a_known_cost_inverts_the_effect_interval() -> None:
    # cost 1000 per student, effect 0.2 SD (SE 0.05) = 2 units of 0.1 SD (SE 0.5), z = 1.96:
    # ratio 500; Fieller = [1000 / (2 + 0.98), 1000 / (2 - 0.98)] = [335.5705, 980.3922]
    ce = cost_effectiveness(1000.0, 0.2, 0.05, critical=1.96, draws=200_000)
    assert ce.ratio == pytest.approx(500.0)
    fieller = ce.intervals["fieller"]
    assert (fieller.low, fieller.high) == pytest.approx((1000 / 2.98, 1000 / 1.02), abs=1e-9)
    # delta: SE = 500 * 0.5 / 2 = 125, so 500 -/+ 1.96 * 125 = [255, 745]
    delta = ce.intervals["delta"]
    assert ce.delta_se == pytest.approx(125.0)
    assert (delta.low, delta.high) == pytest.approx((255.0, 745.0))
    # simulation: percentiles of 1000 / N(2, 0.5) are 1000 over the effect's percentiles,
    # which is Fieller's interval (up to simulation error)
    mc = ce.intervals["monte_carlo"]
    assert mc.low == pytest.approx(fieller.low, rel=0.01)
    assert mc.high == pytest.approx(fieller.high, rel=0.01)
    # Fieller is asymmetric (longer above); the delta method is not
    assert fieller.high - ce.ratio > ce.ratio - fieller.low


def test_fieller_with_uncertain_cost_solves_the_quadratic() -> None:
    # C = 1000 (SE 100), E = 2 (SE 0.5), z = 1.96:
    # a = 4 - 3.8416 * 0.25 = 3.0396; b = -4000; c = 1e6 - 3.8416e4 = 961,584
    # disc = 16e6 - 4 * 3.0396 * 961584 = 4,308,677.0944
    # roots (4000 -/+ sqrt(disc)) / (2 * 3.0396) = 316.5326, 999.4301
    interval = fieller_interval(1000.0, 100.0, 2.0, 0.5, 1.96)
    root = math.sqrt(4308677.0944)
    assert interval.kind == "bounded"
    assert interval.low == pytest.approx((4000 - root) / 6.0792, rel=1e-12)
    assert interval.high == pytest.approx((4000 + root) / 6.0792, rel=1e-12)
    assert (interval.low, interval.high) == pytest.approx((316.5326, 999.4301), abs=1e-4)
    # each bound satisfies (C - R E)^2 = z^2 (s_C^2 + R^2 s_E^2)
    for r in (interval.low, interval.high):
        assert (1000 - 2 * r) ** 2 == pytest.approx(1.96**2 * (100**2 + r**2 * 0.25))
    # delta: SE = sqrt(100^2 + 500^2 * 0.25) / 2 = 134.6291; 500 -/+ 1.96 * SE
    delta, se = delta_interval(1000.0, 100.0, 2.0, 0.5, 1.96)
    assert se == pytest.approx(134.6291202, abs=1e-6)
    assert (delta.low, delta.high) == pytest.approx((236.1269245, 763.8730755), abs=1e-6)
    mc, _ = monte_carlo_interval(1000.0, 100.0, 2.0, 0.5, draws=400_000, seed=1)
    assert mc.low == pytest.approx(interval.low, rel=0.02)
    assert mc.high == pytest.approx(interval.high, rel=0.02)


def test_an_effect_not_different_from_zero_gives_an_unbounded_interval() -> None:
    # E = 0.5 units (SE 0.5): a = 0.25 - 0.9604 < 0; roots 1000/(0.5 -/+ 0.98)
    interval = fieller_interval(1000.0, 0.0, 0.5, 0.5, 1.96)
    assert interval.kind == "outside"
    assert (interval.low, interval.high) == pytest.approx((1000 / -0.48, 1000 / 1.48))
    assert "unbounded" in interval.words()
    # with a very uncertain cost too, every ratio is in the set
    assert fieller_interval(100.0, 100.0, 0.5, 0.5, 1.96).kind == "unbounded"
    mc, _ = monte_carlo_interval(1000.0, 0.0, 0.5, 0.5, draws=50_000)
    assert mc.kind == "unbounded"
    ce = cost_effectiveness(1000.0, 0.05, 0.05, critical=1.96, draws=50_000)
    text = ce.sentence("math")
    assert "not statistically different from zero" in text and "unbounded" in text


def test_a_negative_effect_is_said_in_words() -> None:
    ce = cost_effectiveness(300.0, -0.2, 0.05, draws=10_000)
    assert ce.dominated
    assert "bought no gain" in ce.sentence("math")
    assert "no cost per 0.1 SD gain" in cost_effectiveness(300.0, -0.01, 0.05).sentence("math")
