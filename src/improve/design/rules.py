"""From the counts to the verdict, the valid estimators and inference, and the sentences."""

from __future__ import annotations

import math
from collections.abc import Sequence

from improve.design.result import (
    DesignCheck,
    DesignFacts,
    Estimator,
    Finding,
    Inference,
    Verdict,
)
from improve.design.thresholds import MIN_TREATED_CLUSTERS, SIGNIFICANCE_LEVEL
from improve.inference.permutation import MAX_PLACEBOS

#: Inference that relies on many treated clusters.
CLUSTER_INFERENCE = (
    Inference.CR2,
    Inference.CLUSTER_ROBUST,
    Inference.WILD_BOOTSTRAP,
    Inference.JACKKNIFE,
)


def decide(facts: DesignFacts, *, has_timing: bool) -> DesignCheck:
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
        for kind in (*CLUSTER_INFERENCE, Inference.PERMUTATION):
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
        for kind in (*CLUSTER_INFERENCE, Inference.PERMUTATION):
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
        valid = [*CLUSTER_INFERENCE]
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
