"""The one call: :func:`check_design`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from improve.design.facts import count_facts
from improve.design.result import DesignCheck
from improve.design.rules import decide
from improve.errors import SpecError


def check_design(
    panel: Any,
    outcome: str | Sequence[str] | None = None,
    cluster: str | None = None,
) -> DesignCheck:
    """Classify the design of a loaded panel and say which estimators and inference fit it.

    Parameters
    ----------
    panel : Panel
        A loaded :class:`improve.data.Panel` (``.data`` and ``.spec``). Treatment timing is
        the spec's first-treated column (0 = never treated); a 0/1 ``treatment`` column,
        when the map gives one, shows whether treatment switches off; ``doses`` are
        continuous treatments.
    outcome : str or list of str, optional
        Outcome(s) whose missing values decide balance. Default: every outcome of the spec.
    cluster : str, optional
        Column treatment is assigned by (state, district). Default: the spec's cluster,
        else the unit.

    Returns
    -------
    DesignCheck

    Raises
    ------
    SpecError
        ``panel`` is not a Panel, or a column named here is not in its data.
    """
    if not (hasattr(panel, "data") and hasattr(panel, "spec")):
        raise SpecError(
            f"check_design needs a loaded Panel (improve.data.load_panel), got "
            f"{type(panel).__name__}"
        )
    frame: pd.DataFrame = panel.data
    spec = panel.spec
    outcomes = _outcomes(spec, outcome)
    cluster_col = cluster or spec.cluster or spec.unit
    absent = [c for c in [cluster_col, *outcomes] if c not in frame.columns]
    if absent:
        raise SpecError(
            f"check_design: column(s) {absent} are not in the panel; name a mapped column"
        )
    facts = count_facts(frame, spec, outcomes, cluster_col)
    return decide(facts, has_timing=spec.timing_column is not None)


def _outcomes(spec: Any, outcome: str | Sequence[str] | None) -> list[str]:
    if outcome is None:
        return list(spec.outcomes)
    if isinstance(outcome, str):
        return [outcome]
    return list(outcome)
