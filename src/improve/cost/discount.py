"""Present value and annualisation (the discounting conventions of the ingredients method).

Costs incurred ``t`` years after the program's first year are worth ``cost / (1 + r)**t``
today (Levin, McEwan, Belfield, Bowden & Shand 2018, ch. 5). A durable item (a building,
laptops) bought once and used for ``n`` years is charged each year at its annualised cost,
``price × r / (1 − (1 + r)**−n)`` (the annualisation factor), so a program pays only for the
share of its life it uses.
"""

from __future__ import annotations

from collections.abc import Mapping

from improve.errors import SpecError

#: Discount rates reported side by side (Levin et al.; the U.S. OMB Circular A-4 used 3% and 7%,
#: education cost studies usually report 3% and 5%).
STANDARD_RATES = (0.03, 0.05)


def _check_rate(rate: float) -> float:
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise SpecError(f"discount rate {rate} is not a yearly rate between 0 and 1 (3% is 0.03)")
    return rate


def discount_factor(years_after_start: float, rate: float) -> float:
    """``1 / (1 + rate) ** years_after_start``."""
    return 1.0 / (1.0 + _check_rate(rate)) ** float(years_after_start)


def present_value(
    costs_by_year: Mapping[int, float], rate: float, start_year: int | None = None
) -> float:
    """Present value, at the first year, of costs incurred in several years.

    Parameters
    ----------
    costs_by_year : mapping of int to float
        Cost (in constant base-year dollars) incurred in each year.
    rate : float
        Yearly discount rate (0.03 for 3%).
    start_year : int, optional
        The year costs are discounted to (default: the earliest year given).

    Returns
    -------
    float
    """
    if not costs_by_year:
        return 0.0
    start = min(costs_by_year) if start_year is None else int(start_year)
    return float(
        sum(cost * discount_factor(int(year) - start, rate) for year, cost in costs_by_year.items())
    )


def annualisation_factor(rate: float, life_years: float) -> float:
    """Share of a durable item's price charged per year of its life: ``r / (1 − (1 + r)**−n)``.

    With ``rate = 0`` this is ``1 / n`` (straight-line).

    Raises
    ------
    improve.errors.SpecError
        ``life_years`` is not positive.
    """
    rate = _check_rate(rate)
    n = float(life_years)
    if not n > 0:
        raise SpecError(
            f"a durable item's life must be a positive number of years (got {life_years})"
        )
    if rate == 0.0:
        return 1.0 / n
    return rate / (1.0 - (1.0 + rate) ** -n)
