"""Improvement science: run charts and Shewhart control charts (R qicharts2 semantics).

:func:`qic` draws a run chart with the Anhøj rules or a control chart (``i, mr, xbar, s, t,
p, pp, c, u, up, g``) with phases, a frozen baseline, exclusions and small multiples, and
returns a :class:`QicResult` whose ``tidy()`` table is qicharts2's ``qic(...)$data``.
:func:`pareto` and :func:`funnel` compare categories and schools; :func:`phase_shifts`
says which schools moved after which change and whether the move is a signal.
"""

from improve.qi.anhoej import RunsAnalysis, crossings_min, longest_run_max, runs_analysis
from improve.qi.chart import qic
from improve.qi.funnel import FunnelResult, funnel
from improve.qi.pareto import ParetoResult, pareto
from improve.qi.result import QicResult
from improve.qi.shifts import ShiftSummary, phase_shifts
from improve.qi.suppression import suppress_small

__all__ = [
    "FunnelResult",
    "ParetoResult",
    "QicResult",
    "RunsAnalysis",
    "ShiftSummary",
    "crossings_min",
    "funnel",
    "longest_run_max",
    "pareto",
    "phase_shifts",
    "qic",
    "runs_analysis",
    "suppress_small",
]
