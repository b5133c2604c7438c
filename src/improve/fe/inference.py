"""Moved to :mod:`improve.inference`; these names stay importable from here for users.

Partialling (:func:`demean`, :func:`within_design`) is in
:mod:`improve.inference.partialling`, CR2 (:func:`cr2`) in
:mod:`improve.inference.bias_reduced` and the wild cluster bootstrap
(:func:`wild_bootstrap`) in :mod:`improve.inference.wild`. Code inside ``improve`` imports
from :mod:`improve.inference` directly.
"""

from improve.inference.bias_reduced import EIG_TOL, CR2Result, cr2
from improve.inference.partialling import (
    MAX_CROSSING_LEVELS,
    WithinDesign,
    demean,
    is_nested,
    within_design,
)
from improve.inference.wild import WEBB_POINTS, WildResult, bootstrap_weights, wild_bootstrap

__all__ = [
    "EIG_TOL",
    "MAX_CROSSING_LEVELS",
    "WEBB_POINTS",
    "CR2Result",
    "WildResult",
    "WithinDesign",
    "bootstrap_weights",
    "cr2",
    "demean",
    "is_nested",
    "wild_bootstrap",
    "within_design",
]
