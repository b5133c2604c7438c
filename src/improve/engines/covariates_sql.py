"""ATT(g,t) with covariates (outcome regression, IPW, doubly robust) by iterated aggregation.

The DRDID panel estimators (:mod:`improve.did._estimators`) need, per 2x2 design, only
small sums over units: Gram matrices ``X'X`` of the comparison units and ``X'dY`` per cell
for the outcome regression, ``X'diag(p(1-p))X`` and ``X'(D - p)`` for the logistic
propensity score, and weighted moments of ``dY`` and ``X``. Each of these is one
``GROUP BY`` in the engine with the current small coefficient vectors written into the
query as numeric literals:

1. per cohort (and covariate period) counts, sums and Gram matrices of the covariates;
2. propensity scores (``dr``/``ipw``): Newton-Raphson (IRLS) where each iteration is one
   query over all designs at once (``GROUP BY design``), until the step is below the
   in-memory solver's tolerance; one more query at the final coefficients returns the
   Hessian and the trimmed odds weights' moments;
3. per cell sums of ``dY``, ``X dY`` (comparison units) and of the odds-weighted ``dY``,
   ``X dY``; the regression coefficients and the ATT are then solved in Python;
4. the influence function of every unit, with all per-cell constants plugged in, summed
   as squares per cell (or per cell and cluster, then squared in Python).

Covariates are centred and scaled in the query (fitted values, propensity scores and
hence every estimate are invariant to that, and the Gram matrices are better conditioned);
the singularity checks use the Gram matrices mapped back to the raw covariates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.did._estimators import _PS_CAP, _TRIM_LEVEL, rcond
from improve.engines.attgt_sql import (
    EngineATTGT,
    _cells,
    _cohort_sql,
    _periods_and_units,
    _quote,
    _run,
)

FloatArray = NDArray[np.float64]

_EPS = float(np.finfo(float).eps)
_LOGIT_TOL = 1e-12
_LOGIT_MAX_ITER = 100
_NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "DECIMAL",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "INT",
    "LONG",
    "SHORT",
    "BYTE",
)


def _lit(v: float) -> str:
    """A float as an exact (round-tripping) DOUBLE literal, parenthesised."""
    return f"({float(v):.17e})"


def _values(rows: list[tuple[float, ...]], names: list[str], alias: str) -> str:
    """An inline table of numbers (``SELECT ... UNION ALL``), portable to DuckDB and Spark."""
    first = ", ".join(f"{_lit(v)} AS {n}" for v, n in zip(rows[0], names, strict=True))
    rest = [", ".join(_lit(v) for v in row) for row in rows[1:]]
    body = " UNION ALL ".join([f"SELECT {first}"] + [f"SELECT {r}" for r in rest])
    return f"{alias} AS ({body})"


def _lin(coef: str, n_cov: int, xpre: str = "") -> str:
    """SQL of ``x' b`` with ``x = [1, x1..xm]`` and coefficients ``{coef}0..{coef}m``."""
    terms = [f"{coef}0"] + [f"{coef}{j} * {xpre}x{j}" for j in range(1, n_cov + 1)]
    return " + ".join(terms)


def _ps_sql(n_cov: int) -> str:
    """Capped propensity score ``pc`` and trimmed odds weight ``wc`` of the comparison units
    (DRDID: scores clamped at 1 - 1e-6, comparison units with score >= 0.995 dropped)."""
    pr = f"1.0 / (1.0 + EXP(-LEAST(GREATEST({_lin('pb', n_cov)}, -35.0), 35.0)))"
    pc = f"LEAST({pr}, {_lit(_PS_CAP)})"
    return (
        f"{pr} AS pr, {pc} AS pc, CASE WHEN d = 0 AND {pc} < {_lit(_TRIM_LEVEL)} "
        f"THEN {pc} / (1.0 - {pc}) ELSE 0.0 END AS wc"
    )


def _sq_sums(prefix: str, weight: str, n_cov: int) -> list[str]:
    """``SUM(weight * x_i * x_j)`` for i <= j (x0 = 1), named ``{prefix}{i}_{j}``."""
    xs = ["1.0"] + [f"x{j}" for j in range(1, n_cov + 1)]
    return [
        f"SUM({weight} * {xs[i]} * {xs[j]}) AS {prefix}{i}_{j}"
        for i in range(n_cov + 1)
        for j in range(i, n_cov + 1)
    ]


def _lin_sums(prefix: str, value: str, n_cov: int) -> list[str]:
    """``SUM(value * x_j)`` for j = 0..m (x0 = 1), named ``{prefix}{j}``."""
    xs = ["1.0"] + [f"x{j}" for j in range(1, n_cov + 1)]
    return [f"SUM({value} * {xs[j]}) AS {prefix}{j}" for j in range(n_cov + 1)]


def _sym(row: Any, prefix: str, k: int) -> FloatArray:
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            out[i, j] = out[j, i] = float(row[f"{prefix}{i}_{j}"])
    return out


def _vec(row: Any, prefix: str, k: int) -> FloatArray:
    return np.array([float(row[f"{prefix}{j}"]) for j in range(k)])


@dataclass
class _Design:
    """Units of one 2x2 design: treated cohort, comparison cohorts, covariate period."""

    g: float
    controls: tuple[float, ...]
    xp: float
    n_t: int
    n_c: int
    error: str | None = None
    s_t: FloatArray = field(default_factory=lambda: np.zeros(0))  # sum of x, treated
    gram_c: FloatArray = field(default_factory=lambda: np.zeros(0))  # X'X, comparison
    beta_ps: FloatArray = field(default_factory=lambda: np.zeros(0))
    hess: FloatArray = field(default_factory=lambda: np.zeros(0))  # X' p(1-p) X, capped p
    sw: float = 0.0  # sum of odds weights
    swx: FloatArray = field(default_factory=lambda: np.zeros(0))
    swxx: FloatArray = field(default_factory=lambda: np.zeros(0))


class _Query:
    """Builds the engine queries over the standardised panel ``q``."""

    def __init__(
        self,
        data: Any,
        engine: str,
        cols: dict[str, str],
        xcols: list[str],
        first: float,
        centre: FloatArray,
        scale: FloatArray,
        cluster: str | None,
    ) -> None:
        self.data, self.engine, self.first = data, engine, first
        self.m = len(xcols)
        u, t, g, y = cols["unit"], cols["time"], cols["cohort"], cols["outcome"]
        xs = ", ".join(
            f"(CAST({x} AS DOUBLE) - {_lit(c)}) / {_lit(s)} AS x{j + 1}"
            for j, (x, c, s) in enumerate(zip(xcols, centre, scale, strict=True))
        )
        cl = f", {cluster} AS cl" if cluster is not None else ""
        self.base = (
            f"p AS (SELECT {u} AS u, {t} AS tt, CAST({y} AS DOUBLE) AS y, "
            f"{_cohort_sql(g, t)} AS g, {xs}{cl} FROM panel),\n"
            f"q AS (SELECT * FROM p WHERE g = 0 OR g > {_lit(first)})"
        )

    def run(self, ctes: list[str], select: str) -> pd.DataFrame:
        return _run(
            self.data, self.engine, "WITH " + ",\n".join([self.base, *ctes]) + "\n" + select
        )

    def changes(self, pairs: list[tuple[float, float]], cluster: bool) -> str:
        """CTE ``dd``: within-unit change per (period, base period) with the base-row x."""
        xs = ", ".join(f"c.x{j} AS x{j}" for j in range(1, self.m + 1))
        cl_join, cl_col = "", ""
        if cluster:
            cl_join = (
                f"JOIN (SELECT u AS cu, cl FROM q WHERE tt = {_lit(self.first)}) k ON k.cu = a.u"
            )
            cl_col = ", k.cl AS cl"
        return (
            _values(pairs, ["t", "b"], "pairs")
            + ",\n"
            + f"dd AS (SELECT pairs.t AS t, pairs.b AS b, a.g AS g, a.y - c.y AS dy, {xs}{cl_col} "
            f"FROM pairs JOIN q a ON a.tt = pairs.t "
            f"JOIN q c ON c.u = a.u AND c.tt = pairs.b {cl_join})"
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


def _membership(designs: list[_Design], ids: list[int]) -> list[tuple[float, ...]]:
    rows = []
    for i in ids:
        des = designs[i]
        rows.append((float(i), des.g, des.xp, 1.0))
        rows.extend((float(i), c, des.xp, 0.0) for c in des.controls)
    return rows


def _fit_propensity(query: _Query, designs: list[_Design], ids: list[int]) -> None:
    """Logistic regressions of all designs by Newton-Raphson, one query per iteration."""
    m, k = query.m, query.m + 1
    beta = {}
    for i in ids:
        pbar = float(np.clip(designs[i].n_t / (designs[i].n_t + designs[i].n_c), 1e-6, 1 - 1e-6))
        beta[i] = np.r_[np.log(pbar / (1 - pbar)), np.zeros(m)]
    active, final = list(ids), set()
    steps = 0
    while active:
        coef = _values(
            [(float(i), *beta[i]) for i in active], ["did"] + [f"pb{j}" for j in range(k)], "coef"
        )
        mem = _values(_membership(designs, active), ["did", "mg", "mxp", "d"], "mem")
        r = (
            "r AS (SELECT mem.did AS did, mem.d AS d, "
            + ", ".join(
                [f"q.x{j} AS x{j}" for j in range(1, k)]
                + [f"coef.pb{j} AS pb{j}" for j in range(k)]
            )
            + " FROM q JOIN mem ON q.g = mem.mg AND q.tt = mem.mxp JOIN coef ON coef.did = mem.did)"
        )
        s = f"s AS (SELECT did, d, {', '.join(f'x{j}' for j in range(1, k))}, {_ps_sql(m)} FROM r)"
        sums = (
            _sq_sums("h", "pr * (1.0 - pr)", m)
            + _lin_sums("gr", "(d - pr)", m)
            + _sq_sums("hc", "pc * (1.0 - pc)", m)
            + ["SUM(wc) AS sw"]
            + _lin_sums("swx", "wc", m)
            + _sq_sums("swxx", "wc", m)
            + ["MAX(pr) AS pmax"]
        )
        out = query.run([coef, mem, r, s], f"SELECT did, {', '.join(sums)} FROM s GROUP BY did")
        still = []
        for _, row in out.iterrows():
            i = int(row["did"])
            des = designs[i]
            if i in final:
                if float(row["pmax"]) >= 0.999:
                    des.error = "overlap violated (propensity score >= 0.999)"
                des.beta_ps = beta[i]
                des.hess = _sym(row, "hc", k)
                des.sw = float(row["sw"])
                des.swx = _vec(row, "swx", k)
                des.swxx = _sym(row, "swxx", k)
                continue
            try:
                step = np.linalg.solve(_sym(row, "h", k), _vec(row, "gr", k))
            except np.linalg.LinAlgError:
                step = np.full(k, np.nan)
            if not np.all(np.isfinite(step)):
                des.error = "the propensity-score Hessian is singular"
                continue
            beta[i] = beta[i] + step
            converged = np.max(np.abs(step)) <= _LOGIT_TOL * (1.0 + np.max(np.abs(beta[i])))
            if converged or steps + 1 >= _LOGIT_MAX_ITER:  # as in memory: last coefficients
                final.add(i)
            still.append(i)
        active = still
        steps += 1


@dataclass
class _Cell:
    cell: int
    design: int
    const: dict[str, float | FloatArray]


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
    periods, n_units = _periods_and_units(data, engine, cols)
    first = float(periods[0])
    centre, scale, invariant = _covariate_summary(data, engine, cols, xcols)
    m, k = len(xcols), len(xcols) + 1
    query = _Query(
        data, engine, cols, xcols, first, centre, scale, _quote(cluster) if cluster else None
    )
    cells = _cells(periods, _treated_cohorts(query, first), anticipation)
    xps = [first] if invariant else [float(p) for p in periods]
    grams = _design_grams(query, xps)
    counts = {g: n for (g, tt), (n, _, _) in grams.items() if tt == xps[0]}

    designs: list[_Design] = []
    index: dict[tuple[Any, ...], int] = {}
    cell_design: list[int | None] = []
    for g, t, b in cells:
        if control_group == "nevertreated":
            controls = tuple(c for c in counts if c == 0)
        else:
            cut = max(t, b) + anticipation
            controls = tuple(sorted(c for c in counts if (c == 0 or c > cut) and c != g))
        xp = first if invariant else b
        key = (g, controls, xp)
        if key not in index:
            n_t = counts.get(g, 0)
            n_c = sum(counts[c] for c in controls)
            index[key] = len(designs)
            designs.append(_Design(g, controls, xp, n_t, n_c))
        cell_design.append(index[key] if b in set(periods) else None)

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
    if est_method in ("dr", "ipw"):
        _fit_propensity(query, designs, [i for i, d in enumerate(designs) if d.error is None])

    live = [j for j, i in enumerate(cell_design) if i is not None and designs[i].error is None]
    est = np.full(len(cells), np.nan)
    se = np.full(len(cells), np.nan)
    if live:
        pairs = sorted({(cells[j][1], cells[j][2]) for j in live})
        cm_rows = []
        for j in live:
            des = designs[cell_design[j]]
            t, b = cells[j][1], cells[j][2]
            cm_rows.append((float(j), t, b, des.g, 1.0, float(cell_design[j])))
            cm_rows.extend((float(j), t, b, c, 0.0, float(cell_design[j])) for c in des.controls)
        cm = _values(cm_rows, ["cell", "ct", "cb", "cg", "d", "did"], "cm")
        ps_cols = ""
        ctes = [query.changes(pairs, False), cm]
        join = "dd JOIN cm ON dd.t = cm.ct AND dd.b = cm.cb AND dd.g = cm.cg"
        if est_method != "reg":
            dids = sorted({cell_design[j] for j in live})
            ctes.append(
                _values(
                    [(float(i), *designs[i].beta_ps) for i in dids],
                    ["pdid"] + [f"pb{j}" for j in range(k)],
                    "pcoef",
                )
            )
            join += " JOIN pcoef ON pcoef.pdid = cm.did"
            ps_cols = ", " + ", ".join(f"pb{j}" for j in range(k))
        xs = ", ".join(f"x{j}" for j in range(1, k))
        ctes.append(f"r AS (SELECT cell, d, dy, {xs}{ps_cols} FROM {join})")
        if est_method != "reg":
            ctes.append(f"s AS (SELECT cell, d, dy, {xs}, {_ps_sql(m)} FROM r)")
        else:
            ctes.append(f"s AS (SELECT cell, d, dy, {xs}, 0.0 AS wc FROM r)")
        sums = (
            ["SUM(d * dy) AS sty"]
            + _lin_sums("cxy", "(1.0 - d) * dy", m)
            + _lin_sums("wxy", "wc * dy", m)
        )
        moments = query.run(ctes, f"SELECT cell, {', '.join(sums)} FROM s GROUP BY cell")
        consts = {}
        for _, row in moments.iterrows():
            j = int(row["cell"])
            des = designs[cell_design[j]]
            out = _cell_constants(des, row, est_method, k)
            if isinstance(out, str):
                continue
            consts[j] = out
            est[j] = out["att"]
        if consts:
            ss = _influence_sums(
                query, cells, cell_design, designs, consts, pairs, est_method, cluster is not None
            )
            for j, val in ss.items():
                n = designs[cell_design[j]].n_t + designs[cell_design[j]].n_c
                se[j] = np.sqrt(val) / n

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
    cell_design: list[int | None],
    designs: list[_Design],
    consts: dict[int, dict[str, Any]],
    pairs: list[tuple[float, float]],
    est_method: str,
    clustered: bool,
) -> dict[int, float]:
    """Sum of squared unit influence functions per cell (clustered: of cluster sums)."""
    m, k = query.m, query.m + 1
    ids = sorted(consts)
    names = ["cell", "ct", "cb", "cg", "d"]
    cm_rows = []
    for j in ids:
        des = designs[cell_design[j]]
        t, b = cells[j][1], cells[j][2]
        cm_rows.append((float(j), t, b, des.g, 1.0))
        cm_rows.extend((float(j), t, b, c, 0.0) for c in des.controls)
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
        pb = designs[cell_design[j]].beta_ps if est_method != "reg" else np.zeros(k)
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
        query.changes(pairs, clustered),
        _values(cm_rows, names, "cm"),
        _values(cc_rows, cc_names, "cc"),
        f"r AS (SELECT cell, d, dy, {xs}{cl}, {', '.join(cc_names[1:])} FROM dd "
        "JOIN cm ON dd.t = cm.ct AND dd.b = cm.cb AND dd.g = cm.cg JOIN cc ON cc.ccell = cm.cell)",
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


def _treated_cohorts(query: _Query, first: float) -> FloatArray:
    out = query.run([], "SELECT DISTINCT g FROM q WHERE g > 0")
    return np.sort(out["g"].to_numpy(float))


def _check_numeric(data: Any, engine: str, covariates: list[str]) -> None:
    if engine == "duckdb":
        types = dict(zip(data.columns, (str(t).upper() for t in data.types), strict=True))
    else:
        types = {n: t.upper() for n, t in data.dtypes}
    for c in covariates:
        if c not in types:
            raise ValueError(f"covariate column '{c}' is not in the data")
        if not types[c].startswith(_NUMERIC_TYPES):
            raise ValueError(
                f"covariate '{c}' is not numeric ({types[c].lower()}); on engines recode it "
                "as 0/1 columns first"
            )


def _covariate_summary(
    data: Any, engine: str, cols: dict[str, str], xcols: list[str]
) -> tuple[FloatArray, FloatArray, bool]:
    """Centre and scale of each covariate; refuses missing values; time-invariance."""
    parts = []
    for j, x in enumerate(xcols):
        parts += [
            f"SUM(CASE WHEN {x} IS NULL THEN 1 ELSE 0 END) AS na{j}",
            f"AVG(CAST({x} AS DOUBLE)) AS mu{j}",
            f"STDDEV_POP(CAST({x} AS DOUBLE)) AS sd{j}",
        ]
    row = _run(data, engine, f"SELECT {', '.join(parts)} FROM panel").iloc[0]
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
        engine,
        f"SELECT COUNT(*) AS n FROM (SELECT {cols['unit']} FROM panel "
        f"GROUP BY {cols['unit']} HAVING {varying}) v",
    )
    return centre, scale, int(n_var["n"][0]) == 0
