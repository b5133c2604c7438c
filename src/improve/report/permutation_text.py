"""The one wording of a placebo-in-space permutation test of a difference-in-differences.

With one or a few treated clusters, cluster-robust standard errors and intervals are not
valid inference, and the evaluation reports a permutation p-value instead
(:class:`improve.inference.PermutationResult`). The facts (how many treated clusters, where
the actual estimate ranks among the placebo estimates, the p-value) are stated in three
places: the inference note of a report, a key finding and the summary sentence.
:func:`permutation_wording` writes all three, so they always agree.
"""

from __future__ import annotations

from typing import Any, Literal

from improve.report.numbers import format_number, p_phrase

Form = Literal["note", "finding", "sentence"]


def _treated(permutation: Any) -> str:
    treated = len(permutation.treated_clusters)
    return f"{treated} treated cluster{'s' if treated != 1 else ''}"


def _ranks(permutation: Any, moved: str) -> str:
    return (
        f"the estimate ranks {permutation.rank} of {permutation.n_estimates} when {moved} "
        "is moved to comparison clusters"
    )


def _note(permutation: Any) -> str:
    return (
        f"With {_treated(permutation)}, cluster-robust "
        "standard errors and intervals are not valid (they need many treated clusters; "
        "MacKinnon & Webb); the p-value comes from re-estimating the effect with the "
        f"treatment moved to each of {permutation.n_placebos} sets of comparison clusters "
        f"(placebo-in-space): the actual estimate ranks {permutation.rank} of "
        f"{permutation.n_estimates}, permutation p = {permutation.p_value:.3g}"
    )


def _finding(permutation: Any, alpha: float) -> str:
    verdict = "not significant" if permutation.p_value > alpha else "significant"
    return (
        f"permutation p {p_phrase(permutation.p_value)} ({verdict} at {alpha:.0%}: "
        f"{_ranks(permutation, 'the treatment')})"
    )


def _sentence(permutation: Any, alpha: float) -> str:
    chance = (
        "larger than what moving the program to comparison clusters produces"
        if permutation.p_value <= alpha
        else "within what chance differences between clusters produce, so the data do "
        "not show an effect"
    )
    return (
        f"With {_treated(permutation)} the usual interval is not valid; "
        f"{_ranks(permutation, 'the program')} (permutation p = "
        f"{format_number(permutation.p_value, sentence=True)}): {chance}."
    )


def permutation_wording(
    permutation: Any,
    form: Form,
    *,
    alpha: float = 0.05,
) -> str:
    """What a permutation test of a difference-in-differences shows, in one of three forms.

    Parameters
    ----------
    permutation : PermutationResult
        The placebo-in-space permutation test (``treated_clusters``, ``rank``,
        ``n_estimates``, ``n_placebos``, ``p_value``).
    form : {"note", "finding", "sentence"}
        ``"note"``: why the standard errors are replaced and how the p-value is made (the
        inference note of a report). ``"finding"``: the p-value with its verdict at
        ``alpha`` and the rank, to follow an effect in a key finding. ``"sentence"``: the
        end of a summary sentence, whether the effect is larger than chance.
    alpha : float
        Level at which the p-value is called significant (``"finding"``, ``"sentence"``).

    Returns
    -------
    str
    """
    if form == "note":
        return _note(permutation)
    if form == "finding":
        return _finding(permutation, alpha)
    if form == "sentence":
        return _sentence(permutation, alpha)
    raise ValueError(f"form must be 'note', 'finding' or 'sentence', got {form!r}")
