"""The cost of a program from its ingredients: base-year prices, present value, per student.

Each ingredient's yearly cost is ``quantity × multiplier × price × (1 + benefits_rate)``
where the multiplier is 1 for a program-wide quantity, the number of sites for a per-site
quantity and the number of students served for a per-student one. Prices are moved to the
base year with the price index, durable items (``life_years`` given) are charged their
annualised cost, and each year's cost is discounted to the program's first year. The
incremental cost is the program's cost minus business as usual (rows with condition
``business_as_usual``); per student and per site it is divided by students served and sites.

Uncertainty in the cost comes from the price ranges (``price_low``/``price_high``): each
range is read as a 95% range of a normal price, so an ingredient's standard error is
``(high − low) / (2 × 1.96)`` times its cost per dollar of price; ingredients are taken as
independent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from improve.cost.discount import annualisation_factor, discount_factor
from improve.cost.ingredients import Ingredients
from improve.cost.prices import PriceIndex, read_price_index
from improve.cost.ratio import format_money
from improve.errors import SpecError
from improve.results import Result, tidy_frame

PriceScenario = Literal["point", "low", "high"]
#: A price range is read as this central coverage of a normal price.
RANGE_COVERAGE = 0.95


@dataclass(frozen=True)
class CostOptions:
    """How ingredients are priced: base year, discount rate, scale of the program.

    Attributes
    ----------
    base_year : int
        Dollars of this year.
    discount_rate : float
        Yearly rate for present value and annualisation (0.03 = 3%).
    students : float
        Students served (per-student quantities are multiplied by it; costs divided by it).
    sites : float
        Sites (schools) running the program.
    take_up : float
        Share of the students planned who are actually served (1 = all).
    price_scenario : {"point", "low", "high"}
        Prices used: the price, or the low / high end of each row's range.
    price_multiplier : float
        Every price multiplied by this (sensitivity analysis).
    """

    base_year: int
    discount_rate: float = 0.03
    students: float = 1.0
    sites: float = 1.0
    take_up: float = 1.0
    price_scenario: PriceScenario = "point"
    price_multiplier: float = 1.0

    def __post_init__(self) -> None:
        if not self.students > 0:
            raise SpecError(f"students served must be a positive number (got {self.students})")
        if not self.sites > 0:
            raise SpecError(f"sites must be a positive number (got {self.sites})")
        if not 0 < self.take_up <= 1:
            raise SpecError(f"take-up must be a share between 0 and 1 (got {self.take_up})")

    @property
    def students_served(self) -> float:
        return self.students * self.take_up


def _prices(frame: pd.DataFrame, scenario: PriceScenario) -> pd.Series:
    if scenario == "point":
        return frame["price"]
    column = "price_low" if scenario == "low" else "price_high"
    return frame[column].where(frame[column].notna(), frame["price"])


def price_lines(ingredients: Ingredients, options: CostOptions, index: PriceIndex) -> pd.DataFrame:
    """One row per ingredient with its base-year price, yearly cost and present value.

    Columns added to the ingredients: ``index_factor``, ``unit_cost`` (base-year dollars per
    unit, benefits and annualisation included), ``multiplier``, ``cost`` (constant dollars
    in its year), ``discount``, ``present_value`` and ``std_error`` (of the present value,
    from the price range).
    """
    frame = ingredients.frame.copy()
    start = int(frame["year"].min())
    frame["index_factor"] = [index.factor(y, options.base_year) for y in frame["price_year"]]
    load = (1.0 + frame["benefits_rate"]) * frame["index_factor"] * options.price_multiplier
    annual = np.array(
        [
            annualisation_factor(options.discount_rate, life)
            if pd.notna(life) and life > 0
            else 1.0
            for life in frame["life_years"]
        ]
    )
    frame["unit_cost"] = _prices(frame, options.price_scenario) * load * annual
    frame["multiplier"] = frame["scale"].map(
        {"program": 1.0, "site": float(options.sites), "student": options.students_served}
    )
    frame["cost"] = frame["quantity"] * frame["multiplier"] * frame["unit_cost"]
    frame["discount"] = [discount_factor(y - start, options.discount_rate) for y in frame["year"]]
    frame["present_value"] = frame["cost"] * frame["discount"]
    z = stats.norm.ppf(0.5 + RANGE_COVERAGE / 2)
    spread = (frame["price_high"] - frame["price_low"]).fillna(0.0) / (2 * z)
    per_dollar = frame["quantity"] * frame["multiplier"] * load * annual * frame["discount"]
    frame["std_error"] = spread * per_dollar
    return frame


@dataclass(frozen=True)
class ProgramCost(Result):
    """The priced ingredients of a program and its incremental cost.

    Attributes
    ----------
    lines : pandas.DataFrame
        :func:`price_lines` output.
    options : CostOptions
    index_source : str
        The price index used.
    """

    lines: pd.DataFrame
    options: CostOptions
    index_source: str

    @property
    def start_year(self) -> int:
        return int(self.lines["year"].min())

    def _total(self, condition: str) -> float:
        rows = self.lines["condition"] == condition
        return float(self.lines.loc[rows, "present_value"].sum())

    @property
    def program_total(self) -> float:
        """Present value of the program's ingredients."""
        return self._total("program")

    @property
    def business_as_usual_total(self) -> float:
        """Present value of business-as-usual ingredients (0 when the file lists none)."""
        return self._total("business_as_usual")

    @property
    def incremental_total(self) -> float:
        """Program minus business as usual, present value."""
        return self.program_total - self.business_as_usual_total

    @property
    def incremental_se(self) -> float:
        """Standard error of the incremental total from the price ranges."""
        return float(np.sqrt(np.sum(self.lines["std_error"].to_numpy() ** 2)))

    @property
    def per_student(self) -> float:
        """Incremental cost per student served."""
        return self.incremental_total / self.options.students_served

    @property
    def per_student_se(self) -> float:
        return self.incremental_se / self.options.students_served

    @property
    def per_site(self) -> float:
        """Incremental cost per site."""
        return self.incremental_total / self.options.sites

    def tidy(self) -> pd.DataFrame:
        """Total, per-site and per-student incremental cost (present value, base-year dollars)."""
        n, sites = self.options.students_served, self.options.sites
        estimate = np.array([self.incremental_total, self.per_site, self.per_student])
        se = np.array([self.incremental_se, self.incremental_se / sites, self.incremental_se / n])
        se = np.where(se > 0, se, np.nan)
        return tidy_frame(
            ["incremental cost", "cost per site", "cost per student"],
            estimate,
            se,
            extra={
                "base_year": self.options.base_year,
                "discount_rate": self.options.discount_rate,
            },
        )

    def by(self, column: str) -> pd.DataFrame:
        """Present value by ``category``, ``payer``, ``cost_type`` or ``year`` (program rows),
        with the share of the program's cost and the amount per student."""
        rows = self.lines.loc[self.lines["condition"] == "program"]
        table = rows.groupby(column, sort=True)["present_value"].sum().reset_index()
        total = table["present_value"].sum()
        table["share"] = table["present_value"] / total if total else np.nan
        table["per_student"] = table["present_value"] / self.options.students_served
        return table

    def ingredients_table(self) -> pd.DataFrame:
        """The ingredients as priced (what a reader checks line by line)."""
        columns = [
            "ingredient",
            "category",
            "condition",
            "quantity",
            "unit",
            "scale",
            "price",
            "price_year",
            "benefits_rate",
            "life_years",
            "year",
            "unit_cost",
            "present_value",
            "payer",
            "cost_type",
            "source",
        ]
        return self.lines[columns].copy()

    def summary(self) -> str:
        o = self.options
        return "\n".join(
            [
                f"Program cost: {format_money(self.per_student)} per student "
                f"({o.base_year} dollars, present value at {o.discount_rate:.0%})",
                "",
                self.tidy()[["term", "estimate", "std_error"]].to_string(index=False),
                "",
                f"Prices moved to {o.base_year} with {self.index_source}.",
                f"Students served: {o.students_served:,.0f}; sites: {o.sites:,.0f}.",
            ]
        )

    def plot(self, kind: str = "category"):
        """Bar chart of the cost per student by ``category`` or ``payer``."""
        from improve.report.cost_figures import cost_breakdown_figure

        return cost_breakdown_figure(self.by(kind), kind)


def cost_program(
    ingredients: Ingredients,
    options: CostOptions,
    index: PriceIndex | None = None,
) -> ProgramCost:
    """Price a program's ingredients.

    Parameters
    ----------
    ingredients : Ingredients
        From :func:`improve.cost.read_ingredients`.
    options : CostOptions
        Base year, discount rate, students served, sites, scenario.
    index : PriceIndex, optional
        Default: the shipped CPI-U annual averages.

    Returns
    -------
    ProgramCost

    Raises
    ------
    improve.errors.DataError
        A price year or the base year is not in the price index.
    """
    index = index or read_price_index()
    if not (ingredients.frame["condition"] == "program").any():
        raise SpecError("the ingredients file lists no program ingredients (condition 'program')")
    return ProgramCost(price_lines(ingredients, options, index), options, index.source)
