"""The design check: what design does this panel have, and which estimates and inference fit it?

:func:`check_design` reads a loaded :class:`improve.data.Panel` and classifies it:
staggered adoption with never-treated units, not-yet-treated comparisons only, everyone
treated at once, one or few treated clusters, treatment that switches off, a continuous
dose, and whether the panel is balanced (and if not, why and what a balanced estimator
drops). It returns a :class:`DesignCheck` that says in words which estimators and which
inference are valid, for the first section of every report::

    check = improve.design.check_design(panel, outcome="math_ss")
    check.verdict                # e.g. Verdict.ONE_TREATED_CLUSTER
    check.recommended_inference  # e.g. Inference.PERMUTATION
    check.table()                # what was checked, what was found, what follows

A panel in which every unit is treated at once does not load with the default timing
checks (there is no comparison group); load it with ``validate_timing=False`` to check it.

References
----------
Callaway, B., Goodman-Bacon, A. & Sant'Anna, P. H. C. (2024). Difference-in-differences with
a continuous treatment. NBER Working Paper 32117.
Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.
Conley, T. G. & Taber, C. R. (2011). Inference with "difference in differences" with a small
number of policy changes. *Review of Economics and Statistics* 93(1), 113-125.
de Chaisemartin, C. & D'Haultfœuille, X. (2020). Two-way fixed effects estimators with
heterogeneous treatment effects. *American Economic Review* 110(9), 2964-2996.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
*Journal of Econometrics* 225(2), 254-277.
MacKinnon, J. G. & Webb, M. D. (2017). Wild bootstrap inference for wildly different cluster
sizes. *Journal of Applied Econometrics* 32(2), 233-254.
MacKinnon, J. G. & Webb, M. D. (2018). The wild bootstrap for few (treated) clusters.
*The Econometrics Journal* 21(2), 114-135.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from improve.errors import SpecError
from improve.inference.permutation import MAX_PLACEBOS

#: Fewer treated clusters than this and cluster-robust inference is not valid. With few
#: treated clusters the part of the variance that comes from the treated clusters is
#: estimated from their own few residuals, so cluster-robust t tests (CR1 and CR2 alike)
#: over-reject however many clusters there are in total, and the wild cluster bootstrap
#: fails there too (it under- or over-rejects badly with one to a few treated clusters):
#: MacKinnon & Webb (2017, *J. Applied Econometrics* 32(2); 2018, *Econometrics Journal*
#: 21(2)); Conley & Taber (2011, *Rev. Econ. Stat.* 93(1)).
MIN_TREATED_CLUSTERS = 5

#: Conventional significance level used to say whether a permutation test can reject at
#: all: with ``n`` placebos its smallest p-value is ``1 / (n + 1)``.
SIGNIFICANCE_LEVEL = 0.05


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


#: Inference that relies on many treated clusters.
_CLUSTER_INFERENCE = (
    Inference.CR2,
    Inference.CLUSTER_ROBUST,
    Inference.WILD_BOOTSTRAP,
    Inference.JACKKNIFE,
)


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
        return pd.DataFrame(
            {
                "check": [f.check for f in self.findings],
                "found": [f.found for f in self.findings],
                "follows": [f.follows for f in self.findings],
            }
        )

    def table(self) -> pd.DataFrame:
        """The findings with column headers in words, for reports."""
        return self.tidy().rename(
            columns={
                "check": "What was checked",
                "found": "What was found",
                "follows": "What follows",
            }
        )

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


def check_design(
    panel: Any,
    outcome: str | Sequence[str] | None = None,
    cluster: str | None = None,
) -> DesignCheck:
    """Classify the design of a loaded panel and say which estimators and inference fit it.

    Parameters
    ----------
    panel : Panel
        A loaded :class:`improve.data.Panel` (``.data`` and ``.spec``). Treatment timing is
        the spec's first-treated column (0 = never treated); a 0/1 ``treatment`` column,
        when the map gives one, shows whether treatment switches off; ``doses`` are
        continuous treatments.
    outcome : str or list of str, optional
        Outcome(s) whose missing values decide balance. Default: every outcome of the spec.
    cluster : str, optional
        Column treatment is assigned by (state, district). Default: the spec's cluster,
        else the unit.

    Returns
    -------
    DesignCheck

    Raises
    ------
    SpecError
        ``panel`` is not a Panel, or a column named here is not in its data.
    """
    if not (hasattr(panel, "data") and hasattr(panel, "spec")):
        raise SpecError(
            f"check_design needs a loaded Panel (improve.data.load_panel), got "
            f"{type(panel).__name__}"
        )
    frame: pd.DataFrame = panel.data
    spec = panel.spec
    outcomes = _outcomes(spec, outcome)
    cluster_col = cluster or spec.cluster or spec.unit
    absent = [c for c in [cluster_col, *outcomes] if c not in frame.columns]
    if absent:
        raise SpecError(
            f"check_design: column(s) {absent} are not in the panel; name a mapped column"
        )
    facts = _facts(frame, spec, outcomes, cluster_col)
    return _decide(facts, has_timing=spec.timing_column is not None)


def _outcomes(spec: Any, outcome: str | Sequence[str] | None) -> list[str]:
    if outcome is None:
        return list(spec.outcomes)
    if isinstance(outcome, str):
        return [outcome]
    return list(outcome)


def _facts(frame: pd.DataFrame, spec: Any, outcomes: list[str], cluster_col: str) -> DesignFacts:
    """Count what the verdict needs from the panel's rows."""
    unit = frame[spec.unit].astype("string")
    times = pd.to_numeric(frame[spec.time], errors="coerce")
    periods = sorted(int(p) for p in times.dropna().unique())
    gaps: tuple[int, ...] = ()
    if periods:
        present = set(periods)
        gaps = tuple(p for p in range(periods[0], periods[-1] + 1) if p not in present)
    n_units = int(unit.nunique())
    unit_cluster = frame[cluster_col].astype("string").groupby(unit, sort=True).first()

    timing_col = spec.timing_column
    if timing_col is not None and timing_col in frame.columns:
        row_timing = pd.to_numeric(frame[timing_col], errors="coerce").fillna(0.0)
        last = periods[-1] if periods else math.inf
        row_timing = row_timing.where(row_timing <= last, 0.0)
        unit_timing = row_timing.groupby(unit, sort=True).min()
    else:
        unit_timing = pd.Series(0.0, index=unit_cluster.index)
    treated_units = unit_timing > 0

    doses = tuple(d for d in spec.doses if d in frame.columns)
    dosed_units = pd.Series(False, index=unit_cluster.index)
    for dose in doses:
        values = pd.to_numeric(frame[dose], errors="coerce").fillna(0.0)
        dosed_units |= (values != 0).groupby(unit, sort=True).any()
    # clusters holding an ever-treated unit (or, with a dose and no timing, a dosed unit)
    exposed = treated_units if timing_col is not None else dosed_units
    treated_clusters = set(unit_cluster[exposed].dropna())
    all_clusters = set(unit_cluster.dropna())

    cohort_sizes = unit_timing[treated_units].value_counts().sort_index()
    first = periods[0] if periods else None
    n_first = int((treated_units & (unit_timing <= (first if first is not None else 0))).sum())

    observed = times.groupby(unit, sort=True).nunique()
    missing_periods = int((observed < len(periods)).sum())
    missing_outcome: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for col in outcomes:
        values = pd.to_numeric(frame[col], errors="coerce")
        missing_outcome[col] = int(values.isna().groupby(unit, sort=True).any().sum())
        usable = times.where(values.notna())
        usable_periods = int(usable.nunique())
        per_unit = usable.groupby(unit, sort=True).nunique().reindex(unit_cluster.index)
        dropped[col] = int((per_unit.fillna(0) < usable_periods).sum())
    balanced = missing_periods == 0 and not any(dropped.values())

    return DesignFacts(
        n_units=n_units,
        n_periods=len(periods),
        first_period=first,
        last_period=periods[-1] if periods else None,
        gap_periods=gaps,
        cluster=cluster_col,
        n_clusters=len(all_clusters),
        n_treated_clusters=len(treated_clusters),
        n_comparison_clusters=len(all_clusters - treated_clusters),
        n_treated_units=int(treated_units.sum()),
        n_never_treated_units=int((~treated_units).sum()) if timing_col is not None else 0,
        cohorts=tuple((int(g), int(n)) for g, n in cohort_sizes.items()),
        n_treated_first_period=n_first,
        n_switch_off_units=_switch_off_units(frame, spec, unit, times),
        doses=doses,
        n_dosed_units=int(dosed_units.sum()),
        balanced=balanced,
        n_units_missing_periods=missing_periods,
        n_units_missing_outcome=missing_outcome,
        n_units_dropped_balanced=dropped,
    )


def _switch_off_units(
    frame: pd.DataFrame, spec: Any, unit: pd.Series, times: pd.Series
) -> int | None:
    """Units whose 0/1 treatment is 0 in a period after their first 1 (None: no 0/1 column)."""
    if spec.treatment is None or spec.treatment not in frame.columns:
        return None
    treat = pd.to_numeric(frame[spec.treatment], errors="coerce")
    first_on = times.where(treat == 1).groupby(unit).transform("min")
    off_after = (times > first_on) & (treat == 0)
    return int(unit[off_after.fillna(False)].nunique())


def _decide(facts: DesignFacts, *, has_timing: bool) -> DesignCheck:
    """Turn the counts into a verdict, the valid estimators and inference, and sentences."""
    findings: list[Finding] = []
    sentences: list[str] = []
    estimators: list[Estimator] = []
    not_valid: dict[Inference, str] = {}

    findings.append(_shape_finding(facts))
    n_cohorts = len(facts.cohorts)
    dose_only = not has_timing and bool(facts.doses)

    if not has_timing and not facts.doses:
        verdict = Verdict.NO_TIMING
        findings.append(
            Finding(
                "Treatment timing",
                "the column map names no first-treated period, 0/1 treatment or dose",
                "only descriptive analyses apply; map 'cohort', 'treatment' or 'doses'",
            )
        )
        sentences.append(
            "No treatment is named in the column map, so no effect can be estimated; the "
            "data support descriptive analyses only."
        )
        return _result(verdict, facts, findings, estimators, not_valid, Inference.NONE, sentences)

    if has_timing:
        findings.append(_timing_finding(facts))
    if (facts.n_dosed_units if dose_only else facts.n_treated_units) == 0:
        verdict = Verdict.NO_TREATED
        sentences.append(
            "No unit is ever treated in this panel, so there is no effect to estimate."
        )
        return _result(verdict, facts, findings, estimators, not_valid, Inference.NONE, sentences)

    if has_timing and facts.n_treated_first_period == facts.n_treated_units < facts.n_units:
        sentences.append(
            f"Every treated unit is treated from the first period ({facts.first_period}): "
            "there is no pre-treatment period to compare with, so no difference-in-differences "
            "can be estimated; data from before the program started are needed."
        )
        for kind in (*_CLUSTER_INFERENCE, Inference.PERMUTATION):
            not_valid[kind] = "no effect can be estimated without a pre-treatment period"
        return _result(
            Verdict.NO_PRE_PERIOD, facts, findings, estimators, not_valid, Inference.NONE, sentences
        )

    all_at_once = has_timing and (
        (facts.n_never_treated_units == 0 and n_cohorts == 1)
        or facts.n_treated_first_period == facts.n_units
    )
    not_yet_only = has_timing and facts.n_never_treated_units == 0 and not all_at_once
    switches_off = bool(facts.n_switch_off_units)
    few = facts.n_treated_clusters < MIN_TREATED_CLUSTERS

    # adoption pattern and estimators
    if dose_only:
        verdict = Verdict.CONTINUOUS_DOSE
    elif all_at_once:
        verdict = Verdict.ALL_AT_ONCE
    elif switches_off:
        verdict = Verdict.SWITCHES_OFF
    elif few:
        verdict = (
            Verdict.ONE_TREATED_CLUSTER
            if facts.n_treated_clusters == 1
            else Verdict.FEW_TREATED_CLUSTERS
        )
    elif not_yet_only:
        verdict = Verdict.NOT_YET_TREATED_ONLY
    elif n_cohorts > 1:
        verdict = Verdict.STAGGERED
    else:
        verdict = Verdict.SINGLE_COHORT

    if has_timing:
        pattern, pattern_sentence, estimators = _adoption(facts, all_at_once, not_yet_only)
        findings.append(pattern)
        sentences.append(pattern_sentence)
        findings.append(_switch_finding(facts))
    if switches_off:
        estimators = [e for e in estimators if e != Estimator.TWFE]
        estimators.insert(0, Estimator.ON_OFF)
        sentences.insert(
            0,
            f"Treatment switches off in {facts.n_switch_off_units:,} units: the staggered "
            "estimators treat every unit as treated from its first treated period on "
            "(intention to treat); the effect of being treated needs an on/off estimator "
            "(de Chaisemartin & D'Haultfœuille), and a fixed-effects regression on the 0/1 "
            "treatment mixes comparisons of switchers in both directions.",
        )
    findings.append(_dose_finding(facts, dose_only))
    if facts.doses:
        estimators.append(Estimator.DOSE_REGRESSION)
        if dose_only:
            sentences.append(
                f"The treatment is a continuous dose ({', '.join(facts.doses)}): a "
                "fixed-effects dose-response regression applies; with effects that differ "
                "across units its coefficient is a weighted average of dose effects "
                "(Callaway, Goodman-Bacon & Sant'Anna 2024)."
            )
    balance, balance_sentence = _balance_finding(facts)
    findings.append(balance)
    if balance_sentence:
        sentences.append(balance_sentence)

    # inference
    cluster_finding, inference_sentences, recommended, valid = _inference(
        facts, few, all_at_once, not_valid
    )
    findings.append(cluster_finding)
    sentences = inference_sentences + sentences if few else sentences + inference_sentences
    return _result(verdict, facts, findings, estimators, not_valid, recommended, sentences, valid)


def _result(
    verdict: Verdict,
    facts: DesignFacts,
    findings: list[Finding],
    estimators: list[Estimator],
    not_valid: dict[Inference, str],
    recommended: Inference,
    sentences: list[str],
    valid: Sequence[Inference] = (),
) -> DesignCheck:
    return DesignCheck(
        verdict=verdict,
        facts=facts,
        findings=tuple(findings),
        valid_estimators=tuple(dict.fromkeys(estimators)),
        valid_inference=tuple(valid),
        not_valid_inference=dict(not_valid),
        recommended_inference=recommended,
        sentences=tuple(sentences),
    )


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def _shape_finding(facts: DesignFacts) -> Finding:
    span = f"{facts.first_period}–{facts.last_period}" if facts.first_period is not None else "none"
    found = f"{_count(facts.n_units, 'unit')} over {_count(facts.n_periods, 'period')} ({span})"
    return Finding("Panel", found, "the rows below describe this panel")


def _timing_finding(facts: DesignFacts) -> Finding:
    cohorts = ", ".join(f"{g} ({_count(n, 'unit')})" for g, n in facts.cohorts) or "none"
    found = (
        f"{_count(facts.n_treated_units, 'treated unit')} in "
        f"{_count(len(facts.cohorts), 'cohort')} (first treated: {cohorts}); "
        f"{_count(facts.n_never_treated_units, 'never-treated unit')}"
    )
    follows = "never-treated units are available as comparisons"
    if facts.n_never_treated_units == 0:
        follows = "no never-treated units: comparisons can only come from units not yet treated"
    if facts.n_treated_first_period:
        follows = (
            f"{_count(facts.n_treated_first_period, 'unit')} treated in the first period "
            f"({facts.first_period}) have no pre-treatment period: a staggered DiD leaves "
            "them out"
        )
    return Finding("Treatment timing", found, follows)


def _adoption(
    facts: DesignFacts, all_at_once: bool, not_yet_only: bool
) -> tuple[Finding, str, list[Estimator]]:
    """The adoption pattern: finding, sentence and the estimators it allows."""
    if all_at_once:
        found = "every unit is treated, all in the same period: no internal comparison"
        follows = (
            "no difference-in-differences can be estimated inside this panel; use a "
            "statewide-mandate design (synthetic control or a comparative interrupted time "
            "series against comparison units from outside the panel)"
        )
        sentence = (
            "Everyone is treated at once, so the panel holds no comparison group: a "
            "difference-in-differences cannot be estimated, and the effect needs a "
            "statewide-mandate design (synthetic control or comparative interrupted time "
            "series) with comparison units from outside this panel."
        )
        return Finding("Adoption pattern", found, follows), sentence, [Estimator.STATEWIDE_MANDATE]
    if not_yet_only:
        last = facts.cohorts[-1][0]
        found = (
            f"every unit is eventually treated ({_count(len(facts.cohorts), 'cohort')}); "
            "no never-treated units"
        )
        follows = (
            "compare with units not yet treated (control_group='notyettreated'); nothing "
            f"can be estimated from {last} on, when the last cohort is treated, and that "
            "cohort serves only as a comparison"
        )
        sentence = (
            "Every unit is eventually treated: effects are estimated against units not yet "
            f"treated, and only for periods before {last}, when the last cohort starts; a "
            "two-way fixed-effects regression would also use already-treated units as "
            "comparisons (Goodman-Bacon 2021), so it is shown only for contrast."
        )
        return (
            Finding("Adoption pattern", found, follows),
            sentence,
            [Estimator.ATT_GT_NOT_YET, Estimator.IMPUTATION, Estimator.SUNAB],
        )
    if len(facts.cohorts) > 1:
        found = (
            f"staggered adoption: {_count(len(facts.cohorts), 'cohort')} treated at different "
            f"times, {_count(facts.n_never_treated_units, 'never-treated unit')}"
        )
        follows = (
            "use a heterogeneity-robust staggered DiD (att_gt with never-treated or "
            "not-yet-treated comparisons, imputation, Sun-Abraham); a static two-way "
            "fixed-effects estimate can be biased and is for contrast only"
        )
        sentence = (
            f"Staggered adoption with never-treated units: {_count(len(facts.cohorts), 'cohort')} "
            "start at different times, so each cohort is compared with never-treated (or "
            "not-yet-treated) units (Callaway & Sant'Anna 2021); a two-way fixed-effects "
            "regression weights these comparisons in ways that can even flip signs "
            "(Goodman-Bacon 2021; de Chaisemartin & D'Haultfœuille 2020) and is shown only "
            "for contrast."
        )
        return (
            Finding("Adoption pattern", found, follows),
            sentence,
            [
                Estimator.ATT_GT_NEVER,
                Estimator.ATT_GT_NOT_YET,
                Estimator.IMPUTATION,
                Estimator.SUNAB,
            ],
        )
    g = facts.cohorts[0][0]
    found = (
        f"one treatment date ({g}) with {_count(facts.n_never_treated_units, 'never-treated unit')}"
    )
    follows = (
        "a two-group difference-in-differences; a two-way fixed-effects regression makes no "
        "forbidden comparisons here"
    )
    sentence = (
        f"All treated units start in period {g} and the never-treated units are the "
        "comparison: a two-group difference-in-differences. A two-way fixed-effects "
        "regression makes no forbidden comparisons here; it differs from att_gt only in "
        "averaging all pre-treatment periods where att_gt uses the period before treatment."
    )
    return (
        Finding("Adoption pattern", found, follows),
        sentence,
        [Estimator.ATT_GT_NEVER, Estimator.ATT_GT_NOT_YET, Estimator.IMPUTATION, Estimator.TWFE],
    )


def _switch_finding(facts: DesignFacts) -> Finding:
    if facts.n_switch_off_units is None:
        return Finding(
            "Treatment switching off",
            "not known: the column map gives a first-treated period, not a 0/1 treatment",
            "estimates are intention to treat from the first treated period",
        )
    if facts.n_switch_off_units == 0:
        return Finding(
            "Treatment switching off",
            "no unit's 0/1 treatment returns to 0 once it has started",
            "treatment is an absorbing state: staggered DiD applies",
        )
    return Finding(
        "Treatment switching off",
        f"{_count(facts.n_switch_off_units, 'unit')} return to untreated after being treated",
        "staggered DiD estimates intention to treat only; use an on/off estimator "
        "(de Chaisemartin & D'Haultfœuille) for the effect of being treated",
    )


def _dose_finding(facts: DesignFacts, dose_only: bool) -> Finding:
    if not facts.doses:
        return Finding("Continuous dose", "no dose column in the map", "binary treatment only")
    found = (
        f"dose column(s) {', '.join(facts.doses)}; "
        f"{_count(facts.n_dosed_units, 'unit')} with a non-zero dose"
    )
    follows = "a fixed-effects dose-response regression applies"
    if not dose_only:
        follows += "; the DiD estimates use the binary timing"
    return Finding("Continuous dose", found, follows)


def _balance_finding(facts: DesignFacts) -> tuple[Finding, str | None]:
    """Balance, gap periods and what a balanced-panel estimator would drop."""
    parts = []
    if facts.gap_periods:
        parts.append(f"no data for {', '.join(map(str, facts.gap_periods))}")
    if facts.n_units_missing_periods:
        parts.append(
            f"{_count(facts.n_units_missing_periods, 'unit')} without a row in some period"
        )
    for col, n in facts.n_units_missing_outcome.items():
        if n:
            parts.append(f"{_count(n, 'unit')} with a missing or suppressed '{col}' value")
    if facts.balanced:
        found = "balanced: every unit has a value in every period"
        if facts.gap_periods:
            found += f" ({parts[0]} for any unit)"
        return Finding("Balance", found, "balanced-panel estimators use every unit"), None
    found = "unbalanced: " + "; ".join(parts)
    drops = [
        f"{_count(n, 'unit')} of {facts.n_units:,} ({n / facts.n_units:.0%}) for '{col}'"
        for col, n in facts.n_units_dropped_balanced.items()
        if n
    ]
    dropped = "; ".join(drops) if drops else f"{_count(facts.n_units_missing_periods, 'unit')}"
    follows = (
        f"a balanced-panel estimator drops {dropped}; the unbalanced estimator "
        "(allow_unbalanced_panel=True) keeps them"
    )
    sentence = (
        f"The panel is unbalanced ({'; '.join(parts)}): an estimator that needs a balanced "
        f"panel would drop {dropped}, so the unbalanced estimator is used, or the drop is "
        "stated with the estimates."
    )
    return Finding("Balance", found, follows), sentence


def _inference(
    facts: DesignFacts, few: bool, all_at_once: bool, not_valid: dict[Inference, str]
) -> tuple[Finding, list[str], Inference, list[Inference]]:
    """Which inference is valid given the number of treated and comparison clusters."""
    k, n_comp = facts.n_treated_clusters, facts.n_comparison_clusters
    n_exposed = facts.n_treated_units or facts.n_dosed_units
    cluster_text = (
        f"{_count(k, 'treated cluster')} ('{facts.cluster}') and "
        f"{_count(n_comp, 'comparison cluster')}; {_count(n_exposed, 'treated unit')}"
    )
    if all_at_once:
        reason = "there are no comparison units in the panel to compare with"
        for kind in (*_CLUSTER_INFERENCE, Inference.PERMUTATION):
            not_valid[kind] = reason
        return (
            Finding("Inference", cluster_text, "no inference inside this panel: " + reason),
            [],
            Inference.NONE,
            [],
        )
    if not few:
        follows = (
            "cluster-robust inference is valid; CR2 with Satterthwaite degrees of freedom "
            "is the small-sample choice"
        )
        sentence = (
            f"{_count(k, 'treated cluster')} (at least {MIN_TREATED_CLUSTERS}): "
            f"cluster-robust standard errors by '{facts.cluster}' are valid, with the CR2 "
            "correction and Satterthwaite degrees of freedom for small samples."
        )
        valid = [*_CLUSTER_INFERENCE]
        if n_comp >= k:
            valid.append(Inference.PERMUTATION)
        return Finding("Inference", cluster_text, follows), [sentence], Inference.CR2, valid

    reason = (
        f"with fewer than {MIN_TREATED_CLUSTERS} treated clusters the variance of the "
        "estimate depends on the treated clusters' own errors, which cannot be estimated "
        "from so few; cluster-robust tests over-reject however many clusters there are "
        "(MacKinnon & Webb 2017, 2018; Conley & Taber 2011)"
    )
    for kind in (Inference.CR2, Inference.CLUSTER_ROBUST, Inference.JACKKNIFE):
        not_valid[kind] = reason
    not_valid[Inference.WILD_BOOTSTRAP] = (
        f"the wild cluster bootstrap fails with fewer than {MIN_TREATED_CLUSTERS} treated "
        "clusters too: it under- or over-rejects badly (MacKinnon & Webb 2017, 2018)"
    )
    which = "one treated cluster" if k == 1 else f"{_count(k, 'treated cluster')}"
    head = (
        f"{which[0].upper()}{which[1:]}: {k} of {facts.n_clusters:,} '{facts.cluster}' "
        f"clusters {'is' if k == 1 else 'are'} treated "
        f"({_count(n_exposed, 'unit')}), {n_comp:,} serve as comparisons."
    )
    invalid = (
        "Cluster-robust and CR2 intervals and p-values are not valid here: " + reason + "; "
        "the wild cluster bootstrap is no escape, it fails with few treated clusters too."
    )
    sentences = [head, invalid]
    if n_comp >= k and n_comp > 0:
        smallest = 1 / (min(math.comb(n_comp, k), MAX_PLACEBOS) + 1)
        follows = (
            "report the permutation (placebo-in-space) p-value over the "
            f"{_count(n_comp, 'comparison cluster')}; CR2, cluster-robust and wild-bootstrap "
            "intervals are not valid"
        )
        report = (
            "Report the permutation (placebo-in-space) p-value: the effect is re-estimated "
            f"with each {'comparison cluster' if k == 1 else f'set of {k} comparison clusters'} "
            "given the treated timing, and the actual estimate is ranked among these placebo "
            f"estimates; the smallest p-value it can give is {smallest:.2g}"
        )
        if smallest > SIGNIFICANCE_LEVEL:
            report += f", so no result can be significant at {SIGNIFICANCE_LEVEL:.0%}"
        sentences.append(report + ".")
        sentences.append(
            "A statewide-mandate (synthetic control) design fits one or few treated "
            "clusters as well."
        )
        return (
            Finding("Inference", cluster_text, follows),
            sentences,
            Inference.PERMUTATION,
            [Inference.PERMUTATION],
        )
    not_valid[Inference.PERMUTATION] = (
        "there are fewer never-treated comparison clusters than treated clusters"
    )
    sentences.append(
        "No valid p-value can be computed inside this panel: too few never-treated "
        "comparison clusters for a permutation test; a statewide-mandate (synthetic "
        "control) design with outside comparison units is needed."
    )
    follows = "no valid inference inside this panel; see the statewide-mandate design"
    return Finding("Inference", cluster_text, follows), sentences, Inference.NONE, []
