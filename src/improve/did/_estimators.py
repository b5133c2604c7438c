"""Two-period DiD estimators with influence functions (R ``DRDID`` semantics).

Each function estimates the ATT of a single 2x2 comparison and returns the point estimate
together with its influence function, one entry per observation passed in, normalised so
that ``se = sqrt(mean(psi**2) / n)``. They follow Sant'Anna and Zhao (2020) as implemented
in the R package ``DRDID`` (``drdid_panel``, ``std_ipw_did_panel``, ``reg_did_panel``,
``drdid_rc``, ``std_ipw_did_rc``, ``reg_did_rc``), including the normalisation of weights to
mean one, the clamp of propensity scores at ``1 - 1e-6`` and the trimming of comparison
units whose propensity score is at least ``0.995``.

A design that cannot be estimated (singular regression or propensity design, no treated or
comparison units) raises :class:`CellError`; the caller turns that into a missing cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_EPS = float(np.finfo(float).eps)
_PS_CAP = 1.0 - 1e-6
_TRIM_LEVEL = 0.995


class CellError(RuntimeError):
    """A (g,t) cell cannot be estimated; the message says why."""


def rcond(a: FloatArray) -> float:
    """Reciprocal condition number in the 1-norm (0 for a singular matrix), like R ``rcond``."""
    if a.size == 0:
        return 0.0
    if not np.all(np.isfinite(a)):
        return 0.0
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return 0.0
    norm_a = np.abs(a).sum(axis=0).max()
    norm_inv = np.abs(inv).sum(axis=0).max()
    if norm_a == 0 or not np.isfinite(norm_inv):
        return 0.0
    return float(1.0 / (norm_a * norm_inv))


def _is_intercept_only(x: FloatArray) -> bool:
    return x.shape[1] == 1 and bool(np.all(x[:, 0] == 1.0))


def logit_fit(
    x: FloatArray, d: FloatArray, w: FloatArray, *, max_iter: int = 100, tol: float = 1e-12
) -> tuple[FloatArray, bool]:
    """Weighted logistic regression by Newton-Raphson (IRLS).

    Parameters
    ----------
    x : ndarray, shape (n, k)
        Design matrix (includes the intercept column).
    d : ndarray, shape (n,)
        0/1 outcome.
    w : ndarray, shape (n,)
        Non-negative weights.
    max_iter, tol : int, float
        Iteration limit and convergence tolerance on the coefficient step.

    Returns
    -------
    fitted : ndarray, shape (n,)
        Fitted probabilities.
    converged : bool
        Whether the iterations converged.

    Raises
    ------
    CellError
        If the weighted design is singular.
    """
    if _is_intercept_only(x):
        p = float(np.dot(w, d) / w.sum())
        return np.full(d.shape[0], p), True
    k = x.shape[1]
    xtx = x.T @ (w[:, None] * x)
    if rcond(xtx) < _EPS:
        raise CellError("the propensity-score design is singular (collinear covariates)")
    beta = np.zeros(k)
    pbar = float(np.clip(np.dot(w, d) / w.sum(), 1e-6, 1 - 1e-6))
    if np.all(x[:, 0] == 1.0):
        beta[0] = np.log(pbar / (1 - pbar))
    converged = False
    p = np.full(d.shape[0], pbar)
    for _ in range(max_iter):
        eta = np.clip(x @ beta, -35.0, 35.0)
        p = 1.0 / (1.0 + np.exp(-eta))
        wt = w * p * (1.0 - p)
        hess = x.T @ (wt[:, None] * x)
        grad = x.T @ (w * (d - p))
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError as exc:
            raise CellError("the propensity-score Hessian is singular") from exc
        beta = beta + step
        if np.max(np.abs(step)) <= tol * (1.0 + np.max(np.abs(beta))):
            converged = True
            break
    eta = np.clip(x @ beta, -35.0, 35.0)
    p = 1.0 / (1.0 + np.exp(-eta))
    return p, converged


def wls(x: FloatArray, y: FloatArray, w: FloatArray) -> FloatArray:
    """Weighted least squares coefficients; raises :class:`CellError` when singular."""
    if x.shape[0] == 0:
        raise CellError("no observations for the outcome regression")
    xtx = x.T @ (w[:, None] * x)
    if rcond(xtx) < _EPS:
        raise CellError("the outcome-regression design is singular (collinear covariates)")
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)
    return coef


def _ols_lin_rep(
    x: FloatArray, resid: FloatArray, wsub: FloatArray, n: int
) -> tuple[FloatArray, FloatArray]:
    """Return ``(wols_eX, XpX_inv)`` of the asymptotic linear representation of WLS."""
    xpx = (x.T @ (wsub[:, None] * x)) / n
    if rcond(xpx) < _EPS:
        raise CellError("the regression design matrix is singular")
    return (wsub * resid)[:, None] * x, np.linalg.inv(xpx)


def _ps_lin_rep(x: FloatArray, d: FloatArray, ps: FloatArray, w: FloatArray) -> FloatArray:
    """Asymptotic linear representation of the logit coefficients (n x k)."""
    n = d.shape[0]
    wps = ps * (1.0 - ps) * w
    hess = x.T @ (wps[:, None] * x)
    try:
        chol = np.linalg.cholesky(hess)
    except np.linalg.LinAlgError as exc:
        raise CellError("the propensity-score Hessian is not positive definite") from exc
    inv_chol = np.linalg.inv(chol)
    hess_inv = inv_chol.T @ inv_chol
    score = (w * (d - ps))[:, None] * x
    return score @ (hess_inv * n)


def _normalise(w: FloatArray) -> FloatArray:
    if np.any(w < 0):
        raise CellError("weights must be non-negative")
    m = w.mean()
    if not m > 0:
        raise CellError("weights sum to zero")
    return w / m


def _pscore(
    x: FloatArray, d: FloatArray, w: FloatArray, ps: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    if ps is None:
        ps, _ = logit_fit(x, d, w)
    ps = np.minimum(ps, _PS_CAP)
    trim = np.ones_like(ps)
    ctrl = d == 0
    trim[ctrl] = (ps[ctrl] < _TRIM_LEVEL).astype(float)
    return ps, trim


def _check_means(*vals: float) -> None:
    for v in vals:
        if not v > 0:
            raise CellError("no treated or comparison observations with positive weight")


# ----------------------------------------------------------------------------- panel


def drdid_panel(
    dy: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray, ps: FloatArray | None = None
) -> tuple[float, FloatArray]:
    """Locally efficient doubly robust DiD for panel data (R ``DRDID::drdid_panel``).

    Parameters
    ----------
    dy : ndarray, shape (n,)
        Outcome change ``Y_post - Y_pre``.
    d : ndarray, shape (n,)
        Treatment-group indicator (0/1).
    x : ndarray, shape (n, k)
        Covariates including an intercept column.
    w : ndarray, shape (n,)
        Sampling weights (normalised to mean one here).
    ps : ndarray, optional
        Already fitted propensity scores (same weights), to avoid refitting the logit.

    Returns
    -------
    att : float
        Point estimate.
    inf_func : ndarray, shape (n,)
        Influence function.
    """
    n = d.shape[0]
    w = _normalise(w)
    ps, trim = _pscore(x, d, w, ps)
    ctrl = d == 0
    beta = wls(x[ctrl], dy[ctrl], w[ctrl])
    out_delta = x @ beta
    w_treat = trim * w * d
    w_cont = trim * w * ps * (1.0 - d) / (1.0 - ps)
    resid = dy - out_delta
    dr_treat = w_treat * resid
    dr_cont = w_cont * resid
    mw_t, mw_c = w_treat.mean(), w_cont.mean()
    _check_means(mw_t, mw_c)
    eta_treat = dr_treat.mean() / mw_t
    eta_cont = dr_cont.mean() / mw_c
    att = eta_treat - eta_cont

    w_ols = w * (1.0 - d)
    wols_ex, xpx_inv = _ols_lin_rep(x, resid, w_ols, n)
    lin_ps = _ps_lin_rep(x, d, ps, w)

    inf_treat_1 = dr_treat - w_treat * eta_treat
    m1 = (w_treat[:, None] * x).mean(axis=0)
    inf_treat_2 = wols_ex @ (xpx_inv @ m1)
    inf_treat = (inf_treat_1 - inf_treat_2) / mw_t

    inf_cont_1 = dr_cont - w_cont * eta_cont
    m2 = ((w_cont * (resid - eta_cont))[:, None] * x).mean(axis=0)
    inf_cont_2 = lin_ps @ m2
    m3 = (w_cont[:, None] * x).mean(axis=0)
    inf_cont_3 = wols_ex @ (xpx_inv @ m3)
    inf_control = (inf_cont_1 + inf_cont_2 - inf_cont_3) / mw_c
    return float(att), inf_treat - inf_control


def std_ipw_did_panel(
    dy: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray, ps: FloatArray | None = None
) -> tuple[float, FloatArray]:
    """Normalised (Hajek) IPW DiD for panel data (R ``DRDID::std_ipw_did_panel``).

    Parameters and returns as in :func:`drdid_panel`.
    """
    w = _normalise(w)
    ps, trim = _pscore(x, d, w, ps)
    w_treat = trim * w * d
    w_cont = trim * w * ps * (1.0 - d) / (1.0 - ps)
    att_treat = w_treat * dy
    att_cont = w_cont * dy
    mw_t, mw_c = w_treat.mean(), w_cont.mean()
    _check_means(mw_t, mw_c)
    eta_treat = att_treat.mean() / mw_t
    eta_cont = att_cont.mean() / mw_c
    att = eta_treat - eta_cont

    lin_ps = _ps_lin_rep(x, d, ps, w)
    inf_treat = (att_treat - w_treat * eta_treat) / mw_t
    inf_cont_1 = att_cont - w_cont * eta_cont
    m2 = ((w_cont * (dy - eta_cont))[:, None] * x).mean(axis=0)
    inf_cont_2 = lin_ps @ m2
    inf_control = (inf_cont_1 + inf_cont_2) / mw_c
    return float(att), inf_treat - inf_control


def reg_did_panel(
    dy: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    """Outcome-regression DiD for panel data (R ``DRDID::reg_did_panel``).

    Parameters and returns as in :func:`drdid_panel`.
    """
    n = d.shape[0]
    w = _normalise(w)
    ctrl = d == 0
    beta = wls(x[ctrl], dy[ctrl], w[ctrl])
    out_delta = x @ beta
    w_treat = w * d
    w_cont = w * d
    att_treat = w_treat * dy
    att_cont = w_cont * out_delta
    mw_t, mw_c = w_treat.mean(), w_cont.mean()
    _check_means(mw_t, mw_c)
    eta_treat = att_treat.mean() / mw_t
    eta_cont = att_cont.mean() / mw_c
    att = eta_treat - eta_cont

    w_ols = w * (1.0 - d)
    wols_ex, xpx_inv = _ols_lin_rep(x, dy - out_delta, w_ols, n)
    inf_treat = (att_treat - w_treat * eta_treat) / mw_t
    inf_cont_1 = att_cont - w_cont * eta_cont
    m1 = (w_cont[:, None] * x).mean(axis=0)
    inf_cont_2 = wols_ex @ (xpx_inv @ m1)
    inf_control = (inf_cont_1 + inf_cont_2) / mw_c
    return float(att), inf_treat - inf_control


# ------------------------------------------------------------- repeated cross-sections


@dataclass(frozen=True)
class _RCFits:
    """Outcome regressions of the four group x period cells, predicted for every row."""

    c_pre: FloatArray
    c_post: FloatArray
    t_pre: FloatArray
    t_post: FloatArray


def _rc_fits(
    y: FloatArray, post: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray
) -> _RCFits:
    """Weighted least squares of ``y`` on ``x`` within each group x period cell."""
    c0 = (d == 0) & (post == 0)
    c1 = (d == 0) & (post == 1)
    t0 = (d == 1) & (post == 0)
    t1 = (d == 1) & (post == 1)
    return _RCFits(
        c_pre=x @ wls(x[c0], y[c0], w[c0]),
        c_post=x @ wls(x[c1], y[c1], w[c1]),
        t_pre=x @ wls(x[t0], y[t0], w[t0]),
        t_post=x @ wls(x[t1], y[t1], w[t1]),
    )


@dataclass(frozen=True)
class _RCWeights:
    """Trimmed doubly robust weights of each component and their means."""

    treat_pre: FloatArray
    treat_post: FloatArray
    cont_pre: FloatArray
    cont_post: FloatArray
    d: FloatArray
    dt1: FloatArray
    dt0: FloatArray
    m_tp: float
    m_tq: float
    m_cp: float
    m_cq: float
    m_d: float
    m_d1: float
    m_d0: float


def _rc_weights(
    ps: FloatArray, trim: FloatArray, w: FloatArray, d: FloatArray, post: FloatArray
) -> _RCWeights:
    """The weights of the locally efficient DR estimator (checked to have positive means)."""
    odds = ps / (1.0 - ps)
    w_treat_pre = trim * w * d * (1.0 - post)
    w_treat_post = trim * w * d * post
    w_cont_pre = trim * w * odds * (1.0 - d) * (1.0 - post)
    w_cont_post = trim * w * odds * (1.0 - d) * post
    w_d = trim * w * d
    w_dt1 = trim * w * d * post
    w_dt0 = trim * w * d * (1.0 - post)
    m_tp, m_tq = w_treat_pre.mean(), w_treat_post.mean()
    m_cp, m_cq = w_cont_pre.mean(), w_cont_post.mean()
    m_d, m_d1, m_d0 = w_d.mean(), w_dt1.mean(), w_dt0.mean()
    _check_means(m_tp, m_tq, m_cp, m_cq, m_d, m_d1, m_d0)
    return _RCWeights(
        w_treat_pre,
        w_treat_post,
        w_cont_pre,
        w_cont_post,
        w_d,
        w_dt1,
        w_dt0,
        m_tp,
        m_tq,
        m_cp,
        m_cq,
        m_d,
        m_d1,
        m_d0,
    )


@dataclass(frozen=True)
class _RCEta:
    """Per-row terms whose means make up the ATT."""

    treat_pre: FloatArray
    treat_post: FloatArray
    cont_pre: FloatArray
    cont_post: FloatArray
    d_post: FloatArray
    dt1_post: FloatArray
    d_pre: FloatArray
    dt0_pre: FloatArray


def _rc_eta(r: FloatArray, fit: _RCFits, wt: _RCWeights) -> _RCEta:
    """The eight components of the estimator, one value per row."""
    diff_post = fit.t_post - fit.c_post
    diff_pre = fit.t_pre - fit.c_pre
    return _RCEta(
        treat_pre=wt.treat_pre * r / wt.m_tp,
        treat_post=wt.treat_post * r / wt.m_tq,
        cont_pre=wt.cont_pre * r / wt.m_cp,
        cont_post=wt.cont_post * r / wt.m_cq,
        d_post=wt.d * diff_post / wt.m_d,
        dt1_post=wt.dt1 * diff_post / wt.m_d1,
        d_pre=wt.d * diff_pre / wt.m_d,
        dt0_pre=wt.dt0 * diff_pre / wt.m_d0,
    )


@dataclass(frozen=True)
class _RCLinearReps:
    """Linear representations of the four outcome regressions (``_ols_lin_rep``)."""

    ex_pre: FloatArray
    inv_pre: FloatArray
    ex_post: FloatArray
    inv_post: FloatArray
    ex_pre_t: FloatArray
    inv_pre_t: FloatArray
    ex_post_t: FloatArray
    inv_post_t: FloatArray


def _rc_linear_reps(
    x: FloatArray, y: FloatArray, post: FloatArray, d: FloatArray, w: FloatArray, fit: _RCFits
) -> _RCLinearReps:
    """Linear representations of the comparison and treated outcome regressions."""
    n = d.shape[0]
    ex_pre, inv_pre = _ols_lin_rep(x, y - fit.c_pre, w * (1.0 - d) * (1.0 - post), n)
    ex_post, inv_post = _ols_lin_rep(x, y - fit.c_post, w * (1.0 - d) * post, n)
    ex_pre_t, inv_pre_t = _ols_lin_rep(x, y - fit.t_pre, w * d * (1.0 - post), n)
    ex_post_t, inv_post_t = _ols_lin_rep(x, y - fit.t_post, w * d * post, n)
    return _RCLinearReps(
        ex_pre, inv_pre, ex_post, inv_post, ex_pre_t, inv_pre_t, ex_post_t, inv_post_t
    )


def _rc_dr_influence(
    x: FloatArray,
    post: FloatArray,
    r: FloatArray,
    lin_ps: FloatArray,
    wt: _RCWeights,
    eta: _RCEta,
    reps: _RCLinearReps,
) -> FloatArray:
    """Influence function of the doubly robust part (treated minus comparison)."""
    att_treat_pre, att_treat_post = eta.treat_pre.mean(), eta.treat_post.mean()
    att_cont_pre, att_cont_post = eta.cont_pre.mean(), eta.cont_post.mean()
    inf_treat_pre = eta.treat_pre - wt.treat_pre * att_treat_pre / wt.m_tp
    inf_treat_post = eta.treat_post - wt.treat_post * att_treat_post / wt.m_tq
    m1_post = -((wt.treat_post * post)[:, None] * x).mean(axis=0) / wt.m_tq
    m1_pre = -((wt.treat_pre * (1.0 - post))[:, None] * x).mean(axis=0) / wt.m_tp
    # The treated and control components are post minus pre, so the base-period outcome
    # regression enters with a minus sign. R's DRDID::drdid_rc (and ports copying it) adds
    # it; csdid, diff-diff and a numerical derivative of this estimator agree with the
    # minus sign (tests/reference/README.md, verdict 5). ATTs are unaffected.
    inf_treat_or = reps.ex_post @ (reps.inv_post @ m1_post) - reps.ex_pre @ (reps.inv_pre @ m1_pre)
    inf_treat = inf_treat_post - inf_treat_pre + inf_treat_or

    inf_cont_pre = eta.cont_pre - wt.cont_pre * att_cont_pre / wt.m_cp
    inf_cont_post = eta.cont_post - wt.cont_post * att_cont_post / wt.m_cq
    m2_pre = ((wt.cont_pre * (r - att_cont_pre))[:, None] * x).mean(axis=0) / wt.m_cp
    m2_post = ((wt.cont_post * (r - att_cont_post))[:, None] * x).mean(axis=0) / wt.m_cq
    inf_cont_ps = lin_ps @ (m2_post - m2_pre)
    m3_post = -((wt.cont_post * post)[:, None] * x).mean(axis=0) / wt.m_cq
    m3_pre = -((wt.cont_pre * (1.0 - post))[:, None] * x).mean(axis=0) / wt.m_cp
    inf_cont_or = reps.ex_post @ (reps.inv_post @ m3_post) - reps.ex_pre @ (reps.inv_pre @ m3_pre)
    inf_cont = inf_cont_post - inf_cont_pre + inf_cont_ps + inf_cont_or
    return inf_treat - inf_cont


def _rc_efficiency_influence(
    x: FloatArray, wt: _RCWeights, eta: _RCEta, reps: _RCLinearReps
) -> tuple[FloatArray, FloatArray]:
    """Influence functions of the local-efficiency terms and of their outcome regressions."""
    inf_eff1 = eta.d_post - wt.d * eta.d_post.mean() / wt.m_d
    inf_eff2 = eta.dt1_post - wt.dt1 * eta.dt1_post.mean() / wt.m_d1
    inf_eff3 = eta.d_pre - wt.d * eta.d_pre.mean() / wt.m_d
    inf_eff4 = eta.dt0_pre - wt.dt0 * eta.dt0_pre.mean() / wt.m_d0
    inf_eff = (inf_eff1 - inf_eff2) - (inf_eff3 - inf_eff4)

    mom_post = ((wt.d / wt.m_d - wt.dt1 / wt.m_d1)[:, None] * x).mean(axis=0)
    mom_pre = ((wt.d / wt.m_d - wt.dt0 / wt.m_d0)[:, None] * x).mean(axis=0)
    inf_or_post = reps.ex_post_t @ (reps.inv_post_t @ mom_post) - reps.ex_post @ (
        reps.inv_post @ mom_post
    )
    inf_or_pre = reps.ex_pre_t @ (reps.inv_pre_t @ mom_pre) - reps.ex_pre @ (reps.inv_pre @ mom_pre)
    return inf_eff, inf_or_post - inf_or_pre


def drdid_rc(
    y: FloatArray, post: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    """Locally efficient DR DiD for repeated cross-sections (R ``DRDID::drdid_rc``).

    Parameters
    ----------
    y : ndarray, shape (n,)
        Outcome of each observation.
    post : ndarray, shape (n,)
        1 for observations in the later period of the comparison, 0 for the base period.
    d, x, w : ndarray
        Treatment indicator, covariates with intercept and weights.

    Returns
    -------
    att : float
        Point estimate.
    inf_func : ndarray, shape (n,)
        Influence function (one entry per observation).
    """
    w = _normalise(w)
    ps, trim = _pscore(x, d, w)
    fit = _rc_fits(y, post, d, x, w)
    wt = _rc_weights(ps, trim, w, d, post)
    out_c = post * fit.c_post + (1.0 - post) * fit.c_pre
    r = y - out_c
    eta = _rc_eta(r, fit, wt)
    att = (
        (eta.treat_post.mean() - eta.treat_pre.mean())
        - (eta.cont_post.mean() - eta.cont_pre.mean())
        + (eta.d_post.mean() - eta.dt1_post.mean())
        - (eta.d_pre.mean() - eta.dt0_pre.mean())
    )
    reps = _rc_linear_reps(x, y, post, d, w, fit)
    inf1 = _rc_dr_influence(x, post, r, _ps_lin_rep(x, d, ps, w), wt, eta, reps)
    inf_eff, inf_or = _rc_efficiency_influence(x, wt, eta, reps)
    return float(att), inf1 + inf_eff + inf_or


def std_ipw_did_rc(
    y: FloatArray, post: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    """Normalised IPW DiD for repeated cross-sections (R ``DRDID::std_ipw_did_rc``).

    Parameters and returns as in :func:`drdid_rc`.
    """
    w = _normalise(w)
    ps, trim = _pscore(x, d, w)
    odds = ps / (1.0 - ps)
    w_treat_pre = trim * w * d * (1.0 - post)
    w_treat_post = trim * w * d * post
    w_cont_pre = trim * w * odds * (1.0 - d) * (1.0 - post)
    w_cont_post = trim * w * odds * (1.0 - d) * post
    m_tp, m_tq = w_treat_pre.mean(), w_treat_post.mean()
    m_cp, m_cq = w_cont_pre.mean(), w_cont_post.mean()
    _check_means(m_tp, m_tq, m_cp, m_cq)
    eta_treat_pre = w_treat_pre * y / m_tp
    eta_treat_post = w_treat_post * y / m_tq
    eta_cont_pre = w_cont_pre * y / m_cp
    eta_cont_post = w_cont_post * y / m_cq
    att_treat_pre = eta_treat_pre.mean()
    att_treat_post = eta_treat_post.mean()
    att_cont_pre = eta_cont_pre.mean()
    att_cont_post = eta_cont_post.mean()
    att = (att_treat_post - att_treat_pre) - (att_cont_post - att_cont_pre)

    lin_ps = _ps_lin_rep(x, d, ps, w)
    inf_treat_pre = eta_treat_pre - w_treat_pre * att_treat_pre / m_tp
    inf_treat_post = eta_treat_post - w_treat_post * att_treat_post / m_tq
    inf_treat = inf_treat_post - inf_treat_pre
    inf_cont_pre = eta_cont_pre - w_cont_pre * att_cont_pre / m_cp
    inf_cont_post = eta_cont_post - w_cont_post * att_cont_post / m_cq
    m2_pre = ((w_cont_pre * (y - att_cont_pre))[:, None] * x).mean(axis=0) / m_cp
    m2_post = ((w_cont_post * (y - att_cont_post))[:, None] * x).mean(axis=0) / m_cq
    inf_cont = inf_cont_post - inf_cont_pre + lin_ps @ (m2_post - m2_pre)
    return float(att), inf_treat - inf_cont


def reg_did_rc(
    y: FloatArray, post: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    """Outcome-regression DiD for repeated cross-sections (R ``DRDID::reg_did_rc``).

    Parameters and returns as in :func:`drdid_rc`.
    """
    n = d.shape[0]
    w = _normalise(w)
    c0 = (d == 0) & (post == 0)
    c1 = (d == 0) & (post == 1)
    out_pre = x @ wls(x[c0], y[c0], w[c0])
    out_post = x @ wls(x[c1], y[c1], w[c1])
    w_treat_pre = w * d * (1.0 - post)
    w_treat_post = w * d * post
    w_cont = w * d
    m_tp, m_tq, m_c = w_treat_pre.mean(), w_treat_post.mean(), w_cont.mean()
    _check_means(m_tp, m_tq, m_c)
    att_treat_pre = w_treat_pre * y
    att_treat_post = w_treat_post * y
    att_cont = w_cont * (out_post - out_pre)
    eta_treat_pre = att_treat_pre.mean() / m_tp
    eta_treat_post = att_treat_post.mean() / m_tq
    eta_cont = att_cont.mean() / m_c
    att = (eta_treat_post - eta_treat_pre) - eta_cont

    ex_pre, inv_pre = _ols_lin_rep(x, y - out_pre, w * (1.0 - d) * (1.0 - post), n)
    ex_post, inv_post = _ols_lin_rep(x, y - out_post, w * (1.0 - d) * post, n)
    inf_treat_pre = (att_treat_pre - w_treat_pre * eta_treat_pre) / m_tp
    inf_treat_post = (att_treat_post - w_treat_post * eta_treat_post) / m_tq
    inf_treat = inf_treat_post - inf_treat_pre
    inf_cont_1 = att_cont - w_cont * eta_cont
    m1 = (w_cont[:, None] * x).mean(axis=0)
    inf_cont_2_post = ex_post @ (inv_post @ m1)
    inf_cont_2_pre = ex_pre @ (inv_pre @ m1)
    inf_control = (inf_cont_1 + inf_cont_2_post - inf_cont_2_pre) / m_c
    return float(att), inf_treat - inf_control


PANEL_ESTIMATORS = {"dr": drdid_panel, "ipw": std_ipw_did_panel, "reg": reg_did_panel}
RC_ESTIMATORS = {"dr": drdid_rc, "ipw": std_ipw_did_rc, "reg": reg_did_rc}


# ------------------------------------------------------------ no-covariate fast paths


def unconditional_panel(
    dy: FloatArray, d: FloatArray, w: FloatArray, est_method: str
) -> tuple[float, FloatArray]:
    """Closed form of the three panel estimators when the only covariate is the intercept.

    Then the propensity score is the weighted treated share and the outcome regression the
    weighted mean change of the comparison units, so ``dr``, ``ipw`` and ``reg`` all reduce
    to the difference of weighted mean changes with influence function
    ``w D (dY - m1) / E[w D] - w (1 - D) (dY - m0) / E[w (1 - D)]``.
    DRDID's trimming (comparison units with propensity score >= 0.995) is kept.
    """
    w = _normalise(w)
    if est_method in ("dr", "ipw"):
        p = float(np.dot(w, d) / w.sum())
        if min(p, _PS_CAP) >= _TRIM_LEVEL:
            raise CellError("no comparison units left after propensity-score trimming")
    wt = w * d
    wc = w * (1.0 - d)
    mt, mc = wt.mean(), wc.mean()
    _check_means(mt, mc)
    m1 = np.dot(wt, dy) / dy.size / mt
    m0 = np.dot(wc, dy) / dy.size / mc
    psi = wt * (dy - m1) / mt - wc * (dy - m0) / mc
    return float(m1 - m0), psi


def unconditional_rc(
    y: FloatArray, post: FloatArray, d: FloatArray, w: FloatArray, est_method: str
) -> tuple[float, FloatArray]:
    """Closed form of the repeated cross-section estimators with an intercept only.

    ``ATT = (m11 - m10) - (m01 - m00)`` of weighted cell means (D x post), with the sum of
    the four cell-mean influence functions.
    """
    w = _normalise(w)
    if est_method in ("dr", "ipw"):
        p = float(np.dot(w, d) / w.sum())
        if min(p, _PS_CAP) >= _TRIM_LEVEL:
            raise CellError("no comparison units left after propensity-score trimming")
    att = 0.0
    psi = np.zeros_like(y)
    n = y.size
    for dv, pv, sign in ((1, 1, 1.0), (1, 0, -1.0), (0, 1, -1.0), (0, 0, 1.0)):
        wi = w * ((d == dv) & (post == pv))
        mw = wi.mean()
        _check_means(mw)
        m = np.dot(wi, y) / n / mw
        att += sign * m
        psi += sign * wi * (y - m) / mw
    return float(att), psi


# ------------------------------------------------------- panel cells with shared design


class PanelDesign:
    """The panel estimators for many outcome changes ``dy`` on one fixed 2x2 design.

    In :func:`improve.did.att_gt` every cell of a cohort ``g`` with the same comparison
    units and the same covariate rows has the same treatment indicator, covariates and
    weights; only ``dy`` changes. Everything that depends on the design alone (propensity
    score, trimming, the weighted least-squares projector of the comparison units, the
    linear representations of the logit and of the regression) is computed once here and
    :meth:`estimate` is then a few passes over the units. Results equal
    :func:`drdid_panel`, :func:`std_ipw_did_panel` and :func:`reg_did_panel` up to
    floating-point rounding; the influence functions are formed without the ``n x k``
    intermediate matrices (``lin_rep @ v`` is computed as ``score * (x @ (A v))``).

    Parameters
    ----------
    x : ndarray, shape (n, k)
        Covariates including the intercept column.
    d : ndarray, shape (n,)
        Treatment indicator (0/1).
    w : ndarray, shape (n,)
        Sampling weights.
    est_method : {"dr", "ipw", "reg"}
    ps : ndarray, optional
        Already fitted propensity scores (same weights).

    Raises
    ------
    CellError, numpy.linalg.LinAlgError
        If the design cannot be estimated (the same checks, in the same order, as the
        single-cell functions).
    """

    def __init__(
        self,
        x: FloatArray,
        d: FloatArray,
        w: FloatArray,
        est_method: str,
        ps: FloatArray | None = None,
    ) -> None:
        n = d.shape[0]
        self.method = est_method
        self.xt = np.ascontiguousarray(x.T)  # (k, n): one contiguous row per covariate
        self.n = n
        w = _normalise(w)
        ctrl = d == 0
        self.ctrl_idx = np.flatnonzero(ctrl)
        if est_method in ("dr", "ipw"):
            ps, trim = _pscore(x, d, w, ps)
            w_treat = trim * w * d
            w_cont = trim * w * ps * (1.0 - d) / (1.0 - ps)
        else:
            w_treat = w * d
            w_cont = w * d
        if est_method in ("dr", "reg"):
            xc = x[ctrl]
            wc = w[ctrl]
            if xc.shape[0] == 0:
                raise CellError("no observations for the outcome regression")
            if rcond(xc.T @ (wc[:, None] * xc)) < _EPS:
                raise CellError("the outcome-regression design is singular (collinear covariates)")
            sw = np.sqrt(wc)
            q, r = np.linalg.qr(xc * sw[:, None])
            # coef = proj @ dy[ctrl]: the weighted least-squares solution via QR
            self.proj = np.linalg.solve(r, (q * sw[:, None]).T)
        mw_t, mw_c = w_treat.mean(), w_cont.mean()
        _check_means(mw_t, mw_c)
        self.w_treat, self.w_cont = w_treat, w_cont
        self.mw_t, self.mw_c = float(mw_t), float(mw_c)
        if est_method in ("dr", "reg"):
            w_ols = w * (1.0 - d)
            xpx = (x.T @ (w_ols[:, None] * x)) / n
            if rcond(xpx) < _EPS:
                raise CellError("the regression design matrix is singular")
            xpx_inv = np.linalg.inv(xpx)
            if est_method == "dr":
                m1 = (w_treat[:, None] * x).mean(axis=0)
                m3 = (w_cont[:, None] * x).mean(axis=0)
                q_or = x @ (xpx_inv @ m3) / mw_c - x @ (xpx_inv @ m1) / mw_t
            else:
                m1 = (w_cont[:, None] * x).mean(axis=0)
                q_or = x @ (xpx_inv @ m1) / mw_c
            # influence of the regression coefficients: w_ols * resid * q_or
            self.or_coef = w_ols * q_or
        if est_method in ("dr", "ipw"):
            assert ps is not None
            wps = ps * (1.0 - ps) * w
            hess = x.T @ (wps[:, None] * x)
            try:
                chol = np.linalg.cholesky(hess)
            except np.linalg.LinAlgError as exc:
                raise CellError("the propensity-score Hessian is not positive definite") from exc
            inv_chol = np.linalg.inv(chol)
            self.ps_a = (inv_chol.T @ inv_chol) * n
            self.ps_score = w * (d - ps)

    def estimate(self, dy: FloatArray) -> tuple[float, FloatArray]:
        """ATT and influence function (one entry per unit of the design) for ``dy``.

        Products with the thin covariate matrix run over its contiguous rows with plain
        numpy loops: no BLAS threads, which only slow such thin products down and suffer
        badly when the cores are shared."""
        n = self.n
        xt = self.xt
        w_treat, w_cont, mw_t, mw_c = self.w_treat, self.w_cont, self.mw_t, self.mw_c
        if self.method == "ipw":
            eta_t = _dot(w_treat, dy) / n / mw_t
            eta_c = _dot(w_cont, dy) / n / mw_c
            dev_c = dy - eta_c
            m2 = _tx(xt, w_cont * dev_c) / n
            psi = (
                w_treat * (dy - eta_t) / mw_t
                - (w_cont * dev_c + self.ps_score * _xv(xt, self.ps_a @ m2)) / mw_c
            )
            return float(eta_t - eta_c), psi
        beta = np.einsum("ji,i->j", self.proj, dy[self.ctrl_idx])
        out_delta = _xv(xt, beta)
        resid = dy - out_delta
        if self.method == "reg":
            eta_t = _dot(w_treat, dy) / n / mw_t
            eta_c = _dot(w_cont, out_delta) / n / mw_c
            psi = (
                w_treat * (dy - eta_t) / mw_t
                - w_cont * (out_delta - eta_c) / mw_c
                - self.or_coef * resid
            )
            return float(eta_t - eta_c), psi
        eta_t = _dot(w_treat, resid) / n / mw_t
        eta_c = _dot(w_cont, resid) / n / mw_c
        dev_c = resid - eta_c
        m2 = _tx(xt, w_cont * dev_c) / n
        psi = (
            w_treat * (resid - eta_t) / mw_t
            + self.or_coef * resid
            - (w_cont * dev_c + self.ps_score * _xv(xt, self.ps_a @ m2)) / mw_c
        )
        return float(eta_t - eta_c), psi


def _dot(a: FloatArray, b: FloatArray) -> float:
    return float(np.einsum("i,i->", a, b))


def _xv(xt: FloatArray, v: FloatArray) -> FloatArray:
    """``x @ v`` for ``xt = x.T`` of shape (k, n)."""
    out = xt[0] * v[0]
    for j in range(1, xt.shape[0]):
        out += xt[j] * v[j]
    return out


def _tx(xt: FloatArray, u: FloatArray) -> FloatArray:
    """``u @ x`` for ``xt = x.T`` of shape (k, n)."""
    return np.einsum("ji,i->j", xt, u)
