"""The design check: what design does this panel have, and which estimates and inference fit it?

:func:`check_design` reads a loaded :class:`improve.data.Panel` and classifies it:
staggered adoption with never-treated units, not-yet-treated comparisons only, everyone
treated at once, one or few treated clusters, treatment that switches off, a continuous
dose, and whether the panel is balanced (and if not, why and what a balanced estimator
drops). It returns a :class:`DesignCheck` that says in words which estimators and which
inference are valid, for the first section of every report::

    check = improve.design.check_design(panel, outcome="math_ss")
    check.verdict                # e.g. Verdict.ONE_TREATED_CLUSTER
    check.recommended_inference  # e.g. Inference.PERMUTATION
    check.table()                # what was checked, what was found, what follows

A panel in which every unit is treated at once does not load with the default timing
checks (there is no comparison group); load it with ``validate_timing=False`` to check it.

References
----------
Callaway, B., Goodman-Bacon, A. & Sant'Anna, P. H. C. (2024). Difference-in-differences with
a continuous treatment. NBER Working Paper 32117.
Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.
Conley, T. G. & Taber, C. R. (2011). Inference with "difference in differences" with a small
number of policy changes. *Review of Economics and Statistics* 93(1), 113-125.
de Chaisemartin, C. & D'Haultfœuille, X. (2020). Two-way fixed effects estimators with
heterogeneous treatment effects. *American Economic Review* 110(9), 2964-2996.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
*Journal of Econometrics* 225(2), 254-277.
MacKinnon, J. G. & Webb, M. D. (2017). Wild bootstrap inference for wildly different cluster
sizes. *Journal of Applied Econometrics* 32(2), 233-254.
MacKinnon, J. G. & Webb, M. D. (2018). The wild bootstrap for few (treated) clusters.
*The Econometrics Journal* 21(2), 114-135.
"""

from __future__ import annotations

from improve.design.check import check_design
from improve.design.result import (
    DesignCheck,
    DesignFacts,
    Estimator,
    Finding,
    Inference,
    Verdict,
)
from improve.design.thresholds import MIN_TREATED_CLUSTERS, SIGNIFICANCE_LEVEL

__all__ = [
    "MIN_TREATED_CLUSTERS",
    "SIGNIFICANCE_LEVEL",
    "DesignCheck",
    "DesignFacts",
    "Estimator",
    "Finding",
    "Inference",
    "Verdict",
    "check_design",
]
