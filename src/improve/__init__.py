"""improve: evaluation workbooks for continuous improvement in K-12 education.

The public API is small and stable::

    from improve import load_panel, att_gt, aggregate

See :mod:`improve.data` (loading and validation), :mod:`improve.design` (which design, which
estimators and inference fit it), :mod:`improve.did` (staggered difference-in-differences)
and :mod:`improve.report` (tables, figures, privacy).
"""

from __future__ import annotations

from improve import design
from improve.data import ColumnMap, Panel, PanelSpec, load_panel
from improve.design import check_design
from improve.did import aggregate, att_gt
from improve.errors import DataError, EstimationError, ImproveError, SpecError, WorkbookError

__version__ = "0.1.0"

__all__ = [
    "ColumnMap",
    "DataError",
    "EstimationError",
    "ImproveError",
    "Panel",
    "PanelSpec",
    "SpecError",
    "WorkbookError",
    "__version__",
    "aggregate",
    "att_gt",
    "check_design",
    "design",
    "load_panel",
]
