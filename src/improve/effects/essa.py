"""ESSA evidence tiers: which tier the evidence supports, and why.

The rule set is the definition of "evidence-based" in ESEA section 8101(21)(A), as amended
by the Every Student Succeeds Act, read with the U.S. Department of Education's
non-regulatory guidance *Using Evidence to Strengthen Education Investments* (2016; updated
2023). It is stored as data (``improve/effects/data/essa_evidence_tiers.json``) with its
citation, and every result names it.

* Tier 1 (strong): an experimental study that meets WWC standards without reservations.
* Tier 2 (moderate): a quasi-experimental study (or an experiment) that meets WWC standards
  with reservations. A staggered difference-in-differences with baseline equivalence is a
  quasi-experimental design, so it can reach Tier 2 at most.
* Tiers 1 and 2 also need a statistically significant favourable effect on a relevant
  outcome, no overriding significant unfavourable evidence, and a large (>= 350
  participants), multi-site (>= 2 sites) sample.
* Tier 3 (promising): a correlational study with statistical controls for selection bias
  (or a better design) with a significant favourable effect and no overriding unfavourable
  evidence.
* Tier 4 (demonstrates a rationale): a logic model grounded in research, with ongoing
  efforts to examine the effects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from improve.effects import _rules
from improve.effects.wwc import WWCRating, normalize_design
from improve.errors import SpecError

_RATINGS = ("meets_without_reservations", "meets_with_reservations", "does_not_meet")


@dataclass(frozen=True)
class EssaTier:
    """The ESSA evidence tier the evidence supports, with the reasons.

    Attributes
    ----------
    tier : int or None
        1-4, or None when the evidence does not meet any tier.
    label : str
        "Tier 2: moderate evidence", or "Does not meet an ESSA evidence tier".
    reasons : tuple of str
        Why this tier is met (its conditions) and why each higher tier is not.
    rule_set : str
        The rule set applied (statute and guidance).
    """

    tier: int | None
    label: str
    reasons: tuple[str, ...] = field(default_factory=tuple)
    rule_set: str = ""
    wwc_handbook: str = ""

    @property
    def meets(self) -> bool:
        """True when some tier (1-4) is met."""
        return self.tier is not None

    def tidy(self) -> pd.DataFrame:
        """One row per reason, with the tier and the rule set."""
        return pd.DataFrame(
            {
                "tier": [self.tier] * len(self.reasons),
                "label": [self.label] * len(self.reasons),
                "reason": list(self.reasons),
                "rule_set": [self.rule_set] * len(self.reasons),
            }
        )

    def summary(self) -> str:
        """A short paragraph for reports."""
        lines = [f"{self.label} (under {self.rule_set})."]
        lines += [f"- {r}" for r in self.reasons]
        return "\n".join(lines)


def _rating_code(wwc: WWCRating | str | None) -> str | None:
    """The WWC rating code of a WWCRating or a code (None when not given)."""
    if isinstance(wwc, WWCRating):
        return wwc.rating
    if wwc is None:
        return None
    if wwc in _RATINGS:
        return wwc
    raise SpecError(f"wwc must be a WWCRating or one of {', '.join(_RATINGS)}; got {wwc!r}")


def _effect_reason(significant: bool, favorable: bool) -> str:
    """Why the effect does or does not count towards a tier."""
    if significant and favorable:
        return "statistically significant favourable effect on a relevant outcome"
    if not significant:
        return "the effect is not statistically significant"
    return "the significant effect is unfavourable"


@dataclass(frozen=True)
class _Evidence:
    """What is known about a study, and the reason texts, for checking the tiers."""

    kind: str
    design_text: str
    rating: str | None
    effect_ok: bool
    effect_reason: str
    overriding_negative_evidence: bool
    negative_reason: str
    large: bool
    multi: bool
    sample_reason: str
    controls_for_selection: bool
    logic_model: bool
    ongoing_evaluation: bool


def _unmet(spec: Mapping[str, Any], ev: _Evidence) -> list[str]:
    """Unmet conditions of one tier's rules (empty when the tier is met)."""
    unmet: list[str] = []
    if spec["design"] is not None and ev.kind not in spec["design"]:
        unmet.append(f"design is {ev.kind.replace('_', '-')} ({ev.design_text})")
    if spec["wwc_rating"] is not None and ev.rating not in spec["wwc_rating"]:
        have = "no WWC rating given" if ev.rating is None else f"WWC rating is {ev.rating}"
        unmet.append(f"{have}; needs {' or '.join(spec['wwc_rating'])}")
    for need in spec["requires"]:
        if need == "significant_positive" and not ev.effect_ok:
            unmet.append(ev.effect_reason)
        elif need == "no_overriding_negative" and ev.overriding_negative_evidence:
            unmet.append(ev.negative_reason)
        elif need == "large_sample" and not ev.large:
            unmet.append(f"sample is not large: {ev.sample_reason}")
        elif need == "multi_site" and not ev.multi:
            unmet.append(f"sample is not multi-site: {ev.sample_reason}")
        elif need == "controls_for_selection":
            meets_wwc = ev.rating in ("meets_without_reservations", "meets_with_reservations")
            if not (ev.controls_for_selection or meets_wwc):
                unmet.append("no statistical controls for selection bias")
        elif need == "logic_model" and not ev.logic_model:
            unmet.append("no research-based logic model")
        elif need == "ongoing_evaluation" and not ev.ongoing_evaluation:
            unmet.append("no ongoing effort to examine the effects")
    return unmet


def essa_tier(
    design: str,
    *,
    wwc: WWCRating | str | None = None,
    significant: bool = False,
    favorable: bool = False,
    overriding_negative_evidence: bool = False,
    n_participants: int | None = None,
    n_sites: int | None = None,
    controls_for_selection: bool = False,
    logic_model: bool = False,
    ongoing_evaluation: bool = False,
) -> EssaTier:
    """Classify evidence into an ESSA tier (1-4) or 'does not meet', with reasons.

    Parameters
    ----------
    design : str
        ``"experimental"``, ``"quasi_experimental"``, ``"correlational"`` or an alias
        (``"rct"``, ``"did"``, ``"staggered_did"``, ``"cits"``, ``"fixed_effects"``...).
    wwc : WWCRating or str, optional
        The WWC rating (from :func:`improve.effects.wwc.wwc_rating`) or its code.
    significant : bool
        The effect on a relevant outcome is statistically significant (after any
        clustering and multiple-comparison corrections).
    favorable : bool
        The effect is in the favourable direction.
    overriding_negative_evidence : bool
        Significant unfavourable evidence from other studies meeting the same standards
        overrides the finding.
    n_participants, n_sites : int, optional
        Sample size (students or other individuals) and number of sites (schools, LEAs).
    controls_for_selection : bool
        The study controls statistically for selection bias (needed for Tier 3 when the
        design does not meet WWC standards).
    logic_model, ongoing_evaluation : bool
        Tier 4 conditions: a well-specified logic model informed by research, and ongoing
        efforts to examine the effects (such as this evaluation).

    Returns
    -------
    EssaTier
    """
    rules = _rules.essa()
    kind = normalize_design(design)
    rating = _rating_code(wwc)
    min_n = int(rules["large_sample_min_participants"])
    min_sites = int(rules["multi_site_min_sites"])
    tiers = rules["tiers"]
    design_text = rules["designs"].get(kind, kind)
    effect_ok = significant and favorable
    evidence = _Evidence(
        kind=kind,
        design_text=design_text,
        rating=rating,
        effect_ok=effect_ok,
        effect_reason=_effect_reason(significant, favorable),
        overriding_negative_evidence=overriding_negative_evidence,
        negative_reason=(
            "significant unfavourable evidence from other findings overrides it"
            if overriding_negative_evidence
            else "no overriding significant unfavourable evidence"
        ),
        large=n_participants is not None and n_participants >= min_n,
        multi=n_sites is not None and n_sites >= min_sites,
        sample_reason=(
            f"sample of {n_participants if n_participants is not None else 'unknown'} "
            f"participants across {n_sites if n_sites is not None else 'unknown'} sites "
            f"(needs >= {min_n} participants and >= {min_sites} sites)"
        ),
        controls_for_selection=controls_for_selection,
        logic_model=logic_model,
        ongoing_evaluation=ongoing_evaluation,
    )
    effect_reason, negative_reason = evidence.effect_reason, evidence.negative_reason
    sample_reason = evidence.sample_reason

    reasons: list[str] = []
    for tier in ("1", "2", "3", "4"):
        unmet = _unmet(tiers[tier], evidence)
        label = tiers[tier]["label"]
        if not unmet:
            met = [f"{label}: {tiers[tier]['statute']}"]
            if tier in ("1", "2", "3"):
                met.append(f"design: {design_text}")
                if rating is not None:
                    met.append(f"WWC rating: {rating}")
                met += [effect_reason, negative_reason]
            if tier in ("1", "2"):
                met.append(sample_reason)
            if tier == "4":
                met.append("a research-based logic model and ongoing evaluation of effects")
            return EssaTier(
                int(tier), label, tuple(reasons + met), rules["short"], rules["wwc_handbook"]
            )
        reasons.append(f"not {label}: " + "; ".join(unmet))
    return EssaTier(
        None,
        "Does not meet an ESSA evidence tier",
        tuple(reasons),
        rules["short"],
        rules["wwc_handbook"],
    )
