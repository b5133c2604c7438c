"""Raking (iterative proportional fitting) of respondents to known population margins.

Each pass scales the weights so the weighted count of every category of one margin equals
its population count, margin after margin, until no weighted count moves by more than
``tolerance`` (Deming and Stephan 1940). The result equals R ``survey::rake`` run to the
same convergence (R's default stops once counts move by less than one person; pass
``control = list(epsilon = 1e-10, maxit = 200)`` to compare).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from improve.errors import DataError, EstimationError


@dataclass(frozen=True)
class RakedWeights:
    """Raked weights and the margins they were raked to.

    Attributes
    ----------
    weights : Series
        One weight per respondent (sums to the population total).
    margins : dict of str to Series
        Category of each respondent on each margin (used by design-based SEs).
    iterations : int
        Passes over all margins.
    converged : bool
    """

    weights: pd.Series
    margins: dict[str, pd.Series]
    iterations: int
    converged: bool

    def design_effect(self) -> float:
        """Kish's design effect from unequal weights: ``n Σw² / (Σw)²``."""
        w = self.weights.to_numpy(float)
        return float(w.size * np.sum(w**2) / np.sum(w) ** 2)


def _check_margin(name: str, values: pd.Series, targets: pd.Series) -> None:
    if values.isna().any():
        raise DataError(
            f"raking margin '{name}': {int(values.isna().sum())} respondents have no value; "
            "give them a category (e.g. 'Not reported') present in the population margins"
        )
    absent = sorted(set(values.astype(str)) - set(targets.index.astype(str)))
    if absent:
        raise DataError(
            f"raking margin '{name}': categories {', '.join(absent)} are among respondents "
            "but not in the population margins; add their population counts"
        )
    empty = sorted(set(targets.index.astype(str)) - set(values.astype(str)))
    if empty:
        raise DataError(
            f"raking margin '{name}': no respondent is in {', '.join(empty)}; combine that "
            "category with a neighbour in both the data and the margins"
        )


def rake(
    frame: pd.DataFrame,
    margins: Mapping[str, Mapping[str, float] | pd.Series],
    *,
    base_weights: pd.Series | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> RakedWeights:
    """Rake weights so weighted counts match population counts on every margin.

    Parameters
    ----------
    frame : DataFrame
        Respondents, with one column per margin (e.g. ``role``, ``region``).
    margins : mapping of column to {category: population count}
    base_weights : Series, optional
        Starting weights (default 1 for everyone).
    tolerance : float
        Largest change in any weighted count at convergence.
    max_iterations : int

    Raises
    ------
    improve.errors.DataError
        A category appears on one side only, or a respondent lacks a margin value.
    improve.errors.EstimationError
        The margins have different totals or raking did not converge.
    """
    targets = {k: pd.Series(v, dtype=float) for k, v in margins.items()}
    totals = {k: float(t.sum()) for k, t in targets.items()}
    if len(set(np.round(list(totals.values()), 6))) > 1:
        raise EstimationError(
            f"the population margins add up to different totals ({totals}); each margin "
            "must count the same population"
        )
    for name, target in targets.items():
        if name not in frame.columns:
            raise DataError(f"raking margin '{name}' is not a column of the responses")
        _check_margin(name, frame[name], target)
    cats = {k: frame[k].astype(str).to_numpy() for k in targets}
    w = (
        np.ones(len(frame))
        if base_weights is None
        else np.asarray(base_weights, dtype=float).copy()
    )
    converged, iteration = False, 0
    while iteration < max_iterations:
        iteration += 1
        moved = 0.0
        for name, target in targets.items():
            current = pd.Series(w).groupby(cats[name]).sum()
            ratio = target.rename(index=str) / current
            moved = max(moved, float(np.max(np.abs(current - target.rename(index=str)))))
            w = w * ratio.reindex(cats[name]).to_numpy()
        if moved < tolerance:
            converged = True
            break
    if not converged:
        raise EstimationError(
            f"raking did not converge in {max_iterations} passes; some margins may "
            "contradict each other (a category with no respondents in a combination)"
        )
    return RakedWeights(
        weights=pd.Series(w, index=frame.index, name="weight"),
        margins={k: frame[k].astype(str) for k in targets},
        iterations=iteration,
        converged=converged,
    )
