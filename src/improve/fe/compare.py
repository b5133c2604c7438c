"""Deprecated module name: these names moved to :mod:`improve.fe.inference_comparison`."""

from improve._deprecation import warn_moved_module
from improve.fe.inference_comparison import DEFAULT_METHODS, compare_inference, subsample_clusters

__all__ = ["DEFAULT_METHODS", "compare_inference", "subsample_clusters"]

warn_moved_module(__name__, "improve.fe.inference_comparison")
