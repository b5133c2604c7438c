"""Leave-one-cluster-out jackknife of the de Chaisemartin--D'Haultfoeuille estimates.

With few or very unequal clusters (a state's largest district can hold a sixth of its
schools) the influence-function variance is too small. Here each cluster is left out in turn
and every effect, placebo and the average total effect are re-estimated on the remaining
groups (the same panel, comparison cells and options); the jackknife covariance
``(C-1)/C sum_c (theta_(c) - mean)(theta_(c) - mean)'`` (CV3) replaces the analytic one, as
:mod:`improve.did.jackknife` does for ATT(g,t) aggregates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from improve.did._multiplegt_prepare import FloatArray, SwitchPanel, subset_panel


def jackknife_covariance(
    p: SwitchPanel,
    x: FloatArray | None,
    estimates: Callable[[SwitchPanel, FloatArray | None], FloatArray],
) -> tuple[FloatArray, int]:
    """CV3 covariance of ``estimates(panel, controls)`` over leave-one-cluster-out panels.

    Entries use the leave-out fits where both estimates exist; returns the covariance and
    the number of clusters.
    """
    codes = p.cluster if p.cluster is not None else np.arange(p.n_groups)
    clusters = np.unique(codes)
    rows = []
    for c in clusters:
        keep = codes != c
        sub = subset_panel(p, keep)
        rows.append(estimates(sub, None if x is None else x[keep]))
    est = np.asarray(rows, dtype=float)
    k = est.shape[1]
    cov = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            ok = np.isfinite(est[:, i]) & np.isfinite(est[:, j])
            n = int(ok.sum())
            if n < 2:
                continue
            a = est[ok, i] - est[ok, i].mean()
            b = est[ok, j] - est[ok, j].mean()
            cov[i, j] = cov[j, i] = (n - 1) / n * float(a @ b)
    return cov, clusters.size
