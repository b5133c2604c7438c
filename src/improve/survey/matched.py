"""Matched pre/post surveys: the same people asked before and after, in two exports.

The two waves are paired on the respondent id (an id or e-mail column named by
``respondent_id`` in each map), inside the load step: the key is used to line answers up
and is then dropped, so what comes out carries no ids. Each item asked in both waves
becomes a before/after pair (``<item> (before)`` / ``<item> (after)``) for
:func:`improve.survey.paired_change`; respondents found in one wave only are kept with the
other side missing, so they are counted as unmatched, never mixed into the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from improve.errors import SpecError
from improve.survey.load import SurveyData, _load_keyed
from improve.survey.spec import Item, PrePost, SurveyMap, read_survey_map


def _keyed(path: str | Path, smap: SurveyMap) -> tuple[SurveyData, pd.Series]:
    if not smap.respondent_id:
        raise SpecError(
            f"{smap.source}: matching two waves needs 'respondent_id:' (an id or e-mail "
            "column present in both exports)"
        )
    data, key = _load_keyed(path, smap)
    assert key is not None
    return data, key.fillna("").rename("key")


def load_matched(
    before_path: str | Path,
    after_path: str | Path,
    survey_map: str | Path | Mapping[str, Any] | SurveyMap,
    *,
    before_map: str | Path | Mapping[str, Any] | SurveyMap | None = None,
) -> SurveyData:
    """Load two waves and pair respondents on their id (ids dropped afterwards).

    Parameters
    ----------
    before_path, after_path : path
        The exports of the first and second wave.
    survey_map : path, mapping or SurveyMap
        Map of the second wave (and of the first, unless ``before_map`` is given).
    before_map : optional
        Map of the first wave when its columns differ.
    """
    after_map = read_survey_map(survey_map)
    first_map = read_survey_map(before_map) if before_map is not None else after_map
    before, before_key = _keyed(before_path, first_map)
    after, after_key = _keyed(after_path, after_map)
    common = [c for c in after.answers.columns if c in before.answers.columns]
    if not common:
        raise SpecError("the two waves share no rated item; name the same items in both maps")
    left = before.answers[common].set_axis(before_key.to_numpy()).add_suffix(" (before)")
    right = after.answers[common].set_axis(after_key.to_numpy()).add_suffix(" (after)")
    left, right = left[left.index != ""], right[right.index != ""]
    joined = left.join(right, how="outer").reset_index(drop=True)
    groups = after.groups.set_axis(after_key.to_numpy())
    groups = groups[groups.index != ""].reindex(left.index.union(right.index))
    items: dict[str, Item] = {}
    prepost: dict[str, PrePost] = {}
    for column in common:
        item = after_map.items[column]
        for side in ("before", "after"):
            name = f"{column} ({side})"
            items[name] = Item(name, f"{item.label} ({side})", item.responses, item.reverse)
        prepost[column] = PrePost(column, item.label, f"{column} (before)", f"{column} (after)")
    smap = replace(after_map, items=items, prepost=prepost, scales={}, multiselect={})
    matched = int(left.index.isin(right.index).sum())
    notes = (
        *before.notes,
        *after.notes,
        f"{matched} respondents matched across the two waves; {len(left) - matched} answered "
        f"only the first and {len(right) - matched} only the second",
    )
    return SurveyData(
        answers=joined,
        groups=groups.reset_index(drop=True),
        selections={},
        weights=None,
        free_text_answered={},
        straight_lining=pd.Series(False, index=joined.index),
        notes=notes,
        survey_map=smap,
        source=f"{before.source} + {after.source}",
    )
