"""Turning raw answers into ordered levels and ticked options, with plain-language checks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from improve.errors import DataError

_SPACES = re.compile(r"\s+")


def _key(label: str) -> str:
    """Labels compared without case, surrounding spaces or doubled spaces."""
    return _SPACES.sub(" ", str(label).strip()).casefold().replace("’", "'")


def ordered_answers(
    raw: pd.Series,
    levels: Sequence[str],
    no_answer: Sequence[str],
    *,
    item: str,
    scale: str,
) -> tuple[pd.Series, list[str]]:
    """One item's answers as an ordered categorical over ``levels``.

    Labels that differ from the map only in case or spacing are matched (and reported);
    numeric codes ``1..k`` (a Qualtrics "numeric values" export) are read as the k labels in
    order; ``no_answer`` labels become missing.

    Returns
    -------
    (Series, list of str)
        The answers and the notes to report.

    Raises
    ------
    improve.errors.DataError
        Answers that are none of the labels, naming them and the fix.
    """
    notes: list[str] = []
    text = raw.astype("string").str.strip()
    text = text.mask(text == "")
    lookup = {_key(level): level for level in levels}
    skip = {_key(label) for label in no_answer}
    keys = text.map(lambda v: _key(v) if isinstance(v, str) else v)
    present = keys.dropna()
    present = present[~present.isin(skip)]
    codes = present.str.fullmatch(r"\d+(\.0+)?").all() and not all(k in lookup for k in present)
    if codes and len(present):
        numbers = present.astype(float).astype(int)
        if numbers.between(1, len(levels)).all():
            as_label = {k: _key(levels[int(float(k)) - 1]) for k in set(present)}
            keys = keys.map(lambda v: as_label.get(v, v) if isinstance(v, str) else v)
            notes.append(
                f"{item}: numeric codes 1–{len(levels)} read as the labels of "
                f"'{scale}' in the map's order"
            )
    unknown = sorted({k for k in keys.dropna() if k not in lookup and k not in skip})
    if unknown:
        shown = [text[keys == k].iloc[0] for k in unknown][:5]
        counts = [int((keys == k).sum()) for k in unknown][:5]
        listed = ", ".join(f"'{s}' ({c})" for s, c in zip(shown, counts, strict=True))
        raise DataError(
            f"column '{item}' has answers that are not labels of responses '{scale}': "
            f"{listed}. The map lists: {', '.join(levels)}. If they mean no answer (like "
            "'N/A'), add them to 'no_answer:' in the survey map; if they are real answers, "
            f"add them to '{scale}' in order"
        )
    exact = set(levels) | set(no_answer)
    fixed = int(sum(1 for v in text.dropna() if v not in exact))
    if fixed:
        notes.append(
            f"{item}: {fixed} answers matched the map's labels only after ignoring "
            "capital letters or spaces"
        )
    dropped = int(keys.isin(skip).sum())
    if dropped:
        notes.append(f"{item}: {dropped} answers of {', '.join(no_answer)} counted as no answer")
    values = keys.map(lambda k: lookup.get(k, np.nan) if isinstance(k, str) else np.nan)
    return pd.Series(
        pd.Categorical(values, categories=list(levels), ordered=True), index=raw.index, name=item
    ), notes


def split_options(raw: pd.Series, options: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """Options ticked in one comma-joined column (Google Forms, unsplit Qualtrics).

    Known option labels are found whole (a label may itself contain a comma); any text
    left over counts as "Other" and is never kept.

    Returns
    -------
    (DataFrame of bool, int)
        One column per option (plus ``Other`` when any answer had other text) and the
        number of answers with other text.
    """
    ordered = sorted(options, key=len, reverse=True)
    rows, other = [], 0
    for value in raw.astype("string").fillna(""):
        rest = f",{value},"
        ticked = {}
        for option in ordered:
            mark = f",{option},"
            spaced = f", {option},"
            hit = mark in rest or spaced in rest
            ticked[option] = hit
            rest = rest.replace(mark, ",").replace(spaced, ",")
        left = rest.strip(", ")
        rows.append({**ticked, "Other": bool(left)})
        other += bool(left)
    frame = pd.DataFrame(rows, index=raw.index, columns=[*options, "Other"]).astype(bool)
    if not other:
        frame = frame.drop(columns="Other")
    return frame, other


def ticked_columns(raw: pd.DataFrame, options: Mapping[str, str]) -> pd.DataFrame:
    """Options ticked across one-column-per-option exports (any non-empty cell, not 0)."""
    out = {}
    for column, label in options.items():
        cell = raw[column].astype("string").fillna("").str.strip()
        out[label] = (cell != "") & (cell != "0")
    return pd.DataFrame(out, index=raw.index)


def straight_lining(codes: pd.DataFrame, min_items: int = 4) -> pd.Series:
    """Respondents who gave the same answer to every item of a grid (at least ``min_items``).

    ``codes`` holds one grid's items (the same response labels) as numbers.
    """
    answered = codes.notna().sum(axis=1)
    same = codes.nunique(axis=1, dropna=True) == 1
    return (answered >= min_items) & same
