"""The report's opening box of key findings and its closing table of parameters."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from improve.report.labels import Labels
from improve.report.numbers import format_number, p_phrase
from improve.report.permutation_text import permutation_wording

__all__ = [
    "did_key_findings",
    "evidence_key_findings",
    "findings_box",
    "mandate_key_findings",
    "parameter_rows",
    "parameters_html",
]

#: Parameters that name files: shown by file name only (no local directories).
_PATH_PARAMETERS = ("data_path", "column_map", "subgroup_path", "subgroup_map")
#: Parameters never shown (set by the runner).
_HIDDEN = ("output_dir",)


def findings_box(items: Sequence[str], title: str = "Key findings") -> str:
    """HTML of the key-findings box (items escaped; ``**bold**`` kept as bold)."""
    body = "".join(f"<li>{_inline(item)}</li>" for item in items if item)
    return (
        f"<aside class='improve-findings' role='note'><b>{html.escape(title)}</b>"
        f"<ul>{body}</ul></aside>"
    )


def _inline(text: str) -> str:
    parts = html.escape(text).split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))


def did_key_findings(
    evaluations: Mapping[str, Any],
    pretests: Mapping[str, Any],
    labels: Labels,
    *,
    level: float,
    alpha: float | None = None,
) -> list[str]:
    """Headline numbers of a DiD evaluation, the inference in words and the pre-trend tests.

    Parameters
    ----------
    evaluations : mapping of outcome to DiDEvaluation
    pretests : mapping of outcome to PretrendTest
        The event-study pre-trend test shown in the report; R ``did``'s test of every
        pre-treatment ATT(g,t) (``ev.cells.pretrend_p_value``) is listed next to it, named.
    labels : Labels
    level : float
        Confidence level of the intervals.
    alpha : float, optional
        Level of the pre-trend tests (default ``1 - level``). A failed test is always
        listed as failed.
    """
    alpha = 1 - level if alpha is None else alpha
    items = []
    first = next(iter(evaluations.values()), None)
    design = getattr(first, "design", None)
    if design is not None:
        items.append(f"Design: {design.sentences[0]}")
    for outcome, ev in evaluations.items():
        row = ev.simple.tidy().iloc[0]
        est, low, high = (float(row[k]) for k in ("estimate", "conf_low", "conf_high"))
        name = labels.outcome(outcome)[:1].upper() + labels.outcome(outcome)[1:]
        effect = f"average effect {format_number(est, sentence=True)}"
        effect += labels.percent_phrase(outcome, est)
        perm = getattr(ev, "permutation", None)
        if perm is not None:
            items.append(
                f"**{name}**: {effect}; {permutation_wording(perm, 'finding', alpha=alpha)}."
            )
            continue
        items.append(
            f"**{name}**: {effect} ({level:.0%} CI "
            f"{format_number(low, sentence=True)} to {format_number(high, sentence=True)}; "
            f"p {p_phrase(float(row['p_value']))})."
        )
    if first is not None:
        perm = getattr(first, "permutation", None)
        note = permutation_wording(perm, "note") if perm is not None else first.inference_note
        items.append(f"Inference: {note[:1].lower() + note[1:]}.")
        if getattr(first, "permutation", None) is not None:
            items.append(
                "For a program adopted by one or a few states at once, the statewide_mandate "
                "workbook compares them with a synthetic comparison built from other states."
            )
    for outcome, test in pretests.items():
        name = labels.outcome(outcome)
        p = float(test.p_value)
        verdict = "fails" if p < alpha else "does not reject"
        items.append(
            f"Pre-trend test on {name} (joint test of the pre-treatment event-study "
            f"estimates): {verdict} at {alpha:.0%}, p {p_phrase(p)}."
        )
        cells_p = getattr(evaluations[outcome].cells, "pretrend_p_value", None)
        if cells_p is not None:
            cells_verdict = "fails" if float(cells_p) < alpha else "does not reject"
            items.append(
                f"Pre-trend test on {name} as in R did (every pre-treatment ATT(g,t) cell "
                f"jointly; results.json 'pretest_p_value'): {cells_verdict}, "
                f"p {p_phrase(float(cells_p))}."
            )
    return items


def evidence_key_findings(evidence: Any, labels: Labels, *, alpha: float) -> list[str]:
    """Per outcome: the effect, its effect size and adjusted p-value; then the ratings.

    Parameters
    ----------
    evidence : EvidenceSummary
        :func:`improve.effects.evidence.evidence_summary` output (``table`` with
        ``outcome, estimate, conf_low, conf_high, effect_size, p_adjusted``).
    labels : Labels
    alpha : float
        Level of the intervals shown.
    """
    items = []
    for row in evidence.table.to_dict(orient="records"):
        name = labels.outcome(str(row["outcome"]))
        est = float(row["estimate"])
        items.append(
            f"**{name[:1].upper() + name[1:]}**: effect {format_number(est, sentence=True)}"
            f"{labels.percent_phrase(str(row['outcome']), est)} ({1 - alpha:.0%} CI "
            f"{format_number(float(row['conf_low']), sentence=True)} to "
            f"{format_number(float(row['conf_high']), sentence=True)}); effect size "
            f"{format_number(float(row['effect_size']), sentence=True)} SD; adjusted "
            f"p {p_phrase(float(row['p_adjusted']))}."
        )
    items.append(
        f"WWC rating: {evidence.rating.rating.replace('_', ' ')}; ESSA: {evidence.tier.label} "
        "(every reason is listed under Evidence rating)."
    )
    return items


def parameter_rows(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(parameter, value in words) for the closing table: file parameters by file name,
    lists comma-separated, the runner's own parameters left out."""
    rows = []
    for key, value in values.items():
        if key in _HIDDEN:
            continue
        if key in _PATH_PARAMETERS:
            text = Path(str(value)).name if value else "(none)"
        elif isinstance(value, Mapping):
            text = ", ".join(f"{k}: {v}" for k, v in value.items()) or "(from the column map)"
        elif isinstance(value, list | tuple):
            text = ", ".join(map(str, value)) or "(from the column map)"
        elif value == "":
            text = "(from the column map)"
        else:
            text = str(value)
        rows.append((key.replace("_", " "), text))
    return rows


def parameters_html(values: Mapping[str, Any]) -> str:
    """The parameters of the run as a two-column HTML table (escaped)."""
    body = "".join(
        f"<tr><th scope='row'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in parameter_rows(values)
    )
    return (
        "<table class='improve-parameters'><thead><tr><th>Parameter</th><th>Value</th></tr>"
        f"</thead><tbody>{body}</tbody></table>"
    )


def mandate_key_findings(
    evaluation: Any, labels: Labels, *, design: Any = None, alpha: float = 0.05
) -> list[str]:
    """Headline of a statewide-mandate evaluation: effect, permutation p, fit and placebo.

    Parameters
    ----------
    evaluation : MandateEvaluation
        :func:`improve.synth.evaluation.evaluate_mandate` output.
    labels : Labels
    design : DesignCheck, optional
        Its first sentence opens the box.
    alpha : float
        Level at which the permutation test is called significant.
    """
    main = evaluation.main
    p_value, rank, n_units = evaluation.headline_test
    estimate = evaluation.headline_estimate
    cits = evaluation.headline_method == "cits"
    name = labels.outcome(evaluation.outcome)
    items = [f"Design: {design.sentences[0]}"] if design is not None else []
    verdict = "significant" if p_value <= alpha else "not significant"
    against = (
        "its pre-adoption trend, net of the comparison units' departures from theirs"
        if cits
        else "the synthetic comparison"
    )
    items.append(
        f"**{name[:1].upper() + name[1:]}**: {format_number(estimate, sentence=True)}"
        f"{labels.percent_phrase(evaluation.outcome, estimate)} compared with "
        f"{against} ({evaluation.headline_name.lower()}); permutation p {p_phrase(p_value)} "
        f"({verdict} at {alpha:.0%}: ranks {rank} of {n_units} when each comparison "
        f"{labels.unit} in turn is treated as if it had adopted)."
    )
    if cits:
        items.append(
            "Inference: from the comparison pool (placebo-in-space), not from sampling-based "
            "standard errors."
        )
    else:
        items.append(
            f"Inference: from the comparison pool (placebo-in-space), not from sampling-based "
            f"standard errors; the {main.vcov_type} standard error "
            f"{format_number(main.std_error, sentence=True)} is shown for reference."
        )
    if evaluation.poor_fit:
        items.append(
            "Caution: before adoption the synthetic comparison tracked the treated "
            f"{labels.unit} worse than it tracks most comparison {labels.unit_plural}."
        )
    if evaluation.in_time is not None:
        items.append(
            f"In-time placebo (fake adoption in {evaluation.in_time.design.adoption}): "
            f"{format_number(evaluation.in_time.estimate, sentence=True)}."
        )
    return items
