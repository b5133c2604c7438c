"""What the design check returns: the verdict, the counts, the findings and the advice."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from improve.design.thresholds import MIN_TREATED_CLUSTERS, SIGNIFICANCE_LEVEL


class Verdict(StrEnum):
    """The design, named by the feature that most decides what can be estimated."""

    NO_TIMING = "no_treatment_timing"
    NO_TREATED = "no_treated_units"
    NO_PRE_PERIOD = "no_pre_treatment_period"
    ALL_AT_ONCE = "all_treated_at_once"
    SWITCHES_OFF = "treatment_switches_off"
    ONE_TREATED_CLUSTER = "one_treated_cluster"
    FEW_TREATED_CLUSTERS = "few_treated_clusters"
    NOT_YET_TREATED_ONLY = "not_yet_treated_only"
    STAGGERED = "staggered_with_never_treated"
    SINGLE_COHORT = "single_cohort_with_never_treated"
    CONTINUOUS_DOSE = "continuous_dose"


class Estimator(StrEnum):
    """Estimators the check can point to (names of ``improve`` functions or designs)."""

    ATT_GT_NEVER = "att_gt_nevertreated"
    ATT_GT_NOT_YET = "att_gt_notyettreated"
    SUNAB = "sunab"
    IMPUTATION = "imputation"
    TWFE = "twfe"
    DOSE_REGRESSION = "panel_regression_dose"
    ON_OFF = "on_off_did"
    STATEWIDE_MANDATE = "statewide_mandate"


class Inference(StrEnum):
    """Ways of computing p-values and intervals."""

    CR2 = "cr2"
    CLUSTER_ROBUST = "cluster_robust"
    WILD_BOOTSTRAP = "wild_cluster_bootstrap"
    JACKKNIFE = "jackknife"
    PERMUTATION = "permutation"
    NONE = "none"


@dataclass(frozen=True)
class Finding:
    """One row of the design check: what was checked, what was found, what follows."""

    check: str
    found: str
    follows: str


@dataclass(frozen=True)
class DesignFacts:
    """The counts the verdict rests on.

    Attributes
    ----------
    n_units, n_periods : int
        Units and periods in the panel.
    first_period, last_period : int or None
        Range of the periods.
    gap_periods : tuple of int
        Periods missing inside that range.
    cluster : str
        Column counted as the cluster (the spec's cluster, else the unit).
    n_clusters, n_treated_clusters, n_comparison_clusters : int
        All clusters, those holding an ever-treated unit, and those with none.
    n_treated_units, n_never_treated_units : int
        Ever-treated and never-treated units (0 when no timing is given).
    cohorts : tuple of (int, int)
        (first-treated period, number of units) for each treated cohort.
    n_treated_first_period : int
        Units treated in the first period (no pre-treatment period).
    n_switch_off_units : int or None
        Units whose 0/1 treatment returns to 0 after it started (None: not known, the map
        gives a first-treated period rather than a 0/1 treatment).
    doses : tuple of str
        Continuous dose columns.
    n_dosed_units : int
        Units with a non-zero dose in some period.
    balanced : bool
        Every unit has a non-missing value of every outcome checked in every period.
    n_units_missing_periods : int
        Units without a row in some period.
    n_units_missing_outcome : dict
        Outcome -> units with a missing (blank or suppressed) value in some row.
    n_units_dropped_balanced : dict
        Outcome -> units a balanced-panel estimator drops (no usable value in some period).
    """

    n_units: int
    n_periods: int
    first_period: int | None
    last_period: int | None
    gap_periods: tuple[int, ...]
    cluster: str
    n_clusters: int
    n_treated_clusters: int
    n_comparison_clusters: int
    n_treated_units: int
    n_never_treated_units: int
    cohorts: tuple[tuple[int, int], ...]
    n_treated_first_period: int
    n_switch_off_units: int | None
    doses: tuple[str, ...]
    n_dosed_units: int
    balanced: bool
    n_units_missing_periods: int
    n_units_missing_outcome: dict[str, int] = field(default_factory=dict)
    n_units_dropped_balanced: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for ``results.json``."""
        return {
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "first_period": self.first_period,
            "last_period": self.last_period,
            "gap_periods": list(self.gap_periods),
            "cluster": self.cluster,
            "n_clusters": self.n_clusters,
            "n_treated_clusters": self.n_treated_clusters,
            "n_comparison_clusters": self.n_comparison_clusters,
            "n_treated_units": self.n_treated_units,
            "n_never_treated_units": self.n_never_treated_units,
            "cohorts": {str(g): n for g, n in self.cohorts},
            "n_treated_first_period": self.n_treated_first_period,
            "n_switch_off_units": self.n_switch_off_units,
            "doses": list(self.doses),
            "n_dosed_units": self.n_dosed_units,
            "balanced": self.balanced,
            "n_units_missing_periods": self.n_units_missing_periods,
            "n_units_missing_outcome": dict(self.n_units_missing_outcome),
            "n_units_dropped_balanced": dict(self.n_units_dropped_balanced),
        }


def findings_frame(findings: Sequence[Finding], *, words: bool = False) -> pd.DataFrame:
    """Findings as rows ``check, found, follows`` (headers in words with ``words=True``)."""
    frame = pd.DataFrame(
        {
            "check": [f.check for f in findings],
            "found": [f.found for f in findings],
            "follows": [f.follows for f in findings],
        }
    )
    if not words:
        return frame
    return frame.rename(
        columns={"check": "What was checked", "found": "What was found", "follows": "What follows"}
    )


@dataclass(frozen=True)
class DesignCheck:
    """The design of a panel and what it allows.

    Attributes
    ----------
    verdict : Verdict
        The design, named by its most consequential feature.
    facts : DesignFacts
        The counts behind it.
    findings : tuple of Finding
        What was checked, what was found, what follows (the rows of :meth:`table`).
    valid_estimators : tuple of Estimator
        Estimators whose identifying comparisons exist in this design.
    valid_inference : tuple of Inference
        Inference that is valid here.
    not_valid_inference : dict
        Inference that is not valid here -> why, in words.
    recommended_inference : Inference
        The inference to report.
    sentences : tuple of str
        The check in plain English, most important first.
    """

    verdict: Verdict
    facts: DesignFacts
    findings: tuple[Finding, ...]
    valid_estimators: tuple[Estimator, ...]
    valid_inference: tuple[Inference, ...]
    not_valid_inference: dict[Inference, str]
    recommended_inference: Inference
    sentences: tuple[str, ...]

    def tidy(self) -> pd.DataFrame:
        """One row per finding: ``check``, ``found``, ``follows``."""
        return findings_frame(self.findings)

    def table(self) -> pd.DataFrame:
        """The findings with column headers in words, for reports."""
        return findings_frame(self.findings, words=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for ``results.json``."""
        return {
            "verdict": str(self.verdict),
            "recommended_inference": str(self.recommended_inference),
            "valid_estimators": [str(e) for e in self.valid_estimators],
            "valid_inference": [str(i) for i in self.valid_inference],
            "not_valid_inference": {str(k): v for k, v in self.not_valid_inference.items()},
            "sentences": list(self.sentences),
            "findings": [
                {"check": f.check, "found": f.found, "follows": f.follows} for f in self.findings
            ],
            "facts": self.facts.to_dict(),
            "thresholds": {
                "min_treated_clusters": MIN_TREATED_CLUSTERS,
                "significance_level": SIGNIFICANCE_LEVEL,
            },
        }

    def summary(self) -> str:
        """The sentences as one paragraph."""
        return " ".join(self.sentences)

    def __repr__(self) -> str:
        return (
            f"DesignCheck(verdict={str(self.verdict)!r}, "
            f"recommended_inference={str(self.recommended_inference)!r})"
        )

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th style='text-align:left'>{html.escape(h)}</th>"
            for h in ("What was checked", "What was found", "What follows")
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td style='text-align:left'>{html.escape(v)}</td>"
                for v in (f.check, f.found, f.follows)
            )
            + "</tr>"
            for f in self.findings
        )
        paragraphs = "".join(f"<p>{html.escape(s)}</p>" for s in self.sentences)
        return (
            f"<div class='improve-design-check'>{paragraphs}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )
