"""Words for reports: outcome labels and scales, the unit, the program, the treatment.

The ``labels:`` section of a column map says how a report should speak about the data::

    labels:
      unit: county                 # one unit; unit_plural defaults to unit + "s"
      unit_plural: counties
      program: the minimum wage increase
      treatment: raised the minimum wage   # "counties that raised the minimum wage"
      treated: treated counties            # the treated group as a noun phrase
      comparison: comparison counties      # the comparison group
      outcomes:
        lemp: log teen employment          # a label only
        math_ss: {label: math scale score, scale: points, units: scale-score points}
        pct_prof: {label: share proficient, scale: percent}

``scale`` is ``points`` (effects in the outcome's own units, the default), ``log`` (a log
outcome: an effect of b is about 100 * (exp(b) - 1) percent) or ``percent`` (an outcome in
percent: effects are percentage points). Everything not declared falls back to neutral
wording: "units", "the program", "were treated", the column name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from improve.errors import SpecError

#: Keys of the ``labels:`` section.
LABEL_KEYS: tuple[str, ...] = (
    "unit",
    "unit_plural",
    "program",
    "treatment",
    "treated",
    "comparison",
    "outcomes",
)
#: Keys of one outcome's entry under ``labels: outcomes:``.
OUTCOME_KEYS: tuple[str, ...] = ("label", "scale", "units")
#: Scales an outcome can be declared on.
SCALES: tuple[str, ...] = ("points", "log", "percent")


@dataclass(frozen=True)
class OutcomeLabel:
    """How to name one outcome.

    Attributes
    ----------
    label : str, optional
        Words for the outcome ("log teen employment").
    scale : {"points", "log", "percent"}
        How effects read: in the outcome's units, as approximate percent, or as
        percentage points.
    units : str, optional
        Units of the outcome for axes ("scale-score points", "log points").
    """

    label: str | None = None
    scale: str = "points"
    units: str | None = None


def _unknown(key: object, known: Iterable[str], where: str) -> SpecError:
    known = tuple(known)
    hint = difflib.get_close_matches(str(key), known, n=1)
    fix = f"did you mean '{hint[0]}'?" if hint else f"known keys: {', '.join(known)}"
    return SpecError(f"{where} has an unknown key '{key}'; {fix}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value):
        raise SpecError(f"{where} must be a short text such as 'county', got {value!r}")
    return str(value).strip()


def _outcome_entry(name: str, value: Any, where: str) -> OutcomeLabel:
    if isinstance(value, str):
        return OutcomeLabel(label=_text(value, f"{where} '{name}'"))
    if not isinstance(value, Mapping):
        raise SpecError(
            f"{where} '{name}' must be a label (e.g. {name}: math scale score) or a set of "
            f"label/scale/units, got {value!r}"
        )
    for key in value:
        if key not in OUTCOME_KEYS:
            raise _unknown(key, OUTCOME_KEYS, f"{where} '{name}'")
    scale = str(value.get("scale") or "points").strip().lower()
    if scale not in SCALES:
        hint = difflib.get_close_matches(scale, SCALES, n=1)
        fix = f"did you mean '{hint[0]}'?" if hint else f"use one of {', '.join(SCALES)}"
        raise SpecError(f"{where} '{name}': scale '{value.get('scale')}' is unknown; {fix}")
    label = value.get("label")
    units = value.get("units")
    return OutcomeLabel(
        label=_text(label, f"{where} '{name}' label") if label is not None else None,
        scale=scale,
        units=_text(units, f"{where} '{name}' units") if units is not None else None,
    )


@dataclass(frozen=True)
class Labels:
    """The words a report uses for the data (from the column map's ``labels:`` section).

    Every helper falls back to neutral wording when the map says nothing, so a report
    never speaks of schools or grants unless the map does.
    """

    unit: str | None = None
    unit_plural: str | None = None
    program: str | None = None
    treatment: str | None = None
    treated: str | None = None
    comparison: str | None = None
    outcomes: Mapping[str, OutcomeLabel] = field(default_factory=dict, hash=False)

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None, source: str = "<dict>") -> Labels:
        """Build and check the labels of a column map's ``labels:`` section.

        Raises
        ------
        SpecError
            An unknown key (with the closest known one), a scale that is not ``points``,
            ``log`` or ``percent``, or a value that is not text.
        """
        where = f"column map {source}: labels"
        if mapping is None:
            return cls()
        if not isinstance(mapping, Mapping):
            raise SpecError(
                f"{where} must be a set of 'key: words' lines (e.g. unit: county), "
                f"got {type(mapping).__name__}"
            )
        for key in mapping:
            if key not in LABEL_KEYS:
                raise _unknown(key, LABEL_KEYS, where)
        words = {k: _text(mapping[k], f"{where} '{k}'") for k in LABEL_KEYS[:-1] if mapping.get(k)}
        outcomes = mapping.get("outcomes") or {}
        if not isinstance(outcomes, Mapping):
            raise SpecError(
                f"{where} 'outcomes' must map an outcome column to its label, e.g. "
                "outcomes: {lemp: log teen employment}"
            )
        entries = {
            str(k): _outcome_entry(str(k), v, f"{where} outcome") for k, v in outcomes.items()
        }
        return cls(**words, outcomes=entries)

    def renamed(self, renames: Mapping[str, str]) -> Labels:
        """The labels with outcome keys given as file columns moved to their panel names."""
        moved = {renames.get(k, k): v for k, v in self.outcomes.items()}
        return Labels(**{**self._words(), "outcomes": moved})

    def check_outcomes(self, outcomes: Iterable[str], source: str = "<dict>") -> None:
        """Raise when a labelled outcome is not one of the map's outcomes (did you mean)."""
        known = tuple(outcomes)
        for name in self.outcomes:
            if name not in known:
                hint = difflib.get_close_matches(name, known, n=1)
                fix = (
                    f"did you mean '{hint[0]}'?"
                    if hint
                    else f"the outcomes are {', '.join(known) or '(none)'}"
                )
                raise SpecError(
                    f"column map {source}: labels name outcome '{name}', which is not an "
                    f"outcome of the map; {fix}"
                )

    def _words(self) -> dict[str, str | None]:
        return {k: getattr(self, k) for k in LABEL_KEYS[:-1]}

    def outcome_label(self, name: str) -> str:
        """The outcome's label, or its column name."""
        entry = self.outcomes.get(name)
        return entry.label if entry is not None and entry.label else name

    def outcome_scale(self, name: str) -> str:
        """``"points"`` (default), ``"log"`` or ``"percent"``."""
        entry = self.outcomes.get(name)
        return entry.scale if entry is not None else "points"

    def outcome_units(self, name: str) -> str | None:
        """The outcome's units for axes ("log points"), if declared."""
        entry = self.outcomes.get(name)
        return entry.units if entry is not None else None

    def unit_label(self, plural: bool = True) -> str:
        """ "units" / "unit", or the map's words ("counties" / "county")."""
        if not plural:
            return self.unit or "unit"
        if self.unit_plural:
            return self.unit_plural
        return f"{self.unit}s" if self.unit else "units"

    def program_label(self) -> str:
        """The program's name, "the program" by default."""
        return self.program or "the program"

    def treatment_label(self) -> str:
        """What treated units did, as a verb phrase ("were treated" by default)."""
        return self.treatment or "were treated"

    def treated_label(self) -> str:
        """The treated group ("treated units" by default)."""
        return self.treated or f"treated {self.unit_label()}"

    def comparison_label(self) -> str:
        """The comparison group ("comparison units" by default)."""
        return self.comparison or f"comparison {self.unit_label()}"

    def is_empty(self) -> bool:
        """True when the map gave no labels."""
        return not self.outcomes and not any(self._words().values())

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (only what the map declared)."""
        out: dict[str, Any] = {k: v for k, v in self._words().items() if v}
        if self.outcomes:
            out["outcomes"] = {
                k: {f: getattr(v, f) for f in OUTCOME_KEYS if getattr(v, f) is not None}
                for k, v in self.outcomes.items()
            }
        return out
