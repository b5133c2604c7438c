"""Key findings of a threshold (regression discontinuity) evaluation, in sentences."""

from __future__ import annotations

from typing import Any

from improve.rd.evaluation import p_text
from improve.report.labels import Labels
from improve.report.numbers import format_number


def rd_key_findings(evaluation: Any, labels: Labels, standards: Any = None) -> list[str]:
    """Headline items: the jump and its robust interval, first stage, density test, WWC.

    Parameters
    ----------
    evaluation : RDEvaluation
        :func:`improve.rd.evaluation.evaluate_threshold` output.
    labels : Labels
    standards : RDStandardsCheck, optional
        :func:`improve.effects.wwc_rd.rd_standards_check` output.
    """
    main = evaluation.main
    robust = main.robust
    name = labels.outcome(evaluation.outcome)
    level = f"{main.confidence_level:.0%}"
    what = "the effect of receiving it" if evaluation.design == "fuzzy" else "the jump"
    items = [
        f"Design: {evaluation.design} regression discontinuity; {labels.unit_plural} at or "
        f"above the cutoff are assigned to {labels.program}.",
        f"**{name[:1].upper() + name[1:]}**: {what} at the cutoff is "
        f"{format_number(main.estimate, sentence=True)} (robust {level} interval "
        f"{format_number(robust['conf_low'], sentence=True)} to "
        f"{format_number(robust['conf_high'], sentence=True)}, {p_text(robust['p_value'])}).",
    ]
    if main.first_stage is not None:
        fs = main.first_stage.iloc[0]
        items.append(
            f"Take-up: the share that received {labels.program} jumps by "
            f"{100 * fs['estimate']:.0f} percentage points at the cutoff "
            f"(first-stage F = {main.first_stage_f:.0f})."
        )
    density = evaluation.density
    items.append(
        f"Sorting around the cutoff: density test p = {density.p_value:.2f} "
        + (
            "(units may have sorted; read the estimate with caution)."
            if density.manipulation_suspected
            else "(no sign of sorting)."
        )
    )
    if standards is not None:
        items.append(f"WWC RD standards (screening): {standards.rating}.")
    return items
