"""Load a panel lazily: it stays in DuckDB, Spark or PostgreSQL; checks run as queries.

:func:`load_lazy` opens the source where it lives (a Parquet file, directory or glob and a
DuckDB database file through a sandboxed DuckDB connection; a ``postgresql://`` URL through
:class:`~improve.engines.postgres.PostgresTable`; a DuckDB relation or Spark DataFrame as
given), renames the mapped columns in the engine, and runs the checks of the in-memory load
as aggregate queries, raising the same plain-English messages (the message builders of
:mod:`improve.data.validate`). Only aggregates come back: counts, periods, units per cohort.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from improve.data import validate
from improve.data.load_report import LoadReport
from improve.data.read import (
    _DUCKDB_SANDBOX,
    _DUCKDB_SUFFIXES,
    SQL_SOURCE_REFUSED,
    check_single_select,
    duckdb_select,
    looks_like_sql,
    outside_access_message,
    sandboxed_duckdb,
)
from improve.data.spec import PanelSpec
from improve.engines.fetch import (
    MAX_RESULT_ROWS,
    EngineError,
    column_names,
    engine_of,
    run_query,
)
from improve.engines.postgres import PostgresTable, is_database_url, quote_table
from improve.errors import DataError, SpecError

#: Parquet files at least this large are loaded lazily by default (``lazy=None``).
LAZY_BYTES = 2 * 1024**3
_PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass(frozen=True)
class LazyPanel:
    """A validated panel that stays in its engine.

    Attributes
    ----------
    relation : duckdb.DuckDBPyRelation, pyspark.sql.DataFrame or PostgresTable
        The panel with its columns renamed to the spec's names (queries read it as
        ``panel``, see :func:`improve.engines.fetch.run_query`).
    spec : PanelSpec
        Column roles.
    report : LoadReport
        What the checks found (counts and periods only).
    engine : str
        ``"duckdb"``, ``"spark"`` or ``"postgres"``.
    """

    relation: Any
    spec: PanelSpec
    report: LoadReport
    engine: str

    @property
    def data(self) -> pd.DataFrame:
        """Not available: the rows stay in the engine (raises ``AttributeError`` saying so)."""
        raise AttributeError(
            f"this panel stayed in {self.engine} (a lazy load of {self.report.n_rows:,} rows), "
            "so it has no pandas .data: use the functions that take a LazyPanel, or load it "
            "in memory with load_panel(..., lazy=False)"
        )

    def query(self, sql: str, *, max_rows: int = MAX_RESULT_ROWS) -> pd.DataFrame:
        """Run an aggregate query reading ``panel``; larger results are refused."""
        return run_query(self.relation, sql, max_rows=max_rows)

    def to_frame(self, *, max_rows: int = MAX_RESULT_ROWS) -> pd.DataFrame:
        """The rows in pandas, refused (before reading) when there are more than ``max_rows``."""
        if self.report.n_rows > max_rows:
            raise DataError(
                f"the panel has {self.report.n_rows:,} rows, more than {max_rows:,}: it stays "
                f"in {self.engine} and is not pulled into Python; pass it to the estimators "
                "as it is, or raise max_rows if the machine has the memory"
            )
        return self.query("SELECT * FROM panel", max_rows=max_rows)

    def _repr_html_(self) -> str:
        return self.report._repr_html_()

    def __repr__(self) -> str:
        r = self.report
        return (
            f"LazyPanel({self.engine}: {r.n_units:,} units × {r.n_periods} periods, "
            f"{r.n_rows:,} rows, outcomes={list(self.spec.outcomes)})"
        )


def wants_lazy(source: object) -> bool:
    """Whether ``load_panel(lazy=None)`` keeps ``source`` in an engine.

    Database URLs, engine relations, Parquet directories and globs always; Parquet files
    of :data:`LAZY_BYTES` or more.
    """
    if is_database_url(source) or _is_engine_object(source):
        return True
    if not isinstance(source, str | Path) or looks_like_sql(source):
        return False
    text = str(source)
    if "*" in text:
        return True
    path = Path(text)
    if path.is_dir():
        return any(path.rglob("*.parquet"))
    return (
        path.suffix.lower() in _PARQUET_SUFFIXES
        and path.is_file()
        and path.stat().st_size >= LAZY_BYTES
    )


def load_lazy(
    source: Any,
    spec: PanelSpec,
    options: Mapping[str, Any],
    *,
    validate_timing: bool = True,
) -> LazyPanel:
    """Open ``source`` in its engine, rename the mapped columns, validate by queries.

    Parameters
    ----------
    source : path, glob, database URL, DuckDB relation or Spark DataFrame
        Where the panel lives.
    spec : PanelSpec
        Column roles in the mapped names.
    options : mapping
        The column map's options: ``renames`` (raw -> mapped), ``table``, ``query``
        (DuckDB files only), ``mover_timing`` (only ``"error"``), ``recodes`` (refused).
    validate_timing : bool
        Check treatment timing (constant within unit, inside the panel, comparisons).

    Returns
    -------
    LazyPanel
    """
    if options.get("recodes"):
        raise SpecError(_not_lazily("'recodes:' in the column map"))
    if options.get("mover_timing", "error") != "error":
        raise SpecError(_not_lazily("'mover_timing: first'"))
    if spec.cohort is None and spec.treatment is not None:
        raise SpecError(_not_lazily("a 0/1 'treatment' column (map 'cohort' instead)"))
    raw, where, fmt = _open(source, options)
    renames = dict(options.get("renames") or {})
    inverse = {new: old for old, new in renames.items()}
    available = [renames.get(c, c) for c in column_names(raw)]
    validate.check_columns_present(available, spec, where)
    relation = _project(raw, spec, inverse)
    try:
        report = _validate(relation, spec, where, fmt, validate_timing)
    except EngineError as exc:  # most often: a column's type does not fit its role
        raise DataError(
            f"checking {where} in the database failed ({exc}); the time column, the "
            "outcomes and the treatment timing must be stored as numbers (ids may be text)"
        ) from None
    return LazyPanel(relation=relation, spec=spec, report=report, engine=engine_of(relation))


def _not_lazily(what: str) -> str:
    return (
        f"{what} is not available when the panel stays in a database (lazy load); "
        "prepare the column in the database, or load the file in memory (lazy=False)"
    )


def _is_engine_object(source: object) -> bool:
    module = type(source).__module__
    return module.startswith(("duckdb", "pyspark")) or isinstance(source, PostgresTable)


def _open(source: Any, options: Mapping[str, Any]) -> tuple[Any, str, str]:
    """The raw relation, a description for messages and the format name."""
    if _is_engine_object(source):
        return source, f"the {engine_of(source)} table", engine_of(source)
    if looks_like_sql(source):
        raise DataError(SQL_SOURCE_REFUSED)
    if is_database_url(source):
        if options.get("query"):
            raise DataError(
                "a column map's query: is only read from DuckDB files; for a database name "
                "the table with 'table: SCHEMA.NAME'"
            )
        table = options.get("table")
        if not table:
            raise DataError("say which table to read with 'table: NAME' in the column map")
        return PostgresTable(str(source), quote_table(str(table))), f"table '{table}'", "postgres"
    if not isinstance(source, str | Path):
        raise SpecError(
            "a lazy panel reads a Parquet file, directory or glob, a DuckDB file, a "
            "postgresql:// URL, a DuckDB relation or a Spark DataFrame; "
            f"got {type(source).__name__}"
        )
    path = Path(str(source))
    if path.suffix.lower() in _DUCKDB_SUFFIXES and path.is_file():
        import duckdb

        con = sandboxed_duckdb(path)
        failure = f"query on '{path.name}' failed"
        sql = duckdb_select(path, options.get("query"), options.get("table"))
        check_single_select(con, sql, failure, path)
        try:
            return con.sql(sql), str(source), "duckdb"
        except duckdb.PermissionException:
            raise DataError(outside_access_message(failure, path)) from None
    if path.is_dir():
        pattern = str(path / "**" / "*.parquet")
        root = path
    elif "*" in str(path) or path.suffix.lower() in _PARQUET_SUFFIXES:
        pattern = str(path)
        root = Path(*[p for p in path.parts if "*" not in p]) if "*" in str(path) else path.parent
        if "*" not in str(path) and not path.is_file():
            raise DataError(f"file '{path}' does not exist; check the path")
    else:
        raise DataError(
            f"'{path.name}' cannot stay in a database: a lazy load reads Parquet files, "
            "directories or globs of them, DuckDB files or a postgresql:// URL; convert the "
            "file to Parquet, or load it in memory (lazy=False)"
        )
    return _parquet_relation(pattern, root), str(source), "parquet"


def _parquet_relation(pattern: str, root: Path) -> Any:
    """A DuckDB relation over Parquet files under ``root`` only (no other file, URL, setting)."""
    import duckdb

    settings = {k: v for k, v in _DUCKDB_SANDBOX.items() if k.startswith("autoinstall")}
    settings["autoload_known_extensions"] = False
    con = duckdb.connect(config=settings)
    con.execute("SET allowed_directories = $dirs", {"dirs": [str(root.resolve()) + "/"]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    try:
        return con.read_parquet(str(Path(pattern).resolve()) if "*" not in pattern else pattern)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"could not read the Parquet data '{pattern}': {first}") from None


def _ident(name: str) -> str:
    if '"' in name or "`" in name:
        raise DataError(f"column name {name!r} cannot be used in an engine query; rename it")
    return f'"{name}"'


def _project(raw: Any, spec: PanelSpec, inverse: Mapping[str, str]) -> Any:
    """The spec's columns under their mapped names; missing timing read as 0 (never treated)."""
    exprs = []
    for col in spec.required_columns():
        expr = _ident(inverse.get(col, col))
        if col == spec.cohort:
            expr = f"COALESCE({expr}, 0)"
        exprs.append(f"{expr} AS {_ident(col)}")
    engine = engine_of(raw)
    if engine == "duckdb":
        return raw.project(", ".join(exprs))
    if engine == "spark":
        return raw.selectExpr(*[e.replace('"', "`") for e in exprs])
    return raw.with_source(f"(SELECT {', '.join(exprs)} FROM {raw.source_sql})")


def _numeric_roles(spec: PanelSpec) -> dict[str, str]:
    """Numeric columns other than time and timing -> their role word (as in memory)."""
    roles = {c: "outcome" for c in spec.outcomes}
    roles.update({c: "covariate" for c in spec.covariates})
    roles.update({c: "dose" for c in spec.doses})
    if spec.weights is not None:
        roles[spec.weights] = "weight"
    return roles


def _validate(
    relation: Any, spec: PanelSpec, where: str, fmt: str, validate_timing: bool
) -> LoadReport:
    """The in-memory load's checks, as aggregate queries; the load report."""
    unit, time = _ident(spec.unit), _ident(spec.time)
    parts = [
        "COUNT(*) AS n_rows",
        f"SUM(CASE WHEN {unit} IS NULL THEN 1 ELSE 0 END) AS missing_unit",
        f"SUM(CASE WHEN {time} IS NULL THEN 1 ELSE 0 END) AS missing_time",
    ]
    parts += [f"COUNT({_ident(c)}) AS have_{i}" for i, c in enumerate(spec.outcomes)]
    numeric = _numeric_roles(spec)
    parts += [
        f"SUM(CASE WHEN ABS({_ident(c)}) >= {validate.EXTREME_VALUE:.0e} THEN 1 ELSE 0 END) "
        f"AS extreme_{i}"
        for i, c in enumerate(numeric)
    ]
    if spec.weights is not None:
        w = _ident(spec.weights)
        parts.append(f"SUM(CASE WHEN {w} IS NULL OR {w} <= 0 THEN 1 ELSE 0 END) AS bad_weights")
    summary = run_query(relation, f"SELECT {', '.join(parts)} FROM panel").iloc[0]
    if int(summary["n_rows"]) == 0:
        raise DataError(validate.empty_message(where))
    for col, key in ((spec.unit, "missing_unit"), (spec.time, "missing_time")):
        if int(summary[key] or 0):
            raise DataError(validate.missing_id_message(col, int(summary[key])))
    for i, (col, role) in enumerate(numeric.items()):
        if int(summary[f"extreme_{i}"] or 0):
            c = _ident(col)
            shown = run_query(
                relation, f"SELECT DISTINCT {c} FROM panel WHERE ABS({c}) >= 1e15 LIMIT 3"
            )
            raise DataError(
                validate.extreme_message(
                    col, role, int(summary[f"extreme_{i}"]), list(shown.iloc[:, 0])
                )
            )
    for i, col in enumerate(spec.outcomes):
        if int(summary[f"have_{i}"]) == 0:
            raise DataError(validate.all_missing_message(col, "outcome"))

    keys = ", ".join(_ident(k) for k in (spec.unit, spec.time, *spec.subgroups))
    dup_sql = f"SELECT {keys} FROM panel GROUP BY {keys} HAVING COUNT(*) > 1"
    dups = run_query(relation, f"{dup_sql} LIMIT 3")
    if len(dups):
        n = int(run_query(relation, f"SELECT COUNT(*) AS n FROM ({dup_sql}) d").iloc[0, 0])
        names = [spec.unit, spec.time, *spec.subgroups]
        shown = "; ".join(", ".join(f"{k}={row[k]}" for k in names) for _, row in dups.iterrows())
        raise DataError(validate.duplicate_keys_message(n, shown, spec))
    periods_frame = run_query(relation, f"SELECT DISTINCT {time} AS p FROM panel ORDER BY 1")
    periods = [int(p) for p in periods_frame["p"]]
    if len(periods) < 2:
        raise DataError(validate.single_period_message(spec.time, periods))
    if spec.weights is not None and int(summary["bad_weights"] or 0):
        w = _ident(spec.weights)
        bad = run_query(relation, f"SELECT {w} FROM panel WHERE {w} IS NULL OR {w} <= 0 LIMIT 3")
        raise DataError(
            validate.bad_weights_message(
                spec.weights, int(summary["bad_weights"]), list(bad.iloc[:, 0])
            )
        )

    cohort = _ident(spec.cohort) if spec.cohort else "0"
    per_unit = (
        f"SELECT {unit} AS u, COUNT(DISTINCT {time}) AS k, MIN({cohort}) AS g, "
        f"MAX({cohort}) AS g_max FROM panel GROUP BY {unit}"
    )
    by_cohort = run_query(
        relation,
        "SELECT g, COUNT(*) AS units, "
        f"SUM(CASE WHEN k < {len(periods)} THEN 1 ELSE 0 END) AS short, "
        "SUM(CASE WHEN k = 1 THEN 1 ELSE 0 END) AS once, "
        f"SUM(CASE WHEN g <> g_max THEN 1 ELSE 0 END) AS varying FROM ({per_unit}) s "
        "GROUP BY g ORDER BY g",
    )
    warnings: list[str] = []
    cohorts: dict[int, int] = {}
    if spec.cohort is not None:
        n_varying = int(by_cohort["varying"].sum())
        if n_varying:
            units = run_query(relation, f"SELECT u FROM ({per_unit}) s WHERE g <> g_max LIMIT 3")
            raise DataError(
                validate.timing_varies_message(
                    spec.cohort, n_varying, spec, [str(u) for u in units["u"]]
                )
            )
        cohorts = {int(g): int(n) for g, n in zip(by_cohort["g"], by_cohort["units"], strict=True)}
        if validate_timing:
            t_min, t_max = float(periods[0]), float(periods[-1])
            outside = sorted(g for g in cohorts if g != 0 and not t_min <= g <= t_max)
            if outside:
                raise DataError(validate.timing_outside_message(spec.cohort, t_min, t_max, outside))
            warnings += validate.cohort_warnings(spec.cohort, cohorts, t_min)
    n_units = int(by_cohort["units"].sum())
    shape, gaps, balanced = validate.shape_warnings(
        periods, n_units, int(by_cohort["short"].sum()), int(by_cohort["once"].sum())
    )
    return LoadReport(
        source=where,
        format=fmt,
        n_rows=int(summary["n_rows"]),
        n_units=n_units,
        n_periods=len(periods),
        periods=periods,
        gap_periods=gaps,
        cohorts=cohorts,
        balanced=balanced,
        warnings=shape + warnings,
        notes=[f"read lazily: the panel stays in {engine_of(relation)}"],
        public_counts=spec.public_counts,
    )
