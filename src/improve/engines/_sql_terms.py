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
