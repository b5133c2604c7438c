"""Centre lines and 3-sigma limits, one function per chart type (qicharts2 0.8.1 formulas).

Each function receives the subgroups of one part of one facet (:class:`Subgroups`) and
returns :class:`Limits`: the plotted value ``y`` (transformed where the chart needs it, e.g.
moving ranges or subgroup standard deviations), the centre line and the 2- and 3-sigma
limits, one value per subgroup. Only baseline, included subgroups (``base``) enter the
centre line and the sigma estimate; limits are then drawn for every subgroup of the part.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from improve.errors import DataError

#: Moving ranges above this multiple of their mean are dropped before sigma is estimated
#: (Nelson 1982); qicharts2 does this by default once the package is attached.
MR_SCREEN = 3.267
#: d2 for moving ranges of two (Montgomery 6.33).
D2 = 1.128


@dataclass
class Subgroups:
    """The aggregated subgroups of one part: arrays of equal length."""

    y: np.ndarray
    y_sum: np.ndarray
    y_length: np.ndarray
    y_mean: np.ndarray
    y_sd: np.ndarray
    n: np.ndarray
    cl: np.ndarray
    base: np.ndarray
    categorical: bool = False


@dataclass
class Limits:
    """What a chart function returns: plotted values, centre line and limits."""

    y: np.ndarray
    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl_95: np.ndarray
    ucl_95: np.ndarray


def _nanmean(values: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmean(values)) if len(values) else float("nan")


def _nanmedian(values: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(values)) if len(values) else float("nan")


def _nansum(values: np.ndarray) -> float:
    return float(np.nansum(values))


def _centre(g: Subgroups, default: Callable[[], float]) -> np.ndarray:
    """The user's fixed centre line if given, else the computed one (qicharts2 ``cl``)."""
    if np.isnan(g.cl).any():
        return np.full(len(g.y), default())
    return g.cl.astype(float)


def _symmetric(y: np.ndarray, cl: np.ndarray, sd: np.ndarray | float) -> Limits:
    with np.errstate(invalid="ignore"):
        return Limits(y, cl, cl - 3 * sd, cl + 3 * sd, cl - 2 * sd, cl + 2 * sd)


def _clip(limits: Limits, low: float | None, high: float | None) -> Limits:
    """Clip finite limits to the range a proportion or count can take."""
    for name in ("lcl", "ucl", "lcl_95", "ucl_95"):
        values = getattr(limits, name).copy()
        finite = np.isfinite(values)
        if low is not None:
            values[finite & (values < low)] = low
        if high is not None:
            values[finite & (values > high)] = high
        setattr(limits, name, values)
    return limits


def moving_range_sigma(values: np.ndarray, *, screened: bool = True) -> float:
    """Sigma from the average moving range of two, screened as qicharts2 does."""
    mr = np.abs(np.diff(values))
    mr = mr[~np.isnan(mr)]
    amr = _nanmean(mr)
    if screened:
        amr = _nanmean(mr[mr < MR_SCREEN * amr])
    return amr / D2


def run_limits(g: Subgroups, screened: bool = True) -> Limits:
    """Run chart: the centre line is the median; no limits."""
    cl = _centre(g, lambda: _nanmedian(g.y[g.base]))
    empty = np.full(len(g.y), np.nan)
    return Limits(g.y, cl, empty, empty.copy(), empty.copy(), empty.copy())


def i_limits(g: Subgroups, screened: bool = True) -> Limits:
    """Individuals chart: mean, sigma from the (screened) average moving range."""
    cl = _centre(g, lambda: _nanmean(g.y[g.base]))
    sigma = moving_range_sigma(g.y[g.base] - cl[g.base], screened=screened)
    return _symmetric(g.y, cl, sigma)


def mr_limits(g: Subgroups, screened: bool = True) -> Limits:
    """Moving-range chart: y is |y_t - y_{t-1}|; UCL = 3.267 × mean moving range."""
    y = np.concatenate([[np.nan], np.abs(np.diff(g.y))])
    cl = _centre(g, lambda: _nanmean(y[g.base]))
    zero = np.zeros(len(y))
    return Limits(y, cl, zero, MR_SCREEN * cl, zero.copy(), (MR_SCREEN / 3) * 2 * cl)


def c4(n: np.ndarray) -> np.ndarray:
    """Bias constant c4 of the sample standard deviation (NaN for n ≤ 1)."""
    n = np.where(n <= 1, np.nan, n.astype(float))
    return np.sqrt(2 / (n - 1)) * np.exp(gammaln(n / 2) - gammaln((n - 1) / 2))


def _pooled_sd(g: Subgroups) -> float:
    """Pooled within-subgroup sd (Montgomery 6.31) or mean sd when sizes are equal (6.29)."""
    if len(np.unique(g.y_length)) > 1:
        length, sd = g.y_length[g.base], g.y_sd[g.base]
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(np.sqrt(_nansum((length - 1) * sd**2) / _nansum(length - 1)))
    return _nanmean(g.y_sd[g.base])


def xbar_limits(g: Subgroups, screened: bool = True) -> Limits:
    """Xbar chart of subgroup means; sigma pooled within subgroups, limits by A3(n)."""
    length = g.y_length[g.base]
    cl = _centre(g, lambda: _nansum(length * g.y_mean[g.base]) / _nansum(length))
    sd = _pooled_sd(g)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = sd / (c4(g.y_length) * np.sqrt(g.y_length))
    return Limits(g.y, cl, cl - 3 * half, cl + 3 * half, cl - 2 * half, cl + 2 * half)


def s_limits(g: Subgroups, screened: bool = True) -> Limits:
    """S chart of subgroup standard deviations; limits B3·s̄ and B4·s̄."""
    cl = _centre(g, lambda: _pooled_sd(g))
    with np.errstate(invalid="ignore", divide="ignore"):
        c_4 = c4(g.y_length)
        ratio = np.sqrt(1 - c_4**2) / c_4
    return Limits(
        g.y_sd.astype(float),
        cl,
        np.maximum(0, 1 - 3 * ratio) * cl,
        (1 + 3 * ratio) * cl,
        np.maximum(0, 1 - 2 * ratio) * cl,
        (1 + 2 * ratio) * cl,
    )


def t_limits(g: Subgroups, screened: bool = True) -> Limits:
    """T chart of times between events: an I chart of y^(1/3.6), transformed back."""
    if np.nanmin(g.y) <= 0:
        raise DataError(
            "A T chart needs times between events greater than zero; found a zero or negative "
            "value. Remove those rows or use a G chart of counts between events."
        )
    power = 3.6
    inner = i_limits(
        Subgroups(
            g.y ** (1 / power),
            g.y_sum,
            g.y_length,
            g.y_mean,
            g.y_sd,
            g.n,
            g.cl ** (1 / power),
            g.base,
            g.categorical,
        ),
        screened,
    )
    with np.errstate(invalid="ignore"):
        back = {
            k: getattr(inner, k) ** power for k in ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95")
        }
    lcl = back["lcl"]
    lcl[(lcl < 0) | np.isnan(lcl)] = 0
    return Limits(**back)


def p_limits(g: Subgroups, screened: bool = True) -> Limits:
    """P chart: pooled proportion, binomial sigma by subgroup size."""
    cl = _centre(g, lambda: _nansum(g.y_sum[g.base]) / _nansum(g.n[g.base]))
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(cl * (1 - cl) / g.n)
    return _clip(_symmetric(g.y, cl, sd), 0.0, 1.0)


def _laney_sigma_z(g: Subgroups, cl: np.ndarray, sd: np.ndarray, screened: bool) -> float:
    """Between-subgroup inflation of sigma for Laney's P' and U' charts."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (g.y[g.base] - cl[g.base]) / sd[g.base]
    if g.categorical:
        return float(np.std(z, ddof=1)) if len(z) > 1 else float("nan")
    return moving_range_sigma(z, screened=screened)


def pp_limits(g: Subgroups, screened: bool = True) -> Limits:
    """Laney P' chart: the p chart's sigma times the sigma of the z-scores."""
    cl = _centre(g, lambda: _nansum(g.y_sum[g.base]) / _nansum(g.n[g.base]))
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(cl * (1 - cl) / g.n)
    sd = sd * _laney_sigma_z(g, cl, sd, screened)
    return _clip(_symmetric(g.y, cl, sd), 0.0, 1.0)


def c_limits(g: Subgroups, screened: bool = True) -> Limits:
    """C chart of counts: mean count, Poisson sigma."""
    y = g.y_sum.astype(float)
    cl = _centre(g, lambda: _nanmean(y[g.base]))
    with np.errstate(invalid="ignore"):
        sd = np.sqrt(cl)
    return _clip(_symmetric(y, cl, sd), 0.0, None)


def u_limits(g: Subgroups, screened: bool = True) -> Limits:
    """U chart of rates: pooled rate, Poisson sigma by exposure."""
    cl = _centre(g, lambda: _nansum(g.y_sum[g.base]) / _nansum(g.n[g.base]))
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(cl / g.n)
    return _clip(_symmetric(g.y, cl, sd), 0.0, None)


def up_limits(g: Subgroups, screened: bool = True) -> Limits:
    """Laney U' chart: the u chart's sigma times the sigma of the z-scores."""
    cl = _centre(g, lambda: _nansum(g.y_sum[g.base]) / _nansum(g.n[g.base]))
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(cl / g.n)
    sd = sd * _laney_sigma_z(g, cl, sd, screened)
    return _clip(_symmetric(g.y, cl, sd), 0.0, None)


def g_limits(g: Subgroups, screened: bool = True) -> Limits:
    """G chart of counts between events: geometric sigma; centre line is the median."""
    fixed = not np.isnan(g.cl).any()
    mean = _centre(g, lambda: _nanmean(g.y[g.base]))
    sd = np.sqrt(mean * (mean + 1))
    limits = _symmetric(g.y, mean, sd)
    limits.lcl[limits.lcl < 0] = 0
    limits.lcl_95[limits.lcl_95 < 0] = 0
    limits.cl = 0.693 * mean if fixed else np.full(len(g.y), _nanmedian(g.y[g.base]))
    return limits


CHARTS: dict[str, Callable[[Subgroups, bool], Limits]] = {
    "run": run_limits,
    "i": i_limits,
    "mr": mr_limits,
    "xbar": xbar_limits,
    "s": s_limits,
    "t": t_limits,
    "p": p_limits,
    "pp": pp_limits,
    "c": c_limits,
    "u": u_limits,
    "up": up_limits,
    "g": g_limits,
}
