"""Deprecated module name: :func:`robustness_table` moved to :mod:`improve.did.robustness`."""

from improve._deprecation import warn_moved_module
from improve.did.robustness import robustness_table

__all__ = ["robustness_table"]

warn_moved_module(__name__, "improve.did.robustness")
