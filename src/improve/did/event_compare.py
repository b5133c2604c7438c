"""Deprecated module name: these functions moved to :mod:`improve.did.event_study_comparison`."""

from improve._deprecation import warn_moved_module
from improve.did.event_study_comparison import compare_event_studies, event_time_spread

__all__ = ["compare_event_studies", "event_time_spread"]

warn_moved_module(__name__, "improve.did.event_study_comparison")
