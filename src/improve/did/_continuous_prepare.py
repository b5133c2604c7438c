"""From a long panel to the arrays of the continuous-treatment DiD, with plain-English checks.

One row per unit and period, a balanced panel, a first-treated period per unit (0 or missing
for never treated) and a numeric dose. The dose of a treated unit is its mean dose over the
periods from its first treated period on in which the dose is positive (the dose "assigned"
with the treatment; CGBS 2024 take it to be constant over time, and a dose that is constant
gives that constant). Never-treated units are the dose-0 group whatever their dose column holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.data.columns import check_unique_keys, panel_columns, panel_frame
from improve.errors import DataError, EstimationError, SpecError

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DosePanel:
    """Wide arrays of one outcome, one row per unit.

    Attributes
    ----------
    y : ndarray, shape (n_units, n_periods)
    periods : ndarray
        Sorted periods (columns of ``y``).
    cohort : ndarray
        First treated period (0 for never treated).
    dose : ndarray
        Unit dose (0 for never treated).
    cluster_codes : ndarray of int or None
    notes : tuple of str
        What was dropped or assumed, in plain sentences.
    """

    y: FloatArray
    periods: FloatArray
    cohort: FloatArray
    dose: FloatArray
    cluster_codes: NDArray[np.intp] | None
    outcome: str
    dose_name: str
    notes: tuple[str, ...]
    dose_varies: bool

    @property
    def n_units(self) -> int:
        return int(self.y.shape[0])

    @property
    def treated_doses(self) -> FloatArray:
        return self.dose[self.cohort > 0]


def resolve_dose(data: Any, dose: str | None, caller: str) -> str:
    """The dose column: the keyword, else the column map's first ``doses`` entry."""
    if dose:
        return dose
    _, spec = panel_frame(data, caller)
    doses = list(getattr(spec, "doses", ()) or ()) if spec is not None else []
    if doses:
        return str(doses[0])
    raise SpecError(
        f"{caller}: no dose column is named; pass dose=<column> (the amount of treatment "
        "each unit receives, e.g. grant dollars per pupil) or list it under doses: in the "
        "column map"
    )


def prepare_dose_panel(
    data: Any,
    caller: str,
    *,
    outcome: str | None,
    dose: str | None,
    unit: str | None,
    time: str | None,
    cohort: str | None,
    cluster: str | None,
) -> DosePanel:
    """Check the panel and pivot it to :class:`DosePanel`."""
    dose_name = resolve_dose(data, dose, caller)
    frame, cols = panel_columns(
        data,
        caller,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        covariates=[],
        cluster=cluster,
        weights="",
        required=("outcome", "unit", "time", "cohort"),
        numeric=("outcome", "time"),
    )
    if dose_name not in frame.columns:
        raise SpecError(f"{caller}: dose column {dose_name!r} is not in the data; check the name")
    if not pd.api.types.is_numeric_dtype(frame[dose_name]):
        raise SpecError(
            f"{caller}: the dose column {dose_name!r} must be numeric (an amount such as FTE "
            f"per 100 students), got {frame[dose_name].dtype}; recode labels like 'low'/'high' "
            "to numbers before estimating"
        )
    check_unique_keys(frame, cols.unit, cols.time, caller)
    used = [cols.unit, cols.time, cols.cohort, cols.outcome, dose_name]
    used += [cols.cluster] if cols.cluster else []
    df = frame[list(dict.fromkeys(used))].copy()
    g = pd.to_numeric(df[cols.cohort], errors="coerce").replace([np.inf], 0).fillna(0.0)
    df["_g"] = g.astype(float)
    if (df.groupby(cols.unit)["_g"].nunique() > 1).any():
        raise DataError(
            f"{caller}: {cols.cohort!r} changes within a unit; give each unit one first treated "
            "period (0 or empty for never treated)"
        )
    return _pivot(df, cols, dose_name, caller)


def _pivot(df: pd.DataFrame, cols: Any, dose_name: str, caller: str) -> DosePanel:
    notes: list[str] = []
    wide = df.pivot(index=cols.unit, columns=cols.time, values=cols.outcome)
    incomplete = wide.isna().any(axis=1)
    if incomplete.all():
        raise DataError(
            f"{caller}: no unit has {cols.outcome!r} in every period; the continuous-treatment "
            "DiD needs a balanced panel"
        )
    if incomplete.any():
        notes.append(
            f"{int(incomplete.sum())} unit(s) without {cols.outcome} in every period were "
            "left out (the estimator needs a balanced panel)."
        )
        wide = wide.loc[~incomplete]
    units = wide.index
    first = df.groupby(cols.unit)["_g"].first().reindex(units).to_numpy(dtype=float)
    periods = wide.columns.to_numpy(dtype=float)
    t = df[cols.time].to_numpy(dtype=float)
    d = pd.to_numeric(df[dose_name], errors="coerce").to_numpy(dtype=float)
    active = (df["_g"].to_numpy() > 0) & (t >= df["_g"].to_numpy()) & (d > 0)
    mean_dose = (
        pd.Series(np.where(active, d, np.nan), index=df[cols.unit].to_numpy())
        .groupby(level=0)
        .mean()
        .reindex(units)
        .to_numpy(dtype=float)
    )
    spread = (
        pd.Series(np.where(active, d, np.nan), index=df[cols.unit].to_numpy())
        .groupby(level=0)
        .std()
        .reindex(units)
        .fillna(0.0)
    )
    dose = np.where(first > 0, np.nan_to_num(mean_dose, nan=0.0), 0.0)
    zero_treated = (first > 0) & (dose <= 0)
    if zero_treated.any():
        notes.append(
            f"{int(zero_treated.sum())} treated unit(s) with no positive {dose_name} after "
            "treatment starts were left out."
        )
    keep = ~zero_treated
    if not np.any(keep & (first > 0)):
        raise EstimationError(
            f"{caller}: no treated unit has a positive {dose_name!r}; the dose-response needs "
            "treated units with doses above 0"
        )
    codes = None
    if cols.cluster:
        cl = df.groupby(cols.unit)[cols.cluster].first().reindex(units)
        codes = pd.factorize(cl.astype(str), sort=True)[0][keep].astype(np.intp)
    return DosePanel(
        y=wide.to_numpy(dtype=float)[keep],
        periods=periods,
        cohort=first[keep],
        dose=dose[keep],
        cluster_codes=codes,
        outcome=cols.outcome,
        dose_name=dose_name,
        notes=tuple(notes),
        dose_varies=bool((spread.to_numpy()[keep] > 1e-12).any()),
    )
