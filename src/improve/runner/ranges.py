"""The allowed range of each numeric workbook parameter, declared once for every workbook.

A parameter name means the same thing in every workbook that declares it (``min_cell_size``
is always the smallest published cell), so its range is stated once here, by name, with a
workbook-specific entry only where the meaning differs (``bootstrap_draws=0`` is "analytic
only" in ``did_evaluation`` and meaningless elsewhere). :func:`check_ranges` runs in the
runner's plan, before any kernel starts, and raises one :class:`~improve.errors.SpecError`
line (exit 2) for the first value out of range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from improve.errors import SpecError


@dataclass(frozen=True)
class Range:
    """The allowed values of one numeric parameter.

    Attributes
    ----------
    low, high : float, optional
        Bounds (``None``: unbounded on that side).
    low_open, high_open : bool
        The bound itself is not allowed.
    why : str
        What the parameter is, for the message.
    percent_hint : bool
        Values above 1 are probably percentages: the message suggests ``value / 100``.
    workbooks : tuple of str
        Workbooks this entry is for (empty: every workbook without its own entry).
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    why: str = ""
    percent_hint: bool = False
    workbooks: tuple[str, ...] = ()

    def holds(self, value: float) -> bool:
        """True when ``value`` is in the range."""
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return not (
            self.high is not None and (value > self.high or (self.high_open and value == self.high))
        )

    def text(self) -> str:
        """The range in words, e.g. ``"between 0 and 1 (exclusive)"``."""
        low, high = _number(self.low), _number(self.high)
        if self.low is not None and self.high is not None:
            ends = {
                (True, True): " (both excluded)",
                (True, False): f" ({low} excluded)",
                (False, True): f" ({high} excluded)",
                (False, False): "",
            }[(self.low_open, self.high_open)]
            return f"between {low} and {high}{ends}"
        if self.low is not None:
            return f"{'above' if self.low_open else 'at least'} {low}"
        return f"{'below' if self.high_open else 'at most'} {high}"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


_DRAWS = 10_000_000

#: Ranges by parameter name; a list holds workbook-specific entries before the general one.
RANGES: dict[str, list[Range]] = {
    "min_cell_size": [Range(1, why="the smallest number of units a published cell may rest on")],
    "priced_dose": [
        Range(0, why="the dose the program delivers, in the dose column's units (0: the default)")
    ],
    "confidence_level": [
        Range(0, 1, True, True, why="a confidence level, e.g. 0.95", percent_hint=True)
    ],
    "alpha": [Range(0, 1, True, True, why="a significance level, e.g. 0.05", percent_hint=True)],
    "max_event_time": [Range(1, 100, why="the longest time before or after entry shown")],
    "anticipation": [Range(0, 100, why="periods of anticipation before entry")],
    "bootstrap_draws": [
        Range(0, _DRAWS, why="bootstrap draws (0: analytic only)", workbooks=("did_evaluation",)),
        Range(1, _DRAWS, why="bootstrap draws"),
    ],
    "placebo_draws": [Range(1, _DRAWS, why="placebo draws")],
    "monte_carlo_draws": [Range(1, _DRAWS, why="Monte Carlo draws")],
    "seed": [Range(0, 2**32 - 1, why="a random seed (a whole number from 0)")],
    "few_clusters": [Range(2, why="clusters kept for the few-cluster comparison")],
    "polynomial_order": [Range(0, 4, why="the order of the local polynomial")],
    "effects": [Range(1, 100, why="effects by periods since funding started")],
    "placebo": [Range(0, 100, why="placebo estimates before funding started")],
    "exit_effects": [Range(0, 100, why="effects by periods since funding ended")],
    "discount_rate": [
        Range(0, 1, high_open=True, why="a yearly discount rate, e.g. 0.03", percent_hint=True)
    ],
    "take_up": [Range(0, 1, low_open=True, why="the share of planned students served")],
    "per_sd": [Range(0, low_open=True, why="the effect unit priced, in SD")],
    "students": [Range(1, why="students served")],
    "sites": [Range(1, why="sites running the program")],
}


def range_for(workbook: str, name: str) -> Range | None:
    """The range of ``name`` in ``workbook`` (``None``: not range-checked)."""
    for entry in RANGES.get(name, []):
        if not entry.workbooks or workbook in entry.workbooks:
            return entry
    return None


def check_ranges(workbook: str, values: Mapping[str, Any]) -> None:
    """Every numeric value in ``values`` lies in its parameter's range (:data:`RANGES`).

    Raises
    ------
    improve.errors.SpecError
        The first value out of range, with the range and, for a percentage given where a
        share is wanted, the share it probably meant.
    """
    for name, value in values.items():
        entry = range_for(workbook, name)
        if entry is None or value is None or isinstance(value, bool):
            continue
        if not isinstance(value, int | float) or entry.holds(value):
            continue
        hint = ""
        if entry.percent_hint and 1 < value <= 100 and entry.holds(value / 100):
            hint = f" (did you mean {value / 100:g}?)"
        raise SpecError(
            f"parameter '{name}' is {value:g}, but it must be {entry.text()}: {entry.why}{hint}"
        )
