"""Two-stage difference-in-differences of Gardner (2022), as R ``did2s`` / ``pyfixest.did2s``.

Stage 1 fits unit and period fixed effects on the untreated observations (never-treated
units and not-yet-treated periods, no anticipation) and subtracts them from every outcome.
Stage 2 regresses that residualised outcome, without intercept, on the treatment indicator
(``event_study=False``) or on event-time indicators of the eventually-treated units (every
observed event time except the reference ``-1``; never-treated rows have all indicators 0).

Because the stage-2 regressors are disjoint indicators, each coefficient is the (weighted)
mean of the residualised outcome in its cell. For treated cells that is exactly the
imputation estimate of :func:`improve.did.imputation.imputation` (same horizon, same
weights); pre-treatment coefficients are mean stage-1 residuals, a placebo check.

Standard errors are the GMM (two-step M-estimator) clustered sandwich of R ``did2s``:
``V = (X2'WX2)^{-1} [sum_c s_c s_c'] (X2'WX2)^{-1}`` with
``s_c = X2_c'W e2_c - gamma' X10_c'W e1_c`` and ``gamma = (X10'WX10)^{-1} X1'WX2``, where X1
are the fixed-effect dummies, X10 the same rows zeroed for treated observations, e1 the
stage-1 and e2 the stage-2 residuals. No small-sample factor and normal critical values, as
``did2s``.

Relation to the BJS standard error: written as ``sum_it v_it Y_it``, a did2s coefficient
has the same weights ``v`` as the imputation estimate, and the did2s variance is
``sum_c (sum_{it in c} v_it e_it)^2`` with ``e_it`` the stage-1 residual for untreated rows
and ``tau_hat_it - tau_hat`` (deviation from the coefficient itself) for treated rows. BJS
instead subtracts the ``v^2``-weighted mean within each cohort x event-time cell. For a
single event time the cells are cohorts, so the BJS residuals are smaller whenever effects
differ across cohorts (BJS SE <= did2s SE up to the cross terms); for the static/overall
estimate the difference also reflects effect heterogeneity across event times.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from improve.did.imputation import (
    EventStudyResult,
    _group_sums,
    _prepare,
    _resolve,
    _stage1,
)
from improve.errors import EstimationError, SpecError


def two_stage(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    event_study: bool = True,
) -> EventStudyResult:
    """Gardner (2022) two-stage DiD with the GMM-corrected clustered standard errors of ``did2s``.

    Parameters
    ----------
    data : Panel or DataFrame
        A :class:`improve.data.Panel` (column names default to its spec) or a long DataFrame.
    outcome : str, optional
        Outcome column (default: the Panel's first outcome).
    unit, time, cohort : str
        Unit id, numeric period, first treated period (0 = never treated).
    cluster : str, optional
        Cluster column (default: the Panel's cluster, else the unit).
    weights : str, optional
        Sampling weights (WLS in both stages).
    alpha : float
        1 - confidence level.
    event_study : bool
        Event-time indicators (every observed event time except -1) when True; one
        treatment indicator (term ``"ATT"``) when False.

    Returns
    -------
    EventStudyResult
        ``method="two_stage"``; pre-treatment rows have ``kind="pretrend"``.

    Raises
    ------
    SpecError, EstimationError
        As :func:`improve.did.imputation.imputation`.

    Notes
    -----
    Post-treatment coefficients equal the imputation estimates exactly; standard errors
    differ by design (module docstring). Treated observations whose untreated outcome cannot
    be imputed are dropped with a warning (R ``did2s`` would instead fail or return NA).

    Examples
    --------
    >>> two_stage(df, "lemp", unit="countyreal", time="year",
    ...           cohort="first_treat").tidy()  # doctest: +SKIP
    """
    if not 0 < alpha < 1:
        raise SpecError(f"two_stage: alpha must be in (0, 1), got {alpha}")
    df, names = _resolve("two_stage", data, outcome, unit, time, cohort, cluster, weights)
    p = _prepare("two_stage", df, names)
    s1 = _stage1("two_stage", p)
    use = s1.usable
    ytil = np.where(use, p.y - s1.fitted, 0.0)
    w = np.where(use, p.w, 0.0)

    if event_study:
        events = sorted({int(e) for e in p.event[use & (p.cohort > 0)]} - {-1})
        cols = [use & (p.cohort > 0) & (p.event == e) for e in events]
        terms = [f"e={e}" for e in events]
        event_time = np.asarray(events, dtype=float)
        kind = tuple("pretrend" if e < 0 else "horizon" for e in events)
    else:
        cols = [use & p.treated]
        terms = ["ATT"]
        event_time = np.array([np.nan])
        kind = ("overall",)
    x2 = np.column_stack(cols).astype(float)
    xtx = (w[:, None] * x2).sum(axis=0)  # X2'WX2 is diagonal (disjoint indicators)
    if np.any(xtx <= 0):
        raise EstimationError("two_stage: an event-time cell has zero total weight")
    beta = (x2 * (w * ytil)[:, None]).sum(axis=0) / xtx
    e2 = ytil - x2 @ beta

    # gamma = (X10'W X10)^{-1} X1'W X2  (X1 over all usable rows)
    gu, gt = s1.solver.solve(
        _group_sums(p.unit, w[:, None] * x2, p.n_units),
        _group_sums(p.time, w[:, None] * x2, p.n_times),
    )
    u0 = s1.untreated
    e1 = np.where(u0, p.y - s1.fitted, 0.0)
    contrib = x2 * (w * e2)[:, None]
    contrib[u0] -= (w * e1)[u0, None] * (gu[p.unit[u0]] + gt[p.time[u0]])
    score = _group_sums(p.cluster, contrib, p.n_clusters)
    meat = score.T @ score
    vcov = meat / np.outer(xtx, xtx)
    se = np.sqrt(np.diag(vcov))

    return EventStudyResult(
        method="two_stage",
        outcome=p.outcome,
        terms=tuple(terms),
        event_time=event_time,
        kind=kind,
        estimate=beta,
        std_error=se,
        vcov=vcov,
        n_obs=int(use.sum()),
        n_treated_obs=int((use & p.treated).sum()),
        n_units=p.n_units,
        n_clusters=p.n_clusters,
        n_dropped=s1.n_dropped,
        cluster=p.cluster_name,
        alpha=alpha,
        scores=score / xtx,
    )
