"""Weekly or monthly improvement measures: the column map, loading and the runner's check.

The column map names the unit (school), the time column (a date), optional network and
phase (PDSA cycle) columns, and one entry per measure::

    kind: qi_series
    unit: school
    time: week
    phase: cycle
    measures:
      attendance: {numerator: attended_days, denominator: enrolled_days, type: proportion}
      referrals:  {numerator: referrals, denominator: enrolled, type: rate, multiply: 100}
      minutes:    {numerator: minutes_read, type: continuous}
    public_names: [units]   # unit names may appear in reports (else "School 1", "School 2", ...)

``type`` is ``proportion`` (numerator of denominator), ``rate`` (events per exposure),
``count`` (events, no denominator) or ``continuous`` (a measurement).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from improve.data.read import read_table
from improve.data.safe_yaml import load_yaml
from improve.data.spec import check_public_counts
from improve.errors import DataError, SpecError

MEASURE_TYPES = ("proportion", "rate", "count", "continuous")


@dataclass(frozen=True)
class MeasureSpec:
    """One measure: its columns, its kind and its words."""

    name: str
    numerator: str
    denominator: str | None
    type: str
    label: str
    multiply: float = 1


@dataclass(frozen=True)
class QiSeries:
    """A unit × time series of improvement measures and what its columns mean."""

    data: pd.DataFrame
    unit: str | None
    time: str
    group: str | None
    phase: str | None
    measures: dict[str, MeasureSpec]
    labels: dict[str, Any] = field(default_factory=dict)
    public_units: bool = False

    def measure(self, name: str | None) -> MeasureSpec:
        """The named measure (the first one when ``name`` is empty)."""
        if not name:
            return next(iter(self.measures.values()))
        if name not in self.measures:
            raise SpecError(
                f"measure {name!r} is not in the column map; measures are: "
                f"{', '.join(self.measures)}."
            )
        return self.measures[name]

    @property
    def unit_label(self) -> str:
        """What a unit is called, plural ("schools")."""
        return str(self.labels.get("unit_plural") or f"{self.labels.get('unit', 'unit')}s")


def _measure(name: str, entry: Mapping[str, Any]) -> MeasureSpec:
    if "numerator" not in entry:
        raise SpecError(f"measure {name!r} in the column map needs a 'numerator' column.")
    kind = str(entry.get("type", "proportion" if entry.get("denominator") else "continuous"))
    if kind not in MEASURE_TYPES:
        raise SpecError(
            f"measure {name!r} has type {kind!r}; use one of {', '.join(MEASURE_TYPES)}."
        )
    if kind in ("proportion", "rate") and not entry.get("denominator"):
        raise SpecError(f"measure {name!r} is a {kind} and needs a 'denominator' column.")
    return MeasureSpec(
        name=name,
        numerator=str(entry["numerator"]),
        denominator=str(entry["denominator"]) if entry.get("denominator") else None,
        type=kind,
        label=str(entry.get("label", name)),
        multiply=float(entry.get("multiply", 1)),
    )


def read_qi_map(path: str | Path) -> dict[str, Any]:
    """Read a qi column map (YAML, never evaluated)."""
    try:
        spec = load_yaml(Path(path).read_text(encoding="utf-8"), f"column map '{Path(path).name}'")
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"The column map {path} cannot be read: {exc}") from None
    if not isinstance(spec, dict) or "time" not in spec or not spec.get("measures"):
        raise SpecError(
            f"The column map {path} needs at least 'time:' and 'measures:' (see "
            "improve.qi.series for an example)."
        )
    return spec


def _numbers(values: pd.Series, column: str) -> pd.Series:
    """The column as numbers; blanks become missing, text is an error naming the value."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype("object").where(values.notna(), None)
    text = text.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v)
    numbers = pd.to_numeric(text.replace("", None), errors="coerce")
    bad = numbers.isna() & text.notna() & (text != "")
    if bad.any():
        raise DataError(
            f"The column {column!r} has {int(bad.sum())} value(s) that are not numbers "
            f"(first: {values[bad].iloc[0]!r}); fix them or leave the cells blank."
        )
    return numbers.astype(float)


def load_qi_series(data: str | Path | pd.DataFrame, columns: str | Path) -> QiSeries:
    """Read the data file and its column map; check columns and dates."""
    spec = read_qi_map(columns)
    frame = read_table(data).frame if not isinstance(data, pd.DataFrame) else data.copy()
    measures = {str(k): _measure(str(k), v or {}) for k, v in spec["measures"].items()}
    needed = [spec["time"], *(spec.get(k) for k in ("unit", "group", "phase"))]
    for m in measures.values():
        needed += [m.numerator, m.denominator]
    missing = [c for c in needed if c and c not in frame.columns]
    if missing:
        raise SpecError(
            f"Column(s) {', '.join(map(repr, missing))} named in the column map are not in "
            f"the data; columns are: {', '.join(map(str, frame.columns))}."
        )
    for column in {c for m in measures.values() for c in (m.numerator, m.denominator) if c}:
        frame[column] = _numbers(frame[column], column)
    time = spec["time"]
    if not pd.api.types.is_numeric_dtype(frame[time]):
        parsed = pd.to_datetime(frame[time], errors="coerce")
        bad = parsed.isna() & frame[time].notna()
        if bad.any():
            raise DataError(
                f"The time column {time!r} has {int(bad.sum())} value(s) that are not dates "
                f"(first: {frame.loc[bad, time].iloc[0]!r}); write dates as YYYY-MM-DD."
            )
        frame[time] = parsed
    return QiSeries(
        data=frame,
        unit=spec.get("unit"),
        time=time,
        group=spec.get("group"),
        phase=spec.get("phase"),
        measures=measures,
        labels=dict(spec.get("labels") or {}),
        public_units="units" in check_public_counts(spec.get("public_names"), key="public_names"),
    )


def _check_run_parameters(params: Mapping[str, Any], measure: MeasureSpec) -> None:
    """The workbook's chart and cycle start dates, checked before anything runs."""
    from improve.qi.limits import CHARTS

    chart = str(params.get("chart") or "auto")
    if chart != "auto" and chart not in CHARTS:
        raise SpecError(f"chart must be 'auto' or one of {', '.join(CHARTS)}; got {chart!r}.")
    if chart in ("p", "pp", "u", "up") and measure.denominator is None:
        raise SpecError(
            f"A {chart} chart needs a denominator; measure {measure.name!r} has none in the "
            "column map (add 'denominator:' or choose chart 'auto')."
        )
    for start in params.get("cycle_starts") or []:
        if pd.isna(pd.to_datetime(str(start), errors="coerce")):
            raise SpecError(f"cycle_starts has {start!r}, which is not a date (YYYY-MM-DD).")


def check_qi_input(data_path: Path | str, map_path: Path | None, params: Mapping[str, Any]) -> str:
    """The runner's check for ``qi_series`` workbooks: load, check the measure, summarise."""
    if map_path is None:
        raise SpecError("A qi_series workbook needs a column map (measures, time, unit).")
    series = load_qi_series(data_path, map_path)
    measure = series.measure(str(params.get("measure") or ""))
    _check_run_parameters(params, measure)
    from improve.qi.checks import check_values

    kind_chart = {"proportion": "p", "rate": "u", "count": "c"}.get(measure.type, "i")
    check_values(
        series.data, x=series.time, y=measure.numerator, n=measure.denominator, chart=kind_chart
    )
    units = series.data[series.unit].nunique() if series.unit else 1
    periods = series.data[series.time].nunique()
    return (
        f"data ok: {len(series.data):,} rows, {units} units, {periods} periods, "
        f"measure {measure.name} ({measure.type})"
    )
