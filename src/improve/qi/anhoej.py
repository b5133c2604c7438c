"""The Anhøj rules for non-random variation in a run chart (Anhøj & Olesen 2014).

A *run* is a sequence of points on the same side of the centre line (points on the line and
missing points are skipped). Two rules signal a shift:

* an unusually long run: the longest run is longer than ``round(log2(n)) + 3``
  (Schilling 2012), where ``n`` is the number of useful points;
* unusually few crossings: fewer crossings of the centre line than the 5% quantile of a
  binomial distribution with ``n - 1`` trials and probability 0.5 (Chen 2010).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binom


@dataclass(frozen=True)
class RunsAnalysis:
    """The runs analysis of one part of a chart (qicharts2's per-part columns)."""

    n_obs: int
    n_useful: int
    longest_run: float
    longest_run_max: float
    n_crossings: float
    n_crossings_min: float
    runs_signal: bool


def longest_run_max(n_useful: int) -> int:
    """The longest run expected by chance in ``n_useful`` points: round(log2(n)) + 3."""
    return int(np.round(np.log2(n_useful))) + 3


def crossings_min(n_useful: int) -> int:
    """Fewest crossings expected by chance: the 5% quantile of Binomial(n - 1, 0.5)."""
    trials = max(n_useful - 1, 0)
    if trials == 0:
        return 0
    return int(binom.ppf(0.05, trials, 0.5))


def run_signs(y: np.ndarray, cl: np.ndarray) -> np.ndarray:
    """+1 / -1 for points above / below the centre line; on-line and missing points dropped."""
    with np.errstate(invalid="ignore"):
        signs = np.sign(np.asarray(y, dtype=float) - np.asarray(cl, dtype=float))
    return signs[(signs != 0) & ~np.isnan(signs)]


def runs_analysis(y: np.ndarray, cl: np.ndarray) -> RunsAnalysis:
    """Longest run, crossings and the Anhøj signal for the points given (one part)."""
    signs = run_signs(y, cl)
    n_useful = len(signs)
    if n_useful == 0:
        nan = float("nan")
        return RunsAnalysis(len(y), 0, nan, nan, nan, nan, False)
    breaks = np.flatnonzero(np.diff(signs) != 0)
    lengths = np.diff(np.concatenate([[-1], breaks, [n_useful - 1]]))
    longest = int(lengths.max())
    crossings = len(breaks)
    run_max = longest_run_max(n_useful)
    cross_min = crossings_min(n_useful)
    signal = bool(longest > run_max or crossings < cross_min)
    return RunsAnalysis(len(y), n_useful, longest, run_max, crossings, cross_min, signal)
