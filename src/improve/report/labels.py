"""Words for a report: what the outcomes, units and program are called.

Reports never assume the demo's schools and grants. The wording comes from, in order:
workbook parameters (overrides), the column map's ``labels:`` section when the panel's spec
has one (``outcomes``, ``scales``, ``unit``, ``unit_plural``, ``program``, ``treatment``),
and neutral defaults ("units", "the program", the column name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from improve.report.numbers import format_number, log_percent

__all__ = ["LOG_SCALES", "Labels"]

#: Scale names that mark an outcome measured in logs (effects are also given in percent).
LOG_SCALES = frozenset({"log", "log points", "ln", "natural log"})


def _mapping(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items() if v is not None and str(v).strip()}
    return {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _from_map_labels(labels: Any) -> dict[str, Any]:
    """The column map's :class:`improve.data.labels.Labels` as this module's mapping
    (outcome entries split into words and scales; undeclared keys left out)."""
    out: dict[str, Any] = {k: getattr(labels, k, None) for k in _KEYS if k not in _OUTCOME_KEYS}
    entries = getattr(labels, "outcomes", None) or {}
    out["outcomes"] = {n: e.label for n, e in entries.items() if getattr(e, "label", None)}
    out["scales"] = {
        n: e.scale for n, e in entries.items() if getattr(e, "scale", None) not in (None, "points")
    }
    return out


@dataclass(frozen=True)
class Labels:
    """What a report calls things.

    Attributes
    ----------
    outcomes : dict of str to str
        Outcome column → words ("log teen employment"); unlisted outcomes use the name.
    scales : dict of str to str
        Outcome column → scale ("log", "percent", "scale score points").
    unit : str
        One unit ("county"); default "unit".
    unit_plural : str
        Several units ("counties"); default ``unit + "s"``.
    program : str
        The program ("the minimum-wage increase"); default "the program".
    treatment : str
        What happens to a unit ("raised its minimum wage"); default "was treated".
    """

    outcomes: dict[str, str] = field(default_factory=dict)
    scales: dict[str, str] = field(default_factory=dict)
    unit: str = "unit"
    unit_plural: str = "units"
    program: str = "the program"
    treatment: str = "was treated"

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> Labels:
        """Labels from a ``labels:`` mapping (unknown keys ignored, blanks mean default)."""
        mapping = mapping or {}
        unit = _text(mapping.get("unit")) or "unit"
        plural = _text(mapping.get("unit_plural")) or ("units" if unit == "unit" else f"{unit}s")
        return cls(
            outcomes=_mapping(mapping.get("outcomes")),
            scales=_mapping(mapping.get("scales")),
            unit=unit,
            unit_plural=plural,
            program=_text(mapping.get("program")) or "the program",
            treatment=_text(mapping.get("treatment")) or "was treated",
        )

    @classmethod
    def from_panel(cls, panel: Any, overrides: Mapping[str, Any] | None = None) -> Labels:
        """The panel's map labels (``panel.spec.labels``, if the spec has them), overridden.

        Parameters
        ----------
        panel : Panel
            A loaded panel; a spec without ``labels`` gives the neutral wording.
        overrides : mapping, optional
            Workbook parameters with the same keys; empty values (``""``, ``{}``) keep the
            map's wording. ``outcomes`` and ``scales`` are merged outcome by outcome.
        """
        spec = getattr(panel, "spec", None)
        raw = getattr(spec, "labels", None)
        if raw is not None and not isinstance(raw, Mapping):
            raw = _from_map_labels(raw)
        base = dict(raw or {})
        for key, value in (overrides or {}).items():
            if key not in _KEYS or value in (None, "", {}, []):
                continue
            if key in ("outcomes", "scales"):
                base[key] = {**_mapping(base.get(key)), **_mapping(value)}
            else:
                base[key] = value
        return cls.from_mapping(base)

    def outcome(self, name: str) -> str:
        """Words for an outcome (its label, else its column name)."""
        return self.outcomes.get(name, name)

    def axis(self, name: str) -> str:
        """Axis label for an outcome: label and scale ("Log teen employment (log)")."""
        text = self.outcome(name)
        text = text[:1].upper() + text[1:]
        scale = self.scales.get(name)
        return f"{text} ({scale})" if scale else text

    def effect_axis(self, name: str) -> str:
        """Axis label for an effect on an outcome ("Effect on log teen employment")."""
        scale = self.scales.get(name)
        return f"Effect on {self.outcome(name)}" + (f" ({scale})" if scale else "")

    def is_log(self, name: str) -> bool:
        """True only when the outcome's scale is declared a log (names are not guessed)."""
        return self.scales.get(name, "").strip().lower() in LOG_SCALES

    def percent_phrase(self, name: str, estimate: float) -> str:
        """ ", about −4.2%" for a log outcome's effect; "" otherwise."""
        if not self.is_log(name):
            return ""
        pct = format_number(log_percent(estimate), digits=2, sentence=True)
        return f" (about {pct}%)"

    def as_dict(self) -> dict[str, Any]:
        """The wording as a plain mapping (for results.json)."""
        return {key: getattr(self, key) for key in _KEYS}


_KEYS = ("outcomes", "scales", "unit", "unit_plural", "program", "treatment")
_OUTCOME_KEYS = ("outcomes", "scales")
