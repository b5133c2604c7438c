"""Readers for survey exports: Qualtrics, SurveyMonkey and Google Forms.

Each reader returns the answers as strings (one row per respondent, one column per export
column, nothing converted) and the question text of each column. The three tools lay out
their header rows differently:

* **Qualtrics** (CSV or Excel): three header rows, variable names (``Q1_1``), question
  text, and import ids (``{"ImportId":"QID1_1"}``). Cells hold answer labels ("choice
  text" export) or numeric codes ("numeric values" export).
* **SurveyMonkey**: two header rows, the question text (written once above the columns of
  a matrix or multi-select question) and the sub-question or option (``Response`` for a
  single answer). A check-all-that-apply question has one column per option holding the
  option's text when ticked. Columns are named ``question | option``.
* **Google Forms**: one header row of question text; the options ticked in a
  check-all-that-apply question are joined by commas in one cell.

A file whose header rows do not look like its format fails with a sentence that says which
row is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from improve.data.limits import check_excel_limits
from improve.errors import DataError

#: SurveyMonkey's second-row words for "the answer itself" (not a sub-question).
_MONKEY_RESPONSE = ("response", "open-ended response", "")
_IMPORT_ID = "importid"


@dataclass(frozen=True)
class Export:
    """A survey export as read: raw string answers and each column's question text."""

    answers: pd.DataFrame
    questions: dict[str, str]
    header_rows: int


def _raw(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"survey file {path.name} not found; check the data_path")
    if path.suffix.lower() in (".xlsx", ".xls"):
        check_excel_limits(path)
        frame = pd.read_excel(path, header=None, dtype=str)
    else:
        try:
            frame = pd.read_csv(
                path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
        except UnicodeDecodeError:
            frame = pd.read_csv(
                path, header=None, dtype=str, keep_default_na=False, encoding="latin-1"
            )
    frame = frame.fillna("")
    if frame.shape[0] == 0:
        raise DataError(f"survey file {path.name} is empty")
    return frame


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        name = name.strip() or "unnamed"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _body(raw: pd.DataFrame, names: list[str], skip: int) -> pd.DataFrame:
    body = raw.iloc[skip:].reset_index(drop=True)
    body.columns = names
    blank = (body.apply(lambda c: c.str.strip()) == "").all(axis=1)
    return body.loc[~blank].reset_index(drop=True)


def _share_import_ids(row: pd.Series) -> float:
    return float(row.str.lower().str.replace(" ", "").str.contains(_IMPORT_ID).mean())


def read_qualtrics(path: str | Path) -> Export:
    """A Qualtrics export (CSV or Excel, choice-text or numeric values).

    Raises
    ------
    improve.errors.DataError
        The import-id row or the question-text row is missing.
    """
    path = Path(path)
    raw = _raw(path)
    if raw.shape[0] < 3 or _share_import_ids(raw.iloc[2]) < 0.5:
        if raw.shape[0] >= 2 and _share_import_ids(raw.iloc[1]) >= 0.5:
            raise DataError(
                f"{path.name}: the second row holds Qualtrics import ids, so the row of "
                "question text is missing; export again from Qualtrics (Data & Analysis → "
                "Export) without editing the header rows"
            )
        raise DataError(
            f"{path.name}: a Qualtrics export has three header rows (variable names, "
            'question text, import ids like {"ImportId":"QID1"}); the third row here '
            "holds no import ids, so a header row is missing. Export again from Qualtrics, "
            "or set 'format:' in the survey map to the tool that made this file"
        )
    names = _unique([str(v) for v in raw.iloc[0]])
    questions = dict(zip(names, (str(v) for v in raw.iloc[1]), strict=True))
    return Export(_body(raw, names, 3), questions, 3)


def read_surveymonkey(path: str | Path) -> Export:
    """A SurveyMonkey export (CSV or Excel, "all responses data").

    Raises
    ------
    improve.errors.DataError
        The second header row (sub-questions and ``Response``) is missing.
    """
    path = Path(path)
    raw = _raw(path)
    second = raw.iloc[1].str.strip().str.lower() if raw.shape[0] > 1 else pd.Series([], dtype=str)
    if raw.shape[0] < 2 or not second.isin(["response", "open-ended response"]).any():
        raise DataError(
            f"{path.name}: a SurveyMonkey export has two header rows (the question, then "
            "'Response' or each option under it); the second row here has neither, so a "
            "header row is missing. Export again with 'Expanded' columns, or set 'format:' "
            "in the survey map to the tool that made this file"
        )
    first = raw.iloc[0].replace("", pd.NA).ffill().fillna("").tolist()
    names = []
    for question, sub in zip(first, raw.iloc[1], strict=True):
        sub = str(sub).strip()
        names.append(question if sub.lower() in _MONKEY_RESPONSE else f"{question} | {sub}")
    names = _unique(names)
    return Export(_body(raw, names, 2), dict(zip(names, first, strict=True)), 2)


def read_google_forms(path: str | Path) -> Export:
    """A Google Forms export (the response spreadsheet as CSV or Excel)."""
    path = Path(path)
    raw = _raw(path)
    names = _unique([str(v) for v in raw.iloc[0]])
    return Export(_body(raw, names, 1), {n: n for n in names}, 1)


READERS = {
    "qualtrics": read_qualtrics,
    "surveymonkey": read_surveymonkey,
    "google_forms": read_google_forms,
}


def read_export(path: str | Path, fmt: str) -> Export:
    """Read an export in the named format (``qualtrics``, ``surveymonkey``, ``google_forms``)."""
    return READERS[fmt](path)
