"""Gini and Theil indices of per-pupil amounts, and the within/between Theil decomposition.

Both are computed over the weighted distribution (weights = enrollment: across pupils).
The Gini coefficient is given two ways, from the Lorenz curve after sorting and from the
mean absolute difference between all pairs of pupils, which agree to rounding; the Theil
index T (Theil 1967) splits exactly into a part within groups and a part between groups
(Shorrocks 1980): ``T = Σ_g s_g T_g + Σ_g s_g ln(μ_g / μ)`` with ``s_g`` the group's share
of all money.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from improve.finance.indices import _arrays


def gini(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Gini coefficient from the Lorenz curve (units sorted by amount).

    ``G = 1 − Σ_k p_k (L_k + L_{k−1})`` with ``p_k`` the weight share of the k-th unit in
    ascending order and ``L_k`` the cumulative share of money up to it.
    """
    values, weights = _arrays(x, w)
    order = np.argsort(values, kind="stable")
    share = weights[order] / np.sum(weights)
    money = share * values[order]
    lorenz = np.cumsum(money) / np.sum(money)
    previous = np.concatenate([[0.0], lorenz[:-1]])
    return float(1.0 - np.sum(share * (lorenz + previous)))


def gini_mean_difference(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Gini coefficient as half the relative mean absolute difference between pupils.

    ``G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ)``; no sorting (O(n²) memory).
    """
    values, weights = _arrays(x, w)
    total = np.sum(weights)
    mean = np.sum(weights * values) / total
    gaps = np.abs(values[:, None] - values[None, :])
    return float(np.sum(weights[:, None] * weights[None, :] * gaps) / (2.0 * total**2 * mean))


def theil(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Theil's T: ``Σ (w_i / W)(x_i / μ) ln(x_i / μ)`` (0 = equal; amounts must be > 0)."""
    values, weights = _arrays(x, w)
    if np.any(values <= 0):
        raise ValueError("the Theil index needs positive amounts")
    ratio = values / (np.sum(weights * values) / np.sum(weights))
    return float(np.sum(weights * ratio * np.log(ratio)) / np.sum(weights))


@dataclass(frozen=True)
class TheilParts:
    """The Theil index split into a within-group and a between-group part."""

    total: float
    within: float
    between: float
    groups: list[str]
    group_within: list[float]
    money_share: list[float]
    weight_share: list[float]
    group_mean: list[float]


def theil_decomposition(x: ArrayLike, w: ArrayLike | None, groups: ArrayLike) -> TheilParts:
    """Theil's T within and between ``groups`` (e.g. districts), computed separately.

    ``within`` is ``Σ_g s_g T_g`` and ``between`` is ``Σ_g s_g ln(μ_g / μ)``; their sum
    equals :func:`theil` of all units up to floating-point rounding.
    """
    labels = np.asarray(groups)
    weights_all = np.ones(len(labels)) if w is None else np.asarray(w, dtype=float)
    values_all = np.asarray(x, dtype=float)
    keep = weights_all > 0
    values, weights, labels = values_all[keep], weights_all[keep], labels[keep]
    total_weight = np.sum(weights)
    mean = np.sum(weights * values) / total_weight
    names = sorted({str(g) for g in labels})
    text = np.array([str(g) for g in labels])
    within = between = 0.0
    parts: dict[str, list[float]] = {"t": [], "s": [], "p": [], "m": []}
    for name in names:
        inside = text == name
        group_mean = np.sum(weights[inside] * values[inside]) / np.sum(weights[inside])
        money_share = np.sum(weights[inside] * values[inside]) / (total_weight * mean)
        group_theil = theil(values[inside], weights[inside])
        within += money_share * group_theil
        between += money_share * np.log(group_mean / mean)
        parts["t"].append(group_theil)
        parts["s"].append(float(money_share))
        parts["p"].append(float(np.sum(weights[inside]) / total_weight))
        parts["m"].append(float(group_mean))
    return TheilParts(
        total=theil(values, weights),
        within=float(within),
        between=float(between),
        groups=names,
        group_within=parts["t"],
        money_share=parts["s"],
        weight_share=parts["p"],
        group_mean=parts["m"],
    )
