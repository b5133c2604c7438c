"""Propensity scores of many 2x2 designs by Newton-Raphson, one engine query per iteration.

Every iteration sends the current coefficients of all unconverged designs as a small inline
table; the engine returns, per design, the Hessian ``X' diag(p (1 - p)) X`` and the score
``X' (D - p)``; the Newton step is solved in Python. The stopping rule, start values, the
clip of the linear index at +-35, the cap of the scores at ``1 - 1e-6`` and the trimming
of comparison units at 0.995 are those of :func:`improve.did._estimators.logit_fit` and
DRDID. One more query at the final coefficients returns the capped-score Hessian and the
moments of the trimmed odds weights that the influence functions need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from improve.did._estimators import _PS_CAP, _TRIM_LEVEL
from improve.engines._sql_terms import _lin, _lin_sums, _lit, _Query, _sq_sums, _sym, _values, _vec

FloatArray = NDArray[np.float64]

_LOGIT_TOL = 1e-12
_LOGIT_MAX_ITER = 100


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


def _ps_sql(n_cov: int) -> str:
    """Capped propensity score ``pc`` and trimmed odds weight ``wc`` of the comparison units
    (DRDID: scores clamped at 1 - 1e-6, comparison units with score >= 0.995 dropped)."""
    pr = f"1.0 / (1.0 + EXP(-LEAST(GREATEST({_lin('pb', n_cov)}, -35.0), 35.0)))"
    pc = f"LEAST({pr}, {_lit(_PS_CAP)})"
    return (
        f"{pr} AS pr, {pc} AS pc, CASE WHEN d = 0 AND {pc} < {_lit(_TRIM_LEVEL)} "
        f"THEN {pc} / (1.0 - {pc}) ELSE 0.0 END AS wc"
    )


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
