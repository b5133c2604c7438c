"""evaluate() runs the design check and, with few treated clusters, the permutation p-value."""

from __future__ import annotations

import pytest

from improve.did.evaluation import evaluate
from improve.report.permutation_text import permutation_wording

from outside_data import load


def test_one_treated_state_reports_the_permutation_p_value_not_cr2():
    panel = load("organ_donations")
    ev = evaluate(panel, "Rate", control_group="nevertreated", max_event_time=2)
    assert str(ev.design.verdict) == "one_treated_cluster"
    assert not ev.inference_valid
    perm = ev.permutation
    assert perm.estimate == pytest.approx(ev.simple.tidy().iloc[0]["estimate"], rel=1e-12)
    assert 0.1 < perm.p_value < 0.3  # California 4th of 27: p = 4/27
    assert perm.n_placebos == 26 and perm.exact
    assert ev.simple.tidy().iloc[0]["p_value"] < 0.001  # what CR2 would have claimed
    assert "not valid" in ev.inference_note and "permutation p = 0.148" in ev.inference_note
    note = permutation_wording(perm, "note")
    assert "ranks 4 of 27" in note
    with pytest.warns(DeprecationWarning, match="'DiDEvaluation.permutation_note' is deprecated"):
        assert ev.permutation_note == note
    results = ev.to_results()
    assert results["design_verdict"] == "one_treated_cluster"
    assert results["permutation_p_value"] == pytest.approx(4 / 27)


def test_many_treated_clusters_keep_analytic_inference():
    panel = load("mpdta")
    ev = evaluate(panel, "lemp", covariates=[], max_event_time=2)
    assert str(ev.design.verdict) == "staggered_with_never_treated"
    assert ev.inference_valid and ev.permutation is None
    assert ev.to_results()["permutation_p_value"] is None
    plain = evaluate(panel, "lemp", covariates=[], check_design=False)
    assert plain.design is None
    assert plain.simple.tidy().equals(ev.simple.tidy())
