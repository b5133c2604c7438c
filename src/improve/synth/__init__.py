"""Statewide mandates: synthetic difference-in-differences, synthetic control and DiD.

When every school in a state is treated at once, the comparison has to come from other
states. :func:`synthdid_estimate`, :func:`sc_estimate` and :func:`did_estimate` follow R
``synthdid``; inference comes from the donor pool (placebo / jackknife / bootstrap standard
errors, and the permutation p-value over donors).
"""

from improve.synth.estimate import SynthResult, did_estimate, sc_estimate, synthdid_estimate
from improve.synth.matrices import BlockDesign, block_design

__all__ = [
    "BlockDesign",
    "SynthResult",
    "block_design",
    "did_estimate",
    "sc_estimate",
    "synthdid_estimate",
]
