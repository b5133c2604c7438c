"""Group-time ATT(g,t) from aggregates computed in a SQL engine (DuckDB or Spark SQL).

Design: the estimator is written once as plain, standard SQL (GROUP BY, one self-join
and one window average) and sent unchanged to DuckDB (``relation.query``) or Spark
(``createOrReplaceTempView`` + ``spark.sql``). Only per (cohort, period, base period)
counts, sums and centred sums of squares of the within-unit outcome change come back to
Python: a few rows per cell, never the panel. Cohorts are then combined into the
comparison group with the exact (Chan et al.) pooled-variance formula, which keeps the
standard errors equal to the in-memory estimator's to rounding.

Scope of this first version: balanced panels, no covariates, no weights, analytic
(unit-level) standard errors, ``base_period="varying"``, never-treated or not-yet-treated
comparison groups. Anything else is refused with a one-line message rather than
silently computed differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.engines import detect, fetch

FloatArray = NDArray[np.float64]

_ENGINE_EXTRA = "install the engine with: pip install 'improve[scale]'"


@dataclass(frozen=True)
class EngineATTGT:
    """ATT(g,t) cells estimated in an engine.

    Attributes
    ----------
    groups, times, base_periods : ndarray, shape (k,)
        Cohort, period and base period of each cell, ordered by cohort then period.
    estimate, std_error : ndarray, shape (k,)
        Estimates and analytic standard errors (NaN where a cell has no comparison units).
    n_treated, n_control : ndarray of int, shape (k,)
        Treated and comparison units per cell.
    n_units : int
        Units in the panel (after dropping units treated in the first period).
    engine : str
        "duckdb" or "spark".
    """

    groups: FloatArray
    times: FloatArray
    base_periods: FloatArray
    estimate: FloatArray
    std_error: FloatArray
    n_treated: NDArray[np.int64]
    n_control: NDArray[np.int64]
    n_units: int
    engine: str

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: group, time, estimate, std_error, n_treated, n_control."""
        return pd.DataFrame(
            {
                "group": self.groups,
                "time": self.times,
                "estimate": self.estimate,
                "std_error": self.std_error,
                "n_treated": self.n_treated,
                "n_control": self.n_control,
            }
        )


def _quote(name: str) -> str:
    """Quote a column name as a SQL identifier (data, never code)."""
    if not isinstance(name, str) or not name or "`" in name or '"' in name:
        raise ValueError(f"column name {name!r} cannot be used in an engine query")
    return f'"{name}"'


def _engine_of(data: Any) -> str:
    engine = detect.engine_of(data)
    if engine is None:
        raise TypeError(
            "att_gt_engine needs a DuckDB relation or a Spark DataFrame, "
            f"got {type(data).__name__}; {_ENGINE_EXTRA}"
        )
    return engine


def _run(data: Any, sql: str, max_rows: int = fetch.MAX_RESULT_ROWS) -> pd.DataFrame:
    """Run ``sql`` (which reads the table ``panel``) and return its small result.

    Through :func:`improve.engines.fetch.run_query`: results over ``max_rows`` (default its
    row limit) are refused and engine failures become one-line
    :class:`~improve.engines.fetch.EngineError`.
    """
    return fetch.run_query(data, sql, max_rows=max_rows)


def _cohort_sql(cohort: str, time: str) -> str:
    """Cohort with never treated (NULL, 0, after the last period) coded as 0."""
    return (
        f"CASE WHEN {cohort} IS NULL OR {cohort} = 0 "
        f"OR {cohort} > (SELECT MAX({time}) FROM panel) THEN 0 ELSE {cohort} END"
    )


def _periods_and_units(data: Any, cols: dict[str, str]) -> tuple[FloatArray, int]:
    u, t, g = cols["unit"], cols["time"], cols["cohort"]
    sql = (
        f"SELECT {t} AS t, COUNT(*) AS n, COUNT(DISTINCT {u}) AS n_units, "
        f"SUM(CASE WHEN {cols['outcome']} IS NULL THEN 1 ELSE 0 END) AS n_missing "
        f"FROM panel GROUP BY {t} ORDER BY {t}"
    )
    by_period = _run(data, sql)
    if by_period["n_missing"].sum() > 0:
        raise ValueError("the outcome has missing values; drop or impute them before estimating")
    if (by_period["n"] != by_period["n_units"]).any():
        raise ValueError(
            "a unit has more than one row in a period; make rows unique per unit and period"
        )
    periods = by_period["t"].to_numpy(float)
    first = periods[0]
    counts = _run(
        data,
        f"SELECT COUNT(*) AS n_rows, COUNT(DISTINCT {u}) AS n_units, "
        f"COUNT(DISTINCT CASE WHEN ({_cohort_sql(g, t)}) BETWEEN 1 AND {first} "
        f"THEN {u} END) AS n_first FROM panel",
    )
    n_rows, n_units = int(counts["n_rows"][0]), int(counts["n_units"][0])
    if n_rows != n_units * periods.size:
        raise ValueError(
            "the engine path needs a balanced panel (every unit in every period); "
            "estimate unbalanced panels in memory for now"
        )
    return periods, n_units - int(counts["n_first"][0])


def _cells(
    periods: FloatArray, cohorts: FloatArray, anticipation: int
) -> list[tuple[float, float, float]]:
    """(group, time, base period) of every cell, as R ``did`` with a varying base period."""
    cells = []
    for g in cohorts:
        for t in periods[1:]:
            pre = t < g - anticipation
            base = periods[periods < t][-1] if pre else g - anticipation - 1
            cells.append((float(g), float(t), float(base)))
    return cells


def _change_moments(
    data: Any,
    cols: dict[str, str],
    pairs: list[tuple[float, float]],
    first: float,
    cluster: str | None = None,
) -> pd.DataFrame:
    """Per (period, base period, cohort[, cluster]) moments of the within-unit change.

    Without ``cluster``: n, mean and centred sum of squares per cohort. With ``cluster``
    (quoted column): n and the sum of deviations from the cohort's mean per cohort and
    cluster of the unit's first period -- the cluster sums of the influence function.
    """
    u, t, g, y = cols["unit"], cols["time"], cols["cohort"], cols["outcome"]
    values = " UNION ALL ".join(f"SELECT {a!r} AS t, {b!r} AS b" for a, b in pairs)
    if cluster is None:
        cl_join, cl_col, keys = "", "", "t, b, g"
        stats = "AVG(dy) AS mean_dy, SUM((dy - mean_dy) * (dy - mean_dy)) AS m2"
    else:
        first_rows = f"SELECT {u} AS cu, {cluster} AS cl FROM panel WHERE {t} = {first}"
        cl_join = f"JOIN ({first_rows}) k ON k.cu = a.u"
        cl_col, keys = ", k.cl AS cl", "t, b, g, cl"
        stats = "SUM(dy - mean_dy) AS dev"
    sql = f"""
WITH p AS (SELECT {u} AS u, {t} AS tt, CAST({y} AS DOUBLE) AS y, {_cohort_sql(g, t)} AS g
           FROM panel),
q AS (SELECT * FROM p WHERE g = 0 OR g > {first}),
pairs AS ({values}),
d AS (SELECT pairs.t AS t, pairs.b AS b, a.g AS g, a.y - c.y AS dy{cl_col}
      FROM pairs JOIN q a ON a.tt = pairs.t JOIN q c ON c.u = a.u AND c.tt = pairs.b {cl_join}),
m AS (SELECT d.*, AVG(dy) OVER (PARTITION BY t, b, g) AS mean_dy FROM d)
SELECT {keys}, COUNT(*) AS n, {stats}
FROM m GROUP BY {keys} ORDER BY {keys}
"""
    return _run(data, sql)


def _cluster_se(
    sums: pd.DataFrame, treated: pd.DataFrame, control: pd.DataFrame, g: float
) -> float:
    """Cluster-robust SE ``sqrt(sum_c S_c^2) / n`` from per cohort-and-cluster sums.

    ``sums`` holds one cell's rows (cohort, cluster, n, dev = sum of deviations from the
    cohort mean); ``treated``/``control`` its cohort moments. Deviations are re-centred on
    the pooled comparison mean exactly: ``dev_k + n_kc (m_k - m_c)``.
    """
    nt, mt, _ = _pool(treated)
    nc, mc, _ = _pool(control)
    means = dict(zip(control["g"], control["mean_dy"], strict=True))
    total: dict[Any, float] = {}
    for cohort, cl, n, dev in sums[["g", "cl", "n", "dev"]].itertuples(index=False):
        if cohort == g:
            part = dev / nt
        elif cohort in means:
            part = -(dev + n * (means[cohort] - mc)) / nc
        else:
            continue
        total[cl] = total.get(cl, 0.0) + part
    return float(np.sqrt(np.sum(np.square(list(total.values())))))


def _pool(part: pd.DataFrame) -> tuple[int, float, float]:
    """Count, mean and centred sum of squares of the union of several cohorts."""
    n = part["n"].to_numpy(float)
    means = part["mean_dy"].to_numpy(float)
    total = n.sum()
    if total == 0:
        return 0, np.nan, np.nan
    mean = float(np.sum(n * means) / total)
    m2 = float(part["m2"].to_numpy(float).sum() + np.sum(n * (means - mean) ** 2))
    return int(total), mean, m2


def att_gt_engine(
    data: Any,
    outcome: str,
    *,
    unit: str,
    time: str,
    cohort: str,
    control_group: str = "nevertreated",
    anticipation: int = 0,
    covariates: list[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    cluster_correction: str = "CR2",
    bootstrap: bool = False,
    est_method: str = "dr",
) -> EngineATTGT:
    """ATT(g,t) (Callaway & Sant'Anna 2021) computed inside the engine.

    Parameters
    ----------
    data : duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
        Long balanced panel, one row per unit and period; it stays in the engine.
    outcome, unit, time, cohort : str
        Column names, as :func:`improve.did.att_gt` (cohort 0, missing or after the last
        period = never treated; units treated in the first period are dropped).
    control_group : {"nevertreated", "notyettreated"}
        Comparison units.
    anticipation : int
        Periods of anticipation.
    cluster : str, optional
        Cluster column: cluster-robust (CR1-type, ``sqrt(sum_c S_c^2) / n``) standard
        errors from per-cluster sums computed in the engine; the unit's cluster is the one
        of the first period. Needs ``cluster_correction="none"`` (CR2 not on engines yet).
    cluster_correction : {"CR2", "none"}
        As :func:`improve.did.att_gt`; only "none" is supported on engines.
    covariates : list of str, optional
        Numeric covariates (no missing values), estimated by iterated aggregation in
        :mod:`improve.engines.covariates_sql`.
    est_method : {"dr", "ipw", "reg"}
        As :func:`improve.did.att_gt`; matters only with covariates.
    weights, bootstrap
        Not supported on engines yet: passing them raises ``ValueError``.

    Returns
    -------
    EngineATTGT
        Cells with estimates and analytic standard errors equal to
        ``improve.did.att_gt(..., est_method=est_method)`` on the same data.
    """
    unsupported = {
        "weights": weights is not None,
        "cluster_correction='CR2'": cluster is not None and cluster_correction != "none",
        "bootstrap": bootstrap,
    }
    asked = [name for name, on in unsupported.items() if on]
    if asked:
        raise ValueError(
            f"{', '.join(asked)} not supported on engines yet; "
            "estimate in memory with improve.did.att_gt"
        )
    if control_group not in ("nevertreated", "notyettreated"):
        raise ValueError("control_group must be 'nevertreated' or 'notyettreated'")
    engine = _engine_of(data)
    cols = {
        k: _quote(v)
        for k, v in {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}.items()
    }
    if covariates:
        from improve.engines.covariates_sql import covariate_att_gt

        return covariate_att_gt(
            data,
            engine,
            cols,
            covariates,
            est_method=est_method,
            control_group=control_group,
            anticipation=anticipation,
            cluster=cluster,
        )
    periods, n_units = _periods_and_units(data, cols)
    first = float(periods[0])
    cohort_rows = _run(
        data,
        f"SELECT DISTINCT {_cohort_sql(cols['cohort'], cols['time'])} AS g FROM panel",
    )
    cohorts = np.sort(cohort_rows["g"].to_numpy(float))
    cohorts = cohorts[(cohorts > first)]
    cells = _cells(periods, cohorts, anticipation)
    pairs = sorted({(t, b) for _, t, b in cells if b in set(periods)})
    moments = _change_moments(data, cols, pairs, first) if pairs else pd.DataFrame()
    cl_sums = (
        _change_moments(data, cols, pairs, first, _quote(cluster))
        if cluster is not None and pairs
        else None
    )
    est, se, n_t, n_c = [], [], [], []
    for g, t, b in cells:
        part = moments[(moments["t"] == t) & (moments["b"] == b)] if pairs else moments
        if part.empty:
            est.append(np.nan), se.append(np.nan), n_t.append(0), n_c.append(0)
            continue
        treated = part[part["g"] == g]
        if control_group == "nevertreated":
            control = part[part["g"] == 0]
        else:
            cutoff = max(t, b) + anticipation
            control = part[((part["g"] == 0) | (part["g"] > cutoff)) & (part["g"] != g)]
        nt, mt, m2t = _pool(treated)
        nc, mc, m2c = _pool(control)
        n_t.append(nt), n_c.append(nc)
        if nt == 0 or nc == 0:
            est.append(np.nan), se.append(np.nan)
            continue
        est.append(mt - mc)
        if cl_sums is None:
            se.append(float(np.sqrt(m2t / nt**2 + m2c / nc**2)))
        else:
            cell = cl_sums[(cl_sums["t"] == t) & (cl_sums["b"] == b)]
            se.append(_cluster_se(cell, treated, control, g))
    arr = np.asarray
    return EngineATTGT(
        groups=arr([c[0] for c in cells], float),
        times=arr([c[1] for c in cells], float),
        base_periods=arr([c[2] for c in cells], float),
        estimate=arr(est, float),
        std_error=arr(se, float),
        n_treated=arr(n_t, np.int64),
        n_control=arr(n_c, np.int64),
        n_units=n_units,
        engine=engine,
    )
