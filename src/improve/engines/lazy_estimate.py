"""ATT(g,t) of a :class:`~improve.data.LazyPanel`: the one place workbooks call for it.

The column roles come from the panel's spec. Today this calls
:func:`improve.engines.att_gt_engine`; when :func:`improve.did.att_gt` accepts engine
relations, this function switches to it and callers do not change.
"""

from __future__ import annotations

from typing import Any

from improve.data.lazy import LazyPanel
from improve.engines.attgt_sql import EngineATTGT, att_gt_engine
from improve.errors import SpecError


def lazy_att_gt(panel: LazyPanel, outcome: str, **options: Any) -> EngineATTGT:
    """ATT(g,t) cells of ``outcome`` estimated where ``panel`` lives.

    Parameters
    ----------
    panel : LazyPanel
        From ``load_panel(..., lazy=True)``; needs treatment timing.
    outcome : str
        One of the panel's outcomes.
    **options
        Estimator options of :func:`improve.engines.att_gt_engine` (``control_group``,
        ``anticipation``, ``cluster_correction``, ...); the cluster defaults to the spec's.

    Returns
    -------
    EngineATTGT
    """
    spec = panel.spec
    if spec.cohort is None:
        raise SpecError("estimating effects needs treatment timing: map 'cohort'")
    if outcome not in spec.outcomes:
        raise SpecError(f"outcome '{outcome}' is not in the panel; it has {list(spec.outcomes)}")
    options.setdefault("cluster", spec.cluster)
    return att_gt_engine(
        panel.relation, outcome, unit=spec.unit, time=spec.time, cohort=spec.cohort, **options
    )
