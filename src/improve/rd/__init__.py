"""Threshold designs: regression discontinuity built on the field's own tools.

Programs assigned by a cutoff (grants above a funding line, a second coach at 800 K–5
students) are evaluated by comparing units just above and just below the line.
Estimation and the density test come from ``rdrobust``, ``rddensity`` and ``rdlocrand``
(Calonico, Cattaneo, Farrell, Jansson, Ma & Titiunik), called with the user's options
unchanged; this package adds the package's result conventions, plain-language errors and
what the field needs beyond one call: the RD plot's local fits, covariate balance,
placebo cutoffs, bandwidth sensitivity, donut holes and pooled cutoffs.
:func:`evaluate_threshold` computes everything the workbook shows (and
:func:`evaluate_discrete` the local randomisation comparison when the running variable takes
few values).
"""

from improve.rd.binned import BinnedScatter, binned_scatter
from improve.rd.cutoffs import normalise_cutoffs, pooled_cutoffs
from improve.rd.data import RDData, RDMap, check_cross_section, load_cross_section
from improve.rd.density import DensityTest, density_test
from improve.rd.discrete import DiscreteEvaluation, evaluate_discrete, few_mass_points
from improve.rd.estimate import RDResult, rd_estimate
from improve.rd.evaluation import RDEvaluation, evaluate_threshold
from improve.rd.locrand import LocalRandomization, local_randomization
from improve.rd.robustness import (
    bandwidth_sensitivity,
    covariate_balance,
    donut_hole,
    placebo_cutoffs,
)

__all__ = [
    "BinnedScatter",
    "DensityTest",
    "DiscreteEvaluation",
    "LocalRandomization",
    "RDData",
    "RDEvaluation",
    "RDMap",
    "RDResult",
    "bandwidth_sensitivity",
    "binned_scatter",
    "check_cross_section",
    "covariate_balance",
    "density_test",
    "donut_hole",
    "evaluate_discrete",
    "evaluate_threshold",
    "few_mass_points",
    "load_cross_section",
    "local_randomization",
    "normalise_cutoffs",
    "placebo_cutoffs",
    "pooled_cutoffs",
    "rd_estimate",
]
