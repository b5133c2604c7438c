"""WWC group-design study rating built from the attrition and equivalence checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from improve.effects.wwc.equivalence import BaselineEquivalence
from improve.effects.wwc.handbook import HANDBOOK
from improve.effects.wwc.sample_attrition import Attrition
from improve.errors import SpecError


@dataclass(frozen=True)
class WWCRating:
    """A group-design study rating with the reasons behind it.

    Attributes
    ----------
    rating : {"meets_without_reservations", "meets_with_reservations", "does_not_meet"}
    design : str
        ``"experimental"`` or ``"quasi_experimental"``.
    reasons : tuple of str
        The checks, in order, that led to the rating.
    """

    rating: str
    design: str
    reasons: tuple[str, ...] = field(default_factory=tuple)
    handbook: str = HANDBOOK

    @property
    def label(self) -> str:
        """Readable rating ("Meets WWC standards with reservations")."""
        return {
            "meets_without_reservations": "Meets WWC standards without reservations",
            "meets_with_reservations": "Meets WWC standards with reservations",
            "does_not_meet": "Does not meet WWC standards",
        }[self.rating]


_DESIGN_ALIASES = {
    "experimental": "experimental",
    "rct": "experimental",
    "randomized": "experimental",
    "randomised": "experimental",
    "cluster_rct": "experimental",
    "quasi_experimental": "quasi_experimental",
    "qed": "quasi_experimental",
    "did": "quasi_experimental",
    "staggered_did": "quasi_experimental",
    "difference_in_differences": "quasi_experimental",
    "event_study": "quasi_experimental",
    "cits": "quasi_experimental",
    "comparative_interrupted_time_series": "quasi_experimental",
    "matched_comparison": "quasi_experimental",
    "correlational": "correlational",
    "regression": "correlational",
    "fixed_effects": "correlational",
}


def normalize_design(design: str) -> str:
    """Map a design name (``"rct"``, ``"staggered_did"``, ``"cits"``, ...) to its class."""
    key = str(design).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _DESIGN_ALIASES:
        raise SpecError(
            f"unknown design {design!r}; use one of experimental, quasi_experimental, "
            f"correlational (or an alias: {', '.join(sorted(_DESIGN_ALIASES))})"
        )
    return _DESIGN_ALIASES[key]


def wwc_rating(
    design: str,
    *,
    attrition: Attrition | None = None,
    baseline: BaselineEquivalence | Sequence[BaselineEquivalence] | None = None,
) -> WWCRating:
    """Rate a group-design study under the WWC standards, with the reasons.

    * A randomized study with low attrition meets standards without reservations.
    * A randomized study with high (or unreported) attrition, and any quasi-experimental
      design (including staggered difference-in-differences), can at best meet standards
      with reservations, and only if baseline equivalence is established on the required
      measures (each satisfied, or requiring adjustment and adjusted for).
    * Otherwise the study does not meet standards. Correlational designs are not rated.

    Parameters
    ----------
    design : str
        ``"experimental"``, ``"quasi_experimental"`` or an alias such as ``"did"``.
    attrition : Attrition, optional
        Attrition of the analytic sample (needed for the without-reservations rating).
    baseline : BaselineEquivalence or sequence of them, optional
        Equivalence on each required baseline measure.
    """
    kind = normalize_design(design)
    reasons: list[str] = []
    if kind == "correlational":
        return WWCRating(
            "does_not_meet",
            kind,
            ("correlational designs are not eligible for a WWC group-design rating",),
        )
    if kind == "experimental":
        if attrition is None:
            reasons.append(
                "randomized design, but attrition is not reported: rated as a high-attrition trial"
            )
        elif attrition.low:
            reasons.append(f"randomized design with {attrition.reason()}")
            return WWCRating("meets_without_reservations", kind, tuple(reasons))
        else:
            reasons.append(
                f"randomized design with {attrition.reason()}: baseline equivalence must be shown"
            )
    else:
        reasons.append(
            "quasi-experimental design: can at best meet standards with reservations, "
            "and only with baseline equivalence"
        )
    checks: list[BaselineEquivalence]
    if baseline is None:
        checks = []
    elif isinstance(baseline, BaselineEquivalence):
        checks = [baseline]
    else:
        checks = list(baseline)
    if not checks:
        reasons.append("baseline equivalence is not shown")
        return WWCRating("does_not_meet", kind, tuple(reasons))
    for check in checks:
        reasons.append(f"{check.measure}: {check.reason}")
    if all(c.met for c in checks):
        return WWCRating("meets_with_reservations", kind, tuple(reasons))
    return WWCRating("does_not_meet", kind, tuple(reasons))
