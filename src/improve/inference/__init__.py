"""Inference shared by the estimator families.

* :func:`placebo_in_space` / :class:`PermutationResult`: permutation (placebo-in-space)
  p-values for designs with one or a few treated clusters.
"""

from __future__ import annotations

from improve.inference.permutation import PermutationResult, placebo_in_space

__all__ = ["PermutationResult", "placebo_in_space"]
