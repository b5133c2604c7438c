"""Inference shared by the estimator packages (:mod:`improve.did`, :mod:`improve.fe`, ...).

One module per job:

* :mod:`~improve.inference.cluster`: cluster sums of influence functions, analytic standard
  errors and covariances, normal critical values.
* :mod:`~improve.inference.bias_reduced`: CR2 (bias-reduced) corrections and Bell--McCaffrey
  (Satterthwaite, HTZ) degrees of freedom, for influence functions and for fixed-effects
  regressions.
* :mod:`~improve.inference.multiplier`: the multiplier bootstrap and sup-t bands.
* :mod:`~improve.inference.wild`: the restricted wild cluster bootstrap-t of coefficients.
* :mod:`~improve.inference.wild_wald`: the restricted wild cluster bootstrap of a joint Wald
  test.
* :mod:`~improve.inference.jackknife`: the leave-one-cluster-out (CV3) variance.
* :mod:`~improve.inference.partialling`: demeaning (partialling out fixed effects) and the
  within design the regression CR2 and wild bootstrap work on.
* :mod:`~improve.inference.permutation`: permutation (placebo-in-space) p-values for designs
  with one or a few treated clusters.

Estimator packages import from here, never from one another.
"""

from improve.inference.bias_reduced import CR2Result, CR2Terms, cr2, cr2_terms
from improve.inference.cluster import (
    ZERO_SE,
    ClusterCorrection,
    analytic_se,
    analytic_vcov,
    block_vcov,
    cluster_sum,
    corrected_sums,
    se_from_sums,
    vcov_from_sums,
    z_crit,
)
from improve.inference.jackknife import cv3_se
from improve.inference.multiplier import BootResult, make_rng, mammen_weights, multiplier_bootstrap
from improve.inference.partialling import WithinDesign, demean, is_nested, within_design
from improve.inference.permutation import PermutationResult, placebo_in_space
from improve.inference.wild import WildResult, bootstrap_weights, wild_bootstrap
from improve.inference.wild_wald import WildDesign, WildWaldTest, unit_within_design, wild_wald_test

__all__ = [
    "ZERO_SE",
    "BootResult",
    "CR2Result",
    "CR2Terms",
    "ClusterCorrection",
    "PermutationResult",
    "WildDesign",
    "WildResult",
    "WildWaldTest",
    "WithinDesign",
    "analytic_se",
    "analytic_vcov",
    "block_vcov",
    "bootstrap_weights",
    "cluster_sum",
    "corrected_sums",
    "cr2",
    "cr2_terms",
    "cv3_se",
    "demean",
    "is_nested",
    "make_rng",
    "mammen_weights",
    "multiplier_bootstrap",
    "placebo_in_space",
    "se_from_sums",
    "unit_within_design",
    "vcov_from_sums",
    "wild_bootstrap",
    "wild_wald_test",
    "within_design",
    "z_crit",
]
