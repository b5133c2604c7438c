"""improve: evaluation workbooks for continuous improvement in K-12 education.

The public API is small and stable::

    from improve import load_panel, att_gt, aggregate

See :mod:`improve.data` (loading and validation), :mod:`improve.design` (which design, which
estimators and inference fit it), :mod:`improve.did` (staggered difference-in-differences)
and :mod:`improve.report` (tables, figures, privacy).

The names below are imported on first use (PEP 562), so ``import improve`` stays quick; see
``benchmarks/import_time.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from improve._lazy import lazy_exports
from improve.errors import DataError, EstimationError, ImproveError, SpecError, WorkbookError

if TYPE_CHECKING:  # what the lazy exports resolve to, for type checkers and readers
    from improve import design
    from improve.data import ColumnMap, Panel, PanelSpec, load_panel
    from improve.design import check_design
    from improve.did import aggregate, att_gt

__version__ = "0.1.0"

_EXPORTS = {
    "ColumnMap": "improve.data",
    "Panel": "improve.data",
    "PanelSpec": "improve.data",
    "load_panel": "improve.data",
    "check_design": "improve.design",
    "aggregate": "improve.did",
    "att_gt": "improve.did",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, submodules=("design",))

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
