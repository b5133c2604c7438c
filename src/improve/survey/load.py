"""Load a survey export with its survey map: checked, de-identified, ready to summarise.

:func:`load_survey` is the only place respondent ids and e-mail addresses are seen: the
id is used to find duplicated respondents (and, for matched pre/post surveys, to pair two
waves) and then dropped with every other identifying column. Free-text answers are reduced
to whether each was answered. What comes out, :class:`SurveyData`, holds answers as
ordered levels, ticked options, groups and (optionally) weights, and the notes to report.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from improve.errors import DataError, SpecError
from improve.survey.clean import ordered_answers, split_options, straight_lining, ticked_columns
from improve.survey.read import read_export
from improve.survey.spec import SurveyMap, read_survey_map

#: Column names that identify people: always dropped at load, whatever the map says.
IDENTIFYING = re.compile(
    r"e-?mail|ip ?address|first ?name|last ?name|recipient|location ?l(at|ong)|"
    r"external ?(data ?)?reference|respondent ?id|collector ?id|response ?id",
    re.I,
)


@dataclass(frozen=True)
class SurveyData:
    """A loaded survey: no ids, no e-mails, no free text.

    Attributes
    ----------
    answers : DataFrame
        One ordered categorical column per mapped item (missing = no answer).
    groups : DataFrame
        One column per mapped group (strings; missing = not answered).
    selections : dict of str to DataFrame
        Per multi-select question, one boolean column per option.
    weights : Series or None
        Respondent weights from the map's ``weight`` column.
    free_text_answered : dict of str to int
        Non-empty answers per free-text column (the text itself is not kept).
    straight_lining : Series of bool
        Respondents who gave one answer to every item of a grid.
    notes : tuple of str
        What loading changed or found, in words.
    survey_map : SurveyMap
    """

    answers: pd.DataFrame
    groups: pd.DataFrame
    selections: dict[str, pd.DataFrame]
    weights: pd.Series | None
    free_text_answered: dict[str, int]
    straight_lining: pd.Series
    notes: tuple[str, ...]
    survey_map: SurveyMap
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Respondents."""
        return int(len(self.answers))

    def codes(self, items: list[str] | None = None, *, reverse: bool = False) -> pd.DataFrame:
        """Answers as numbers 1..k (k = number of labels); reverse-coded items flipped when
        ``reverse``."""
        items = list(items or self.answers.columns)
        out = {}
        for item in items:
            cat = self.answers[item]
            code = cat.cat.codes.astype(float).where(cat.notna()) + 1.0
            if reverse and self.survey_map.items[item].reverse:
                code = len(cat.cat.categories) + 1.0 - code
            out[item] = code
        return pd.DataFrame(out, index=self.answers.index)


def _close(name: str, columns: list[str]) -> str:
    near = difflib.get_close_matches(name, columns, n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""


def _require(columns: list[str], export_cols: list[str], source: str) -> None:
    for col in columns:
        if col not in export_cols:
            raise DataError(
                f"{source}: the survey map names column '{col}', which the export does not "
                f"have{_close(col, export_cols)}; fix the name in the map"
            )


def _mapped_columns(smap: SurveyMap) -> list[str]:
    cols = list(smap.items) + [g.column for g in smap.groups.values()] + list(smap.free_text)
    for question in smap.multiselect.values():
        cols += [question.column] if question.column else list(question.options)
    return cols + ([smap.weight] if smap.weight else [])


def _deduplicate(raw: pd.DataFrame, smap: SurveyMap, how: str, source: str) -> pd.DataFrame:
    if not smap.respondent_id:
        return raw
    if smap.respondent_id not in raw.columns:
        raise DataError(
            f"{source}: respondent_id '{smap.respondent_id}' is not a column of the export"
            f"{_close(smap.respondent_id, list(raw.columns))}"
        )
    ids = raw[smap.respondent_id].astype("string").str.strip()
    dup = ids.duplicated(keep=False) & ids.notna() & (ids != "")
    if not dup.any():
        return raw
    if how == "error":
        rows = [int(i) + 1 for i in np.flatnonzero(dup.to_numpy())][:10]
        raise DataError(
            f"{source}: {int(dup.sum())} responses share a respondent id with another "
            f"(data rows {', '.join(map(str, rows))}); remove the duplicates from the export, "
            "or load with on_duplicate='keep_last' (latest answer counts) or 'keep_first'"
        )
    keep = ~ids.duplicated(keep="last" if how == "keep_last" else "first") | ids.isna()
    return raw.loc[keep.to_numpy()].reset_index(drop=True)


#: Qualtrics response types that are not real responses (text and numeric exports).
NOT_RESPONSES = {"survey preview", "survey test", "spam", "1", "2", "8"}


def _real_responses(raw: pd.DataFrame, smap: SurveyMap) -> tuple[pd.DataFrame, list[str]]:
    """Drop Qualtrics preview, test and spam responses; count unfinished ones."""
    notes: list[str] = []
    if smap.format != "qualtrics":
        return raw, notes
    if "Status" in raw.columns:
        status = raw["Status"].astype("string").str.strip().str.casefold()
        fake = status.isin(NOT_RESPONSES).to_numpy()
        if fake.any():
            notes.append(f"{int(fake.sum())} preview, test or spam responses removed")
            raw = raw.loc[~fake].reset_index(drop=True)
    if "Finished" in raw.columns:
        finished = raw["Finished"].astype("string").str.strip().str.casefold()
        partial = int(finished.isin(["false", "0"]).sum())
        if partial:
            notes.append(f"{partial} respondents did not finish; their answers are kept")
    return raw, notes


def _selections(raw: pd.DataFrame, smap: SurveyMap) -> tuple[dict[str, pd.DataFrame], list[str]]:
    out, notes = {}, []
    for name, q in smap.multiselect.items():
        if q.column:
            frame, other = split_options(raw[q.column], list(q.options.values()))
            if other:
                notes.append(
                    f"{q.label}: {other} answers had text that is none of the map's "
                    "options; counted as 'Other' (the text is not kept)"
                )
        else:
            frame = ticked_columns(raw, q.options)
        out[name] = frame
    return out, notes


def _weights(raw: pd.DataFrame, smap: SurveyMap, source: str) -> pd.Series | None:
    if not smap.weight:
        return None
    w = pd.to_numeric(raw[smap.weight], errors="coerce")
    if w.isna().any() or (w <= 0).any():
        raise DataError(
            f"{source}: weight column '{smap.weight}' has missing, zero or "
            "negative values; every respondent needs a positive weight"
        )
    return w.astype(float).rename("weight")


def _items(raw: pd.DataFrame, smap: SurveyMap) -> tuple[pd.DataFrame, list[str]]:
    answers, notes = {}, []
    for col, item in smap.items.items():
        answers[col], found = ordered_answers(
            raw[col],
            smap.responses[item.responses],
            smap.no_answer,
            item=col,
            scale=item.responses,
        )
        notes += found
    return pd.DataFrame(answers, index=raw.index), notes


def _grids(smap: SurveyMap) -> list[list[str]]:
    """Items asked together: each scale, else items sharing response labels."""
    if smap.scales:
        return [list(s.items) for s in smap.scales.values()]
    by_scale: dict[str, list[str]] = {}
    for col, item in smap.items.items():
        by_scale.setdefault(item.responses, []).append(col)
    return list(by_scale.values())


def load_survey(
    data_path: str | Path,
    survey_map: str | Path | Mapping[str, Any] | SurveyMap,
    *,
    on_duplicate: Literal["error", "keep_first", "keep_last"] = "error",
) -> SurveyData:
    """Read, check and de-identify a survey export.

    Parameters
    ----------
    data_path : str or Path
        The export (CSV or Excel) in the map's ``format``.
    survey_map : path, mapping or SurveyMap
        The survey map (see :mod:`improve.survey.spec`).
    on_duplicate : {"error", "keep_first", "keep_last"}
        What to do with respondents whose id appears more than once.

    Raises
    ------
    improve.errors.DataError, improve.errors.SpecError
        In words, naming the column and the fix.
    """
    return _load_keyed(data_path, survey_map, on_duplicate=on_duplicate)[0]


def _load_keyed(
    data_path: str | Path,
    survey_map: str | Path | Mapping[str, Any] | SurveyMap,
    *,
    on_duplicate: Literal["error", "keep_first", "keep_last"] = "error",
) -> tuple[SurveyData, pd.Series | None]:
    """Load a survey and, apart, the respondent key (normalised id) for matching waves."""
    smap = read_survey_map(survey_map)
    if on_duplicate not in ("error", "keep_first", "keep_last"):
        raise SpecError("on_duplicate must be 'error', 'keep_first' or 'keep_last'")
    path = Path(data_path)
    export = read_export(path, smap.format)
    raw = export.answers
    _require(_mapped_columns(smap), list(raw.columns), path.name)
    n_read = len(raw)
    raw, status_notes = _real_responses(raw, smap)
    n_real = len(raw)
    raw = _deduplicate(raw, smap, on_duplicate, path.name)
    key = None
    if smap.respondent_id:
        key = raw[smap.respondent_id].astype("string").str.strip().str.casefold()
    notes = [f"{n_read} responses read from a {smap.format.replace('_', ' ')} export"]
    notes += status_notes
    if len(raw) < n_real:
        notes.append(f"{n_real - len(raw)} duplicated responses removed ({on_duplicate})")
    identifying = [
        c for c in raw.columns if c in smap.identifying_columns() or IDENTIFYING.search(c)
    ]
    raw = raw.drop(columns=[c for c in identifying if c not in _mapped_columns(smap)])
    answers, item_notes = _items(raw, smap)
    selections, select_notes = _selections(raw, smap)
    groups = pd.DataFrame(
        {
            g: raw[spec.column].astype("string").str.strip().replace("", pd.NA)
            for g, spec in smap.groups.items()
        },
        index=raw.index,
    )
    free = {
        c: int((raw[c].astype("string").str.strip().fillna("") != "").sum()) for c in smap.free_text
    }
    data = SurveyData(
        answers,
        groups,
        selections,
        _weights(raw, smap, path.name),
        free,
        pd.Series(False, index=raw.index),
        (),
        smap,
        source=path.name,
    )
    flags = pd.Series(False, index=raw.index)
    for grid in _grids(smap):
        flags |= straight_lining(data.codes(grid))
    if flags.any():
        notes.append(
            f"{int(flags.sum())} respondents gave the same answer to every item of a "
            "grid (straight-lining); they are kept, check whether to drop them"
        )
    loaded = SurveyData(
        answers,
        groups,
        selections,
        data.weights,
        free,
        flags,
        tuple(notes + item_notes + select_notes),
        smap,
        source=path.name,
    )
    return loaded, key


def check_survey_input(
    data_path: Path | str, map_path: Path | None, params: Mapping[str, Any]
) -> str:
    """The runner's check of a survey workbook's input: load it and summarise."""
    if map_path is None:
        raise SpecError("a survey workbook needs a survey map: pass column_map")
    data = load_survey(data_path, map_path)
    for group in params.get("compare_by") or []:
        if group not in data.groups.columns:
            raise SpecError(
                f"compare_by names '{group}', which is not under 'groups:' in the survey map "
                f"(known: {', '.join(data.groups.columns) or 'none'})"
            )
    return (
        f"data ok: {data.n:,} responses, {len(data.answers.columns)} rated items, "
        f"{len(data.selections)} multi-select questions, {len(data.groups.columns)} groups"
    )
