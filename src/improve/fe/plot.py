"""Deprecated module name: :func:`dose_response` moved to :mod:`improve.report.fe_figures`."""

from improve._deprecation import warn_moved_module
from improve.report.fe_figures import dose_response

__all__ = ["dose_response"]

warn_moved_module(__name__, "improve.report.fe_figures")
