"""Checks at the door: every message names the column, shows examples and says how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from improve.data.distinct import all_digits
from improve.data.id_codes import constant_per_group, duplicated_rows, nunique_by
from improve.data.spec import PanelSpec
from improve.errors import DataError, SpecError


def _examples(values: Iterable[object], limit: int = 3) -> str:
    shown = [repr(v) if isinstance(v, str) else str(v) for v in list(values)[:limit]]
    return ", ".join(shown)


def check_columns_present(columns: Iterable[str], spec: PanelSpec, source: str) -> None:
    """Raise :class:`SpecError` naming each missing column and the closest existing names."""
    available = [str(c) for c in columns]
    missing = [c for c in spec.required_columns() if c not in available]
    if not missing:
        return
    role = {}
    for name in ("unit", "time", "cohort", "treatment", "cluster", "weights"):
        value = getattr(spec, name)
        if value is not None:
            role.setdefault(value, "weight" if name == "weights" else name)
    for name in ("outcomes", "covariates", "doses", "subgroups"):
        for value in getattr(spec, name):
            role.setdefault(value, name.rstrip("s"))
    lowered = {c.lower(): c for c in available}
    parts = []
    for col in missing:
        close = difflib.get_close_matches(col, available, n=2, cutoff=0.6)
        if not close and col.lower() in lowered:
            close = [lowered[col.lower()]]
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        parts.append(f"'{col}' ({role.get(col, 'column')}){hint}")
    shown = ", ".join(available[:12]) + (" …" if len(available) > 12 else "")
    raise SpecError(
        f"{source} has no column {'; no column '.join(parts)}; "
        f"its columns are: {shown}. Fix the column map (--columns) or the parameter"
    )


def check_not_empty(frame: pd.DataFrame, source: str) -> None:
    """A file with a header but no rows."""
    if len(frame) == 0:
        raise DataError(empty_message(source))


def empty_message(source: str) -> str:
    """A source with columns but no rows."""
    return f"{source} has a header but no data rows; export the data again"


def check_duplicate_columns(columns: Iterable[object], source: str) -> None:
    """Columns that appear twice (pandas renames them 'x.1')."""
    names = [str(c) for c in columns]
    seen: set[str] = set()
    dups = []
    for name in names:
        base = name.rsplit(".", 1)[0] if name.rsplit(".", 1)[-1].isdigit() else name
        if name in seen:
            dups.append(name)
        if base != name and base in names:
            dups.append(base)
        seen.add(name)
    if dups:
        raise DataError(
            f"{source} has the column name {', '.join(repr(d) for d in sorted(set(dups)))} "
            "more than once; rename the duplicate columns so each name is unique"
        )


def check_unique_keys(frame: pd.DataFrame, spec: PanelSpec, source: str) -> None:
    """Each unit appears at most once per period (unless subgroup columns split rows)."""
    keys = [spec.unit, spec.time, *spec.subgroups]
    dup = duplicated_rows(frame, keys)
    if dup.any():
        sample = frame.loc[dup, keys].drop_duplicates().head(3)
        shown = "; ".join(", ".join(f"{k}={row[k]}" for k in keys) for _, row in sample.iterrows())
        n = int(frame.loc[dup, keys].drop_duplicates().shape[0])
        raise DataError(duplicate_keys_message(n, shown, spec))


def duplicate_keys_message(n: int, shown: str, spec: PanelSpec) -> str:
    """``n`` unit–period keys appear more than once (``shown``: examples as ``k=v, k=v; ...``)."""
    return (
        f"{n:,} {spec.unit}–{spec.time} combinations appear more than once (e.g. {shown}); "
        "each unit must have one row per period: remove duplicates, or add the column "
        "that tells the rows apart to 'subgroups' in the column map"
    )


def check_ids(frame: pd.DataFrame, spec: PanelSpec, source: str) -> None:
    """Unit ids and times must not be missing."""
    for col in (spec.unit, spec.time):
        missing = frame[col].isna()
        if missing.any():
            rows = list(np.flatnonzero(missing.to_numpy())[:3] + 2)
            raise DataError(missing_id_message(col, int(missing.sum()), rows))


def missing_id_message(col: str, n_missing: int, rows: list[int] | None = None) -> str:
    """Unit id or time empty in ``n_missing`` rows (``rows``: file row numbers, when known)."""
    where = f" (e.g. file rows {_examples(rows)})" if rows else ""
    return (
        f"column '{col}' is empty in {n_missing:,} rows{where}; "
        f"every row needs a {col}: fill it in or drop those rows"
    )


def check_numeric(column: str, bad_values: list[str], n_bad: int, role: str) -> None:
    """A numeric column holding text that is neither a number nor a known marker."""
    if n_bad:
        raise DataError(
            f"{role} column '{column}' holds {n_bad:,} values that are not numbers "
            f"(e.g. {_examples(bad_values)}); fix them in the file, or if they are suppression "
            "markers add them under 'missing_markers:' in the column map"
        )


#: Magnitude beyond which a value is an export error or a missing-value code, not a measurement
#: (larger than any enrolment, score or spending figure; floats stop counting exactly at ~9e15).
EXTREME_VALUE = 1e15


def check_extreme(column: str, values: pd.Series, role: str) -> None:
    """Infinite or absurdly large numbers (e.g. 1e300 written for 'missing')."""
    finite_abs = values.abs()
    bad = finite_abs >= EXTREME_VALUE
    if bad.any():
        rows = list(np.flatnonzero(bad.to_numpy())[:3] + 2)
        examples = list(values[bad].drop_duplicates().head(3))
        raise DataError(extreme_message(column, role, int(bad.sum()), examples, rows))


def extreme_message(
    column: str, role: str, n_bad: int, examples: list[object], rows: list[int] | None = None
) -> str:
    """``n_bad`` infinite or absurdly large values (``rows``: file row numbers, when known)."""
    where = f" in file rows {_examples(rows)}" if rows else ""
    return (
        f"{role} column '{column}' holds {n_bad:,} extreme values (e.g. "
        f"{_examples(examples)}{where}); "
        "fix them in the file, or if they are a missing-value code list them under "
        "'missing_markers:' in the column map"
    )


def check_periods(frame: pd.DataFrame, spec: PanelSpec) -> None:
    """A panel needs at least two periods (a difference-in-differences needs before and after)."""
    periods = frame[spec.time].dropna().unique()
    if len(periods) < 2:
        raise DataError(single_period_message(spec.time, list(periods)))


def single_period_message(time_col: str, periods: list[object]) -> str:
    """The time column holds fewer than two periods."""
    return (
        f"time column '{time_col}' holds a single period ({_examples(periods)}); a panel "
        "needs at least two (before and after treatment): add the other years to the file, "
        "or check that 'time' names the year column"
    )


def check_id_format(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Ids a spreadsheet turned into numbers in scientific notation (digits already lost)."""
    for col in columns:
        text = frame[col].dropna().astype("string")
        if all_digits(text):  # the common case, checked in one cheap pass
            continue
        sci = text.str.fullmatch(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
        if len(text) and sci.fillna(False).any():
            examples = text[sci.fillna(False)].drop_duplicates().head(3).tolist()
            raise DataError(
                f"id column '{col}' holds ids in scientific notation (e.g. {_examples(examples)}): "
                "a spreadsheet rounded them, so their last digits are lost; export the file again "
                "with the id column formatted as text"
            )


def check_all_missing(frame: pd.DataFrame, columns: Iterable[str], role: str) -> None:
    """An outcome with no published value at all."""
    for col in columns:
        if frame[col].notna().sum() == 0:
            raise DataError(all_missing_message(col, role))


def all_missing_message(col: str, role: str) -> str:
    """A column with no usable value."""
    return (
        f"{role} column '{col}' has no usable value (every cell is empty or suppressed); "
        "choose another outcome or ask for the unsuppressed file"
    )


def check_weights(frame: pd.DataFrame, column: str) -> None:
    """Weights must be positive and present."""
    w = frame[column]
    bad = w.isna() | (w <= 0)
    if bad.any():
        raise DataError(bad_weights_message(column, int(bad.sum()), w[bad].head(3).tolist()))


def bad_weights_message(column: str, n_bad: int, examples: list[object]) -> str:
    """Weights missing, zero or negative in ``n_bad`` rows."""
    return (
        f"weight column '{column}' has {n_bad:,} missing, zero or negative values "
        f"(e.g. {_examples(examples)}); weights must be positive: fix them or drop those rows"
    )


def check_cluster(frame: pd.DataFrame, spec: PanelSpec) -> list[str]:
    """Cluster ids present, more than one cluster, not one cluster per unit."""
    assert spec.cluster is not None
    col = spec.cluster
    missing = frame[col].isna()
    if missing.any():
        units = frame.loc[missing, spec.unit].drop_duplicates().head(3).tolist()
        raise DataError(
            f"cluster column '{col}' is empty for {int(missing.sum()):,} rows (units "
            f"{_examples(units)}); fill in the cluster for every row"
        )
    per_cluster = nunique_by(frame, col, spec.unit)
    if len(per_cluster) < 2:
        raise DataError(
            f"cluster column '{col}' holds a single cluster ({_examples(per_cluster.index)}); "
            "cluster-robust inference needs many clusters: choose a finer cluster or omit it"
        )
    warnings: list[str] = []
    singles = per_cluster[per_cluster == 1]
    if len(singles) == len(per_cluster) and col != spec.unit:
        raise DataError(
            f"every cluster in '{col}' holds a single {spec.unit}, so it is the same as "
            f"clustering by {spec.unit}; point 'cluster' at the level above the unit "
            "(e.g. the district column) or omit it to cluster by unit"
        )
    if len(singles) and col != spec.unit:
        warnings.append(
            f"{len(singles)} of {len(per_cluster)} clusters in '{col}' hold a single "
            f"{spec.unit}; they enter inference as clusters of one"
        )
    if len(per_cluster) < 40:
        warnings.append(
            f"only {len(per_cluster)} clusters in '{col}': cluster-robust standard errors can be "
            "too small with fewer than about 40; prefer CR2 or the wild cluster bootstrap"
        )
    movers = nunique_by(frame, spec.unit, col)
    if (movers > 1).any():
        warnings.append(
            f"{int((movers > 1).sum()):,} units appear in more than one '{col}' cluster; "
            "each is assigned to the cluster of its first observation for inference"
        )
    return warnings


def check_timing(frame: pd.DataFrame, spec: PanelSpec, cohort_col: str) -> list[str]:
    """Treatment timing constant within unit, inside the panel, with comparison units."""
    cohort = frame[cohort_col]
    varying = nunique_by(frame, spec.unit, cohort_col, dropna=False)
    if (varying > 1).any():
        units = varying[varying > 1].index[:3].tolist()
        raise DataError(timing_varies_message(cohort_col, int((varying > 1).sum()), spec, units))
    times = frame[spec.time]
    t_min, t_max = float(times.min()), float(times.max())
    treated = cohort[cohort > 0]
    outside = treated[(treated < t_min) | (treated > t_max)]
    if len(outside):
        years = sorted({int(v) for v in outside.unique()})
        raise DataError(timing_outside_message(cohort_col, t_min, t_max, years))
    unit_cohort = constant_per_group(frame, spec.unit, cohort_col)  # constant: checked above
    counts = {int(k): int(v) for k, v in unit_cohort.value_counts().items()}
    return cohort_warnings(cohort_col, counts, t_min)


def timing_varies_message(cohort_col: str, n_units: int, spec: PanelSpec, units: list) -> str:
    """The first-treated period changes within ``n_units`` units."""
    return (
        f"treatment timing column '{cohort_col}' changes within {n_units:,} "
        f"units (e.g. {spec.unit} {_examples(units)}); the first-treated period must be the "
        "same in every row of a unit: fix those units, or map a 0/1 'treatment' column "
        "instead; if units move (students changing schools), add 'mover_timing: first' to "
        "the column map to use each unit's timing in its first observed period"
    )


def timing_outside_message(cohort_col: str, t_min: float, t_max: float, years: list[int]) -> str:
    """First-treated periods outside the observed periods."""
    return (
        f"treatment timing column '{cohort_col}' has first-treated periods outside the data's "
        f"{int(t_min)}–{int(t_max)} (e.g. {_examples(years)}); units treated after the last "
        "period should be coded 0 (not yet treated), units treated before the first period "
        "cannot be evaluated: drop them"
    )


def cohort_warnings(cohort_col: str, counts: dict[int, int], t_min: float) -> list[str]:
    """Comparison-group checks on units per first-treated period (0 = never treated).

    Raises :class:`DataError` when there are no comparison units; returns the warnings.
    """
    warnings: list[str] = []
    treated = [g for g, n in counts.items() if g != 0 and n > 0]
    if counts.get(0, 0) == 0:
        first_period_only = all(g <= t_min for g in treated)
        if first_period_only or len(treated) == 1:
            raise DataError(
                f"no comparison units: every unit in '{cohort_col}' is treated "
                f"{'from the first period' if first_period_only else 'at the same time'}; "
                "a difference-in-differences needs never-treated or not-yet-treated units"
            )
        warnings.append(
            "no never-treated units: use control_group='notyettreated' (later cohorts serve as "
            "comparisons until they are treated)"
        )
    if len(treated) == 1:
        warnings.append("a single treatment cohort: the design is a classic two-group comparison")
    return warnings


def panel_shape_warnings(frame: pd.DataFrame, spec: PanelSpec) -> tuple[list[str], list[int], bool]:
    """Gap periods, unbalanced panel and units observed once (warnings, not errors)."""
    periods = sorted(int(p) for p in frame[spec.time].unique())
    counts = nunique_by(frame, spec.unit, spec.time)
    short = int((counts < len(periods)).sum())
    once = int((counts == 1).sum())
    return shape_warnings(periods, len(counts), short, once)


def shape_warnings(
    periods: list[int], n_units: int, short: int, once: int
) -> tuple[list[str], list[int], bool]:
    """Warnings from the panel's shape: ``short`` units miss periods, ``once`` have one.

    Returns the warnings, the gap periods inside the observed range and whether the panel
    is balanced.
    """
    warnings: list[str] = []
    gaps: list[int] = []
    if periods and all(float(p).is_integer() for p in periods):
        full = range(periods[0], periods[-1] + 1)
        gaps = [p for p in full if p not in set(periods)]
        if gaps:
            warnings.append(
                f"no data for {', '.join(map(str, gaps))} (gap inside {periods[0]}–{periods[-1]}); "
                "event times still count calendar periods, so the gap shows as a missing period"
            )
    if short:
        warnings.append(
            f"unbalanced panel: {short:,} of {n_units:,} units are missing some periods"
        )
    if once:
        warnings.append(
            f"{once:,} units are observed in only one period and add nothing to within-unit "
            "comparisons"
        )
    return warnings, gaps, short == 0
