"""The WWC handbook the thresholds come from: citation, version and rule lookup."""

from __future__ import annotations

from typing import Any, Literal

from improve.effects import _rules

Boundary = Literal["cautious", "optimistic"]
EquivalenceCategory = Literal["satisfied", "requires_adjustment", "not_satisfied"]

TIDY_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "conf_low",
    "conf_high",
)


def _handbook() -> dict[str, Any]:
    return _rules.wwc()


#: Short reference printed with every WWC result.
HANDBOOK = _handbook()["short"]
#: Full citation of the handbook the thresholds come from.
HANDBOOK_CITATION = _handbook()["citation"]
#: Handbook version as a string ("5.0").
HANDBOOK_VERSION = _handbook()["version"]
