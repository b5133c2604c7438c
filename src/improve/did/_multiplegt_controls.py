"""Control variables in the de Chaisemartin--D'Haultfoeuille estimator (R ``controls=``).

Follows R ``DIDmultiplegtDYN`` (``did_multiplegt_main.R`` and ``did_multiplegt_dyn_core.R``;
de Chaisemartin & D'Haultfoeuille 2024, Web Appendix Section 1.2): for each baseline
treatment ``d``, ``theta_d`` is the weighted least-squares coefficient of the first
difference of the outcome on the first differences of the controls with period fixed
effects (within each period and ``trends_nonparam`` cell), among the groups with that
baseline that have not switched yet. Every long difference of the outcome of a group with
baseline ``d`` is then replaced by ``(Y_t - Y_{t-l}) - theta_d' (X_t - X_{t-l})``. The
variance adds R's term for the estimation of ``theta_d``: ``M_d' (Den_d^{-1} in_sum_g -
theta_d)`` summed over baselines, with ``M_d`` the effect's influence-weighted mean of the
controls' long differences and ``in_sum_g`` the group's sum of control-residual times
outcome-residual terms (scaled by R's cohort degrees-of-freedom factor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.did._multiplegt_prepare import FloatArray, SwitchPanel


@dataclass(frozen=True)
class ControlFit:
    """The first-stage fits of ``controls=`` for one switch panel.

    Attributes
    ----------
    x : ndarray, shape (G, T, K)
        Controls (NaN where the cell is missing).
    levels : ndarray
        Baseline treatments whose groups are residualised (more than one switching date).
    theta : ndarray, shape (n_levels, K)
        ``theta_d`` of each residualised baseline.
    inv_denom : ndarray, shape (n_levels, K, K)
        R's ``inv_Denom_d``: ``Den_d^{-1}`` scaled by the control sample's weight and ``G``.
    in_sum : ndarray, shape (n_levels, G, K)
        Each group's sum of control-residual times outcome-residual terms, zero outside the
        level (R ``in_sum``).
    singular : tuple of float
        Baselines whose control differences are collinear (R warns and uses a
        pseudo-inverse).
    """

    x: FloatArray
    levels: FloatArray
    theta: FloatArray
    inv_denom: FloatArray
    in_sum: FloatArray
    singular: tuple[float, ...]

    def offset(self, p: SwitchPanel, x_diff: FloatArray) -> FloatArray:
        """``theta_{D_g1}' (X_t - X_{t-l})`` for every cell (zero for other baselines)."""
        out = np.zeros(x_diff.shape[:2])
        for j, level in enumerate(self.levels):
            rows = p.d_sq == level
            out[rows] = x_diff[rows] @ self.theta[j]
        return out

    def variance_term(
        self, p: SwitchPanel, h: int, weighted_contrast: FloatArray, x_diff: FloatArray
    ) -> FloatArray:
        """R's ``part2`` of each group for effect (or placebo) ``h``: subtract it from the
        variance influence function. ``weighted_contrast`` is ``G / N_switchers`` times the
        cell contrast within the effect's window (zero elsewhere)."""
        n_g = p.n_groups
        part2 = np.zeros(n_g)
        xd = np.nan_to_num(x_diff)
        early = h <= p.t_g - 2
        f_ok = p.f >= 3
        for j, level in enumerate(self.levels):
            member = (p.d_sq == level) & early
            m = np.einsum("gt,gtk->k", weighted_contrast[member], xd[member]) / n_g
            in_level = (p.d_sq == level) & f_ok
            brackets = (
                np.where(in_level[:, None], self.in_sum[j] @ self.inv_denom[j].T, 0.0)
                - self.theta[j][None, :]
            )
            part2 += brackets @ m
        return part2


def _first_difference(a: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.full_like(a, np.nan)
    out[:, 1:] = a[:, 1:] - a[:, :-1]
    return out


def long_difference(x: FloatArray, h: int, placebo: bool) -> FloatArray:
    """``X_t - X_{t-h}`` (placebo: ``X_{t-2h} - X_{t-h}``) at column ``t``, shape (G, T, K)."""
    n_t = x.shape[1]
    out = np.full_like(x, np.nan)
    if placebo:
        if 2 * h < n_t:
            out[:, 2 * h :] = x[:, : n_t - 2 * h] - x[:, h : n_t - h]
    elif h < n_t:
        out[:, h:] = x[:, h:] - x[:, : n_t - h]
    return out


def _cell_means(
    values: FloatArray, weights: FloatArray, member: NDArray[np.bool_], keys: FloatArray
) -> FloatArray:
    """Weighted mean of ``values`` (G, T, K) over members of the same (period, key) cell."""
    out = np.full(values.shape, np.nan)
    for key in np.unique(keys):
        rows = keys == key
        w = np.where(member[rows], weights[rows], 0.0)
        tot = w.sum(axis=0)
        s = np.einsum("gt,gtk->tk", w, np.nan_to_num(values[rows]))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s / tot[:, None]
        out[rows] = np.broadcast_to(mean, (int(rows.sum()), *mean.shape))
    return out


def _time_fe_fit(
    dy: FloatArray, dx: FloatArray, w: FloatArray, rows: NDArray[np.bool_]
) -> FloatArray:
    """Fitted values of the weighted regression of ``dy`` on ``dx`` with period fixed
    effects over ``rows`` (R: ``feols(diff_y ~ diff_X - 1 | time)``), at every cell of
    ``rows`` whose controls and period effect exist (NaN elsewhere)."""
    valid = rows & np.isfinite(dy) & np.all(np.isfinite(dx), axis=2) & (w > 0)
    wv = np.where(valid, w, 0.0)
    tot = wv.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        my = (wv * np.nan_to_num(dy)).sum(axis=0) / tot
        mx = np.einsum("gt,gtk->tk", wv, np.nan_to_num(dx)) / tot[:, None]
    ty = np.where(valid, np.nan_to_num(dy) - np.nan_to_num(my)[None, :], 0.0)
    tx = np.where(valid[..., None], np.nan_to_num(dx) - np.nan_to_num(mx)[None], 0.0)
    a = np.einsum("gt,gtk,gtl->kl", wv, tx, tx)
    b = np.einsum("gt,gtk,gt->k", wv, tx, ty)
    beta = np.linalg.pinv(a) @ b
    fe = my - mx @ beta
    fitted = np.einsum("gtk,k->gt", dx, beta) + fe[None, :]
    has_fe = tot > 0
    return np.where(rows & has_fe[None, :], fitted, np.nan)


def fit_controls(p: SwitchPanel, x: FloatArray) -> ControlFit:
    """First stage of ``controls=``: ``theta_d``, R's ``inv_Denom_d`` and ``in_sum``."""
    n_g, n_t, n_k = x.shape
    t_idx = np.broadcast_to(np.arange(1, n_t + 1), (n_g, n_t))
    not_yet = p.f[:, None] > t_idx
    dy = _first_difference(p.y)
    dx = np.stack([_first_difference(x[:, :, k]) for k in range(n_k)], axis=2)
    mask = not_yet & np.isfinite(dy) & np.all(np.isfinite(dx), axis=2)
    avg = _cell_means(dx, p.w, mask, p.stratum)
    root = np.sqrt(p.w)
    resid = np.where(mask[..., None], root[..., None] * (dx - avg), 0.0)
    prod = root[..., None] * resid
    dyw = root * np.nan_to_num(dy)
    f_last = np.where(np.isfinite(p.f), p.f, n_t + 1.0)
    levels, thetas, inv_denoms, in_sums, singular = [], [], [], [], []
    for level in np.unique(p.d_sq):
        member = p.d_sq == level
        if np.unique(f_last[member]).size <= 1:
            continue
        rows = mask & member[:, None]
        xm = resid[rows]
        gram = xm.T @ xm
        inv = np.linalg.pinv(gram)
        theta = inv @ (xm.T @ dyw[rows])
        if abs(np.linalg.det(gram)) <= 1e-16:
            singular.append(float(level))
        t_d = f_last[member].max() - 1
        window = member[:, None] & (t_idx >= 2) & (t_idx <= t_d) & not_yet & np.isfinite(dy)
        n_c = float((p.w * window).sum())
        # R 2.3: the control sample's weight (equal to n_c) times G; the two cancel below
        inv_denom = inv * n_c * n_g
        y_hat = _time_fe_fit(dy, dx, p.w, member[:, None] & not_yet)
        count = (member[:, None] & not_yet & np.isfinite(dy)).sum(axis=0).astype(float)
        count = np.broadcast_to(count, (n_g, n_t))
        e_y_hat = y_hat * (count >= 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            dof = np.where(count >= 2, np.sqrt(count / (count - 1)), 1.0)
        term = (dof * (dy - e_y_hat) * ((t_idx >= 2) & (t_idx <= p.f[:, None] - 1)) / n_c)[
            ..., None
        ] * prod
        term = np.where(member[:, None, None], np.nan_to_num(term), 0.0)
        levels.append(level)
        thetas.append(theta)
        inv_denoms.append(inv_denom)
        in_sums.append(term.sum(axis=1))
    return ControlFit(
        x=x,
        levels=np.asarray(levels, dtype=float),
        theta=np.asarray(thetas, dtype=float).reshape(len(levels), n_k),
        inv_denom=np.asarray(inv_denoms, dtype=float).reshape(len(levels), n_k, n_k),
        in_sum=np.asarray(in_sums, dtype=float).reshape(len(levels), n_g, n_k),
        singular=tuple(singular),
    )


def control_array(
    frame: pd.DataFrame, p: SwitchPanel, names: dict[str, str | None], controls: list[str]
) -> FloatArray:
    """The controls as a (G, T, K) array aligned with the panel (NaN where a cell was
    removed or is missing)."""
    gi = pd.Index(p.groups).get_indexer(frame[names["group"]])
    ti = np.searchsorted(p.periods, frame[str(names["time"])].to_numpy())
    keep = gi >= 0
    x = np.full((p.n_groups, p.n_periods, len(controls)), np.nan)
    x[gi[keep], ti[keep]] = frame.loc[keep, controls].to_numpy(float)
    return np.where(np.isnan(p.d)[..., None], np.nan, x)


def first_difference_controls(x: FloatArray, p: SwitchPanel) -> FloatArray:
    """Controls for ``trends_lin``: first differences, groups switching at the second period
    dropped (the rows :func:`~improve.did._multiplegt_prepare.first_difference` keeps)."""
    keep = p.f != 2
    dx = np.full_like(x[keep], np.nan)
    dx[:, 1:] = x[keep][:, 1:] - x[keep][:, :-1]
    return dx
