"""ATT(g,t) of a :class:`~improve.data.LazyPanel`: the one place workbooks call for it.

The column roles come from the panel's spec. Today this calls
:func:`improve.engines.att_gt_engine`; when :func:`improve.did.att_gt` accepts engine
relations, this function switches to it and callers do not change.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from scipy import stats

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


def engine_cells_table(
    panel: LazyPanel, outcome: str, options: dict[str, Any], confidence_level: float
) -> pd.DataFrame:
    """The ATT(g,t) table of a workbook run on an engine (columns as in memory).

    ``options`` are the workbook's :func:`improve.report.defaults.did_options`; the engine
    uses the comparison group, anticipation, covariates (refused there when given) and the
    cluster. Standard errors are analytic; clustered ones carry no small-sample (CR2)
    correction, which engines do not compute yet. The uniform bands and the bootstrap of
    the in-memory workbook are not computed here.

    Returns
    -------
    pandas.DataFrame
        ``group, time, estimate, std_error, conf_low, conf_high, n_treated, n_comparison``.
    """
    cluster = options.get("cluster") or panel.spec.cluster
    cells = lazy_att_gt(
        panel,
        outcome,
        control_group=options.get("control_group", "notyettreated"),
        anticipation=int(options.get("anticipation", 0)),
        covariates=list(options.get("covariates") or []),
        cluster=cluster,
        cluster_correction="none",
    )
    table = cells.to_frame().rename(columns={"n_control": "n_comparison"})
    table = table.astype({"group": "int64", "time": "int64"})
    z = float(stats.norm.ppf(0.5 + confidence_level / 2))
    table.insert(4, "conf_low", table["estimate"] - z * table["std_error"])
    table.insert(5, "conf_high", table["estimate"] + z * table["std_error"])
    return table
