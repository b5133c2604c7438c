"""From a long panel to the block design of synthetic estimators (R ``panel.matrices``).

The outcome becomes a units × periods matrix with the comparison (donor) units first and the
pre-treatment periods first. Everything a user can get wrong about a one-state design is
caught here with a message that says what to do: a treated unit adopting at another time, a
donor or treated unit with missing years, too few pre-periods, a treated unit named among the
donors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from improve.data.columns import panel_columns, panel_frame
from improve.errors import DataError, EstimationError, SpecError

#: Fewest pre-treatment periods for weights to mean anything (one fitted difference).
MIN_PRE_PERIODS = 2


@dataclass(frozen=True)
class BlockDesign:
    """Outcome matrix of a block design: ``n0`` donors first, ``t0`` pre-periods first."""

    y: pd.DataFrame
    n0: int
    t0: int
    outcome: str
    unit: str
    time: str
    covariates: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def x(self) -> np.ndarray | None:
        """Covariates as units × periods × K in the outcome matrix's order (None: none)."""
        if not self.covariates:
            return None
        return np.stack(
            [c.loc[self.y.index, self.y.columns].to_numpy(float) for c in self.covariates.values()],
            axis=2,
        )

    @property
    def donors(self) -> list[Any]:
        """Comparison units, in matrix order."""
        return list(self.y.index[: self.n0])

    @property
    def treated(self) -> list[Any]:
        """Treated units, in matrix order."""
        return list(self.y.index[self.n0 :])

    @property
    def pre_periods(self) -> list[Any]:
        return list(self.y.columns[: self.t0])

    @property
    def post_periods(self) -> list[Any]:
        return list(self.y.columns[self.t0 :])

    @property
    def adoption(self) -> Any:
        """The first treated period."""
        return self.y.columns[self.t0]


def _first_treated(
    frame: pd.DataFrame, unit: str, time: str, cohort: str | None, treatment: str | None
) -> pd.Series:
    """First treated period per unit (0 = never), from a cohort or a 0/1 treatment column."""
    if treatment is not None:
        on = pd.to_numeric(frame[treatment], errors="coerce")
        if on.isna().any() or not on.isin([0, 1]).all():
            raise DataError(
                f"treatment column {treatment!r} must hold 0 or 1 in every row; "
                f"found {sorted(on.dropna().unique().tolist())[:6]} and missing values"
            )
        switched = frame.loc[on.to_numpy() == 1]
        first = switched.groupby(unit, observed=True)[time].min()
        return first.reindex(frame[unit].unique(), fill_value=0)
    if cohort is None:
        raise SpecError(
            "name the treatment timing: cohort=... (first treated period) or treatment=..."
        )
    first = frame.groupby(unit, observed=True)[cohort].agg(["min", "max"])
    changing = first.index[first["min"] != first["max"]]
    if len(changing):
        raise DataError(
            f"the first-treated period in {cohort!r} changes within unit(s) "
            f"{list(changing[:5])}; it must be one value per unit"
        )
    return pd.to_numeric(first["min"], errors="coerce").fillna(0)


@dataclass(frozen=True)
class PanelMatrix:
    """Outcome by unit × period with each unit's first treated period (0: never)."""

    wide: pd.DataFrame
    first_treated: pd.Series
    outcome: str
    unit: str
    time: str
    covariates: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def cohorts(self) -> list[Any]:
        """Adoption periods, in order."""
        return sorted(self.first_treated[self.first_treated > 0].unique())

    def block(self, cohort: Any, caller: str) -> BlockDesign:
        """The block design of one adoption cohort against the never-treated units."""
        wide, first = self.wide, self.first_treated
        periods = wide.columns
        t0 = int((periods < cohort).sum())
        if t0 < MIN_PRE_PERIODS:
            raise EstimationError(
                f"{caller}: only {t0} period(s) before adoption in {cohort}; at least "
                f"{MIN_PRE_PERIODS} are needed to fit weights on the pre-period"
            )
        if t0 == len(periods):
            raise EstimationError(f"{caller}: no period at or after adoption in {cohort}")
        donors = sorted(wide.index[(first == 0).to_numpy()], key=str)
        treated_rows = sorted(wide.index[(first == cohort).to_numpy()], key=str)
        if len(donors) < 2:
            raise EstimationError(
                f"{caller}: {len(donors)} never-treated comparison unit(s); at least 2 are needed"
            )
        ordered = wide.loc[donors + treated_rows].astype(float)
        return BlockDesign(
            y=ordered,
            n0=len(donors),
            t0=t0,
            outcome=self.outcome,
            unit=self.unit,
            time=self.time,
            covariates=self.covariates,
        )


def panel_matrix(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    treatment: str | None = None,
    treated_units: Sequence[Any] | None = None,
    adoption: Any = None,
    exclude_donors: Sequence[Any] = (),
    covariates: Sequence[str] = (),
    caller: str = "synthdid_estimate",
) -> PanelMatrix:
    """Outcome matrix and adoption timing from a Panel or a long DataFrame.

    Parameters
    ----------
    data : Panel or DataFrame
        One row per unit and period.
    outcome, unit, time, cohort : str, optional
        Columns (default: the Panel's spec). ``cohort`` is the first treated period
        (0 or missing: never treated).
    treatment : str, optional
        A 0/1 column instead of ``cohort`` (as R ``panel.matrices``).
    treated_units, adoption : optional
        Name the treated unit(s) and the first treated period directly instead of reading
        them from the data (e.g. a state panel without a treatment column).
    exclude_donors : sequence
        Units left out of the donor pool (e.g. states with a similar law).
    covariates : sequence of str
        Time-varying covariates whose effect is removed from the outcome (R ``synthdid``'s
        ``X``); every unit needs them in every period.
    """
    frame, spec = panel_frame(data, caller)
    if treatment is None and cohort is None and treated_units is None and spec is None:
        raise SpecError(
            f"{caller} needs the treatment timing: cohort='first_year', treatment='treated' "
            "(a 0/1 column) or treated_units=[...] with adoption=YEAR"
        )
    use_cohort = cohort if treatment is None and treated_units is None else None
    _, names = panel_columns(
        data,
        caller,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=use_cohort,
        covariates=list(covariates),
        cluster="",
        weights="",
        required=("outcome", "unit", "time"),
        numeric=("outcome",),
    )
    u, t, y = str(names.unit), str(names.time), str(names.outcome)
    if treatment is not None and treatment not in frame.columns:
        raise SpecError(f"{caller}: treatment column {treatment!r} is not in the data")
    if frame.duplicated([u, t]).any():
        raise DataError(
            f"{caller}: some ({u}, {t}) pairs appear twice; keep one row per unit and period"
        )
    if treated_units is not None:
        if adoption is None:
            raise SpecError(f"{caller}: with treated_units=..., give adoption=FIRST_TREATED_PERIOD")
        units = frame[u].unique()
        unknown = [v for v in treated_units if v not in set(units)]
        if unknown:
            raise SpecError(f"{caller}: treated unit(s) {unknown} are not in column {u!r}")
        first = pd.Series(0, index=units, dtype=float)
        first[list(treated_units)] = adoption
    else:
        first = _first_treated(frame, u, t, names.cohort, treatment)
    if not (first > 0).any():
        raise EstimationError(f"{caller}: no unit is ever treated; nothing to estimate")
    overlap = [v for v in exclude_donors if v in set(first.index[first > 0])]
    if overlap:
        raise SpecError(f"{caller}: {overlap} are treated and cannot also be excluded donors")
    keep = ~frame[u].isin(list(exclude_donors))
    wide = frame.loc[keep].pivot(index=u, columns=t, values=y).sort_index(axis=1)
    _check_complete(wide, caller)
    covariate_wide = {}
    for name in covariates:
        if not pd.api.types.is_numeric_dtype(frame[name]):
            raise DataError(f"{caller}: covariate {name!r} must be numeric")
        c_wide = frame.loc[keep].pivot(index=u, columns=t, values=name)
        c_wide = c_wide.reindex(index=wide.index, columns=wide.columns)
        _check_complete(c_wide, caller, what=f"covariate {name!r}")
        covariate_wide[name] = c_wide
    return PanelMatrix(
        wide=wide,
        first_treated=first.reindex(wide.index),
        outcome=y,
        unit=u,
        time=t,
        covariates=covariate_wide,
    )


def _check_complete(wide: pd.DataFrame, caller: str, what: str = "outcomes") -> None:
    gaps = wide.index[wide.isna().any(axis=1)]
    if len(gaps):
        missing = wide.loc[gaps].isna()
        examples = [
            f"{g} ({', '.join(str(p) for p in wide.columns[missing.loc[g].to_numpy()][:3])})"
            for g in gaps[:5]
        ]
        raise DataError(
            f"{caller}: {len(gaps)} unit(s) have missing or suppressed {what} in some periods, "
            f"e.g. {'; '.join(examples)}; synthetic weights need every unit in every period: "
            "drop those donors (exclude_donors=[...]) or fill the gaps"
        )


def block_design(data: Any, outcome: str | None = None, **options: Any) -> BlockDesign:
    """The block design (one adoption period) of a Panel or long DataFrame.

    Takes the arguments of :func:`panel_matrix`; raises when treated units adopt at
    different times (use :func:`improve.synth.staggered_synthdid`).
    """
    caller = options.get("caller", "synthdid_estimate")
    matrix = panel_matrix(data, outcome, **options)
    cohorts = matrix.cohorts
    if len(cohorts) > 1:
        raise EstimationError(
            f"{caller}: treated units adopt in different periods {cohorts[:6]}; a block "
            "design needs one adoption period: use staggered_synthdid (one estimate per "
            "adoption cohort, averaged over treated cells) or name treated_units= and adoption="
        )
    return matrix.block(cohorts[0], caller)
