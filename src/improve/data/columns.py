"""The one column lookup: which column plays which role, from keywords or a Panel's spec.

Every estimator takes either a :class:`~improve.data.Panel` (data plus the column map's
spec) or a DataFrame plus column names. :func:`panel_columns` is the single place where a
keyword is resolved against the spec, so an option given to one estimator and forwarded to
another (a jackknife's leave-one-out refits, a subgroup re-estimation) always names the same
columns: a keyword left as ``None`` means "what the column map says"; an explicit value
(including ``covariates=[]`` for none) overrides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from improve.errors import SpecError

#: Roles a caller can ask for, in the order used by error messages.
ROLES = ("outcome", "unit", "time", "cohort", "covariates", "cluster", "weights")


@dataclass(frozen=True)
class Columns:
    """Resolved column names of one estimation (``None`` where a role is not used)."""

    outcome: str | None = None
    unit: str | None = None
    time: str | None = None
    cohort: str | None = None
    covariates: tuple[str, ...] = field(default_factory=tuple)
    cluster: str | None = None
    weights: str | None = None

    #: Estimator keywords that name columns (everything but the outcome).
    ROLE_KEYWORDS: ClassVar[tuple[str, ...]] = (
        "unit",
        "time",
        "cohort",
        "covariates",
        "cluster",
        "weights",
    )

    def keywords(self) -> dict[str, Any]:
        """The resolved names as estimator keywords (for refits that must use the same columns)."""
        return {
            "unit": self.unit,
            "time": self.time,
            "cohort": self.cohort,
            "covariates": list(self.covariates),
            "cluster": self.cluster,
            "weights": self.weights,
        }

    def used(self) -> list[str]:
        """Every column named, without repeats, in role order."""
        names = [self.outcome, self.unit, self.time, self.cohort, *self.covariates]
        names += [self.cluster, self.weights]
        return [c for c in dict.fromkeys(names) if c]


def panel_frame(data: Any, caller: str) -> tuple[pd.DataFrame, Any]:
    """The DataFrame behind ``data`` and its spec (``None`` for a plain DataFrame)."""
    if isinstance(data, pd.DataFrame):
        return data, None
    if hasattr(data, "data") and hasattr(data, "spec"):
        if not isinstance(data.data, pd.DataFrame):
            raise SpecError(f"{caller}: the panel's .data must be a pandas DataFrame")
        return data.data, data.spec
    raise SpecError(
        f"{caller} needs a pandas DataFrame or a Panel (with .data and .spec), "
        f"got {type(data).__name__}"
    )


def panel_columns(
    data: Any,
    caller: str,
    *,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    covariates: Sequence[str] | str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    required: Sequence[str] = ("outcome", "time", "cohort"),
    numeric: Sequence[str] = (),
) -> tuple[pd.DataFrame, Columns]:
    """Resolve column roles from keywords, falling back on a Panel's spec; check they exist.

    Parameters
    ----------
    data : Panel or DataFrame
    caller : str
        The public function's name, used in error messages.
    outcome, unit, time, cohort, cluster, weights : str, optional
        Column names; ``None`` takes the spec's (the first outcome; the cohort is the
        first-treated column, derived from a 0/1 treatment when the map gives one).
    covariates : list of str, optional
        ``None`` takes the spec's covariates; ``[]`` means none.
    required : sequence of str
        Roles that must be named; a missing one raises :class:`SpecError` with an example.
    numeric : sequence of str
        Roles whose columns must be numeric.

    Returns
    -------
    (DataFrame, Columns)
    """
    frame, spec = panel_frame(data, caller)
    if spec is not None:
        unit = unit if unit is not None else getattr(spec, "unit", None)
        time = time if time is not None else getattr(spec, "time", None)
        if cohort is None:
            cohort = getattr(spec, "timing_column", None) or getattr(spec, "cohort", None)
        if outcome is None:
            outs = list(getattr(spec, "outcomes", ()) or ())
            outcome = outs[0] if outs else None
        if covariates is None:
            covariates = list(getattr(spec, "covariates", ()) or ())
        if cluster is None:
            cluster = getattr(spec, "cluster", None)
        if weights is None:
            # a spec-like object of its own may still call the column ``weight``
            weights = getattr(spec, "weights" if hasattr(spec, "weights") else "weight", None)
    if isinstance(covariates, str):
        covariates = [covariates]
    columns = Columns(
        outcome=outcome or None,
        unit=unit or None,
        time=time or None,
        cohort=cohort or None,
        covariates=tuple(covariates or ()),
        cluster=cluster or None,
        weights=weights or None,
    )
    missing = [role for role in required if not getattr(columns, role)]
    if missing:
        raise SpecError(
            f"{caller} needs the column name(s) for {', '.join(missing)}; pass them as "
            f"keywords, e.g. {caller}(df, 'score', unit='school', time='year', "
            "cohort='first_year')"
        )
    absent = [c for c in columns.used() if c not in frame.columns]
    if absent:
        raise SpecError(
            f"{caller}: column(s) {absent} are not in the data (not found among its columns "
            f"{list(frame.columns)[:20]}); check the spelling or the column map"
        )
    for role in numeric:
        col = getattr(columns, role)
        if col and not pd.api.types.is_numeric_dtype(frame[col]):
            raise SpecError(
                f"{caller}: column {col!r} ({role}) must be numeric, got {frame[col].dtype}; "
                "convert it (e.g. pd.to_numeric) before estimating"
            )
    return frame, columns


def check_unique_keys(frame: pd.DataFrame, unit: str, time: str, caller: str) -> None:
    """Raise if a unit appears twice in a period."""
    dup = frame.duplicated([unit, time], keep=False)
    if dup.any():
        rows = frame.loc[dup, [unit, time]].head(5).to_dict("records")
        raise SpecError(
            f"{caller}: {int(dup.sum())} rows share a ({unit}, {time}) pair, e.g. {rows}; "
            "keep one row per unit and period (aggregate or drop the duplicates)"
        )
