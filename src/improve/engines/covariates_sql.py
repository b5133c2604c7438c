"""ATT(g,t) with covariates (outcome regression, IPW, doubly robust) by iterated aggregation.

The DRDID panel estimators (:mod:`improve.did._estimators`) need, per 2x2 design, only
small sums over units: Gram matrices ``X'X`` of the comparison units and ``X'dY`` per cell
for the outcome regression, ``X'diag(p(1-p))X`` and ``X'(D - p)`` for the logistic
propensity score, and weighted moments of ``dY`` and ``X``. Each of these is one
``GROUP BY`` in the engine with the current small coefficient vectors written into the
query as numeric literals:

1. per cohort (and covariate period) counts, sums and Gram matrices of the covariates;
2. propensity scores (``dr``/``ipw``, :mod:`improve.engines.propensity_sql`):
   Newton-Raphson (IRLS) where each iteration is one query over all designs at once
   (``GROUP BY design``), until the step is below the in-memory solver's tolerance; one
   more query at the final coefficients returns the Hessian and the trimmed odds weights'
   moments;
3. per cell sums of ``dY``, ``X dY`` (comparison units) and of the odds-weighted ``dY``,
   ``X dY``; the regression coefficients and the ATT are then solved in Python;
4. the influence function of every unit, with all per-cell constants plugged in, summed
   as squares per cell (or per cell and cluster, then squared in Python).

Covariates are centred and scaled in the query (fitted values, propensity scores and
hence every estimate are invariant to that, and the Gram matrices are better conditioned);
the singularity checks use the Gram matrices mapped back to the raw covariates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from improve.did._estimators import rcond
from improve.engines._sql_terms import (
    _lin,
    _lin_sums,
    _lit,
    _Query,
    _sq_sums,
    _sym,
    _values,
    _vec,
)
from improve.engines.attgt_sql import EngineATTGT, _cells, _periods_and_units, _quote, _run
from improve.engines.propensity_sql import _Design, _fit_propensity, _ps_sql

FloatArray = NDArray[np.float64]

_EPS = float(np.finfo(float).eps)
# DuckDB and Spark SQL names of numeric column types (without precision arguments)
_NUMERIC_TYPES = frozenset(
    "TINYINT SMALLINT INTEGER INT BIGINT HUGEINT UTINYINT USMALLINT UINTEGER UBIGINT "
    "UHUGEINT FLOAT REAL DOUBLE DECIMAL BYTE SHORT LONG".split()
)


def _design_grams(
    query: _Query, xps: list[float]
) -> dict[tuple[float, float], tuple[int, FloatArray, FloatArray]]:
    """Count, sum of x and Gram matrix per (cohort, covariate period)."""
    k = query.m + 1
    tts = ", ".join(_lit(v) for v in xps)
    sums = _lin_sums("s", "1.0", query.m) + _sq_sums("g", "1.0", query.m)
    out = query.run(
        [],
        f"SELECT g, tt, COUNT(*) AS n, {', '.join(sums)} FROM q WHERE tt IN ({tts}) GROUP BY g, tt",
    )
    return {
        (float(r["g"]), float(r["tt"])): (int(r["n"]), _vec(r, "s", k), _sym(r, "g", k))
        for _, r in out.iterrows()
    }


def _raw(gram: FloatArray, centre: FloatArray, scale: FloatArray) -> FloatArray:
    """The Gram matrix of ``[1, x_raw]`` from the one of ``[1, (x_raw - centre) / scale]``."""
    k = gram.shape[0]
    tr = np.eye(k)
    tr[0, 1:] = centre
    tr[1:, 1:] = np.diag(scale)
    return tr.T @ gram @ tr


def covariate_att_gt(
    data: Any,
    engine: str,
    cols: dict[str, str],
    covariates: list[str] | str,
    *,
    est_method: str,
    control_group: str,
    anticipation: int,
    cluster: str | None,
) -> EngineATTGT:
    """ATT(g,t) with covariates computed in the engine; see the module docstring.

    Parameters
    ----------
    data : duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
        Balanced long panel.
    engine : {"duckdb", "spark"}
    cols : dict
        Quoted ``outcome``, ``unit``, ``time``, ``cohort`` column names.
    covariates : list of str or str
        Numeric covariate columns (unquoted names), no missing values.
    est_method : {"dr", "ipw", "reg"}
    control_group, anticipation, cluster
        As :func:`improve.engines.att_gt_engine` (``cluster`` unquoted).

    Returns
    -------
    EngineATTGT
        Equal to ``improve.did.att_gt(..., covariates=covariates, est_method=est_method)``.
    """
    if est_method not in ("dr", "ipw", "reg"):
        raise ValueError("est_method must be 'dr', 'ipw' or 'reg'")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    _check_numeric(data, engine, covariates)
    xcols = [_quote(c) for c in covariates]
    periods, n_units = _periods_and_units(data, cols)
    first = float(periods[0])
    centre, scale, invariant = _covariate_summary(data, cols, xcols)
    cl = _quote(cluster) if cluster else None
    query = _Query(data, engine, cols, xcols, periods, invariant, centre, scale, cl)
    cells = _cells(periods, _treated_cohorts(query), anticipation)
    xps = [first] if invariant else [float(p) for p in periods]
    grams = _design_grams(query, xps)
    counts = {g: n for (g, tt), (n, _, _) in grams.items() if tt == xps[0]}

    designs, cell_design = _plan_designs(
        cells, counts, periods, control_group, anticipation, first if invariant else None
    )
    _check_designs(designs, grams, centre, scale, est_method)
    if est_method in ("dr", "ipw"):
        _fit_propensity(query, designs, [i for i, d in enumerate(designs) if d.error is None])
    live = [j for j, i in enumerate(cell_design) if i is not None and designs[i].error is None]
    est = np.full(len(cells), np.nan)
    se = np.full(len(cells), np.nan)
    members = {j: designs[i] for j, i in enumerate(cell_design) if i is not None}
    if live:
        consts = _cell_estimates(query, cells, members, live, est_method)
        for j, c in consts.items():
            est[j] = c["att"]
        if consts:
            ss = _influence_sums(query, cells, members, consts, est_method, bool(cluster))
            for j, val in ss.items():
                se[j] = np.sqrt(val) / (members[j].n_t + members[j].n_c)

    n_t = [designs[i].n_t if i is not None else 0 for i in cell_design]
    n_c = [designs[i].n_c if i is not None else 0 for i in cell_design]
    arr = np.asarray
    return EngineATTGT(
        groups=arr([c[0] for c in cells], float),
        times=arr([c[1] for c in cells], float),
        base_periods=arr([c[2] for c in cells], float),
        estimate=est,
        std_error=se,
        n_treated=arr(n_t, np.int64),
        n_control=arr(n_c, np.int64),
        n_units=n_units,
        engine=engine,
    )


def _plan_designs(
    cells: list[tuple[float, float, float]],
    counts: dict[float, int],
    periods: FloatArray,
    control_group: str,
    anticipation: int,
    x_first: float | None,
) -> tuple[list[_Design], list[int | None]]:
    """The distinct designs (treated cohort, comparison cohorts, covariate period) and the
    design of each cell (None when its base period is not in the data). Covariates are
    read in the first period when time-invariant (``x_first``), else in the base period,
    as in memory."""
    designs: list[_Design] = []
    index: dict[tuple[Any, ...], int] = {}
    cell_design: list[int | None] = []
    in_data = {float(p) for p in periods}
    for g, t, b in cells:
        if b not in in_data:
            cell_design.append(None)
            continue
        if control_group == "nevertreated":
            controls = tuple(c for c in counts if c == 0)
        else:
            cut = max(t, b) + anticipation
            controls = tuple(sorted(c for c in counts if (c == 0 or c > cut) and c != g))
        key = (g, controls, b if x_first is None else x_first)
        if key not in index:
            index[key] = len(designs)
            n_c = sum(counts[c] for c in controls)
            designs.append(_Design(g, controls, key[2], counts.get(g, 0), n_c))
        cell_design.append(index[key])
    return designs, cell_design


def _check_designs(
    designs: list[_Design],
    grams: dict[tuple[float, float], tuple[int, FloatArray, FloatArray]],
    centre: FloatArray,
    scale: FloatArray,
    est_method: str,
) -> None:
    """Pool the cohort Gram matrices of each design; mark designs that in-memory
    estimation refuses (no units, collinear covariates) with its reason."""
    for des in designs:
        if des.n_t == 0 or des.n_c == 0:
            des.error = "no treated or comparison units"
            continue
        des.s_t = grams[(des.g, des.xp)][1]
        des.gram_c = sum(grams[(c, des.xp)][2] for c in des.controls)
        gram_all = des.gram_c + grams[(des.g, des.xp)][2]
        if est_method in ("dr", "ipw") and rcond(_raw(gram_all, centre, scale)) < _EPS:
            des.error = "the propensity-score design is singular (collinear covariates)"
        elif est_method in ("dr", "reg") and rcond(_raw(des.gram_c, centre, scale)) < _EPS:
            des.error = "not enough comparison units for the covariate regression"


def _cell_members(
    cells: list[tuple[float, float, float]], members: dict[int, _Design], ids: list[int]
) -> list[tuple[float, ...]]:
    """Rows (cell, period, base period, cohort, treated) of every cohort in each cell."""
    rows = []
    for j in ids:
        des, (_, t, b) = members[j], cells[j]
        rows.append((float(j), t, b, des.g, 1.0))
        rows.extend((float(j), t, b, c, 0.0) for c in des.controls)
    return rows


def _cell_estimates(
    query: _Query,
    cells: list[tuple[float, float, float]],
    members: dict[int, _Design],
    live: list[int],
    est_method: str,
) -> dict[int, dict[str, Any]]:
    """Per cell sums of dY (treated), X dY (comparison) and odds-weighted dY, X dY in one
    query; then the ATT and influence-function constants of each cell in Python."""
    m = query.m
    k = m + 1
    ctes = [
        _values(_cell_members(cells, members, live), ["cell", "ct", "cb", "cg", "d"], "cm"),
        query.cell_rows(cluster=False),
    ]
    join = "dd"
    xs = ", ".join(f"x{j}" for j in range(1, k))
    if est_method == "reg":
        ctes.append(f"s AS (SELECT cell, d, dy, {xs}, 0.0 AS wc FROM {join})")
    else:
        coefs = [(float(j), *members[j].beta_ps) for j in live]
        ctes.append(_values(coefs, ["pcell"] + [f"pb{i}" for i in range(k)], "pcoef"))
        pbs = ", ".join(f"pb{i}" for i in range(k))
        ctes.append(
            f"r AS (SELECT cell, d, dy, {xs}, {pbs} FROM {join} "
            "JOIN pcoef ON pcoef.pcell = dd.cell)"
        )
        ctes.append(f"s AS (SELECT cell, d, dy, {xs}, {_ps_sql(m)} FROM r)")
    sums = (
        ["SUM(d * dy) AS sty"]
        + _lin_sums("cxy", "(1.0 - d) * dy", m)
        + _lin_sums("wxy", "wc * dy", m)
    )
    moments = query.run(ctes, f"SELECT cell, {', '.join(sums)} FROM s GROUP BY cell")
    consts = {}
    for _, row in moments.iterrows():
        j = int(row["cell"])
        out = _cell_constants(members[j], row, est_method, k)
        if not isinstance(out, str):
            consts[j] = out
    return consts


def _cell_constants(des: _Design, row: Any, est_method: str, k: int) -> dict[str, Any] | str:
    """ATT and the constants of the unit influence function of one cell.

    The influence function of a unit with treatment ``d``, change ``dy`` and covariates
    ``x`` is ``d (r - e1) / mw_t + (1 - d) (x'v_or) r - (wc (r - eta_c) + (d - p) x'v_ps)
    / mw_c`` with ``r = dy - x'beta_or``: the closed form of
    :class:`improve.did._estimators.PanelDesign` for all three methods.
    """
    n_t, n = des.n_t, des.n_t + des.n_c
    sty = float(row["sty"])
    cxy = _vec(row, "cxy", k)
    wxy = _vec(row, "wxy", k)
    zero = np.zeros(k)
    if est_method in ("dr", "reg"):
        beta = np.linalg.solve(des.gram_c, cxy)
        g_inv_st = np.linalg.solve(des.gram_c, des.s_t)
    else:
        beta = zero
    eta_t = (sty - des.s_t @ beta) / n_t  # mean residual change of the treated
    if est_method == "reg":
        eta_c = float(des.s_t @ beta) / n_t
        att = sty / n_t - eta_c
        return {
            "att": att,
            "beta": beta,
            "e1": att,
            "imt": n / n_t,
            "v_or": -(n / n_t) * g_inv_st,
            "eta_c": 0.0,
            "imc": 0.0,
            "v_ps": zero,
        }
    if not des.sw > 0:
        return "no treated or comparison observations with positive weight"
    try:
        np.linalg.cholesky(des.hess)
    except np.linalg.LinAlgError:
        return "the propensity-score Hessian is not positive definite"
    sw_resid = wxy[0] - des.swx @ beta
    eta_c = sw_resid / des.sw
    m2 = wxy - des.swxx @ beta - eta_c * des.swx  # n * m2 of DRDID
    v_ps = np.linalg.solve(des.hess, m2)
    v_or = zero
    if est_method == "dr":
        v_or = n * (np.linalg.solve(des.gram_c, des.swx) / des.sw - g_inv_st / n_t)
    return {
        "att": eta_t - eta_c,
        "beta": beta,
        "e1": eta_t,
        "imt": n / n_t,
        "v_or": v_or,
        "eta_c": eta_c,
        "imc": n / des.sw,
        "v_ps": v_ps,
    }


def _influence_sums(
    query: _Query,
    cells: list[tuple[float, float, float]],
    members: dict[int, _Design],
    consts: dict[int, dict[str, Any]],
    est_method: str,
    clustered: bool,
) -> dict[int, float]:
    """Sum of squared unit influence functions per cell (clustered: of cluster sums)."""
    m, k = query.m, query.m + 1
    ids = sorted(consts)
    names = ["cell", "ct", "cb", "cg", "d"]
    cm_rows = _cell_members(cells, members, ids)
    cc_names = (
        ["ccell"]
        + [f"bo{i}" for i in range(k)]
        + ["e1", "imt"]
        + [f"vo{i}" for i in range(k)]
        + ["ec", "imc"]
        + [f"vp{i}" for i in range(k)]
        + [f"pb{i}" for i in range(k)]
    )
    cc_rows = []
    for j in ids:
        c = consts[j]
        pb = members[j].beta_ps if est_method != "reg" else np.zeros(k)
        cc_rows.append(
            (
                float(j),
                *c["beta"],
                c["e1"],
                c["imt"],
                *c["v_or"],
                c["eta_c"],
                c["imc"],
                *c["v_ps"],
                *pb,
            )
        )
    xs = ", ".join(f"x{j}" for j in range(1, k))
    cl = ", cl" if clustered else ""
    ctes = [
        _values(cm_rows, names, "cm"),
        query.cell_rows(cluster=clustered),
        _values(cc_rows, cc_names, "cc"),
        f"r AS (SELECT cell, d, dy, {xs}{cl}, {', '.join(cc_names[1:])} FROM dd "
        "JOIN cc ON cc.ccell = dd.cell)",
        f"s AS (SELECT r.*, dy - ({_lin('bo', m)}) AS res, "
        + (_ps_sql(m) if est_method != "reg" else "0.0 AS pc, 0.0 AS wc")
        + " FROM r)",
        f"f AS (SELECT cell{cl}, d * (res - e1) * imt + (1.0 - d) * ({_lin('vo', m)}) * res "
        f"- (wc * (res - ec) + (d - pc) * ({_lin('vp', m)})) * imc AS psi FROM s)",
    ]
    if not clustered:
        out = query.run(ctes, "SELECT cell, SUM(psi * psi) AS ss FROM f GROUP BY cell")
        return {int(r["cell"]): float(r["ss"]) for _, r in out.iterrows()}
    out = query.run(ctes, "SELECT cell, cl, SUM(psi) AS s FROM f GROUP BY cell, cl")
    out["s2"] = out["s"].to_numpy(float) ** 2
    return {int(c): float(v) for c, v in out.groupby("cell")["s2"].sum().items()}


def _treated_cohorts(query: _Query) -> FloatArray:
    """Cohorts treated after the first period, sorted."""
    out = query.run([], "SELECT DISTINCT g FROM q WHERE g > 0")
    return np.sort(out["g"].to_numpy(float))


def _check_numeric(data: Any, engine: str, covariates: list[str]) -> None:
    """Refuse covariates that are not columns of numeric type, with one-line messages."""
    if engine == "duckdb":
        types = dict(zip(data.columns, (str(t).upper() for t in data.types), strict=True))
    else:
        types = {n: t.upper() for n, t in data.dtypes}
    for c in covariates:
        if c not in types:
            raise ValueError(f"covariate column '{c}' is not in the data")
        if types[c].split("(")[0].strip() not in _NUMERIC_TYPES:
            raise ValueError(
                f"covariate '{c}' is not numeric ({types[c].lower()}); on engines recode it "
                "as 0/1 columns first"
            )


def _covariate_summary(
    data: Any, cols: dict[str, str], xcols: list[str]
) -> tuple[FloatArray, FloatArray, bool]:
    """Centre and scale of each covariate; refuses missing values; time-invariance."""
    parts = []
    for j, x in enumerate(xcols):
        parts += [
            f"SUM(CASE WHEN {x} IS NULL THEN 1 ELSE 0 END) AS na{j}",
            f"AVG(CAST({x} AS DOUBLE)) AS mu{j}",
            f"STDDEV_POP(CAST({x} AS DOUBLE)) AS sd{j}",
        ]
    row = _run(data, f"SELECT {', '.join(parts)} FROM panel").iloc[0]
    for j, x in enumerate(xcols):
        if int(row[f"na{j}"]) > 0:
            raise ValueError(
                f"covariate {x} has missing values; drop or impute them before estimating"
            )
    centre = np.array([float(row[f"mu{j}"]) for j in range(len(xcols))])
    sd = np.array([float(row[f"sd{j}"]) for j in range(len(xcols))])
    scale = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
    varying = " OR ".join(f"MIN({x}) < MAX({x})" for x in xcols)
    n_var = _run(
        data,
        f"SELECT COUNT(*) AS n FROM (SELECT {cols['unit']} FROM panel "
        f"GROUP BY {cols['unit']} HAVING {varying}) v",
    )
    return centre, scale, int(n_var["n"][0]) == 0
