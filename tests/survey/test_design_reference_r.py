"""Weighted means, proportions, their SEs and raked weights against R ``survey`` (stored)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.survey.design import (
    SurveyDesign,
    domain_mean,
    domain_means,
    proportion_interval,
    weighted_mean,
)
from improve.survey.weights import rake

REF = Path(__file__).resolve().parents[1] / "reference"
TOL = 1e-8
CASES = (
    "unweighted",
    "weighted",
    "stratified",
    "clustered",
    "fpc",
    "raked",
    "raked_weighted",
    "raked_fpc",
)


@pytest.fixture(scope="module")
def cases():
    data = pd.read_csv(REF / "survey_cases.csv")
    ref = json.loads((REF / "survey_references.json").read_text())
    return data, ref, {c["case"]: c for c in ref["cases"]}


def _design(data: pd.DataFrame, ref: dict, case: str) -> SurveyDesign:
    n = len(data)
    w = data["weight"].to_numpy(float)
    strata = data["stratum"].to_numpy()
    if case == "unweighted":
        return SurveyDesign.simple(n)
    if case == "weighted":
        return SurveyDesign(w)
    if case == "stratified":
        return SurveyDesign(w, strata=strata)
    if case == "clustered":
        return SurveyDesign(w, strata=strata, clusters=data["cluster"].to_numpy())
    if case == "fpc":
        size = np.where(strata == 1, 230.0, 170.0)
        counts = pd.Series(strata).map(pd.Series(strata).value_counts()).to_numpy()
        return SurveyDesign(size / counts, strata=strata, fpc=size)
    base = {"raked": None, "raked_weighted": data["weight"], "raked_fpc": np.full(n, 400 / n)}
    raked = rake(data, ref["margins"], base_weights=base[case])
    return SurveyDesign(
        raked.weights.to_numpy(),
        raked_margins={k: v.to_numpy() for k, v in raked.margins.items()},
        fpc=np.full(n, 400.0) if case == "raked_fpc" else None,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_means_ses_and_intervals_equal_r_survey(cases, case):
    data, ref, by_case = cases
    expected = by_case[case]
    design = _design(data, ref, case)
    np.testing.assert_allclose(design.weights, expected["weights"], rtol=0, atol=TOL)
    mean, vcov = weighted_mean(data[["useful", "agree"]].to_numpy(float), design)
    np.testing.assert_allclose(mean, expected["mean"], rtol=0, atol=TOL)
    np.testing.assert_allclose(vcov.ravel(), expected["vcov"], rtol=0, atol=TOL)
    np.testing.assert_allclose(np.sqrt(np.diag(vcov)), expected["se"], rtol=0, atol=TOL)
    assert design.df == expected["df"]
    low, high = proportion_interval(mean[1], float(np.sqrt(vcov[1, 1])), design.df)
    np.testing.assert_allclose([low, high], expected["prop_ci"], rtol=0, atol=TOL)


def test_raked_weights_hit_the_margins(cases):
    data, ref, _ = cases
    raked = rake(data, ref["margins"])
    for margin, targets in ref["margins"].items():
        sums = raked.weights.groupby(data[margin]).sum()
        for category, count in targets.items():
            assert sums[category] == pytest.approx(count, abs=1e-9)
    assert raked.converged and raked.design_effect() > 1


@pytest.mark.parametrize("case", list(CASES))
def test_mean_with_missing_answers_equals_r_na_rm(cases, case):
    data, ref, by_case = cases
    expected = by_case[case]
    y = data["useful"].to_numpy(float)
    y[data["id"].to_numpy() % 7 == 0] = np.nan
    mean, vcov = domain_mean(y, _design(data, ref, case))
    assert mean[0] == pytest.approx(expected["mean_na"], abs=TOL)
    assert np.sqrt(vcov[0, 0]) == pytest.approx(expected["se_na"], abs=TOL)


@pytest.mark.parametrize("case", list(CASES))
def test_domain_means_by_group_equal_r_svyby(cases, case):
    data, ref, by_case = cases
    expected = by_case[case]
    names, means, vcov = domain_means(
        data["useful"].to_numpy(float), data["role"].to_numpy(), _design(data, ref, case)
    )
    assert names == ["district", "principal", "teacher"]  # R's factor order
    np.testing.assert_allclose(means, expected["by_role_mean"], rtol=0, atol=TOL)
    np.testing.assert_allclose(np.sqrt(np.diag(vcov)), expected["by_role_se"], rtol=0, atol=TOL)
    if isinstance(expected.get("by_role_vcov"), list):  # R gives no covariance when raked
        np.testing.assert_allclose(vcov.ravel(), expected["by_role_vcov"], rtol=0, atol=TOL)


@pytest.mark.parametrize("case", ["jk1_weighted", "jk1_raked"])
def test_jackknife_replicates_equal_r_jk1(cases, case):
    from improve.survey.replicate import jackknife_means

    data, ref, _ = cases
    expected = {c["case"]: c for c in ref["replicates"]}[case]
    margins = ref["margins"] if case == "jk1_raked" else None
    mean, vcov = jackknife_means(
        data[["useful", "agree"]].to_numpy(float),
        data["weight"].to_numpy(float),
        frame=data,
        margins=margins,
        tolerance=1e-12,
    )
    np.testing.assert_allclose(mean, expected["mean"], rtol=0, atol=TOL)
    np.testing.assert_allclose(vcov.ravel(), expected["vcov"], rtol=0, atol=TOL)
