"""CR2 (bias-reduced) cluster-robust inference for ATT(g,t) and its aggregations.

Two independent checks of ``cluster_correction="CR2"``:

* every ATT(g,t) without covariates is the treatment coefficient of a 2x2 regression of
  outcome changes on a constant and a treatment dummy, so its standard error and
  Satterthwaite df must equal :func:`improve.inference.cr2` of that regression
  (validated against R ``clubSandwich`` in ``tests/fe``);
* a weighted sum of cells is a linear combination of the coefficients of the stacked
  regression (one block of rows per cell); its CR2 variance and Bell-McCaffrey df are
  computed here by brute force with dense matrices (``A_g = (I - H_gg)^(-1/2)``,
  ``df = tr(M)^2 / ||M||_F^2`` with ``M_gh = a_g'(I - H) a_h``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from improve.did import aggregate, att_gt
from improve.errors import SpecError
from improve.inference import cluster_sum, cr2, within_design

KEYS = dict(unit="countyreal", time="year", cohort="first_treat", cluster="state")


@pytest.fixture(scope="module")
def data(mpdta: pd.DataFrame) -> pd.DataFrame:
    # 29 states of 3 to 46 counties; weights vary within state
    return mpdta.assign(state=mpdta["countyreal"] // 1000, w=0.5 + (mpdta["countyreal"] % 7) / 6.0)


def _cells(data: pd.DataFrame, res, weights: str | None):
    """Per cell: outcome changes, treatment dummy, cluster and weight of its units."""
    wide = data.pivot(index="countyreal", columns="year", values="lemp")
    units = data.groupby("countyreal").first()
    out = []
    for g, t in zip(res.groups, res.times, strict=True):
        base = t - 1 if t < g else g - 1
        keep = (units["first_treat"] == g) | (units["first_treat"] == 0)
        dy = (wide[t] - wide[base])[keep].to_numpy()
        d = (units.loc[keep, "first_treat"] == g).to_numpy(dtype=float)
        cl = units.loc[keep, "state"].to_numpy()
        w = units.loc[keep, weights].to_numpy() if weights else np.ones(d.size)
        out.append((dy, d, cl, w))
    return out


@pytest.mark.parametrize("weights", [None, "w"])
def test_each_cell_equals_the_cr2_regression(data: pd.DataFrame, weights: str | None) -> None:
    res = att_gt(data, "lemp", est_method="reg", weights=weights, **KEYS)
    assert res.cluster_correction == "CR2"
    for j, (dy, d, cl, w) in enumerate(_cells(data, res, weights)):
        codes = pd.factorize(cl)[0]
        design = within_design(dy, np.column_stack([np.ones(d.size), d]), [], codes, w)
        ref = cr2(design)
        assert res.estimate[j] == pytest.approx(design.beta[1], abs=1e-12)
        assert res.std_error[j] == pytest.approx(np.sqrt(ref.vcov[1, 1]), rel=1e-10)
        assert res.df[j] == pytest.approx(min(ref.df[1], codes.max()), rel=1e-8)
    plain = att_gt(
        data, "lemp", est_method="reg", weights=weights, cluster_correction="none", **KEYS
    )
    assert np.all(res.std_error >= plain.std_error - 1e-15)  # the correction only inflates
    assert np.all(np.isinf(plain.df))


def _brute_force(cells, combos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CR2 SE and Bell-McCaffrey df of ``combos.T @ att`` in the stacked regression.

    Products with the residual maker ``I - H`` are written ``m - (m x)(X'X)^-1 X'`` so the
    rows-by-rows matrices are never formed; the algebra is the dense formula of the module
    docstring.
    """
    k = len(cells)
    rows = sum(c[0].size for c in cells)
    x = np.zeros((rows, 2 * k))
    y = np.zeros(rows)
    cl = np.empty(rows, dtype=object)
    at = 0
    for j, (dy, d, c, w) in enumerate(cells):
        sl = slice(at, at + dy.size)
        root = np.sqrt(w)
        x[sl, 2 * j] = root
        x[sl, 2 * j + 1] = d * root
        y[sl] = dy * root
        cl[sl] = c
        at += dy.size
    bread = np.linalg.inv(x.T @ x)
    proj = x @ bread  # the hat matrix is proj @ x.T

    def times_resid_maker(m: np.ndarray) -> np.ndarray:
        """``m @ (I - H)``."""
        return m - (m @ proj) @ x.T

    resid = times_resid_maker(y)
    groups = [np.flatnonzero(cl == g) for g in pd.unique(cl)]
    adjustments = []  # (I - H_gg)^(-1/2) of each cluster
    for idx in groups:
        lam, vec = np.linalg.eigh(np.eye(idx.size) - proj[idx] @ x[idx].T)
        inv_sqrt = np.where(lam > 1e-12, 1 / np.sqrt(np.clip(lam, 1e-12, None)), 0.0)
        adjustments.append((vec * inv_sqrt) @ vec.T)
    ses, dfs, arrays = [], [], []
    for combo in combos.T:
        c = np.zeros(2 * k)
        c[1::2] = combo
        a = np.zeros((len(groups), rows))
        for gi, (idx, adj) in enumerate(zip(groups, adjustments, strict=True)):
            a[gi, idx] = adj @ x[idx] @ bread @ c
        ses.append(np.sqrt(np.sum((a @ resid) ** 2)))
        m = times_resid_maker(a) @ a.T
        dfs.append(np.trace(m) ** 2 / np.sum(m**2))
        arrays.append(a)
    # HTZ degrees of freedom of the joint test of all combinations
    omega = np.array([[np.sum(times_resid_maker(s) * t) for t in arrays] for s in arrays])
    lam, vec = np.linalg.eigh(omega)
    root_inv = (vec / np.sqrt(lam)) @ vec.T
    norm = [sum(root_inv[s, t] * arrays[t] for t in range(len(arrays))) for s in range(len(arrays))]
    mm = [[times_resid_maker(s) @ t.T for t in norm] for s in norm]
    q = len(arrays)
    total = sum(
        np.sum(mm[s][s] * mm[t][t]) + np.sum(mm[s][t] ** 2) for s in range(q) for t in range(q)
    )
    return np.array(ses), np.array(dfs), q * (q + 1) / total


@pytest.mark.parametrize("weights", [None, "w"])
def test_weighted_sums_of_cells_equal_the_stacked_regression(
    data: pd.DataFrame, weights: str | None
) -> None:
    res = att_gt(data, "lemp", est_method="reg", weights=weights, **KEYS)
    k = res.estimate.size
    post = res.post.astype(float)
    combos = np.column_stack([post / post.sum(), np.eye(k)[:, 5], (res.times == 2007) / 3.0])
    se_ref, df_ref, eta_ref = _brute_force(_cells(data, res, weights), combos)
    sums = cluster_sum(res.inf_func, res.cluster_codes) + res.cr2.correction
    se = np.sqrt(np.sum((sums @ combos) ** 2, axis=0)) / res.n_units
    np.testing.assert_allclose(se, se_ref, rtol=1e-9)
    np.testing.assert_allclose(res.cr2.satterthwaite_df(combos), df_ref, rtol=1e-8)
    assert res.cr2.hotelling_df(combos) == pytest.approx(eta_ref, rel=1e-8)
    assert res.cr2.hotelling_df(combos[:, :1]) == pytest.approx(df_ref[0], rel=1e-10)


def test_aggregations_use_the_corrected_sums_and_t_intervals(data: pd.DataFrame) -> None:
    res = att_gt(data, "lemp", **KEYS)
    plain = att_gt(data, "lemp", cluster_correction="none", **KEYS)
    for kind in ("simple", "group", "dynamic", "calendar"):
        agg, agg0 = aggregate(res, kind), aggregate(plain, kind)
        assert agg.estimate == agg0.estimate
        assert agg.std_error > agg0.std_error
        assert 1 <= agg.df <= res.n_clusters - 1
        row = agg.tidy().iloc[0]
        crit = stats.t.ppf(0.975, agg.df)
        assert row["conf_high"] - row["estimate"] == pytest.approx(crit * agg.std_error)
        assert row["p_value"] == pytest.approx(
            2 * stats.t.sf(abs(agg.estimate / agg.std_error), agg.df)
        )
        if kind != "simple":
            assert np.all(agg.se_egt > agg0.se_egt)
            assert agg.df_egt is not None and agg.df_egt.shape == agg.egt.shape
    row0 = aggregate(plain, "simple").tidy().iloc[0]
    assert row0["conf_high"] - row0["estimate"] == pytest.approx(
        1.959963984540054 * row0["std_error"]
    )


def test_bootstrap_draws_on_corrected_sums_and_band_not_below_pointwise(
    data: pd.DataFrame,
) -> None:
    res = att_gt(data, "lemp", bootstrap=True, n_boot=1999, seed=11, **KEYS)
    analytic = att_gt(data, "lemp", **KEYS)
    ok = np.isfinite(res.std_error)
    assert np.median(res.std_error[ok] / analytic.std_error[ok]) == pytest.approx(1.0, abs=0.1)
    dyn = aggregate(res, "dynamic").tidy().iloc[1:]
    assert np.all(dyn["conf_high_uniform"] >= dyn["conf_high"] - 1e-12)


def test_unit_clusters_and_bad_option(mpdta: pd.DataFrame) -> None:
    keys = dict(unit="countyreal", time="year", cohort="first_treat")
    unit = att_gt(mpdta, "lemp", cluster="countyreal", **keys)
    plain = att_gt(mpdta, "lemp", **keys)
    # one unit per cluster: HC2-type factors of about 1 + 1/(2 n_group), df near n - 1
    np.testing.assert_allclose(unit.std_error, plain.std_error, rtol=0.02)
    assert np.all(unit.df > 50)
    with pytest.raises(SpecError, match="cluster_correction"):
        att_gt(mpdta, "lemp", cluster="countyreal", cluster_correction="CR1", **keys)


def test_analytic_standard_errors_with_a_bootstrap_band(data: pd.DataFrame) -> None:
    res = att_gt(data, "lemp", bootstrap=True, n_boot=999, seed=3, **KEYS)
    analytic = aggregate(res, "dynamic", bootstrap=False)
    mixed = aggregate(res, "dynamic", bootstrap_se=False)
    other_seed = aggregate(res, "dynamic", bootstrap_se=False, seed=4)
    np.testing.assert_array_equal(mixed.se_egt, analytic.se_egt)
    np.testing.assert_array_equal(other_seed.se_egt, analytic.se_egt)  # seed-free SEs
    assert mixed.std_error == analytic.std_error
    assert mixed.uniform and mixed.crit_val_egt > stats.norm.ppf(0.975)
    tidy = mixed.tidy().iloc[1:]
    assert np.all(tidy["conf_high_uniform"] >= tidy["conf_high"] - 1e-12)
