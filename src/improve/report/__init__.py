"""Presentation: tables, figures, suppression, manifests, HTML export, the report index."""

from improve.report.outputs import RunOutputs
from improve.report.privacy import suppress_small_cells

__all__ = ["RunOutputs", "suppress_small_cells"]
