"""Sensitivity of event-study conclusions to violations of parallel trends (HonestDiD).

Implements the robust confidence sets of Rambachan & Roth (2023), "A More Credible Approach to
Parallel Trends", on numpy/scipy only:

* **Smoothness** :math:`\\Delta^{SD}(M)` -- the slope of the differential trend may change by at
  most ``M`` between consecutive periods.  Inference uses the fixed-length confidence interval
  (FLCI) of Armstrong & Kolesár, as in HonestDiD's ``createSensitivityResults(method="FLCI")``
  (the default there and what the published Medicaid example reports).
* **Relative magnitudes** :math:`\\Delta^{RM}(\\bar M)` -- every post-period change in the
  differential trend is at most ``Mbar`` times the largest pre-period change.  Inference inverts
  the conditional-least-favourable hybrid test ("C-LF") of Andrews, Roth & Pakes with nuisance
  parameters, as in HonestDiD's ``createSensitivityResults_relativeMagnitudes``.

Conventions follow HonestDiD: ``betahat`` holds ``num_pre_periods`` pre-period coefficients then
``num_post_periods`` post-period coefficients, the reference period (just before treatment) is
omitted and normalised to zero, and the target is ``theta = l_vec @ tau_post``.

Notes on the numerics (where this differs from HonestDiD and why)
-----------------------------------------------------------------
* FLCI: the worst-case bias of an affine estimator ``v @ betahat`` over :math:`\\Delta^{SD}(M)`
  has the closed form ``M * ||W v||_1`` (``W`` maps weights to second differences, with the
  linear-trend constraint ``sum_t t v_t = 0``), so the half-length is minimised directly (a convex
  problem, SLSQP with exact gradients) instead of HonestDiD's grid over the standard deviation.
* C-LF: the conditioning interval ``[v_lo, v_up]`` on which the optimal dual vertex stays optimal
  is computed exactly with two linear programmes (min/max of ``c`` over a polyhedron) rather
  than by bisection; the least-favourable critical value uses ``sims`` normal draws (seeded), as
  HonestDiD does, so it carries simulation noise of the same order.
* Each (s, sign) confidence set is located by binary search on HonestDiD's 1,000-point grid,
  starting at the ``theta`` that minimises the test statistic (each set is an interval).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from improve.errors import EstimationError, SpecError

__all__ = ["HonestDiDResult", "honest_did", "original_ci"]

Method = Literal["smoothness", "relative_magnitudes"]


@dataclass(frozen=True)
class HonestDiDResult:
    """Robust confidence intervals over a grid of M (smoothness) or M-bar (relative magnitudes).

    Attributes
    ----------
    method : {"smoothness", "relative_magnitudes"}
    delta : str
        HonestDiD's name of the restriction set (``"DeltaSD"`` or ``"DeltaRM"``).
    ci_method : str
        Inference procedure (``"FLCI"`` or ``"C-LF"``).
    m : numpy.ndarray
        The M or M-bar values.
    lower, upper : numpy.ndarray
        Robust confidence bounds, one per value of ``m`` (NaN where the set is empty).
    estimate : float
        Point estimate ``l_vec @ betahat_post``.
    original_lower, original_upper : float
        Conventional confidence interval assuming exact parallel trends.
    l_vec : numpy.ndarray
        Weights on the post-period effects defining the target parameter.
    alpha : float
    """

    method: str
    delta: str
    ci_method: str
    m: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    estimate: float
    original_lower: float
    original_upper: float
    l_vec: np.ndarray = field(repr=False)
    alpha: float = 0.05

    @property
    def parameter(self) -> str:
        """Name of the sensitivity parameter: ``"M"`` or ``"Mbar"``."""
        return "M" if self.method == "smoothness" else "Mbar"

    @property
    def original_ci(self) -> tuple[float, float]:
        """Conventional ``(lower, upper)`` interval under exact parallel trends."""
        return (self.original_lower, self.original_upper)

    def breakdown(self, null: float = 0.0) -> float:
        """Largest grid value of M / M-bar at which ``null`` stays outside the robust interval.

        Returns NaN when even the first grid value fails to exclude ``null``.
        """
        excl = (self.lower > null) | (self.upper < null)
        if not excl[0]:
            return float("nan")
        stop = int(np.argmin(excl)) if not excl.all() else len(excl)
        return float(self.m[stop - 1])

    def tidy(self, include_original: bool = False) -> pd.DataFrame:
        """One row per M / M-bar: term, m, lower, upper (alias conf_low, conf_high), method.

        Parameters
        ----------
        include_original : bool
            Prepend a row ``term="original"`` with the conventional interval (``m`` is NaN).
        """
        terms = [f"{self.parameter}={v:g}" for v in self.m]
        out = pd.DataFrame(
            {
                "term": terms,
                "m": self.m.astype(float),
                "lower": self.lower,
                "upper": self.upper,
                "method": self.ci_method,
                "delta": self.delta,
            }
        )
        if include_original:
            first = pd.DataFrame(
                {
                    "term": ["original"],
                    "m": [np.nan],
                    "lower": [self.original_lower],
                    "upper": [self.original_upper],
                    "method": ["Original"],
                    "delta": [None],
                }
            )
            out = pd.concat([first, out], ignore_index=True)
        out["conf_low"] = out["lower"]
        out["conf_high"] = out["upper"]
        return out

    def summary(self) -> str:
        """Readable summary of the sensitivity analysis."""
        lines = [
            f"HonestDiD sensitivity ({self.delta}, {self.ci_method}, alpha={self.alpha:g}); "
            f"estimate {self.estimate:.4g}, original CI "
            f"[{self.original_lower:.4g}, {self.original_upper:.4g}]"
        ]
        for v, lo, hi in zip(self.m, self.lower, self.upper, strict=True):
            lines.append(f"  {self.parameter}={v:<8g} [{lo:.4g}, {hi:.4g}]")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# input handling


def _coerce_inputs(
    betahat: Any,
    sigma: Any,
    num_pre_periods: int | None,
    num_post_periods: int | None,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Accept arrays, or an improve event-study result exposing ``estimate`` and ``vcov``."""
    if hasattr(betahat, "vcov") and hasattr(betahat, "estimate"):
        res = betahat
        if sigma is None:
            sigma = res.vcov
        event_time = getattr(res, "event_time", None)
        betahat = res.estimate
        if (num_pre_periods is None or num_post_periods is None) and event_time is not None:
            et = np.asarray(event_time, dtype=float)
            if np.any(np.diff(et) <= 0):
                raise SpecError(
                    "honest_did: the event-study terms are not sorted by event time; pass "
                    "betahat/sigma ordered pre-periods then post-periods."
                )
            num_pre_periods = int(np.sum(et < 0)) if num_pre_periods is None else num_pre_periods
            num_post_periods = (
                int(np.sum(et >= 0)) if num_post_periods is None else num_post_periods
            )
    if sigma is None or num_pre_periods is None or num_post_periods is None:
        raise SpecError(
            "honest_did: pass betahat, sigma, num_pre_periods and num_post_periods (or an "
            "event-study result with estimate, vcov and event_time)."
        )
    b = np.asarray(betahat, dtype=float).ravel()
    s = np.asarray(sigma, dtype=float)
    n = int(num_pre_periods) + int(num_post_periods)
    if num_pre_periods < 1 or num_post_periods < 1:
        raise SpecError("honest_did: need at least one pre-period and one post-period.")
    if b.size != n:
        raise SpecError(
            f"honest_did: betahat has {b.size} entries but num_pre_periods + "
            f"num_post_periods = {n}; drop the reference period and check the counts."
        )
    if s.shape != (n, n):
        raise SpecError(f"honest_did: sigma must be {n} x {n}, got {s.shape}.")
    if not np.all(np.isfinite(b)) or not np.all(np.isfinite(s)):
        raise SpecError("honest_did: betahat and sigma must be finite.")
    if not np.allclose(s, s.T, atol=1e-12 * max(1.0, float(np.abs(s).max()))):
        raise SpecError("honest_did: sigma must be symmetric.")
    if np.linalg.eigvalsh((s + s.T) / 2).min() < -1e-10 * max(1.0, float(np.abs(s).max())):
        raise SpecError("honest_did: sigma must be positive semi-definite.")
    return b, (s + s.T) / 2, int(num_pre_periods), int(num_post_periods)


def original_ci(
    betahat: Any,
    sigma: Any,
    num_pre_periods: int,
    num_post_periods: int,
    *,
    l_vec: Any = None,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Conventional interval for ``l_vec @ tau_post`` under exact parallel trends."""
    b, s, npre, npost = _coerce_inputs(betahat, sigma, num_pre_periods, num_post_periods)
    lv = _l_vec(l_vec, npost)
    post = slice(npre, npre + npost)
    est = float(lv @ b[post])
    se = float(np.sqrt(lv @ s[post, post] @ lv))
    z = stats.norm.ppf(1 - alpha / 2)
    return est - z * se, est + z * se


def _l_vec(l_vec: Any, num_post_periods: int) -> np.ndarray:
    if l_vec is None:
        lv = np.zeros(num_post_periods)
        lv[0] = 1.0
        return lv
    lv = np.asarray(l_vec, dtype=float).ravel()
    if lv.size != num_post_periods:
        raise SpecError(
            f"honest_did: l_vec has {lv.size} entries; it needs one per post-period "
            f"({num_post_periods})."
        )
    if not np.any(lv != 0):
        raise SpecError("honest_did: l_vec must have a non-zero entry.")
    return lv


# --------------------------------------------------------------------------------------------
# smoothness: fixed-length confidence interval


def _folded_normal_cv(t: float, alpha: float) -> float:
    """``1 - alpha`` quantile of ``|N(t, 1)|``."""
    t = abs(t)

    def f(c: float) -> float:
        return stats.norm.cdf(c - t) - stats.norm.cdf(-c - t) - (1 - alpha)

    return float(optimize.brentq(f, 0.0, t + 10.0, xtol=1e-14, rtol=1e-14))


def _folded_normal_cv_slope(c: float, t: float) -> float:
    """Derivative of the folded-normal quantile with respect to ``t``."""
    a, b = stats.norm.pdf(c - t), stats.norm.pdf(-c - t)
    return float((a - b) / (a + b))


def _second_difference_weights(npre: int, npost: int) -> np.ndarray:
    """Matrix ``W`` with ``v @ delta = delta_1 * sum_t t v_t + (W v) @ d`` (d: 2nd diffs)."""
    times = np.concatenate([np.arange(-npre, 0), np.arange(1, npost + 1)])
    centres = np.arange(-npre + 1, npost)
    w = np.zeros((centres.size, times.size))
    for i, s in enumerate(centres):
        for j, t in enumerate(times):
            if s >= 1 and t > s:
                w[i, j] = t - s
            elif s <= 0 and t < s:
                w[i, j] = s - t
    return w


def _flci(
    b: np.ndarray, s: np.ndarray, npre: int, npost: int, lv: np.ndarray, m: float, alpha: float
) -> tuple[float, float]:
    """Optimal affine FLCI for ``l_vec @ tau_post`` over Delta^SD(m)."""
    if npre < 2 and m > 0:
        raise SpecError("honest_did: smoothness bounds need at least two pre-periods.")
    n = npre + npost
    times = np.concatenate([np.arange(-npre, 0), np.arange(1, npost + 1)]).astype(float)
    scale = float(np.sqrt(lv @ s[npre:, npre:] @ lv))
    if scale <= 0:
        raise EstimationError("honest_did: the target parameter has zero variance.")
    sig = s / scale**2
    mm = m / scale
    wmat = _second_difference_weights(npre, npost)
    # v = v0 + P z with sum_t t v_t = 0 and v_post = l_vec
    v0 = np.zeros(n)
    v0[npre:] = lv
    tp = times[:npre]
    v0[:npre] = -(times[npre:] @ lv) * tp / (tp @ tp)
    if npre > 1:
        null = np.linalg.svd(tp[None, :])[2][1:].T  # npre x (npre-1), orthogonal to tp
    else:
        null = np.zeros((1, 0))
    p = np.zeros((n, null.shape[1]))
    p[:npre] = null
    k = p.shape[1]
    # minimum-variance start
    z0 = -np.linalg.lstsq(p.T @ sig @ p, p.T @ sig @ v0, rcond=None)[0] if k else np.zeros(0)
    nd = wmat.shape[0]

    def unpack(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return v0 + p @ x[:k], x[k:]

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        v, u = unpack(x)
        sd = float(np.sqrt(v @ sig @ v))
        bias = mm * float(u.sum())
        t = bias / sd
        c = _folded_normal_cv(t, alpha)
        slope = _folded_normal_cv_slope(c, t)
        val = sd * c
        dsd = (sig @ v) / sd
        grad_v = (c - t * slope) * dsd
        grad = np.concatenate([p.T @ grad_v, np.full(nd, mm * slope)])
        return val, grad

    if mm == 0 or k == 0:
        v, _ = unpack(np.concatenate([z0, np.zeros(nd)]))
    else:
        a_w = wmat @ p
        c_w = wmat @ v0
        # u - (W v) >= 0 and u + (W v) >= 0
        cons = [
            {
                "type": "ineq",
                "fun": lambda x: np.concatenate(
                    [x[k:] - (a_w @ x[:k] + c_w), x[k:] + (a_w @ x[:k] + c_w)]
                ),
                "jac": lambda x: np.vstack(
                    [np.hstack([-a_w, np.eye(nd)]), np.hstack([a_w, np.eye(nd)])]
                ),
            }
        ]
        u0 = np.abs(a_w @ z0 + c_w) + 1e-3
        x0 = np.concatenate([z0, u0])
        best = None
        for start in (x0, np.concatenate([np.zeros(k), np.abs(c_w) + 1e-3])):
            res = optimize.minimize(
                objective,
                start,
                jac=True,
                method="SLSQP",
                constraints=cons,
                options={"maxiter": 1000, "ftol": 1e-13},
            )
            if best is None or res.fun < best.fun:
                best = res
        v, _ = unpack(best.x)
    sd = float(np.sqrt(v @ sig @ v))
    bias = mm * float(np.abs(wmat @ v).sum())
    half = sd * _folded_normal_cv(bias / sd, alpha) * scale
    centre = float(v @ b)
    return centre - half, centre + half


# --------------------------------------------------------------------------------------------
# relative magnitudes: ARP conditional / least-favourable hybrid test inversion


def _rm_constraints(npre: int, npost: int, mbar: float, s: int, positive: bool) -> np.ndarray:
    """``A`` with ``A @ delta <= 0`` iff delta is in Delta^RM_{s,sign}(mbar) (t=0 dropped)."""
    n = npre + npost
    atilde = np.zeros((n, n + 1))
    for r in range(n):
        atilde[r, r : r + 2] = [-1.0, 1.0]
    vmax = np.zeros(n + 1)
    vmax[npre + s - 1 : npre + s + 1] = [-1.0, 1.0]
    if not positive:
        vmax = -vmax
    aub = np.vstack([np.tile(vmax, (npre, 1)), np.tile(mbar * vmax, (npost, 1))])
    a = np.vstack([atilde - aub, -atilde - aub])
    a = a[(a**2).sum(axis=1) > 1e-10]
    return np.delete(a, npre, axis=1)


def _rm_identified_set(
    b: np.ndarray, npre: int, npost: int, lv: np.ndarray, mbar: float
) -> tuple[float, float]:
    n = npre + npost
    f = np.concatenate([np.zeros(npre), lv])
    a_eq = np.hstack([np.eye(npre), np.zeros((npre, npost))])
    est = float(lv @ b[npre:])
    lo, hi = np.inf, -np.inf
    for s in range(-(npre - 1), 1):
        for pos in (True, False):
            a = _rm_constraints(npre, npost, mbar, s, pos)
            kw = dict(
                A_ub=a,
                b_ub=np.zeros(a.shape[0]),
                A_eq=a_eq,
                b_eq=b[:npre],
                bounds=[(None, None)] * n,
                method="highs",
            )
            rmax = optimize.linprog(-f, **kw)
            rmin = optimize.linprog(f, **kw)
            if rmax.status == 0 and rmin.status == 0:
                lo = min(lo, est + rmax.fun)
                hi = max(hi, est - rmin.fun)
            else:
                lo, hi = min(lo, est), max(hi, est)
    return lo, hi


def _construct_gamma(lv: np.ndarray) -> np.ndarray:
    """Invertible matrix whose first row is ``l_vec`` (rest: unit vectors)."""
    t = lv.size
    drop = int(np.argmax(np.abs(lv)))
    g = np.zeros((t, t))
    g[0] = lv
    rows = [i for i in range(t) if i != drop]
    for r, i in enumerate(rows, start=1):
        g[r, i] = 1.0
    return g


def _eta_min_1d(xi: np.ndarray, x: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """``min_g max_i (xi_i - x_i g) / sd_i`` for each row of ``xi`` (scalar nuisance ``g``)."""
    c = xi / sd  # sims x K
    a = -x / sd  # K
    pos, neg = np.where(a > 1e-14)[0], np.where(a < -1e-14)[0]
    if pos.size == 0 or neg.size == 0:
        if pos.size == 0 and neg.size == 0:
            return c.max(axis=1)
        return np.full(c.shape[0], -np.inf)
    ii, jj = np.meshgrid(pos, neg, indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    g = (c[:, jj] - c[:, ii]) / (a[ii] - a[jj])  # sims x pairs
    vals = (c[:, :, None] + a[None, :, None] * g[:, None, :]).max(axis=1)
    return vals.min(axis=1)


def _eta_lp(y: np.ndarray, x: np.ndarray, sd: np.ndarray) -> optimize.OptimizeResult:
    """``min eta`` s.t. ``y - x g <= eta * sd`` (variables eta, g)."""
    k = x.shape[1]
    c = np.zeros(1 + k)
    c[0] = 1.0
    return optimize.linprog(
        c,
        A_ub=-np.column_stack([sd, x]),
        b_ub=-y,
        bounds=[(None, None)] * (1 + k),
        method="highs",
    )


#: Most candidate bases :func:`_dual_vertices` enumerates before the programs are solved
#: one by one.
MAX_BASES = 50_000


def _dual_vertices(x: np.ndarray, sd: np.ndarray) -> np.ndarray | None:
    """Vertices of the dual of ``min eta s.t. y - x g <= eta sd`` (rows), or ``None``.

    The dual, ``max gam'y`` over ``gam >= 0``, ``gam'sd = 1``, ``x'gam = 0``, has a feasible
    set that does not depend on ``y`` and is bounded (``sd > 0``), so the program's optimum
    is ``max_v gam_v'y`` over its vertices: one matrix product for every draw instead of a
    linear program each. The vertices are the nonnegative basic solutions, found by trying
    every set of ``rank`` moments as a basis; ``None`` when there are more than
    :data:`MAX_BASES` sets to try, an empty array when the dual is infeasible (the
    program is unbounded for every ``y``).
    """
    a = np.column_stack([sd, x]).T  # (m, K): gam'sd = 1 and x'gam = 0 as a gam = e1
    u, sv, vt = np.linalg.svd(a, full_matrices=False)
    r = int(np.sum(sv > 1e-10 * sv[0]))
    e1 = np.zeros(a.shape[0])
    e1[0] = 1.0
    rhs = u[:, :r].T @ e1
    if np.linalg.norm(u[:, :r] @ rhs - e1) > 1e-9:
        return np.zeros((0, a.shape[1]))  # sd in the span of x: no dual solution
    reduced = sv[:r, None] * vt[:r]  # (r, K), same solutions as a gam = e1
    k_moments = reduced.shape[1]
    if math.comb(k_moments, r) > MAX_BASES:
        return None
    bases = np.array(list(itertools.combinations(range(k_moments), r)), dtype=np.intp)
    mats = np.transpose(reduced[:, bases], (1, 0, 2))  # (n_bases, r, r)
    det_ok = np.abs(np.linalg.det(mats)) > 1e-12 * np.abs(reduced).max() ** r
    bases, mats = bases[det_ok], mats[det_ok]
    if bases.size == 0:
        return np.zeros((0, a.shape[1]))
    gam_b = np.linalg.solve(mats, np.broadcast_to(rhs, (len(bases), r))[..., None])[..., 0]
    feasible = np.all(gam_b >= -1e-12, axis=1)
    vertices = np.zeros((int(feasible.sum()), k_moments))
    np.put_along_axis(vertices, bases[feasible], np.clip(gam_b[feasible], 0.0, None), axis=1)
    return np.unique(np.round(vertices, 14), axis=0) if len(vertices) else vertices


def _eta_many(
    ys: np.ndarray, x: np.ndarray, sd: np.ndarray, vertices: np.ndarray | None = None
) -> np.ndarray:
    """:func:`_eta_lp`'s optimum for each row of ``ys`` (``-inf`` where it is unbounded);
    ``vertices`` from :func:`_dual_vertices` when already known."""
    if vertices is None:
        vertices = _dual_vertices(x, sd)
    if vertices is None:
        return np.array(
            [(r.x[0] if r.status == 0 else -np.inf) for r in (_eta_lp(y, x, sd) for y in ys)]
        )
    if len(vertices) == 0:
        return np.full(ys.shape[0], -np.inf)
    return (ys @ vertices.T).max(axis=1)


def _eta_by_vertices(y: np.ndarray, vertices: np.ndarray) -> tuple[float, np.ndarray] | None:
    """The statistic ``eta`` and its optimal dual from the dual vertices; ``None`` when the
    best vertex is not unique (a degenerate optimum: the program decides which dual)."""
    if len(vertices) == 0:
        return -np.inf, np.zeros(y.size)
    values = vertices @ y
    best = int(np.argmax(values))
    if len(values) > 1:
        rest = np.delete(values, best)
        if values[best] - rest.max() <= 1e-9 * (1.0 + abs(values[best])):
            return None
    return float(values[best]), vertices[best]


def _lf_cv(
    x: np.ndarray,
    sig_y: np.ndarray,
    kappa: float,
    sims: int,
    seed: int,
    vertices: np.ndarray | None = None,
) -> float:
    rng = np.random.default_rng(seed)
    sd = np.sqrt(np.diag(sig_y))
    draws = rng.multivariate_normal(np.zeros(sig_y.shape[0]), sig_y, size=sims)
    if x.shape[1] == 0:
        eta = (draws / sd).max(axis=1)
    elif x.shape[1] == 1:
        eta = _eta_min_1d(draws, x[:, 0], sd)
    else:
        eta = _eta_many(draws, x, sd, vertices)
    eta = eta[np.isfinite(eta)]
    if eta.size == 0:
        raise EstimationError("honest_did: least-favourable critical value is undefined.")
    return float(np.quantile(eta, 1 - kappa))


def _conditional_test(
    y: np.ndarray,
    x: np.ndarray,
    sig_y: np.ndarray,
    alpha: float,
    kappa: float | None,
    lf_cv: float,
    vertices: np.ndarray | None = None,
    bases: dict[bytes, Any] | None = None,
) -> bool:
    """True when the (hybrid) conditional test of ARP rejects ``E[y] - x g <= 0`` for all g.

    ``vertices``: the dual vertices of the test statistic's program (:func:`_dual_vertices`)
    when known; the statistic and its optimal dual are then read off them. ``bases``: a
    cache (optimal dual -> :func:`_certified_bases`) for the truncation bounds' programs,
    whose constraint matrix depends on the optimal dual only.
    """
    sd = np.sqrt(np.diag(sig_y))
    found = _eta_by_vertices(y, vertices) if vertices is not None else None
    if found is not None:
        eta, gam = found
        if not np.isfinite(eta):
            return False  # unbounded below: moments can always be satisfied
    else:
        res = _eta_lp(y, x, sd)
        if res.status != 0:
            return False  # unbounded below: moments can always be satisfied
        eta = float(res.x[0])
        gam = np.clip(-np.asarray(res.ineqlin.marginals, dtype=float), 0.0, None)
    if kappa is not None:
        if eta > lf_cv:
            return True
        size = (alpha - kappa) / (1 - kappa)
    else:
        size = alpha
    sb2 = float(gam @ sig_y @ gam)
    if sb2 <= np.finfo(float).eps:
        return eta > 0
    sb = np.sqrt(sb2)
    bvec = sig_y @ gam / sb2
    svec = y - bvec * float(gam @ y)
    # gamma stays the optimal vertex at y(c) = s + b c iff some g has (b - sd) c - x g <= -s
    k = x.shape[1]
    a_ub = np.column_stack([bvec - sd, -x])
    tol = 1e-9 * max(1.0, float(np.abs(svec).max()))
    c = np.zeros(1 + k)
    c[0] = 1.0
    kw = dict(A_ub=a_ub, b_ub=-svec + tol, bounds=[(None, None)] * (1 + k), method="highs")
    known = (None, None)
    if bases is not None:
        key = gam.tobytes()
        if key not in bases:
            bases[key] = _certified_bases(a_ub)
        if bases[key] is not None:
            known = _extremes_by_bases(a_ub, -svec + tol, bases[key])
    rlo = optimize.linprog(c, **kw) if known[0] is None else None
    rhi = optimize.linprog(-c, **kw) if known[1] is None else None
    if (rlo is not None and rlo.status == 2) or (rhi is not None and rhi.status == 2):
        vlo, vup = eta, np.inf  # numerically infeasible: condition on [eta, inf)
    else:
        vlo = known[0] if rlo is None else (-np.inf if rlo.status == 3 else float(rlo.x[0]))
        vup = known[1] if rhi is None else (np.inf if rhi.status == 3 else float(rhi.x[0]))
    zlo = vlo / sb
    zup = (min(vup, lf_cv) if kappa is not None else vup) / sb
    stat = eta / sb
    if not (zlo - 1e-9 <= stat <= zup + 1e-9):
        return False
    if zup - zlo < 1e-12:
        return False
    cval = max(0.0, float(stats.truncnorm.ppf(1 - size, zlo, zup)))
    return stat > cval


def _certified_bases(a_ub: np.ndarray) -> tuple[Any, ...] | None:
    """Dual-feasible bases of ``min c`` and ``max c`` over ``a_ub [c; g] <= h`` (any ``h``).

    A basis ``B`` (as many rows as columns, ``A_B`` invertible) is dual feasible for
    ``min c`` when the first row of ``A_B^-1`` is nonpositive, for ``max c`` when it is
    nonnegative; if its primal solution ``A_B^-1 h_B`` is feasible it is optimal. ``None``
    when there are more than :data:`MAX_BASES` sets of rows to try.
    """
    k_rows, m = a_ub.shape
    if k_rows < m or math.comb(k_rows, m) > MAX_BASES:
        return None
    rows = np.array(list(itertools.combinations(range(k_rows), m)), dtype=np.intp)
    mats = a_ub[rows]  # (n_bases, m, m)
    scale = max(float(np.abs(a_ub).max()), 1e-300)
    ok = np.abs(np.linalg.det(mats / scale)) > 1e-10
    rows, inv = rows[ok], np.linalg.inv(mats[ok])
    first = inv[:, 0, :]
    low = np.all(first <= 1e-12, axis=1)
    high = np.all(first >= -1e-12, axis=1)
    return rows[low], inv[low], rows[high], inv[high]


def _extremes_by_bases(
    a_ub: np.ndarray, h: np.ndarray, bases: tuple[Any, ...]
) -> tuple[float | None, float | None]:
    """``(min c, max c)`` over ``a_ub [c; g] <= h`` from a dual-feasible basis whose primal
    solution is feasible (an optimality certificate); ``None`` for a side without one. A side
    without any dual-feasible basis is unbounded (``-inf`` / ``inf``) once the other side
    has shown that the program is feasible."""
    out: list[float | None] = []
    tol = 1e-9 * max(1.0, float(np.abs(h).max()))
    for rows, inv in (bases[:2], bases[2:]):
        if len(rows) == 0:
            out.append(None)
            continue
        z = np.einsum("bij,bj->bi", inv, h[rows])
        feasible = np.flatnonzero((z @ a_ub.T - h).max(axis=1) <= tol)
        out.append(float(z[feasible[0], 0]) if feasible.size else None)
    if out[0] is None and len(bases[0]) == 0 and out[1] is not None:
        out[0] = -np.inf
    if out[1] is None and len(bases[2]) == 0 and out[0] is not None:
        out[1] = np.inf
    return out[0], out[1]


def _rm_fixed_s_interval(
    b: np.ndarray,
    s: np.ndarray,
    npre: int,
    npost: int,
    lv: np.ndarray,
    a: np.ndarray,
    grid: np.ndarray,
    alpha: float,
    kappa: float | None,
    sims: int,
    seed: int,
    post_moments_only: bool,
) -> tuple[int, int] | None:
    """Index range of accepted grid points for one (s, sign) polyhedron, or None."""
    gamma_inv = np.linalg.inv(_construct_gamma(lv))
    agi = a[:, npre:] @ gamma_inv
    a1, x = agi[:, 0], agi[:, 1:]
    yb = a @ b
    sig_y = a @ s @ a.T
    rows = np.arange(a.shape[0])
    if post_moments_only and npost > 1:
        rows = np.where(np.any(a[:, npre:] != 0, axis=1))[0]
    yb, a1, x, sig_y = yb[rows], a1[rows], x[rows], sig_y[np.ix_(rows, rows)]
    vertices = _dual_vertices(x, np.sqrt(np.diag(sig_y))) if x.shape[1] > 1 else None
    lf = _lf_cv(x, sig_y, kappa, sims, seed, vertices) if kappa is not None else np.inf

    cache: dict[int, bool] = {}
    bases: dict[bytes, Any] = {}

    def accept(i: int) -> bool:
        if i not in cache:
            y = yb - a1 * grid[i]
            cache[i] = not _conditional_test(y, x, sig_y, alpha, kappa, lf, vertices, bases)
        return cache[i]

    # seed at the theta minimising the test statistic (eta is convex in theta)
    sd = np.sqrt(np.diag(sig_y))
    k = x.shape[1]
    cobj = np.zeros(2 + k)
    cobj[0] = 1.0
    r = optimize.linprog(
        cobj,
        A_ub=-np.column_stack([sd, a1, x]),
        b_ub=-yb,
        bounds=[(None, None)] * (2 + k),
        method="highs",
    )
    npts = grid.size
    start = int(np.clip(np.searchsorted(grid, r.x[1]), 0, npts - 1)) if r.status == 0 else npts // 2
    seed_idx = None
    for off in range(npts):
        for i in (start - off, start + off) if off else (start,):
            if 0 <= i < npts and accept(i):
                seed_idx = i
                break
        if seed_idx is not None or (start - off < 0 and start + off >= npts):
            break
    if seed_idx is None:
        return None
    lo, hi = 0, seed_idx
    if not accept(0):
        while lo < hi:
            mid = (lo + hi) // 2
            if accept(mid):
                hi = mid
            else:
                lo = mid + 1
    lb = lo
    lo, hi = seed_idx, npts - 1
    if not accept(npts - 1):
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if accept(mid):
                lo = mid
            else:
                hi = mid - 1
    else:
        lo = npts - 1
    return lb, lo


def _rm_ci(
    b: np.ndarray,
    s: np.ndarray,
    npre: int,
    npost: int,
    lv: np.ndarray,
    mbar: float,
    alpha: float,
    hybrid: bool,
    grid_points: int,
    sims: int,
    seed: int,
    post_moments_only: bool,
) -> tuple[float, float]:
    if npre < 2:
        raise SpecError("honest_did: relative-magnitude bounds need at least two pre-periods.")
    id_lo, id_hi = _rm_identified_set(b, npre, npost, lv, mbar)
    sd_theta = float(np.sqrt(lv @ s[npre:, npre:] @ lv))
    grid = np.linspace(id_lo - 20 * sd_theta, id_hi + 20 * sd_theta, grid_points)
    kappa = alpha / 10 if hybrid else None
    lo_idx, hi_idx = grid_points, -1
    for s_i in range(-(npre - 1), 1):
        for pos in (True, False):
            a = _rm_constraints(npre, npost, mbar, s_i, pos)
            got = _rm_fixed_s_interval(
                b, s, npre, npost, lv, a, grid, alpha, kappa, sims, seed, post_moments_only
            )
            if got is not None:
                lo_idx, hi_idx = min(lo_idx, got[0]), max(hi_idx, got[1])
    if hi_idx < 0:
        return float("nan"), float("nan")
    return float(grid[lo_idx]), float(grid[hi_idx])


# --------------------------------------------------------------------------------------------
# public entry point


def honest_did(
    betahat: Any,
    sigma: Any = None,
    num_pre_periods: int | None = None,
    num_post_periods: int | None = None,
    *,
    method: Method = "smoothness",
    m_grid: Any = None,
    mbar_grid: Any = None,
    l_vec: Any = None,
    alpha: float = 0.05,
    hybrid: bool = True,
    grid_points: int = 1000,
    sims: int = 1000,
    seed: int = 0,
    post_period_moments_only: bool = True,
) -> HonestDiDResult:
    """Robust confidence intervals under bounded violations of parallel trends (HonestDiD).

    Parameters
    ----------
    betahat : array_like or event-study result
        Event-study coefficients, pre-periods first then post-periods, reference period
        omitted.  An improve event-study result exposing ``estimate``, ``vcov`` and
        ``event_time`` (for example a dynamic TWFE result) is also accepted; then ``sigma`` and
        the period counts default to those it carries (event time < 0 counts as pre).
    sigma : array_like
        Covariance matrix of ``betahat``.
    num_pre_periods, num_post_periods : int
        Number of pre- and post-period coefficients.
    method : {"smoothness", "relative_magnitudes"}
        ``"smoothness"``: Delta^SD(M) with the fixed-length CI (HonestDiD
        ``createSensitivityResults(method="FLCI")``).  ``"relative_magnitudes"``:
        Delta^RM(Mbar) with the conditional-least-favourable hybrid ("C-LF",
        ``createSensitivityResults_relativeMagnitudes``).
    m_grid : array_like, optional
        Values of M for smoothness (default: 10 points from 0 to the pre-period standard
        deviation of the first post-period coefficient).
    mbar_grid : array_like, optional
        Values of M-bar for relative magnitudes (default ``0, 0.5, ..., 2``).
    l_vec : array_like, optional
        Weights on the post-period effects (default: first post-period effect).
    alpha : float
        One minus the coverage level.
    hybrid : bool
        Relative magnitudes only: least-favourable hybrid (``"C-LF"``, default) or the pure
        conditional test (``"Conditional"``).
    grid_points : int
        Relative magnitudes only: number of points in HonestDiD's grid of candidate values.
    sims : int
        Relative magnitudes only: draws for the least-favourable critical value.
    seed : int
        Seed for those draws.
    post_period_moments_only : bool
        Relative magnitudes only: test only moments involving post-period coefficients
        (HonestDiD's default).

    Returns
    -------
    HonestDiDResult

    Raises
    ------
    SpecError
        Inconsistent inputs (shapes, period counts, grids, method).

    Examples
    --------
    >>> res = honest_did(b, V, 5, 2, method="smoothness", m_grid=[0, 0.01, 0.02])
    ... # doctest: +SKIP
    >>> res.tidy()  # doctest: +SKIP
    """
    if method not in ("smoothness", "relative_magnitudes"):
        raise SpecError(
            f"honest_did: method must be 'smoothness' or 'relative_magnitudes', got {method!r}."
        )
    if not 0 < alpha < 1:
        raise SpecError(f"honest_did: alpha must be between 0 and 1, got {alpha}.")
    b, s, npre, npost = _coerce_inputs(betahat, sigma, num_pre_periods, num_post_periods)
    lv = _l_vec(l_vec, npost)
    post = slice(npre, npre + npost)
    estimate = float(lv @ b[post])
    olo, ohi = original_ci(b, s, npre, npost, l_vec=lv, alpha=alpha)

    if method == "smoothness":
        if mbar_grid is not None:
            raise SpecError("honest_did: use m_grid (not mbar_grid) with method='smoothness'.")
        if m_grid is None:
            m_grid = np.linspace(0.0, float(np.sqrt(s[npre, npre])), 10)
        grid = _check_grid(m_grid, "m_grid")
        bounds = [_flci(b, s, npre, npost, lv, float(m), alpha) for m in grid]
        delta, ci_method = "DeltaSD", "FLCI"
    else:
        if m_grid is not None:
            raise SpecError(
                "honest_did: use mbar_grid (not m_grid) with method='relative_magnitudes'."
            )
        grid = _check_grid(
            np.arange(0.0, 2.01, 0.5) if mbar_grid is None else mbar_grid, "mbar_grid"
        )
        bounds = [
            _rm_ci(
                b,
                s,
                npre,
                npost,
                lv,
                float(m),
                alpha,
                hybrid,
                int(grid_points),
                int(sims),
                int(seed),
                post_period_moments_only,
            )
            for m in grid
        ]
        delta, ci_method = "DeltaRM", ("C-LF" if hybrid else "Conditional")
    arr = np.asarray(bounds, dtype=float).reshape(-1, 2)
    return HonestDiDResult(
        method=method,
        delta=delta,
        ci_method=ci_method,
        m=grid,
        lower=arr[:, 0],
        upper=arr[:, 1],
        estimate=estimate,
        original_lower=olo,
        original_upper=ohi,
        l_vec=lv,
        alpha=alpha,
    )


def _check_grid(values: Any, name: str) -> np.ndarray:
    g = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    if g.size == 0 or not np.all(np.isfinite(g)) or np.any(g < 0):
        raise SpecError(f"honest_did: {name} must be a non-empty list of non-negative numbers.")
    return g
