"""Placebo-in-space p-value of the staggered-DiD overall ATT (one or a few treated clusters).

:func:`placebo_att` re-estimates :func:`improve.did.att_gt` aggregated with
``aggregate(type="simple")`` once per placebo assignment of the treated clusters' timing to
never-treated clusters (:func:`improve.inference.placebo_in_space`) and ranks the actual
overall ATT among the placebo estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from improve.data.columns import panel_columns
from improve.did import aggregate, att_gt
from improve.inference.permutation import MAX_PLACEBOS, PermutationResult, placebo_in_space


def placebo_att(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: Sequence[str] | str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    control_group: str = "nevertreated",
    est_method: str = "dr",
    base_period: str = "varying",
    anticipation: int = 0,
    allow_unbalanced_panel: bool = False,
    na_rm: bool = False,
    max_placebos: int = MAX_PLACEBOS,
    seed: int | None = 0,
) -> PermutationResult:
    """Permutation p-value of the simple overall ATT of :func:`improve.did.att_gt`.

    Parameters
    ----------
    data : Panel or pandas.DataFrame
        The panel; a Panel fills every column name not given from its spec.
    outcome, unit, time, cohort, covariates, weights : optional
        As in :func:`improve.did.att_gt` (``cohort`` is the first-treated column).
    cluster : str, optional
        The clusters treatment is moved between (a state, a district). Default: the spec's
        cluster, else the unit. It is not used for standard errors: only point estimates
        are computed.
    control_group, est_method, base_period, anticipation, allow_unbalanced_panel
        Passed to :func:`improve.did.att_gt`, so the placebos use the same estimator as the
        reported estimate.
    na_rm : bool
        Passed to :func:`improve.did.aggregate`.
    max_placebos, seed
        See :func:`improve.inference.placebo_in_space`.

    Returns
    -------
    PermutationResult
        ``estimate`` is the overall ATT; ``p_value`` its two-sided permutation p-value.
    """
    frame, cols = panel_columns(
        data,
        "placebo_att",
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        covariates=covariates,
        cluster=cluster,
        weights=weights,
        required=("outcome", "unit", "time", "cohort"),
    )

    def overall_att(rows: pd.DataFrame, timing: pd.Series) -> float:
        result = att_gt(
            rows.assign(**{cols.cohort: timing}),
            cols.outcome,
            unit=cols.unit,
            time=cols.time,
            cohort=cols.cohort,
            covariates=list(cols.covariates),
            weights=cols.weights,
            control_group=control_group,  # type: ignore[arg-type]
            est_method=est_method,  # type: ignore[arg-type]
            base_period=base_period,  # type: ignore[arg-type]
            anticipation=anticipation,
            allow_unbalanced_panel=allow_unbalanced_panel,
        )
        return float(aggregate(result, "simple", na_rm=na_rm).estimate)

    return placebo_in_space(
        frame,
        overall_att,
        unit=cols.unit,
        timing=cols.cohort,
        cluster=cols.cluster or cols.unit,
        max_placebos=max_placebos,
        seed=seed,
    )
