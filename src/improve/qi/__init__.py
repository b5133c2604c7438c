"""Improvement science: run charts and Shewhart control charts (R qicharts2 semantics).

:func:`qic` draws a run chart with the Anhøj rules or a control chart (``i, mr, xbar, s, t,
p, pp, c, u, up, g``) with phases, a frozen baseline, exclusions and small multiples, and
returns a :class:`QicResult` whose ``tidy()`` table is qicharts2's ``qic(...)$data``.
"""

from improve.qi.anhoej import RunsAnalysis, crossings_min, longest_run_max, runs_analysis
from improve.qi.chart import qic
from improve.qi.result import QicResult

__all__ = [
    "QicResult",
    "RunsAnalysis",
    "crossings_min",
    "longest_run_max",
    "qic",
    "runs_analysis",
]
