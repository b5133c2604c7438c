"""Load a partner's file into a validated :class:`Panel`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from improve.data import validate
from improve.data.distinct import all_digits, distinct
from improve.data.header import SEARCH_ROWS, diagnose_header
from improve.data.id_codes import encode_ids, group_codes, restore_ids
from improve.data.lazy import LazyPanel, load_lazy, wants_lazy
from improve.data.load_report import LoadReport
from improve.data.progress import LoadProgress, wants_progress
from improve.data.read import (
    RawTable,
    describe_source,
    looks_like_sql,
    read_header_names,
    read_table,
)
from improve.data.spec import (
    ColumnMap,
    PanelSpec,
    as_column_map,
    check_mover_timing,
    header_skip,
)
from improve.data.suppression import parse_numeric
from improve.errors import DataError, SpecError

_SCHOOL_YEAR_RE = re.compile(r"^\s*(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*$")
_NEVER_WORDS = {"", "0", "never", "none", "no", "n/a", "na", ".", "nan"}


@dataclass(frozen=True)
class Panel:
    """A validated panel: the data, the spec that names its columns, and the load report.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per unit × period (× subgroup). Ids are strings; numeric columns are floats
        with NaN for suppressed or missing cells; ``<col>_flag`` (and ``<col>_lower``,
        ``<col>_upper`` for bounds and ranges) accompany columns that had markers. The
        treatment timing column holds the first-treated period, 0 = never treated.
    spec : PanelSpec
        Column roles. ``spec.cohort`` is always set when timing was given.
    report : LoadReport
        What the load found.
    """

    data: pd.DataFrame
    spec: PanelSpec
    report: LoadReport

    @property
    def units(self) -> np.ndarray:
        """Distinct unit ids, sorted."""
        return np.sort(self.data[self.spec.unit].unique())

    @property
    def periods(self) -> list[int]:
        """Distinct periods, sorted."""
        return list(self.report.periods)

    @property
    def cohorts(self) -> dict[int, int]:
        """First-treated period -> number of units (0 = never treated)."""
        return dict(self.report.cohorts)

    def unit_cohorts(self) -> pd.Series:
        """First-treated period of each unit (index: unit id)."""
        if self.spec.cohort is None:
            raise SpecError("this panel has no treatment timing; map 'cohort' or 'treatment'")
        return self.data.groupby(self.spec.unit, observed=True)[self.spec.cohort].first()

    def _repr_html_(self) -> str:
        return self.report._repr_html_()

    def __repr__(self) -> str:
        r = self.report
        return (
            f"Panel({r.n_units:,} units × {r.n_periods} periods, {r.n_rows:,} rows, "
            f"outcomes={list(self.spec.outcomes)})"
        )


def load_panel(
    source: str | Path | pd.DataFrame,
    spec: PanelSpec | Mapping[str, Any] | None = None,
    columns: ColumnMap | Mapping[str, Any] | str | Path | None = None,
    *,
    sheet: str | int | None = None,
    query: str | None = None,
    validate_timing: bool = True,
    mover_timing: str | None = None,
    progress: bool | None = None,
    lazy: bool | None = None,
) -> Panel | LazyPanel:
    """Read, map, parse and validate a panel.

    Parameters
    ----------
    source : path, SQL query or DataFrame
        CSV/TSV, Parquet, Excel, Stata, SPSS, DuckDB file, a DuckDB SQL query, or a DataFrame.
    spec : PanelSpec or dict, optional
        Column roles in the *mapped* names. Fields given here override the column map's.
    columns : ColumnMap, dict or path to YAML, optional
        The partner's column map (renames, recodes, read options and spec fields).
    sheet, query : optional
        Excel sheet and DuckDB query (override the column map's ``sheet``/``query``).
    validate_timing : bool
        Check treatment timing (constant within unit, inside the panel, comparison units).
    mover_timing : {"error", "first"}, optional
        What to do when the treatment timing changes within a unit (students who change
        schools in a student-level file). ``"error"`` (the default) stops with a message;
        ``"first"`` gives every unit the timing of its first observed period (intention to
        treat by the first school, matching how :func:`improve.did.att_gt` assigns the
        cluster of a unit that moves) and the load report says how many units it changed.
        Overrides the column map's ``mover_timing:``.
    progress : bool, optional
        Show progress on stderr while loading. By default it is shown for files of 64 MB
        or more when stderr is a terminal; ``True`` always shows it (plain lines when stderr
        is not a terminal), ``False`` never.
    lazy : bool, optional
        Keep the panel where it lives and validate it by queries (see
        :mod:`improve.data.lazy`): ``True`` for a Parquet file, directory or glob, a DuckDB
        file, a ``postgresql://`` URL (with ``table:`` in the column map), a DuckDB relation
        or a Spark DataFrame. By default URLs, relations, Parquet directories and globs and
        Parquet files of 2 GB or more are loaded lazily, everything else in memory.

    Returns
    -------
    Panel or LazyPanel
        A :class:`LazyPanel` (engine relation, spec, load report) when loaded lazily.

    Raises
    ------
    improve.errors.DataError
        The file cannot be read or breaks a rule (message says what and how to fix).
    improve.errors.SpecError
        The column map or spec names columns that are not there.
    """
    cmap = as_column_map(columns)
    spec = _merge_spec(cmap, spec)
    options = dict(cmap.options) if cmap else {}
    if lazy or (lazy is None and wants_lazy(source)):
        if mover_timing is not None:
            options["mover_timing"] = mover_timing
        if query is not None:
            options["query"] = query
        options["renames"] = dict(cmap.renames) if cmap else {}
        options["recodes"] = dict(cmap.recodes) if cmap and cmap.recodes else {}
        return load_lazy(source, spec, options, validate_timing=validate_timing)
    rule = check_mover_timing(
        mover_timing if mover_timing is not None else options.get("mover_timing", "error")
    )
    named = isinstance(source, Path) or (isinstance(source, str) and not looks_like_sql(source))
    label = Path(str(source)).name if named else "data"
    with LoadProgress(wants_progress(progress, source), label) as prog:
        return _load(source, spec, cmap, options, sheet, query, validate_timing, rule, prog)


def _load(
    source: str | Path | pd.DataFrame,
    spec: PanelSpec,
    cmap: ColumnMap | None,
    options: dict[str, Any],
    sheet: str | int | None,
    query: str | None,
    validate_timing: bool,
    rule: str,
    prog: LoadProgress,
) -> Panel:
    """The steps of :func:`load_panel`, reporting each to ``prog``."""
    renames = dict(cmap.renames) if cmap else {}
    inverse = {new: old for old, new in renames.items()}
    required_raw = [inverse.get(c, c) for c in spec.required_columns()]
    if cmap and cmap.recodes:
        required_raw += [c for c in cmap.recodes if c not in required_raw]

    where = describe_source(source)
    header = read_header_names(
        source,
        encoding=options.get("encoding"),
        delimiter=options.get("delimiter"),
        skip_rows=header_skip(options),
    )
    if header is not None:  # a misspelt column is reported before the rows are read
        _check_mapped_columns(header, renames, spec, where)
    raw = read_table(
        source,
        sheet=sheet if sheet is not None else options.get("sheet"),
        query=query or options.get("query"),
        table=options.get("table"),
        encoding=options.get("encoding"),
        delimiter=options.get("delimiter"),
        required=required_raw,
        progress=prog,
        skip_rows=header_skip(options),
    )
    prog.step(f"checking {len(raw.frame):,} rows")
    frame = _clean_header(raw, where)
    validate.check_duplicate_columns(frame.columns, where)
    validate.check_not_empty(frame, where)

    notes = list(raw.notes)
    if cmap and cmap.recodes:
        frame, recode_notes = _apply_recodes(frame, cmap.recodes, renames)
        notes += recode_notes
    _check_mapped_columns(list(frame.columns), renames, spec, where)
    frame = frame.rename(columns=renames)

    keep = spec.required_columns()
    frame = frame.loc[:, keep].copy()
    id_cols = [spec.unit] + ([spec.cluster] if spec.cluster else []) + list(spec.subgroups)
    validate.check_id_format(frame, dict.fromkeys(id_cols))
    frame = _normalise_ids(frame, spec, options, raw, notes)
    frame, time_note = _normalise_time(frame, spec.time)
    if time_note:
        notes.append(time_note)
    validate.check_ids(frame, spec, where)
    # ids as sorted categories until the rows are in order: every check below groups by them
    text_ids = encode_ids(frame, id_cols)

    markers: dict[str, dict[str, int]] = {}
    extra_markers = options.get("missing_markers") or []
    neg_codes = options.get("negative_missing_codes")
    roles = {c: "outcome" for c in spec.outcomes}
    roles.update({c: "covariate" for c in spec.covariates})
    roles.update({c: "dose" for c in spec.doses})
    for name, role in (("weights", "weight"), ("cohort", "cohort"), ("treatment", "treatment")):
        value = getattr(spec, name)
        if value is not None:
            roles[value] = role
    extra_cols: dict[str, pd.Series] = {}
    for col in spec.numeric_columns():
        role = roles.get(col, "numeric")
        prog.step(f"parsing '{col}'")
        if role in ("cohort", "treatment"):
            frame[col] = _parse_timing(frame[col], col, role)
            continue
        parsed = parse_numeric(
            frame[col], extra_markers=extra_markers, negative_missing_codes=neg_codes
        )
        validate.check_numeric(col, parsed.bad_values, parsed.n_bad, role)
        validate.check_extreme(col, parsed.values, role)
        frame[col] = parsed.values
        if parsed.counts:
            markers[col] = parsed.counts
        if parsed.flag is not None:
            extra_cols[f"{col}_flag"] = parsed.flag
        if parsed.lower is not None and parsed.upper is not None:
            extra_cols[f"{col}_lower"] = parsed.lower
            extra_cols[f"{col}_upper"] = parsed.upper
    if extra_cols:
        frame = pd.concat([frame, pd.DataFrame(extra_cols, index=frame.index)], axis=1)

    prog.step("checking keys, periods and timing")
    validate.check_all_missing(frame, spec.outcomes, "outcome")
    validate.check_unique_keys(frame, spec, where)
    validate.check_periods(frame, spec)
    if spec.weights is not None:
        validate.check_weights(frame, spec.weights)

    warnings: list[str] = []
    if spec.cluster is not None:
        warnings += validate.check_cluster(frame, spec)

    if spec.cohort is None and spec.treatment is not None:
        frame, derived_warnings = _derive_cohort(frame, spec)
        warnings += derived_warnings
        spec = spec.with_overrides(cohort="first_treated")
    timing_varied = 0
    if spec.cohort is not None:
        frame[spec.cohort] = frame[spec.cohort].fillna(0).astype("int64")
        if rule == "first":
            frame, timing_varied = _first_observed_timing(frame, spec, spec.cohort)
            if timing_varied:
                warnings.append(
                    f"treatment timing in '{spec.cohort}' varied within {timing_varied:,} "
                    f"{spec.unit} units (e.g. students who changed schools); each was given "
                    "the timing of its first observed period (mover_timing: first), so "
                    "estimates are intention-to-treat by the first school"
                )
        if validate_timing:
            warnings += validate.check_timing(frame, spec, spec.cohort)

    shape_warnings, gaps, balanced = validate.panel_shape_warnings(frame, spec)
    warnings = shape_warnings + warnings
    frame = frame.sort_values([spec.unit, spec.time, *spec.subgroups], kind="stable")

    periods = sorted(int(p) for p in frame[spec.time].unique())
    cohorts: dict[int, int] = {}
    if spec.cohort is not None:
        # the rows are sorted by unit: each unit's first row starts its run of rows
        unit_codes, _ = group_codes(frame[spec.unit])
        starts = np.flatnonzero(np.r_[True, unit_codes[1:] != unit_codes[:-1]])
        per_unit = pd.Series(frame[spec.cohort].to_numpy()[starts])
        cohorts = {int(k): int(v) for k, v in per_unit.value_counts().sort_index().items()}
    n_units = int(frame[spec.unit].nunique())
    frame = restore_ids(frame, text_ids).reset_index(drop=True)
    report = LoadReport(
        source=raw.source,
        format=raw.format,
        n_rows=len(frame),
        n_units=n_units,
        n_periods=len(periods),
        periods=periods,
        gap_periods=gaps,
        cohorts=cohorts,
        balanced=balanced,
        markers=markers,
        warnings=warnings,
        notes=notes,
        timing_varied=timing_varied,
        public_counts=spec.public_counts,
    )
    return Panel(data=frame, spec=spec, report=report)


def _first_observed_timing(
    frame: pd.DataFrame, spec: PanelSpec, col: str
) -> tuple[pd.DataFrame, int]:
    """Give every unit the timing of its first observed period; count the units changed.

    Parameters
    ----------
    frame : pandas.DataFrame
        The panel, timing already integer (0 = never treated).
    spec : PanelSpec
        Names the unit and time columns.
    col : str
        The timing column.

    Returns
    -------
    frame : pandas.DataFrame
        ``frame`` with ``col`` constant within unit.
    n_varied : int
        Number of units whose timing was not constant.
    """
    codes, _ = group_codes(frame[spec.unit])
    times = frame[spec.time].to_numpy(dtype="float64", na_value=np.nan)
    values = frame[col].to_numpy()
    n_units = int(codes.max()) + 1 if len(codes) else 0
    # each unit's first row in (time, row) order: its earliest period, then its first row there
    first_time = np.full(n_units, np.inf)
    np.fmin.at(first_time, codes, times)
    at_first = times == first_time[codes]
    first_row = np.full(n_units, len(codes), dtype=np.int64)
    np.minimum.at(first_row, codes[at_first], np.flatnonzero(at_first))
    present = np.bincount(codes, minlength=n_units) > 0
    if (first_row[present] == len(codes)).any():  # a unit with no time at all (not expected)
        order = np.lexsort((times, codes))
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        first_row[sorted_codes[starts]] = order[starts]
    per_row = values[first_row[codes]]
    changed = per_row != values
    n_varied = int(np.unique(codes[changed]).size)
    if n_varied:
        frame[col] = per_row
    return frame, n_varied


def _merge_spec(cmap: ColumnMap | None, spec: PanelSpec | Mapping[str, Any] | None) -> PanelSpec:
    if isinstance(spec, Mapping):
        spec = PanelSpec(**spec)
    if cmap is None and spec is None:
        raise SpecError(
            "say which columns are the unit and the time: pass spec=PanelSpec(unit=..., time=...) "
            "or a column map (columns='map.yaml')"
        )
    if cmap is None:
        assert spec is not None
        return spec
    if spec is None:
        return cmap.spec
    overrides = {}
    for name in ("unit", "time", "cohort", "treatment", "cluster", "weights"):
        if getattr(spec, name) != getattr(PanelSpec(), name):
            overrides[name] = getattr(spec, name)
    for name in ("outcomes", "covariates", "doses", "subgroups", "public_counts", "public_names"):
        if getattr(spec, name):
            overrides[name] = getattr(spec, name)
    if not spec.labels.is_empty():
        overrides["labels"] = spec.labels
    return cmap.spec.with_overrides(**overrides)


def _check_mapped_columns(
    columns: list[str], renames: dict[str, str], spec: PanelSpec, where: str
) -> None:
    """Every column the map renames, and every column the spec needs, is in ``columns``."""
    missing_sources = [old for old in renames if old not in columns]
    if missing_sources:
        close_spec = PanelSpec(unit=missing_sources[0], time=missing_sources[0])
        validate.check_columns_present(columns, close_spec, where)
    renamed = [renames.get(c, c) for c in columns]
    validate.check_columns_present(renamed, spec, where)


def _clean_header(raw: RawTable, where: str) -> pd.DataFrame:
    frame = raw.frame
    names = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    unnamed = [n for n in names if n.startswith("Unnamed:")]
    if unnamed and len(unnamed) >= len(names) / 2:
        rows = [list(frame.columns), *frame.head(SEARCH_ROWS).to_numpy().tolist()]
        diagnosis = diagnose_header(rows, skipped=raw.skipped_rows)
        raise DataError(diagnosis.message(where, len(unnamed)))
    frame = frame.copy()
    frame.columns = names
    if len(names) == 1 and raw.format == "csv" and any(d in names[0] for d in (";", "|", "\t")):
        raise DataError(
            f"{where} was read as a single column '{names[0][:40]}…'; the delimiter looks wrong: "
            "set 'delimiter:' in the column map"
        )
    return frame


def _apply_recodes(
    frame: pd.DataFrame, recodes: dict[str, dict[Any, Any]], renames: dict[str, str]
) -> tuple[pd.DataFrame, list[str]]:
    inverse = {new: old for old, new in renames.items()}
    notes = []
    frame = frame.copy()
    for col, mapping in recodes.items():
        target = col if col in frame.columns else inverse.get(col)
        if target is None or target not in frame.columns:
            close = [c for c in frame.columns if c.lower() == str(col).lower()]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SpecError(f"recodes name column '{col}', which is not in the data{hint}")
        as_text = frame[target].astype("string").str.strip()
        str_map = {str(k).strip(): v for k, v in mapping.items()}
        hit = as_text.isin(list(str_map))
        if hit.any():
            new_values = as_text.map(lambda v, m=str_map: m.get(v, v) if v is not pd.NA else v)
            frame[target] = (
                new_values.astype("string") if frame[target].dtype.kind not in "iuf" else new_values
            )
            notes.append(f"recoded {int(hit.sum()):,} values in '{target}'")
    return frame, notes


def _normalise_ids(
    frame: pd.DataFrame,
    spec: PanelSpec,
    options: dict[str, Any],
    raw: RawTable,
    notes: list[str],
) -> pd.DataFrame:
    width = options.get("id_width")
    id_cols = [spec.unit] + ([spec.cluster] if spec.cluster else []) + list(spec.subgroups)
    for col in dict.fromkeys(id_cols):
        series = frame[col]
        was_numeric = pd.api.types.is_numeric_dtype(series.dtype)
        if was_numeric:
            as_float = series.astype("float64")
            integral = (
                as_float.dropna().apply(float.is_integer).all() if as_float.notna().any() else True
            )
            if integral:
                text = as_float.map(lambda v: pd.NA if pd.isna(v) else str(int(v)))
            else:
                text = series.astype("string")
            text = text.astype("string")
        else:
            text = series.astype("string")
            if not all_digits(text):  # digit-only ids have nothing to strip and none is empty
                text = text.str.strip()
                text = text.mask(text == "", pd.NA)
        if width and col in (spec.unit, spec.cluster):
            text = text.str.zfill(int(width)) if col == spec.unit else text
        if was_numeric and col == spec.unit and not width:
            lengths = text.dropna().str.len()
            if len(lengths) and lengths.nunique() > 1 and lengths.max() >= 6:
                notes.append(
                    f"'{col}' was stored as numbers in the {raw.format} file and ids have "
                    f"{lengths.min()}–{lengths.max()} digits: leading zeros may be lost; set "
                    "'id_width:' in the column map to restore them"
                )
        frame[col] = text
    return frame


def _normalise_time(frame: pd.DataFrame, col: str) -> tuple[pd.DataFrame, str | None]:
    series = frame[col]
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype("float64")
        note = None
    else:
        # parse the distinct values only (a student file repeats a dozen years millions of times)
        codes, values_seen = distinct(series)
        text = values_seen.astype("string").str.strip()
        match = text.str.extract(_SCHOOL_YEAR_RE)
        is_school_year = match[0].notna()
        values = pd.to_numeric(text.where(~is_school_year), errors="coerce").astype("float64")
        note = None
        if is_school_year.any():
            start = match[0].astype("float64")
            values = values.where(~is_school_year, start + 1)
            note = (
                f"school years such as '{text[is_school_year].iloc[0]}' in '{col}' were read as "
                "their spring year (e.g. 2018-19 → 2019)"
            )
        bad = values.isna() & text.notna() & (text != "")
        if bad.any():
            examples = text[bad].drop_duplicates().head(3).tolist()
            raise DataError(
                f"time column '{col}' holds values that are not years or period numbers "
                f"(e.g. {', '.join(repr(e) for e in examples)}); use years such as 2019 or "
                "school years such as 2018-19, or add them under 'recodes:' in the column map"
            )
        values = values.where(text.notna() & (text != ""))
        values = pd.Series(values.to_numpy()[codes], index=series.index)
    fractional = values[values % 1 != 0]
    if len(fractional):
        raise DataError(
            f"time column '{col}' holds fractional values (e.g. {fractional.iloc[0]}); "
            "periods must be whole numbers such as school years"
        )
    frame[col] = values.astype("Int64") if values.isna().any() else values.astype("int64")
    return frame, note


def _parse_timing(series: pd.Series, col: str, role: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("float64")
    codes, values_seen = distinct(series)
    text = values_seen.astype("string").str.strip()
    lowered = text.str.lower().fillna("")
    never = lowered.isin(list(_NEVER_WORDS))
    school_year = text.str.extract(_SCHOOL_YEAR_RE)[0]
    numbers = pd.to_numeric(text.where(~never & school_year.isna()), errors="coerce")
    numbers = numbers.where(school_year.isna(), school_year.astype("float64") + 1)
    bad = numbers.isna() & ~never
    if bad.any():
        examples = text[bad].drop_duplicates().head(3).tolist()
        what = "a first-treated year (0 or empty = never)" if role == "cohort" else "0 or 1"
        raise DataError(
            f"{role} column '{col}' holds values that are not {what} (e.g. "
            f"{', '.join(repr(e) for e in examples)}); fix them or recode them in the column map"
        )
    parsed = numbers.where(~never, 0.0).astype("float64").to_numpy()
    return pd.Series(parsed[codes], index=series.index)


def _derive_cohort(frame: pd.DataFrame, spec: PanelSpec) -> tuple[pd.DataFrame, list[str]]:
    assert spec.treatment is not None
    treat = frame[spec.treatment]
    bad = ~treat.isin([0.0, 1.0])
    if bad.any():
        examples = treat[bad].drop_duplicates().head(3).tolist()
        raise DataError(
            f"treatment column '{spec.treatment}' must be 0 or 1, found {examples}; "
            "map a first-treated year as 'cohort' instead if that is what it holds"
        )
    treated_times = frame[spec.time].where(treat == 1)
    first = treated_times.groupby(frame[spec.unit]).transform("min")
    frame = frame.copy()
    frame["first_treated"] = first.fillna(0).astype("int64")
    warnings = []
    after = (frame[spec.time] >= frame["first_treated"]) & (frame["first_treated"] > 0)
    switched_off = frame.loc[after & (treat == 0), spec.unit].nunique()
    if switched_off:
        warnings.append(
            f"treatment switches off in {switched_off:,} units (e.g. grants not renewed); "
            "the cohort is each unit's first treated period, so estimates are intent-to-treat"
        )
    return frame, warnings
