"""Cronbach's alpha by hand and by a second route (Hoyt's ANOVA); omega; item-total flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.survey import cronbach_alpha, omega_total
from improve.survey.scales import feldt_interval, one_factor_loadings

# four respondents, three items; by hand: item variances 5/3, 4.75/3, 2.75/3 (sum 12.5/3),
# total scores 5, 8, 10, 13 with variance 34/3, so alpha = 3/2 (1 - 12.5/34) = 129/136.
HAND = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4]], dtype=float)


def hoyt_alpha(x: np.ndarray) -> float:
    """Alpha as 1 - MS(residual) / MS(respondents) of the two-way ANOVA (Hoyt 1941)."""
    n, k = x.shape
    grand = x.mean()
    ss_people = k * np.sum((x.mean(axis=1) - grand) ** 2)
    ss_items = n * np.sum((x.mean(axis=0) - grand) ** 2)
    ss_resid = np.sum((x - grand) ** 2) - ss_people - ss_items
    return 1 - (ss_resid / ((n - 1) * (k - 1))) / (ss_people / (n - 1))


def test_alpha_equals_hand_computation():
    assert cronbach_alpha(HAND) == pytest.approx(129 / 136, abs=1e-12)


def test_alpha_equals_hoyt_anova_on_random_scales():
    rng = np.random.default_rng(3)
    for _ in range(20):
        trait = rng.normal(size=(50, 1))
        x = np.clip(np.round(3 + trait + rng.normal(size=(50, 5))), 1, 5)
        assert cronbach_alpha(x) == pytest.approx(hoyt_alpha(x), abs=1e-12)


def test_feldt_interval_contains_alpha_and_narrows_with_n():
    low, high = feldt_interval(0.8, 30, 5, 0.95)
    low2, high2 = feldt_interval(0.8, 300, 5, 0.95)
    assert low < 0.8 < high and high2 - low2 < high - low


def test_omega_of_a_congeneric_population_matches_its_loadings():
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    corr = np.outer(lam, lam)
    np.fill_diagonal(corr, 1)
    np.testing.assert_allclose(one_factor_loadings(corr), lam, atol=1e-6)
    rng = np.random.default_rng(0)
    x = rng.multivariate_normal(np.zeros(4), corr, size=20000)
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
    assert omega_total(x) == pytest.approx(expected, abs=0.01)
    # with equal loadings, omega equals standardised alpha
    eq = np.full((4, 4), 0.5)
    np.fill_diagonal(eq, 1)
    y = rng.multivariate_normal(np.zeros(4), eq, size=20000)
    std = (y - y.mean(0)) / y.std(0, ddof=1)
    assert omega_total(y) == pytest.approx(cronbach_alpha(std), abs=0.01)


def test_reverse_worded_item_is_flagged(tmp_path):
    from improve.survey import load_survey, scale_reliability

    rng = np.random.default_rng(1)
    trait = rng.normal(size=80)
    levels = ["Never", "Rarely", "Sometimes", "Often", "Always"]
    cols = {}
    for j in range(4):
        sign = -1 if j == 3 else 1
        code = np.clip(np.round(3 + sign * trait + rng.normal(0, 0.7, 80)), 1, 5).astype(int)
        cols[f"q{j}"] = [levels[c - 1] for c in code]
    pd.DataFrame(cols).to_csv(tmp_path / "s.csv", index=False)
    raw = {
        "format": "google_forms",
        "responses": {"freq": levels},
        "items": {f"q{j}": {"responses": "freq"} for j in range(4)},
        "scales": {"practice": {"items": ["q0", "q1", "q2", "q3"]}},
    }
    result = scale_reliability(load_survey(tmp_path / "s.csv", raw), "practice", bootstrap=50)
    assert result.flagged_items() == ["q3"] and "reverse: true" in result.summary()
    raw["items"]["q3"]["reverse"] = True
    fixed = scale_reliability(load_survey(tmp_path / "s.csv", raw), "practice", bootstrap=50)
    assert fixed.flagged_items() == [] and fixed.alpha > result.alpha
    row = fixed.tidy().set_index("term").loc["omega"]
    assert row["conf_low"] < row["estimate"] < row["conf_high"]
