"""Parameter checks against the loaded data, run before any kernel starts.

The checks are driven by parameter names and the panel's column roles, not by workbook:
any workbook whose parameters name columns (:data:`COLUMN_PARAMETERS`) or ask for a method
that needs something of the data (:data:`NEEDS_CLUSTER`, :data:`NEEDS_NEVER_TREATED`) is
checked the same way. A failed check raises one :class:`~improve.errors.SpecError` line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from improve.errors import SpecError

#: Parameters whose values must name columns of the mapped data (a dict: its keys).
COLUMN_PARAMETERS: tuple[str, ...] = (
    "outcome",
    "outcomes",
    "covariates",
    "cluster",
    "dose",
    "doses",
    "weights",
)

#: (parameter, value) pairs whose method leaves out one cluster at a time, so they need a
#: cluster column that groups units (the ``cluster`` parameter, else the map's cluster).
NEEDS_CLUSTER: dict[tuple[str, Any], str] = {
    ("inference", "jackknife"): "the leave-one-cluster-out jackknife",
}

#: (parameter, value) pairs that compare treated units with never-treated units only.
NEEDS_NEVER_TREATED: dict[tuple[str, Any], str] = {
    ("control_group", "nevertreated"): "control_group='nevertreated'",
}


def _named_columns(value: Any) -> list[Any]:
    if value in (None, "", [], {}):
        return []
    return list(value) if isinstance(value, list | tuple | dict) else [value]


def check_column_parameters(params: Mapping[str, Any], columns: list[str]) -> None:
    """Every column a parameter names is a column of the mapped data.

    Raises
    ------
    improve.errors.SpecError
        A named column is missing (with the closest mapped column).
    """
    for name in COLUMN_PARAMETERS:
        for col in _named_columns(params.get(name)):
            if col not in columns:
                same_case = [c for c in columns if c.lower() == str(col).lower()]
                close = same_case or difflib.get_close_matches(str(col), columns, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise SpecError(
                    f"parameter '{name}' names column '{col}', which is not in the data{hint}; "
                    f"mapped columns: {', '.join(columns[:15])}"
                )


def _check_cluster(params: Mapping[str, Any], panel: Any) -> None:
    spec = panel.spec
    for (name, value), method in NEEDS_CLUSTER.items():
        if params.get(name) != value:
            continue
        cluster = params.get("cluster") or spec.cluster
        if not cluster:
            raise SpecError(
                f"{name}={value} needs a cluster column for {method}, and there is none: "
                f"pass -p cluster=COLUMN or map 'cluster:' in the column map"
            )
        if cluster == spec.unit:
            raise SpecError(
                f"{name}={value} needs clusters that group several units for {method}, but "
                f"the cluster '{cluster}' is the unit column; pass -p cluster=COLUMN with a "
                "grouping column (e.g. district or state)"
            )


def _check_never_treated(params: Mapping[str, Any], panel: Any) -> None:
    if panel.spec.cohort is None:
        return
    for (name, value), option in NEEDS_NEVER_TREATED.items():
        if params.get(name) == value and not panel.cohorts.get(0):
            raise SpecError(
                f"{option} needs never-treated units and the data has none; "
                f"use -p {name}=notyettreated"
            )


def _check_outcomes_named(params: Mapping[str, Any], panel: Any) -> None:
    """A workbook analysing ``outcomes`` (or one ``outcome``) gets some: the parameter's or
    the map's."""
    for name in ("outcomes", "outcome"):
        if name in params and not params[name] and not panel.spec.outcomes:
            raise SpecError(
                f"no outcomes to analyse: the column map lists none under 'outcomes:' and "
                f"-p {name} is empty; pass -p {name}=COLUMN or list outcomes in the map"
            )


#: The checks of parameter combinations, each taking (parameters, panel).
COMBINATION_CHECKS: tuple[Callable[[Mapping[str, Any], Any], None], ...] = (
    _check_cluster,
    _check_never_treated,
    _check_outcomes_named,
)


def check_against_data(params: Mapping[str, Any], panel: Any) -> None:
    """All checks of a run's parameters (workbook defaults plus user values) against a panel.

    Parameters
    ----------
    params : mapping
        The parameters the workbook will run with.
    panel : improve.data.Panel
        The loaded, validated data.

    Raises
    ------
    improve.errors.SpecError
        The first check that fails, as one line.
    """
    # a LazyPanel (run --engine) holds the spec's columns, renamed in its engine
    names = panel.data.columns if hasattr(panel, "data") else panel.spec.required_columns()
    check_column_parameters(params, list(names))
    for check in COMBINATION_CHECKS:
        check(params, panel)
