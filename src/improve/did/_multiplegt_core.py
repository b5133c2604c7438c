"""Numerical core of the de Chaisemartin--D'Haultfoeuille estimator (R ``did_multiplegt_dyn``).

For horizon ``l`` a switcher ``g`` (first switch at ``F_g``) contributes ``S_g`` times
``Y[g, F_g-1+l] - Y[g, F_g-1]`` minus the weighted mean change of the groups with the same
baseline treatment that have not switched by ``F_g-1+l``; placebo ``l`` uses
``Y[g, F_g-1-l] - Y[g, F_g-1]``; ``S_g`` is -1 for groups whose treatment first decreased
(R negates their influence functions), so every effect is that of a higher treatment. Each
group's influence function ``U_g`` gives the estimate
(``sum U_g / G``); the variance uses the same influence function with each outcome change
demeaned within its cohort (switchers: same baseline, switch date and first new treatment;
controls: same period and baseline) and scaled by ``sqrt(n/(n-1))`` of that cohort, summed
within clusters (R's conservative variance, Theorem 1 of de Chaisemartin & D'Haultfoeuille
2024).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from improve.did._multiplegt_controls import ControlFit, long_difference
from improve.did._multiplegt_prepare import FloatArray, SwitchPanel


@dataclass(frozen=True)
class HorizonFit:
    """One effect or placebo: estimate, influence functions and sample sizes."""

    horizon: int
    estimate: float
    estimate_raw: float
    influence: FloatArray
    n_switchers: int
    n_switchers_weighted: float
    n_switcher_clusters: int
    n_obs: int
    delta_d: float
    delta_d_step: float


def _cohort_stats(
    key: NDArray[np.float64],
    member: NDArray[np.bool_],
    wdiff: FloatArray,
    w: FloatArray,
    cluster: NDArray[np.intp] | None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Weighted mean of ``wdiff/w``, the count (groups or clusters) per cohort and each
    member's cluster share of its cohort's weight, broadcast back to the members (NaN
    elsewhere)."""
    mean = np.full(member.shape, np.nan)
    count = np.full(member.shape, np.nan)
    share = np.full(member.shape, np.nan)
    rows, cols = np.nonzero(member)
    if rows.size == 0:
        return mean, count, share
    keys = key[rows, cols] if key.ndim == 3 else key[rows]
    _, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    n_k = inv.max() + 1
    w_rows = w[rows, cols]
    wsum = np.bincount(inv, weights=w_rows, minlength=n_k)
    dsum = np.bincount(inv, weights=wdiff[rows, cols], minlength=n_k)
    unit = rows if cluster is None else cluster[rows]
    pairs, pair_of = np.unique(np.column_stack([inv, unit]), axis=0, return_inverse=True)
    pair_of = pair_of.reshape(-1)
    cnt = np.bincount(pairs[:, 0], minlength=n_k).astype(float)
    pair_w = np.bincount(pair_of, weights=w_rows, minlength=pairs.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(wsum > 0, dsum / wsum, 0.0)
        h = np.where(wsum[inv] > 0, pair_w[pair_of] / wsum[inv], 0.0)
    mean[rows, cols] = m[inv]
    count[rows, cols] = cnt[inv]
    share[rows, cols] = h
    return mean, count, share


def _leverage_scale(share: FloatArray) -> FloatArray:
    """CR2 factor ``(1 - h_c)^{-1/2}`` of a cluster with share ``h_c`` of its cohort's weight
    (1 where the share is 1 or missing: a lone cluster is not demeaned)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 1.0 / np.sqrt(1.0 - share)
    return np.where(np.isfinite(out), out, 1.0)


def _demeaning(
    p: SwitchPanel,
    h: int,
    dist: FloatArray,
    never: FloatArray,
    diff: FloatArray,
    target: NDArray[np.bool_],
    small_sample: str = "R",
) -> tuple[FloatArray, FloatArray]:
    """Cohort means ``E_hat`` and degrees-of-freedom scaling of each cell.

    ``small_sample="R"`` scales a cell by ``sqrt(n/(n-1))``, ``n`` the clusters of its
    cohort (R); ``"CR2"`` by ``(1 - h)^{-1/2}``, ``h`` its cluster's share of the cohort's
    weight (the bias-reduced linearization of a weighted mean; equal to R's factor when the
    clusters of a cohort have equal weight).
    """
    n_g, n_t = p.y.shape
    t_idx = np.broadcast_to(np.arange(1, n_t + 1), (n_g, n_t))
    wdiff = np.nan_to_num(diff) * p.w
    d_sq = np.broadcast_to(p.stratum[:, None], (n_g, n_t))
    sw_key = np.column_stack(
        [p.stratum, np.nan_to_num(p.f, posinf=-1.0), np.nan_to_num(p.d_fg, nan=-1.0)]
    )
    is_sw = dist == 1
    is_ctrl = never == 1
    cell_key = np.stack([t_idx, d_sq], axis=-1)
    mean_s, dof_s, h_s = _cohort_stats(sw_key, is_sw, wdiff, p.w, p.cluster)
    mean_c, dof_c, h_c = _cohort_stats(cell_key, is_ctrl, wdiff, p.w, p.cluster)
    mean_u, dof_u, h_u = _cohort_stats(cell_key, is_sw | is_ctrl, wdiff, p.w, p.cluster)
    mean_s = np.nan_to_num(mean_s)
    mean_c = np.nan_to_num(mean_c)
    mean_u = np.nan_to_num(mean_u)
    s_ = np.nan_to_num(dof_s, nan=9999.0)
    c_ = np.nan_to_num(dof_c, nan=9999.0)
    u_ = np.nan_to_num(dof_u, nan=9999.0)
    before = t_idx < p.f[:, None]
    use_u = (u_ >= 2) & ((target & (s_ == 1)) | (before & (c_ == 1)))
    e_hat = np.select(
        [target & (s_ >= 2), before & (c_ >= 2), use_u], [mean_s, mean_c, mean_u], 0.0
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        if small_sample == "CR2":
            factors = [_leverage_scale(h_s), _leverage_scale(h_c), _leverage_scale(h_u)]
        else:
            factors = [np.sqrt(s_ / (s_ - 1)), np.sqrt(c_ / (c_ - 1)), np.sqrt(u_ / (u_ - 1))]
        scale = np.select([target & (s_ > 1), before & (c_ > 1), use_u], factors, 1.0)
    return e_hat, scale


def horizon_fit(
    p: SwitchPanel,
    h: int,
    *,
    placebo: bool,
    switchers: str,
    only_never_switchers: bool,
    same_mask: NDArray[np.bool_] | None = None,
    controls: ControlFit | None = None,
    small_sample: str = "R",
    variance: bool = True,
) -> HorizonFit | None:
    """Estimate effect ``h`` (or placebo ``h``) and its variance influence function.

    With ``controls`` the outcome's long differences are residualised on the controls'
    (:mod:`improve.did._multiplegt_controls`) and the variance gets R's first-stage term.
    ``variance=False`` skips the variance influence function (left at zero), for refits
    that only need the estimate (the jackknife).
    """
    n_g, n_t = p.y.shape
    diff = np.full((n_g, n_t), np.nan)
    if placebo:
        if 2 * h < n_t:
            diff[:, 2 * h :] = p.y[:, : n_t - 2 * h] - p.y[:, h : n_t - h]
    elif h < n_t:
        diff[:, h:] = p.y[:, h:] - p.y[:, : n_t - h]
    x_diff = None
    if controls is not None:
        x_diff = long_difference(controls.x, h, placebo)
        diff = diff - controls.offset(p, x_diff)
    ok = ~np.isnan(diff)
    t_idx = np.broadcast_to(np.arange(1, n_t + 1), (n_g, n_t))
    never = np.where(ok, (p.f[:, None] > t_idx).astype(float), np.nan)
    if only_never_switchers:
        never = np.where(ok & (p.f[:, None] > t_idx) & np.isfinite(p.f)[:, None], 0.0, never)
    n_control = _cell_sum(np.nan_to_num(never) * p.w, p.stratum)
    selected = {"in": p.s == 1, "out": p.s == -1}.get(switchers, p.s != 0)
    if same_mask is not None:
        selected = selected & same_mask
    target = t_idx == (p.f[:, None] - 1 + h)
    cond = target & (p.l_g[:, None] >= h) & (n_control > 0) & selected[:, None]
    dist = np.where(ok, cond.astype(float), np.nan)
    dist_w = np.nan_to_num(dist) * p.w
    # switchers out enter with the sign of their switch (R: U_Gg_minus = -U_Gg), so every
    # effect is that of a higher treatment
    sign = np.where(p.s < 0, -1.0, 1.0)[:, None]
    n_treated = _cell_sum(dist_w * sign, p.stratum)
    n_sw_w = float(dist_w.sum())
    is_switcher = np.any(dist == 1, axis=1)
    n_sw = int(is_switcher.sum())
    if n_sw == 0:
        return None
    n_sw_clusters = n_sw if p.cluster is None else int(np.unique(p.cluster[is_switcher]).size)
    safe_ctrl = np.where(n_control == 0, 1.0, n_control)
    n_sw_safe = max(n_sw_w, 1e-10)
    contrast = p.w * (np.nan_to_num(dist) * sign - n_treated / safe_ctrl * np.nan_to_num(never))
    contrast = np.where(ok, contrast, 0.0)
    u_point = (n_g / n_sw_safe) * (contrast * np.nan_to_num(diff)).sum(axis=1)
    estimate = float(u_point.sum() / n_g)
    if not variance:
        delta_d, delta_step = _treatment_change(p, h, dist)
        return HorizonFit(
            horizon=-h if placebo else h,
            estimate=estimate,
            estimate_raw=estimate,
            influence=np.zeros(n_g),
            n_switchers=n_sw,
            n_switchers_weighted=n_sw_w,
            n_switcher_clusters=n_sw_clusters,
            n_obs=0,
            delta_d=delta_d,
            delta_d_step=delta_step,
        )
    e_hat, scale = _demeaning(p, h, dist, never, diff, target, small_sample)
    in_window = (t_idx >= h + 1) & (t_idx <= p.t_g[:, None])
    u_ok = (p.t_g - 1 >= h).astype(float)
    u_var = (
        u_ok
        * (n_g / n_sw_safe)
        * (in_window * contrast * scale * (np.nan_to_num(diff) - np.where(ok, e_hat, 0.0))).sum(
            axis=1
        )
    )
    if controls is not None and x_diff is not None:
        weighted = (n_g / n_sw_safe) * in_window * contrast
        u_var = u_var - controls.variance_term(p, h, weighted, x_diff)
    delta_d, delta_step = _treatment_change(p, h, dist)
    dz = np.nan_to_num(diff)
    n_obs = int((ok & ((contrast * dz != 0) | (dz == 0))).sum())
    return HorizonFit(
        horizon=-h if placebo else h,
        estimate=estimate,
        estimate_raw=estimate,
        influence=u_var,
        n_switchers=n_sw,
        n_switchers_weighted=n_sw_w,
        n_switcher_clusters=n_sw_clusters,
        n_obs=n_obs,
        delta_d=delta_d,
        delta_d_step=delta_step,
    )


def _cell_sum(values: FloatArray, d_sq: FloatArray) -> FloatArray:
    """Sum of ``values`` over groups with the same baseline, per period (broadcast back)."""
    out = np.zeros_like(values)
    for v in np.unique(d_sq):
        members = d_sq == v
        out[members] = values[members].sum(axis=0)
    return out


def _treatment_change(p: SwitchPanel, h: int, dist: FloatArray) -> tuple[float, float]:
    """Weighted mean over the horizon's switchers of the cumulative treatment change from
    ``F_g`` to ``F_g-1+h`` (the normalisation) and of the change at ``F_g-1+h`` alone (the
    per-period change used by the average total effect), both signed by the switch
    direction."""
    rows = np.flatnonzero(np.any(dist == 1, axis=1))
    if rows.size == 0:
        return float("nan"), float("nan")
    cols = np.argmax(dist[rows] == 1, axis=1)
    wts = p.w[rows, cols]
    sign = np.where(p.s[rows] == 1, 1.0, -1.0)
    n_t = p.d.shape[1]
    cols_h = (p.f[rows].astype(int) - 1)[:, None] + np.arange(h)[None, :]
    inside = cols_h < n_t
    seg = p.d[rows[:, None], np.minimum(cols_h, n_t - 1)] - p.d_sq[rows][:, None]
    cum = np.where(inside, np.nan_to_num(seg), 0.0).sum(axis=1)
    step = np.where(inside[:, -1], seg[:, -1], np.nan)
    total = wts.sum()
    if total == 0:
        return float("nan"), float("nan")
    return float((wts * sign * cum).sum() / total), float((wts * sign * step).sum() / total)


def clustered_vcov(u: FloatArray, n_groups: int, cluster: NDArray[np.intp] | None) -> FloatArray:
    """``S'S / G^2`` with ``S`` the influence functions summed within clusters."""
    m = np.nan_to_num(u.reshape(u.shape[0], -1))
    if cluster is not None and np.unique(cluster).size > 1:
        s = np.zeros((int(cluster.max()) + 1, m.shape[1]))
        np.add.at(s, cluster, m)
    else:
        s = m
    return s.T @ s / float(n_groups) ** 2


def same_switchers_mask(
    p: SwitchPanel, effects: int, only_never_switchers: bool
) -> NDArray[np.bool_]:
    """Switchers with an outcome change and a comparison group at every horizon
    ``1..effects`` (R ``same_switchers``: ``N_g_control_check == effects``)."""
    n_g, n_t = p.y.shape
    t_idx = np.broadcast_to(np.arange(1, n_t + 1), (n_g, n_t))
    count = np.zeros(n_g)
    for q in range(1, effects + 1):
        diff = np.full((n_g, n_t), np.nan)
        if q < n_t:
            diff[:, q:] = p.y[:, q:] - p.y[:, : n_t - q]
        ok = ~np.isnan(diff)
        never = ok & (p.f[:, None] > t_idx)
        if only_never_switchers:
            never &= ~np.isfinite(p.f)[:, None]
        n_control = _cell_sum(never * p.w, p.stratum)
        col = p.f - 1 + q
        inside = np.isfinite(col) & (col >= 1) & (col <= n_t)
        rows = np.flatnonzero(inside)
        cols = col[rows].astype(int) - 1
        good = (n_control[rows, cols] > 0) & ok[rows, cols]
        count[rows] += good
    return count == effects
