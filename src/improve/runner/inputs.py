"""What kind of input file a workbook reads, and how the runner checks it before a run.

Most workbooks read a panel (units × periods) through :func:`improve.data.load_panel`. Others
read a cross-section of units around a cutoff, weekly improvement measures, a survey export
or an ingredients file. A workbook names its kind in its notebook metadata::

    "metadata": {"improve": {"input": "panel"}}

(``panel`` when absent). Each kind maps to a check that reads the data file and the column
map, checks the run's parameters against them and returns the one-line summary the runner
prints ("data ok: ..."). The table below is fixed here, never read from a notebook or a
user's file, so a workbook cannot name arbitrary code to import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from improve.errors import SpecError

#: The check of each input kind, as ``"module:function"`` (imported when first used).
#: A check takes ``(data_path, map_path or None, effective parameters)`` and returns a
#: summary line; it raises :class:`improve.errors.DataError` / ``SpecError`` on bad input.
INPUT_CHECKS: dict[str, str] = {
    "panel": "improve.runner.inputs:check_panel_input",
    "cross_section": "improve.rd.data:check_cross_section",
    "survey": "improve.survey.load:check_survey_input",
    "qi_series": "improve.qi.series:check_qi_input",
    "ingredients": "improve.cost.check:check_ingredients_input",
    "school_finance": "improve.finance.checks:check_school_finance_input",
}

InputCheck = Callable[[Path | str, Path | None, Mapping[str, Any]], str]


def check_panel_input(
    data_path: Path | str, map_path: Path | None, params: Mapping[str, Any]
) -> str:
    """Load the panel, check parameters against its columns and roles, and summarise it."""
    from improve.data import load_panel
    from improve.runner.checks import check_against_data

    engine = params.get("engine", "memory")
    # on an engine the check runs as queries too (DuckDB reads the files Spark will read)
    panel = load_panel(data_path, columns=map_path, lazy=True if engine != "memory" else None)
    check_against_data(params, panel)
    return (
        f"data ok: {panel.report.n_rows:,} rows, {panel.report.n_units:,} units, "
        f"{panel.report.n_periods} periods"
    )


def input_check(kind: str) -> InputCheck:
    """The check for an input kind.

    Raises
    ------
    improve.errors.SpecError
        The kind is not one the runner knows.
    """
    target = INPUT_CHECKS.get(kind)
    if target is None:
        raise SpecError(
            f"workbook input kind '{kind}' is not known; known kinds: "
            f"{', '.join(sorted(INPUT_CHECKS))}"
        )
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)
