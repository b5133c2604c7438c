"""Dose bases of the continuous-treatment DiD: B-spline (polynomial without knots) and saturated.

The B-spline basis follows R ``contdid`` / ``splines2::bSpline(intercept = FALSE)`` plus an
explicit intercept column: knots clamped at the smallest and largest treated dose, interior
knots at evenly spaced quantiles of the treated doses. With no interior knots the span is the
polynomials of the chosen degree (the "parametric" estimator). Evaluation points outside the
treated-dose range are clamped to it (no extrapolation). The saturated basis has one
indicator per dose level (CGBS 2024, eq. 4.1); its derivative is the backward difference
on ``0, d_1, ..., d_J``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import BSpline

FloatArray = NDArray[np.float64]

#: Doses closer than this are one level of a multi-valued dose.
LEVEL_TOL = 1e-9


@dataclass(frozen=True)
class DoseBasis:
    """A basis of functions of the dose and its first derivative.

    Attributes
    ----------
    kind : str
        ``"bspline"`` or ``"saturated"``.
    knots : ndarray
        Full clamped knot vector (B-spline) or the dose levels (saturated).
    degree : int
        B-spline degree (0 for the saturated basis).
    """

    kind: str
    knots: FloatArray
    degree: int

    @property
    def size(self) -> int:
        """Number of columns of the design matrix."""
        if self.kind == "saturated":
            return len(self.knots)
        return len(self.knots) - self.degree - 1

    def design(self, dose: FloatArray) -> FloatArray:
        """Design matrix at ``dose`` (intercept first for the B-spline)."""
        x = np.asarray(dose, dtype=float)
        if self.kind == "saturated":
            return (np.abs(x[:, None] - self.knots[None, :]) <= LEVEL_TOL).astype(float)
        if self.knots[0] == self.knots[-1]:
            return np.ones((len(x), 1))
        xc = np.clip(x, self.knots[self.degree], self.knots[-self.degree - 1])
        b = BSpline.design_matrix(xc, self.knots, self.degree).toarray()
        return np.column_stack([np.ones(len(x)), b[:, 1:]])

    def derivative(self, dose: FloatArray) -> FloatArray:
        """First derivative of each design column at ``dose``."""
        x = np.asarray(dose, dtype=float)
        if self.kind == "saturated":
            return _backward_difference(x, self.knots)
        out = np.zeros((len(x), self.size))
        if self.knots[0] == self.knots[-1]:
            return out
        xc = np.clip(x, self.knots[self.degree], self.knots[-self.degree - 1])
        for j in range(1, self.size):
            coef = np.zeros(self.size)
            coef[j] = 1.0
            out[:, j] = BSpline(self.knots, coef, self.degree).derivative()(xc)
        return out


def _backward_difference(x: FloatArray, levels: FloatArray) -> FloatArray:
    """Rows mapping level effects to ``(ATT(d_j) - ATT(d_{j-1})) / (d_j - d_{j-1})``."""
    out = np.zeros((len(x), len(levels)))
    for row, value in enumerate(x):
        hit = np.flatnonzero(np.abs(levels - value) <= LEVEL_TOL)
        if hit.size == 0:
            out[row] = np.nan
            continue
        j = int(hit[0])
        below = levels[j - 1] if j > 0 else 0.0
        step = levels[j] - below
        out[row, j] = 1.0 / step
        if j > 0:
            out[row, j - 1] = -1.0 / step
    return out


def bspline_basis(treated_doses: FloatArray, degree: int, num_knots: int) -> DoseBasis:
    """Clamped B-spline basis on the treated doses (R ``contdid`` knot rule)."""
    dose = np.asarray(treated_doses, dtype=float)
    low, high = float(dose.min()), float(dose.max())
    if num_knots > 0:
        probs = np.linspace(0.0, 1.0, num_knots + 2)[1:-1]
        interior = np.quantile(dose, probs)
    else:
        interior = np.array([])
    knots = np.concatenate([np.repeat(low, degree + 1), interior, np.repeat(high, degree + 1)])
    return DoseBasis("bspline", knots, degree)


def dose_levels(treated_doses: FloatArray) -> FloatArray:
    """Distinct dose levels (values within :data:`LEVEL_TOL` merged)."""
    values = np.sort(np.asarray(treated_doses, dtype=float))
    keep = np.concatenate([[True], np.diff(values) > LEVEL_TOL]) if values.size else values
    return values[keep.astype(bool)] if values.size else values


def saturated_basis(treated_doses: FloatArray) -> DoseBasis:
    """One indicator per treated dose level."""
    return DoseBasis("saturated", dose_levels(treated_doses), 0)


def default_grid(treated_doses: FloatArray) -> FloatArray:
    """Quantiles 0.10, 0.11, ..., 0.99 of the treated doses (R ``contdid`` default)."""
    probs = np.arange(0.10, 0.99 + 0.005, 0.01)
    return np.quantile(np.asarray(treated_doses, dtype=float), probs)
