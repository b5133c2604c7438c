"""ESSA evidence tiers (ESEA s. 8101(21)(A); ED non-regulatory guidance 2016, updated 2023)."""

from __future__ import annotations

import pytest

from improve.effects import attrition, baseline_equivalence, essa_tier, rules, wwc_rating
from improve.errors import SpecError

BIG = {"n_participants": 12_000, "n_sites": 40}


def test_rule_set_is_data_with_citation() -> None:
    essa = rules("essa_evidence_tiers")
    assert essa["large_sample_min_participants"] == 350
    assert essa["multi_site_min_sites"] == 2
    assert any("8101(21)" in c for c in essa["citation"])
    assert any("Non-Regulatory Guidance" in c for c in essa["citation"])


def test_rct_low_attrition_is_tier_1() -> None:
    rating = wwc_rating("rct", attrition=attrition(200, 190, 200, 188))
    tier = essa_tier("rct", wwc=rating, significant=True, favorable=True, **BIG)
    assert tier.tier == 1 and tier.label.startswith("Tier 1")
    assert "8101(21)" in tier.rule_set


def test_staggered_did_with_equivalence_is_at_most_tier_2() -> None:
    rating = wwc_rating("staggered_did", baseline=baseline_equivalence(0.04))
    tier = essa_tier("staggered_did", wwc=rating, significant=True, favorable=True, **BIG)
    assert tier.tier == 2
    assert any("not Tier 1" in r and "quasi-experimental" in r for r in tier.reasons)
    # even if someone claims a without-reservations rating, the design caps it at Tier 2
    tier = essa_tier(
        "did", wwc="meets_without_reservations", significant=True, favorable=True, **BIG
    )
    assert tier.tier == 2


def test_small_or_single_site_sample_drops_to_tier_3() -> None:
    rating = wwc_rating("did", baseline=baseline_equivalence(0.02))
    tier = essa_tier(
        "did", wwc=rating, significant=True, favorable=True, n_participants=300, n_sites=1
    )
    assert tier.tier == 3
    text = " ".join(tier.reasons)
    assert "not large" in text and "not multi-site" in text


def test_failed_equivalence_with_controls_is_tier_3() -> None:
    rating = wwc_rating("did", baseline=baseline_equivalence(0.4))
    assert rating.rating == "does_not_meet"
    tier = essa_tier(
        "did", wwc=rating, significant=True, favorable=True, controls_for_selection=True, **BIG
    )
    assert tier.tier == 3
    none = essa_tier("did", wwc=rating, significant=True, favorable=True, **BIG)
    assert none.tier is None
    assert any("selection bias" in r for r in none.reasons)


def test_not_significant_falls_to_tier_4_or_none() -> None:
    rating = wwc_rating("did", baseline=baseline_equivalence(0.02))
    t4 = essa_tier(
        "did",
        wwc=rating,
        significant=False,
        favorable=True,
        logic_model=True,
        ongoing_evaluation=True,
        **BIG,
    )
    assert t4.tier == 4
    assert any("not statistically significant" in r for r in t4.reasons)
    none = essa_tier("did", wwc=rating, significant=False, favorable=True, **BIG)
    assert none.tier is None and not none.meets
    assert none.label == "Does not meet an ESSA evidence tier"
    assert len(none.tidy()) == 4  # one reason per tier not met


def test_overriding_negative_evidence_blocks_tiers_1_to_3() -> None:
    rating = wwc_rating("rct", attrition=attrition(200, 190, 200, 188))
    tier = essa_tier(
        "rct",
        wwc=rating,
        significant=True,
        favorable=True,
        overriding_negative_evidence=True,
        **BIG,
    )
    assert tier.tier is None
    assert "overrides" in tier.summary()


def test_bad_rating_code() -> None:
    with pytest.raises(SpecError, match="meets_with_reservations"):
        essa_tier("rct", wwc="great")
