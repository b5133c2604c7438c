"""Presentation: tables, figures, narrative, suppression (run publishing is in improve.runner)."""

from improve.report.outputs import RunOutputs
from improve.report.privacy import suppress_small_cells
from improve.report.regression_table import RegressionTable, regression_table
from improve.report.tables import Table, write_workbook

__all__ = [
    "RegressionTable",
    "RunOutputs",
    "Table",
    "regression_table",
    "suppress_small_cells",
    "write_workbook",
]
