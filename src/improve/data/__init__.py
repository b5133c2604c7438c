"""Data layer: read partner files, map columns, parse suppression markers, validate."""

from improve.data.load import Panel, load_panel
from improve.data.load_report import LoadReport
from improve.data.spec import ColumnMap, PanelSpec
from improve.data.suppression import ParsedColumn, parse_numeric

__all__ = [
    "ColumnMap",
    "LoadReport",
    "Panel",
    "PanelSpec",
    "ParsedColumn",
    "load_panel",
    "parse_numeric",
]
