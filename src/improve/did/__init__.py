"""Difference-in-differences for staggered adoption.

* :func:`att_gt` / :func:`aggregate`: Callaway & Sant'Anna with R ``did`` semantics;
* :func:`imputation`: Borusyak, Jaravel & Spiess imputation estimator;
* :func:`two_stage`: Gardner's two-stage DiD (R ``did2s``);
* :func:`sunab`: Sun & Abraham interaction-weighted event study;
* :func:`bacon`: Goodman-Bacon decomposition of the static two-way fixed-effects estimate;
* :func:`twfe`: two-way fixed effects, static or event study, for contrast;
* :func:`honest_did`: sensitivity to parallel-trends violations (Rambachan & Roth);
* :func:`cont_did` / :func:`dose_response_evaluation`: continuous or multi-valued dose
  (Callaway, Goodman-Bacon & Sant'Anna 2024): ATT(d), ACRT(d) and their averages.

>>> from improve.did import att_gt, aggregate
>>> res = att_gt(df, "lemp", unit="countyreal", time="year", cohort="first_treat")  # doctest: +SKIP
>>> aggregate(res, "dynamic").tidy()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from improve._lazy import lazy_exports
from improve.did.aggregate import AggregateResult, aggregate
from improve.did.attgt import ATTGTResult, att_gt
from improve.did.bacon import BaconResult, bacon
from improve.did.imputation import EventStudyResult, imputation
from improve.did.sunab import SunabResult, sunab
from improve.did.twfe import TWFEResult, twfe
from improve.did.two_stage import two_stage

if TYPE_CHECKING:  # imported on first use: SciPy's optimizers, B-splines and matplotlib
    from improve.did.continuous import DoseResponseResult, cont_did
    from improve.did.dose_evaluation import DoseEvaluation, dose_response_evaluation
    from improve.did.sensitivity import HonestDiDResult, honest_did

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DoseResponseResult": ".continuous",
        "cont_did": ".continuous",
        "DoseEvaluation": ".dose_evaluation",
        "dose_response_evaluation": ".dose_evaluation",
        "HonestDiDResult": ".sensitivity",
        "honest_did": ".sensitivity",
    },
)

__all__ = [
    "ATTGTResult",
    "AggregateResult",
    "BaconResult",
    "DoseEvaluation",
    "DoseResponseResult",
    "EventStudyResult",
    "HonestDiDResult",
    "SunabResult",
    "TWFEResult",
    "aggregate",
    "att_gt",
    "bacon",
    "cont_did",
    "dose_response_evaluation",
    "honest_did",
    "imputation",
    "sunab",
    "twfe",
    "two_stage",
]
