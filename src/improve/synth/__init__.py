"""Statewide mandates: synthetic difference-in-differences, synthetic control and DiD.

When every school in a state is treated at once, the comparison has to come from other
states. :func:`synthdid_estimate`, :func:`sc_estimate` and :func:`did_estimate` follow R
``synthdid``; inference comes from the donor pool (placebo / jackknife / bootstrap standard
errors, and the permutation p-value over donors).
"""

from improve.synth.cits import CITSResult, cits_estimate
from improve.synth.estimate import SynthResult, did_estimate, sc_estimate, synthdid_estimate
from improve.synth.matrices import BlockDesign, PanelMatrix, block_design, panel_matrix
from improve.synth.placebo import (
    PermutationTest,
    in_time_placebo,
    leave_one_donor_out,
    permutation_test,
)
from improve.synth.staggered import StaggeredSynthResult, staggered_synthdid

__all__ = [
    "BlockDesign",
    "CITSResult",
    "PanelMatrix",
    "PermutationTest",
    "StaggeredSynthResult",
    "SynthResult",
    "block_design",
    "cits_estimate",
    "did_estimate",
    "in_time_placebo",
    "leave_one_donor_out",
    "panel_matrix",
    "permutation_test",
    "sc_estimate",
    "staggered_synthdid",
    "synthdid_estimate",
]
