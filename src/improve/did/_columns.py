"""Column names for the DiD estimators: from keywords, falling back on a Panel's spec."""

from __future__ import annotations

from typing import Any

import pandas as pd

from improve.errors import SpecError


def resolve_columns(
    data: Any,
    name: str,
    *,
    outcome: str | None,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    cluster: str | None = None,
    weights: str | None = None,
) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """Column names from the arguments, falling back on a Panel's spec; check they exist."""
    if isinstance(data, pd.DataFrame):
        frame = data
    elif hasattr(data, "data") and hasattr(data, "spec"):
        frame, spec = data.data, data.spec
        unit = unit or getattr(spec, "unit", None)
        time = time or getattr(spec, "time", None)
        cohort = cohort or getattr(spec, "timing_column", None) or getattr(spec, "cohort", None)
        if outcome is None:
            outs = list(getattr(spec, "outcomes", ()) or ())
            outcome = outs[0] if outs else None
        cluster = cluster or getattr(spec, "cluster", None)
        weights = weights or getattr(spec, "weight", None)
        if not isinstance(frame, pd.DataFrame):
            raise SpecError(f"{name}: the panel's .data must be a pandas DataFrame")
    else:
        raise SpecError(
            f"{name} needs a pandas DataFrame or a Panel (with .data and .spec), "
            f"got {type(data).__name__}"
        )
    names = {
        "outcome": outcome,
        "unit": unit,
        "time": time,
        "cohort": cohort,
        "cluster": cluster,
        "weights": weights,
    }
    missing = [k for k in ("outcome", "unit", "time", "cohort") if not names[k]]
    if missing:
        raise SpecError(
            f"{name} needs the column name(s) for {', '.join(missing)}; pass them as keywords, "
            f"e.g. {name}(df, 'score', unit='school', time='year', cohort='first_year')"
        )
    absent = [c for c in dict.fromkeys(v for v in names.values() if v) if c not in frame.columns]
    if absent:
        raise SpecError(
            f"{name}: column(s) {absent} are not in the data (not found among its columns "
            f"{list(frame.columns)[:20]}); check the spelling or the column map"
        )
    for key in ("outcome", "time", "cohort"):
        col = str(names[key])
        if not pd.api.types.is_numeric_dtype(frame[col]):
            raise SpecError(
                f"{name}: column {col!r} ({key}) must be numeric, got {frame[col].dtype}; "
                "convert it (e.g. pd.to_numeric) before estimating"
            )
    return frame, names


def check_unique_keys(frame: pd.DataFrame, unit: str, time: str, name: str) -> None:
    """Raise if a unit appears twice in a period."""
    dup = frame.duplicated([unit, time], keep=False)
    if dup.any():
        rows = frame.loc[dup, [unit, time]].head(5).to_dict("records")
        raise SpecError(
            f"{name}: {int(dup.sum())} rows share a ({unit}, {time}) pair, e.g. {rows}; "
            "keep one row per unit and period (aggregate or drop the duplicates)"
        )
