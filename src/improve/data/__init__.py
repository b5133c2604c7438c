"""Data layer: read partner files, map columns, parse suppression markers, validate."""

from improve.data.balance import BalancedPanelLosses, balanced_panel_losses
from improve.data.labels import Labels
from improve.data.lazy import LazyPanel
from improve.data.load import Panel, load_panel
from improve.data.load_report import LoadReport
from improve.data.spec import ColumnMap, PanelSpec
from improve.data.suppression import ParsedColumn, parse_numeric

__all__ = [
    "BalancedPanelLosses",
    "ColumnMap",
    "Labels",
    "LazyPanel",
    "LoadReport",
    "Panel",
    "PanelSpec",
    "ParsedColumn",
    "balanced_panel_losses",
    "load_panel",
    "parse_numeric",
]
