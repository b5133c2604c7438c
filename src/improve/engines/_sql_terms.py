"""SQL text and result-parsing helpers of the covariate engine queries.

Numbers enter queries only as exact DOUBLE literals written by :func:`_lit` (data, never
code); column names only through :func:`improve.engines.attgt_sql._quote`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.engines.attgt_sql import _cohort_sql, _run

FloatArray = NDArray[np.float64]


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


class _Query:
    """Builds the engine queries over the standardised panel ``q`` (balanced panel with
    ``periods``; ``x_first``: the covariates are time-invariant, read in the first period)."""

    def __init__(
        self,
        data: Any,
        engine: str,
        cols: dict[str, str],
        xcols: list[str],
        periods: FloatArray,
        x_first: bool,
        centre: FloatArray,
        scale: FloatArray,
        cluster: str | None,
    ) -> None:
        self.data, self.engine = data, engine
        self.periods, self.x_first = periods, x_first
        self.first = first = float(periods[0])
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
        return _run(self.data, "WITH " + ",\n".join([self.base, *ctes]) + "\n" + select)

    def cell_rows(self, cluster: bool) -> str:
        """CTEs ``w`` (one wide row per unit) and ``dd`` (one row per unit and cell).

        The panel is balanced, so one ``GROUP BY unit`` lays each unit's outcomes out as
        columns ``y0..y{T-1}``; joining the small table ``cm`` (columns cell, ct, cb, cg,
        d: the cohorts of each cell) on the cohort gives every unit of every cell with
        ``dy = y[ct] - y[cb]`` picked by ``CASE`` -- no self-join of the panel. Covariates
        are the first period's (``x_first``) or the base period's; the cluster is the
        first period's.
        """
        first, periods, x_first = _lit(self.first), self.periods, self.x_first

        def at(col: str, when: str) -> str:
            return f"MAX(CASE WHEN tt = {when} THEN {col} END)"

        def pick(prefix: str, key: str) -> str:
            arms = " ".join(f"WHEN {_lit(v)} THEN {prefix}{i}" for i, v in enumerate(periods))
            return f"CASE {key} {arms} END"

        wide = [f"{at('g', first)} AS g"]
        wide += [f"{at('y', _lit(v))} AS y{i}" for i, v in enumerate(periods)]
        xs = []
        for j in range(1, self.m + 1):
            if x_first:
                wide.append(f"{at(f'x{j}', first)} AS x{j}")
                xs.append(f"w.x{j} AS x{j}")
            else:
                wide += [f"{at(f'x{j}', _lit(v))} AS x{j}_{i}" for i, v in enumerate(periods)]
                xs.append(f"{pick(f'w.x{j}_', 'cm.cb')} AS x{j}")
        if cluster:
            wide.append(f"{at('cl', first)} AS cl")
            xs.append("w.cl AS cl")
        return (
            f"w AS (SELECT u, {', '.join(wide)} FROM q GROUP BY u),\n"
            f"dd AS (SELECT cm.*, {pick('w.y', 'cm.ct')} - {pick('w.y', 'cm.cb')} AS dy, "
            f"{', '.join(xs)} FROM w JOIN cm ON w.g = cm.cg)"
        )
