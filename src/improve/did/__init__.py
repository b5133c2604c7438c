"""Staggered difference-in-differences (Callaway & Sant'Anna) with R ``did`` semantics.

>>> from improve.did import att_gt, aggregate
>>> res = att_gt(df, "lemp", unit="countyreal", time="year", cohort="first_treat")  # doctest: +SKIP
>>> aggregate(res, "dynamic").tidy()  # doctest: +SKIP
"""

from __future__ import annotations

from improve.did.aggregate import AggregateResult, aggregate
from improve.did.attgt import ATTGTResult, att_gt

__all__ = ["ATTGTResult", "AggregateResult", "aggregate", "att_gt"]
