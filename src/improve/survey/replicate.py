"""Jackknife (JK1) replicate-weight standard errors, with raking redone in every replicate.

Each replicate drops one respondent and scales the others' weights by ``n / (n - 1)``;
when the weights were raked, every replicate is raked again to the same margins, so the
standard error reflects the raking. The variance is ``(n - 1) / n · Σ (θ_r - θ̄)²`` with
``θ̄`` the mean of the replicates (R ``as.svrepdesign(type = "JK1")`` then ``rake`` and
``svymean``, whose default centres on the replicate mean).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from improve.survey.weights import rake


def jackknife_means(
    y: np.ndarray,
    weights: np.ndarray,
    *,
    frame: pd.DataFrame | None = None,
    margins: Mapping[str, Mapping[str, float]] | None = None,
    tolerance: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of the columns of ``y`` and their JK1 covariance.

    Parameters
    ----------
    y : ndarray (n × k)
        Complete answers (no missing values).
    weights : ndarray
        Base weights (before raking, when ``margins`` are given).
    frame, margins : optional
        Respondents' margin columns and population counts: every replicate (and the full
        sample) is raked to them.
    """
    y = np.asarray(y, dtype=float).reshape(len(weights), -1)
    w = np.asarray(weights, dtype=float)
    n = w.size

    def _weights(base: np.ndarray, keep: np.ndarray) -> np.ndarray:
        if not margins:
            return base
        raked = rake(
            frame.loc[keep], margins, base_weights=pd.Series(base[keep]), tolerance=tolerance
        )
        out = np.zeros(n)
        out[keep] = raked.weights.to_numpy()
        return out

    everyone = np.ones(n, dtype=bool)
    full = _weights(w, everyone)
    estimate = full @ y / full.sum()
    replicates = np.empty((n, y.shape[1]))
    for i in range(n):
        keep = everyone.copy()
        keep[i] = False
        base = np.where(keep, w * n / (n - 1), 0.0)
        wr = _weights(base, keep)
        replicates[i] = wr @ y / wr.sum()
    centred = replicates - replicates.mean(axis=0)
    return estimate, (n - 1) / n * centred.T @ centred
