"""``improve.did.att_gt`` on a DuckDB relation or a Spark DataFrame: the same ATTGTResult.

The estimator without covariates is split at the seam of :mod:`improve.did._cell_sums`:

1. the engine computes per (cohort, period) row counts and outcome sums (``GROUP BY``);
2. :func:`~improve.did._cell_sums.closed_form_cells` turns them into every cell's ATT and
   the influence-function coefficients (small arrays, in Python);
3. the engine sums each row's contribution ``coef * (y - center)`` within unit
   (``GROUP BY unit, cell``), and only those per-unit influence values come back.

Step 3 brings back ``n_units x cells`` numbers, so it runs only under
:data:`MAX_INFLUENCE_VALUES`; above it the call is refused with one line. Inference
(analytic, cluster-robust CR1-type or CR2 with Satterthwaite df, multiplier bootstrap with
the same seed), the pre-test and the result are then those of the in-memory estimator
(:func:`improve.did.attgt.result_from_cells`), so ``aggregate``, figures and sensitivity
work unchanged. The data preparation rules (missing rows dropped, cohorts after the last
period never treated, units treated in the first period dropped, incomplete units dropped
unless ``allow_unbalanced_panel``) are those of :func:`improve.did._prepare.prepare`,
written as queries, with the same messages.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from improve._warn import warn_at_caller
from improve.did import _cell_sums as cs
from improve.did._cells import _cell_plan, cells_from_formulas
from improve.did._prepare import NO_TREATED_COHORT, Prepared, number_label
from improve.did.attgt import ATTGTResult, result_from_cells
from improve.engines import fetch
from improve.engines.attgt_sql import _quote, _run
from improve.engines.detect import engine_of
from improve.errors import DataError, EstimationError, SpecError

#: Most per-unit influence values (units x estimated cells) brought back from an engine.
MAX_INFLUENCE_VALUES = 50_000_000
#: Row limit of the per-unit queries (units, or unit x cell values), checked beforehand
_PER_UNIT = MAX_INFLUENCE_VALUES


def att_gt_in_engine(
    data: Any,
    outcome: str | None,
    *,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    covariates: Any,
    control_group: str,
    est_method: str,
    base_period: str,
    anticipation: int,
    weights: str | None,
    cluster: str | None,
    panel: bool,
    allow_unbalanced_panel: bool,
    bootstrap: bool,
    n_boot: int,
    alpha: float,
    seed: int | None,
    cluster_correction: str,
) -> ATTGTResult:
    """:func:`improve.did.att_gt` with the panel left in DuckDB or Spark (see module doc).

    Parameters are those of :func:`improve.did.att_gt` (already validated there).

    Raises
    ------
    SpecError
        Missing column names or an option engines do not support yet (one line).
    DataError, EstimationError
        As in memory.
    """
    engine = engine_of(data)
    if engine is None:  # pragma: no cover - the caller dispatches on engine_of
        raise SpecError("att_gt_in_engine needs a DuckDB relation or a Spark DataFrame")
    if covariates:
        raise SpecError(
            "covariates are not supported on engines yet; estimate in memory "
            "(collect the panel into pandas) or drop covariates"
        )
    if bootstrap and not panel and cluster is None:
        raise SpecError(
            "the unit-level bootstrap of repeated cross-sections is not supported on engines "
            "(rows have no order in SQL); pass cluster= or use analytic standard errors"
        )
    names = {"outcome": outcome, "time": time, "cohort": cohort}
    if panel:
        names["unit"] = unit
    absent = [role for role, name in names.items() if name is None]
    if weights is not None:
        names["weights"] = weights
    if absent:
        raise SpecError(f"att_gt on an engine table needs column names: pass {', '.join(absent)}=")
    if cluster is not None and cluster == unit and panel:
        cluster = None
    wanted = [*names.values(), *([cluster] if cluster is not None else [])]
    missing = [c for c in wanted if c not in list(data.columns)]
    if missing:
        raise SpecError(f"column(s) not found in the engine table: {', '.join(missing)}")

    rows = _Rows(data, engine, names, cluster, panel)
    tlist, glist = rows.periods_and_cohorts(control_group, anticipation)
    unbalanced = rows.unit_checks(tlist.size, allow_unbalanced_panel) if panel else False
    sums = rows.cohort_period_sums(tlist)
    uniform = rows.uniform_weights()
    _check_group_sizes(sums, control_group)
    plan = _cell_plan(glist, tlist, base_period, anticipation)
    formulas = cs.closed_form_cells(sums, plan, tlist, control_group, est_method, anticipation)
    active = np.flatnonzero(formulas.part.any(axis=0))
    if sums.n_units * active.size > MAX_INFLUENCE_VALUES:
        raise SpecError(
            f"the engine would return {sums.n_units:,} units x {active.size} cells of "
            f"influence functions (limit {MAX_INFLUENCE_VALUES:,}); estimate fewer periods "
            "or cohorts, or a sample"
        )
    unit_cohort, unit_weight, cluster_codes = rows.unit_table(unbalanced)
    n_clusters = sums.n_units if cluster_codes is None else int(cluster_codes.max()) + 1
    if cluster_codes is not None and n_clusters < 2:
        raise EstimationError(
            f"cluster column '{cluster}' has a single cluster; cluster-robust "
            "inference needs many clusters (drop cluster= to use unit-level inference)"
        )
    inf = np.zeros((sums.n_units, len(plan)), order="F")
    rows.unit_influence(formulas, tlist, sums.cohorts, active, not uniform, inf)
    balanced_panel = panel and not unbalanced
    if balanced_panel:  # the panel estimator counts units, the sums count rows (2 per unit)
        formulas = _per_unit_counts(formulas)
    cells = cells_from_formulas(formulas, plan, tlist, inf, sums.cohorts, unit_cohort)
    prep = Prepared(
        panel=balanced_panel,
        unbalanced=unbalanced,
        n=sums.n_units,
        tlist=tlist,
        glist=glist,
        n_cov=0,
        uniform_weights=uniform,
        unit_cohort=unit_cohort,
        unit_weight=unit_weight,
        cluster_codes=cluster_codes,
        n_clusters=n_clusters,
        cluster_name=cluster,
    )
    return result_from_cells(
        prep,
        cells,
        outcome=str(outcome),
        covariates=(),
        weights=weights,
        est_method=est_method,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        cluster_correction=cluster_correction,
        bootstrap=bootstrap,
        n_boot=n_boot,
        alpha=alpha,
        seed=seed,
    )


def _per_unit_counts(formulas: cs.CellFormulas) -> cs.CellFormulas:
    """Counts of a balanced panel's cells in units (each unit has a row in both periods)."""
    from dataclasses import replace

    return replace(formulas, n_treated=formulas.n_treated // 2, n_control=formulas.n_control // 2)


def _check_group_sizes(sums: cs.CohortPeriodSums, control_group: str) -> None:
    """R's group-size check of :func:`improve.did._prepare.prepare` (rows per cohort over
    periods), from the cohort x period counts."""
    sizes = sums.rows.sum(axis=1) / sums.rows.shape[1]
    small = sums.cohorts[sizes < 5]
    if not small.size:
        return
    if control_group == "nevertreated" and np.any(small == 0):
        n_never = float(sizes[sums.cohorts == 0][0])
        raise EstimationError(
            f"the never-treated group is too small (about {n_never:.0f} units, fewer "
            "than 5); use control_group='notyettreated'"
        )
    warn_at_caller(
        "some cohorts are small (fewer than 5 units): "
        f"{', '.join(number_label(v) for v in small)}; their estimates are imprecise",
    )


def _num(x: float) -> str:
    """A float as an exact SQL DOUBLE literal (17 significant digits, exponent form)."""
    return f"{float(x):.17e}"


def _in_list(values: np.ndarray) -> str:
    return ", ".join(_num(v) for v in values)


class _Rows:
    """The rows the estimator uses, as a query over the engine table ``panel``.

    Each preparation step narrows :attr:`filter` (a SQL condition on the cleaned rows);
    only counts and sums come back.
    """

    def __init__(
        self, data: Any, engine: str, names: dict[str, str | None], cluster: str | None, panel: bool
    ) -> None:
        self.data, self.engine, self.panel = data, engine, panel
        q = {role: _quote(str(name)) for role, name in names.items()}
        self.cluster = _quote(cluster) if cluster is not None else None
        y = f"CAST({q['outcome']} AS DOUBLE)"
        ok = [f"{q['time']} IS NOT NULL", f"{y} IS NOT NULL", f"NOT isnan({y})"]
        if panel:
            ok.append(f"{q['unit']} IS NOT NULL")
        if self.cluster is not None:
            ok.append(f"{self.cluster} IS NOT NULL")
        self.weighted = "weights" in q
        self.weight_name = names.get("weights")
        if self.weighted:
            wq = f"CAST({q['weights']} AS DOUBLE)"
            ok += [f"{wq} IS NOT NULL", f"NOT isnan({wq})"]
        w = f", CAST({q['weights']} AS DOUBLE) AS w0" if self.weighted else ", 1.0 AS w0"
        g = f"CAST({q['cohort']} AS DOUBLE)"
        unit = q["unit"] if panel else "0"
        cl = f", {self.cluster} AS cl" if self.cluster is not None else ""
        self.clean = (
            f"SELECT {unit} AS u, CAST({q['time']} AS DOUBLE) AS t, {y} AS y, "
            f"CASE WHEN {g} IS NULL OR isnan({g}) THEN 0 ELSE {g} END AS g0{cl}{w} "
            f"FROM panel WHERE {' AND '.join(ok)}"
        )
        self.tmax = 0.0
        self.keep_cohorts = "TRUE"
        self.keep_units = ""
        self.mean_weight = 1.0

    def _with(self, select: str, max_rows: int = fetch.MAX_RESULT_ROWS) -> pd.DataFrame:
        """Run ``select`` over the kept rows ``r`` (columns u, t, y, g[, cl]).

        Results are limited to the engines' row limit, or ``max_rows`` for the per-unit
        queries (bounded by :data:`MAX_INFLUENCE_VALUES`, checked before they run).
        """
        cl = ", cl" if self.cluster is not None else ""
        unit = "u" if self.panel else "ROW_NUMBER() OVER (ORDER BY t, g0, y" + cl + ") - 1"
        sql = (
            f"WITH c AS ({self.clean}), "
            f"r AS (SELECT {unit} AS u, t, y, w0 / {_num(self.mean_weight)} AS w, "
            f"CASE WHEN g0 > {_num(self.tmax)} THEN 0 ELSE g0 END AS g{cl} FROM c "
            f"WHERE {self.keep_cohorts}{self.keep_units}) {select}"
        )
        return _run(self.data, sql, max_rows)

    def periods_and_cohorts(
        self, control_group: str, anticipation: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Periods and estimable cohorts; drops rows as :func:`improve.did._prepare.prepare`."""
        counts = _run(
            self.data,
            f"WITH c AS ({self.clean}) SELECT t, g0, COUNT(*) AS n, SUM(w0) AS sw, "
            "MIN(w0) AS wmin FROM c GROUP BY t, g0",
        )
        n_total = int(_run(self.data, "SELECT COUNT(*) AS n FROM panel")["n"][0])
        n_kept = int(counts["n"].sum())
        if n_kept < n_total:
            warn_at_caller(
                f"dropped {n_total - n_kept} of {n_total} rows with missing outcome, time, "
                "covariates, weight, unit or cluster",
            )
        if n_kept == 0:
            raise DataError("no rows left after dropping rows with missing values")
        if self.weighted:
            if counts["wmin"].min() < 0:
                raise DataError(
                    f"weight column {self.weight_name!r} has negative values; weights must be >= 0"
                )
            self.mean_weight = float(counts["sw"].sum()) / n_kept
        tlist = np.unique(counts["t"].to_numpy(float))
        self.tmax = float(tlist.max())
        cohorts = np.unique(np.where(counts["g0"] > self.tmax, 0.0, counts["g0"]))
        if not np.any(cohorts == 0):
            if control_group == "nevertreated":
                raise EstimationError(
                    "there are no never-treated units to compare with (cohort 0 or missing); "
                    "use control_group='notyettreated' to compare with units not yet treated"
                )
            raise SpecError(
                "a panel without never-treated units is not supported on engines yet; "
                "estimate in memory"
            )
        if tlist.size < 2:
            raise EstimationError("fewer than two time periods remain; DiD needs at least two")
        first = tlist[0]
        glist = cohorts[(cohorts > 0) & (cohorts > first + anticipation)]
        treated_first = (cohorts <= first) & (cohorts != 0)
        if np.any(treated_first):
            what = "units" if self.panel else "observations"
            n_first = self._count_treated_first(first)
            warn_at_caller(
                f"dropped {n_first} {what} already treated in the first period "
                f"({number_label(first)}); their effect cannot be identified without a "
                "pre-treatment period (as R did)",
            )
        if glist.size < cohorts[cohorts > 0].size:
            keep = np.concatenate([[0.0], glist])
            self.keep_cohorts = f"(g0 > {_num(self.tmax)} OR g0 IN ({_in_list(keep)}))"
            kept = self._with("SELECT DISTINCT t FROM r")
            tlist = np.sort(kept["t"].to_numpy(float))
            glist = glist[glist > tlist[0] + anticipation]
        if glist.size == 0:
            raise EstimationError(NO_TREATED_COHORT)
        return tlist, glist

    def _count_treated_first(self, first: float) -> int:
        what = "COUNT(DISTINCT u)" if self.panel else "COUNT(*)"
        cond = f"g0 <= {_num(first)} AND g0 <> 0"
        found = self._with(f"SELECT {what} AS n FROM c WHERE {cond}")
        return int(found["n"][0])

    def unit_checks(self, n_periods: int, allow_unbalanced: bool) -> bool:
        """Unique unit-periods, constant cohorts; drops incomplete units unless allowed.

        Returns whether the kept panel is unbalanced.
        """
        per_unit = (
            "SELECT u, COUNT(*) AS n, COUNT(DISTINCT t) AS nt, MIN(g) AS gmin, MAX(g) AS gmax, "
            "MIN(w) AS wmin, MAX(w) AS wmax FROM r GROUP BY u"
        )
        checks = self._with(
            f", x AS ({per_unit}) SELECT "
            "SUM(CASE WHEN n > nt THEN 1 ELSE 0 END) AS dup, "
            "SUM(CASE WHEN gmin <> gmax THEN 1 ELSE 0 END) AS varying, "
            f"SUM(CASE WHEN nt < {n_periods} THEN 1 ELSE 0 END) AS incomplete, "
            "SUM(CASE WHEN wmin <> wmax THEN 1 ELSE 0 END) AS wvary FROM x"
        ).iloc[0]
        if int(checks["dup"]) > 0:
            raise DataError(
                "some units appear more than once in a period (unit x time must be unique); "
                "aggregate or deduplicate first"
            )
        if int(checks["varying"]) > 0:
            raise DataError(
                "the cohort column changes within some units; it must be the unit's first "
                "treated period in every row"
            )
        incomplete = int(checks["incomplete"])
        if int(checks["wvary"]) > 0 and not (incomplete and allow_unbalanced):
            raise SpecError(
                "weights that vary within a unit are not supported on engines for balanced "
                "panels; estimate in memory"
            )
        if incomplete == 0 or allow_unbalanced:
            return incomplete > 0
        warn_at_caller(
            f"dropped {incomplete} units not observed in all {n_periods} periods (a balanced "
            "panel is required; pass allow_unbalanced_panel=True to keep them)",
        )
        self.keep_units = (
            f" AND u IN (SELECT u FROM c WHERE {self.keep_cohorts} "
            f"GROUP BY u HAVING COUNT(*) = {n_periods})"
        )
        return False

    def cohort_period_sums(self, tlist: np.ndarray) -> cs.CohortPeriodSums:
        """Step 1: rows and outcome sums per (cohort, period), and the number of units."""
        found = self._with(
            "SELECT g, t, COUNT(*) AS n, SUM(w) AS sw, SUM(w * y) AS sy FROM r GROUP BY g, t"
        )
        n_units = int(self._with("SELECT COUNT(DISTINCT u) AS n FROM r")["n"][0])
        if found.empty:
            raise DataError("no unit is observed in every period; the balanced panel is empty")
        cohorts = np.unique(found["g"].to_numpy(float))
        ci = np.searchsorted(cohorts, found["g"].to_numpy(float))
        ti = np.searchsorted(tlist, found["t"].to_numpy(float))
        rows = np.zeros((cohorts.size, tlist.size), dtype=np.int64)
        wy = np.zeros((cohorts.size, tlist.size))
        weight = np.zeros((cohorts.size, tlist.size))
        rows[ci, ti] = found["n"].to_numpy(np.int64)
        wy[ci, ti] = found["sy"].to_numpy(float)
        weight[ci, ti] = found["sw"].to_numpy(float)
        if not self.weighted:
            weight = rows.astype(float)
        return cs.CohortPeriodSums(cohorts, rows, weight, wy, n_units)

    def uniform_weights(self) -> bool:
        """Whether every kept row has the same weight (the closed form then ignores them)."""
        if not self.weighted:
            return True
        found = self._with("SELECT MIN(w) AS lo, MAX(w) AS hi FROM r").iloc[0]
        return bool(found["lo"] == found["hi"])

    def unit_table(self, unbalanced: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Cohort, weight (first period's; mean over rows if unbalanced) and cluster code
        (of the first observed period) of each unit, units in the order of the in-memory
        estimator (sorted ids; rows for cross-sections)."""
        weight = "AVG(w)" if unbalanced else "MIN_BY(w, t)"
        if self.cluster is None:
            found = self._with(
                f"SELECT u, MIN(g) AS g, {weight} AS w FROM r GROUP BY u ORDER BY u", _PER_UNIT
            )
            return found["g"].to_numpy(float), found["w"].to_numpy(float), None
        found = self._with(
            f"SELECT u, MIN(g) AS g, {weight} AS w, MIN_BY(cl, t) AS cl, "
            "COUNT(DISTINCT cl) AS ncl FROM r GROUP BY u ORDER BY u",
            _PER_UNIT,
        )
        moved = int((found["ncl"] > 1).sum())
        if moved:
            warn_at_caller(
                f"{moved} units change cluster over time; each unit is "
                "assigned to the cluster of its first observed period",
            )
        codes = pd.factorize(found["cl"], sort=True)[0]
        unit_weight = found["w"].to_numpy(float)
        return found["g"].to_numpy(float), unit_weight, np.asarray(codes, dtype=np.intp)

    def unit_influence(
        self,
        formulas: cs.CellFormulas,
        tlist: np.ndarray,
        cohorts: np.ndarray,
        active: np.ndarray,
        weighted: bool,
        out: np.ndarray,
    ) -> None:
        """Step 3: per unit and cell the sum of ``coef * (y - center)`` over the unit's
        rows in the cell's two periods, written into ``out`` (units x cells)."""
        entries = [
            f"({j}, {_num(tlist[formulas.periods[j, s]])}, {_num(cohorts[c])}, "
            f"{_num(formulas.coef[j, s, c])}, {_num(formulas.center[j, s, c])})"
            for j in active
            for s in (0, 1)
            for c in np.flatnonzero(formulas.coef[j, s] != 0)
        ]
        if not entries:
            return
        values = ", ".join(entries)
        weight = "r.w * " if weighted else ""
        table = (
            f"(VALUES {values}) AS k(j, t, g, coef, center)"
            if self.engine == "duckdb"
            else f"VALUES {values} AS k(j, t, g, coef, center)"
        )
        found = self._with(
            f"SELECT r.u AS u, k.j AS j, SUM(k.coef * {weight}(r.y - k.center)) AS v "
            f"FROM r JOIN {table} ON r.t = k.t AND r.g = k.g GROUP BY r.u, k.j",
            _PER_UNIT,
        )
        ids = self._with("SELECT DISTINCT u FROM r ORDER BY u", _PER_UNIT)["u"]
        codes = pd.Index(ids).get_indexer(found["u"])
        out[codes, found["j"].to_numpy(np.intp)] = found["v"].to_numpy(float)
