"""Bias-reduced (CR2) cluster adjustment of the continuous-DiD influence functions.

Each cell is a regression of the treated units' outcome changes on the dose basis and a
mean of the comparison units' changes. CR2 (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018)
replaces a cluster's residuals ``e_c`` by ``(I - H_cc)^{-1/2} e_c`` with ``H_cc`` the
cluster's block of the hat matrix: ``Psi_c (Psi'Psi)^{-1} Psi_c'`` for the regression and the
rank-one block with ``1 - h_c`` (``h_c`` the cluster's share of the units) for a mean, which is
the correction ``improve.did.att_gt`` applies to its cells. Eigenvalues below
``EIG_TOL`` get no weight (``clubSandwich``'s convention).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from improve.inference.bias_reduced import EIG_TOL

FloatArray = NDArray[np.float64]


def mean_scale(codes: NDArray[np.intp] | None, size: int) -> FloatArray:
    """Per-unit factor ``(1 - h_c)^{-1/2}`` of a mean over units in clusters ``codes``."""
    if codes is None:
        return np.ones(size)
    counts = np.bincount(codes)
    left = 1.0 - counts[codes] / float(size)
    return np.where(left > EIG_TOL, 1.0 / np.sqrt(np.maximum(left, EIG_TOL)), 0.0)


def regression_residuals(
    design: FloatArray, resid: FloatArray, codes: NDArray[np.intp] | None
) -> FloatArray:
    """CR2-adjusted residuals of a least-squares fit, cluster by cluster."""
    if codes is None:
        return resid
    gram_inv = np.linalg.pinv(design.T @ design)
    out = np.empty_like(resid)
    for c in np.unique(codes):
        idx = np.flatnonzero(codes == c)
        x = design[idx]
        vals, vecs = np.linalg.eigh(np.eye(idx.size) - x @ gram_inv @ x.T)
        inv_sqrt = np.where(vals > EIG_TOL, 1.0 / np.sqrt(np.maximum(vals, EIG_TOL)), 0.0)
        out[idx] = vecs @ (inv_sqrt * (vecs.T @ resid[idx]))
    return out
