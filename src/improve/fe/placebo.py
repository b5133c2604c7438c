"""Placebo-in-space p-value of a two-way fixed-effects treatment coefficient.

:func:`placebo_fe` builds the 0/1 indicator "treated by this period" from the first-treated
column, estimates its coefficient with :func:`improve.fe.panel_regression` (unit and period
effects), and ranks it among the coefficients obtained when the treated clusters' timing is
moved to never-treated clusters (:func:`improve.inference.placebo_in_space`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from improve.data.columns import panel_columns
from improve.fe import panel_regression
from improve.inference.permutation import MAX_PLACEBOS, PermutationResult, placebo_in_space


def placebo_fe(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: Sequence[str] | str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    max_placebos: int = MAX_PLACEBOS,
    seed: int | None = 0,
) -> PermutationResult:
    """Permutation p-value of the coefficient on a 0/1 treatment in a unit + period FE model.

    Parameters
    ----------
    data : Panel or pandas.DataFrame
        The panel; a Panel fills every column name not given from its spec.
    outcome, unit, time, covariates, weights : optional
        As in :func:`improve.fe.panel_regression`.
    cohort : str, optional
        First-treated column (0 = never); the regressor is ``1`` from that period on.
    cluster : str, optional
        The clusters treatment is moved between. Default: the spec's cluster, else the unit.
    max_placebos, seed
        See :func:`improve.inference.placebo_in_space`.

    Returns
    -------
    PermutationResult
        ``estimate`` is the treatment coefficient.
    """
    frame, cols = panel_columns(
        data,
        "placebo_fe",
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        covariates=covariates,
        cluster=cluster,
        weights=weights,
        required=("outcome", "unit", "time", "cohort"),
    )
    indicator = _free_name(frame.columns, "treated")

    def coefficient(rows: pd.DataFrame, timing: pd.Series) -> float:
        times = rows[cols.time].to_numpy(dtype="float64")
        first = timing.to_numpy(dtype="float64")
        on = ((first > 0) & (times >= first)).astype("float64")
        result = panel_regression(
            rows.assign(**{indicator: on}),
            cols.outcome,
            indicator,
            unit=cols.unit,
            time=cols.time,
            covariates=list(cols.covariates) or None,
            weights=cols.weights,
            se="hc1",
        )
        return float(np.asarray(result.estimate)[0])

    return placebo_in_space(
        frame,
        coefficient,
        unit=cols.unit,
        timing=cols.cohort,
        cluster=cols.cluster or cols.unit,
        max_placebos=max_placebos,
        seed=seed,
    )


def _free_name(columns: pd.Index, stem: str) -> str:
    """``stem``, or ``stem_1``, ``stem_2``, ... : the first name not among ``columns``."""
    name, i = stem, 0
    while name in columns:
        i += 1
        name = f"{stem}_{i}"
    return name
