"""Scanning what a run publishes: unit ids, small counts, suppressed values, wording.

Shared by the data-safety tests (``tests/runner/test_data_safety.py``) and the workbook
runs on outside data (``tests/runner/test_outside_data_reports.py``,
``tests/runner/test_outside_workbooks.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

MIN_CELL = 10
COUNT_COLUMNS = {
    "n",
    "count",
    "units",
    "n_units",
    "n_treated",
    "n_tested",
    "n_schools",
    "n_students",
    "n_obs",
}
# Not counted: n_clusters / n_districts (how many districts a state has is public and
# describes the design, not a group of students or schools).
#: Files read as text and searched for ids.
TEXT_SUFFIXES = {".html", ".csv", ".json", ".svg", ".md", ".tex", ".txt", ".yaml", ".js"}
#: Binary files not searched (figures; PDFs without pypdf): listed in ``Scan.skipped``.
SKIP_SUFFIXES = {".png", ".jpg", ".pdf", ".woff", ".woff2", ".ico"}


@dataclass
class Scan:
    """What :func:`scan_outputs` looked at and what it found."""

    scanned: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    tables: int = 0
    problems: list[str] = field(default_factory=list)


def _pdf_text(path: Path) -> str | None:
    try:
        import pypdf
    except ImportError:
        return None
    try:
        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    except pypdf.errors.PyPdfError:  # not a PDF pypdf can read: listed as skipped
        return None


_EDGE = "A-Za-z0-9"
_WORD = re.compile(rf"[{_EDGE}]+")


def _shown_ids(ids: set[str], text: str) -> list[str]:
    """Ids not run into a longer word or number ("School B" is not in "School Before"; S001 is
    in "S001_math").

    An id made only of letters and digits shows exactly when it is one whole run of letters
    and digits in the text, so those are found with one pass over the text (a set of its
    runs); other ids ("School B", "S-001") are searched one by one.
    """
    plain = {i for i in ids if _WORD.fullmatch(i)}
    shown = plain & set(_WORD.findall(text)) if plain else set()
    shown |= {
        i
        for i in ids - plain
        if re.search(rf"(?<![{_EDGE}]){re.escape(i)}(?![{_EDGE}])", text)
    }
    return sorted(shown)


def _xlsx_text(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    finally:
        book.close()


def _notebook_text(path: Path) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    shown = [c.get("outputs", []) for c in notebook["cells"]]
    shown += [c["source"] for c in notebook["cells"] if c.get("cell_type") == "markdown"]
    return json.dumps(shown)


def _tables(path: Path) -> Iterable[tuple[str, pd.DataFrame]]:
    if path.suffix == ".csv":
        try:
            yield path.name, pd.read_csv(path)
        except (pd.errors.EmptyDataError, pd.errors.ParserError):
            return
    elif path.suffix == ".xlsx":
        for sheet, frame in pd.read_excel(path, sheet_name=None).items():
            yield f"{path.name}[{sheet}]", frame


def _small_counts(name: str, frame: pd.DataFrame, min_cell: int) -> list[str]:
    columns = {str(c).strip().lower(): c for c in frame.columns}
    flagged = pd.Series(False, index=frame.index)
    if "suppressed" in columns:
        flagged = frame[columns["suppressed"]].astype(str).str.lower().isin(["true", "1", "yes"])
    found = []
    for key in COUNT_COLUMNS & set(columns):
        counts = pd.to_numeric(frame[columns[key]], errors="coerce")
        small = counts[(counts > 0) & (counts < min_cell) & ~flagged]
        if len(small):
            found.append(f"{name}: column '{key}' shows {small.iloc[0]:g} (< {min_cell})")
    return found


def value_texts(value: float) -> tuple[set[str], set[str]]:
    """How a number may be written: at full precision (CSV ``%.6f``, JSON to 10 decimals,
    Excel ``repr``) and as shown (3 and 4 significant digits, the reports' formatter)."""
    full = {f"{value:.6f}", repr(round(value, 10)), repr(value)}
    shown = {f"{value:#.3g}".rstrip("."), f"{value:#.4g}".rstrip(".")}
    shown |= {t.replace("-", "−") for t in shown}
    return full, shown


def _shown_text(path: Path, text: str) -> str:
    """What a reader sees: the text of SVG ``<text>`` elements, HTML without tags."""
    if path.suffix == ".svg":
        return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", text))
    if path.suffix == ".html":
        return re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", text, flags=re.S))
    return text


def shows_value(path: Path, text: str, value: float) -> bool:
    full, shown = value_texts(value)
    visible = _shown_text(path, text)
    return any(
        re.search(rf"(?<![\d.\-−]){re.escape(t)}(?![\d])", where)
        for texts, where in ((full, text), (shown, visible))
        for t in texts
    )


def scan_outputs(
    files: Iterable[Path],
    ids: set[str],
    min_cell: int = MIN_CELL,
    small_cohorts: dict[int, int] | None = None,
    hidden_values: Iterable[float] = (),
) -> Scan:
    """Search published files for unit ids and count tables for unsuppressed small cells.

    Parameters
    ----------
    files : iterable of Path
        The files a run wrote.
    ids : set of str
        Identifiers that must not appear (school ids, district ids, ...).
    min_cell : int
        Minimum cell size: counts from 1 to ``min_cell - 1`` must be suppressed.
    small_cohorts : dict, optional
        Cohort -> size of cohorts under the minimum; "2019: 7"-like text must not appear.
    hidden_values : iterable of float
        Suppressed numbers that must appear nowhere, in any format (:func:`value_texts`).

    Returns
    -------
    Scan
    """
    scan = Scan()
    for path in sorted(files):
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            text = _xlsx_text(path)
        elif suffix == ".ipynb":
            text = _notebook_text(path)
        elif suffix == ".pdf":
            text = _pdf_text(path)
        elif suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
        else:
            text = None
        if text is None:
            scan.skipped.append(path)
            continue
        scan.scanned.append(path)
        leaked = _shown_ids(ids, text)
        if leaked:
            scan.problems.append(f"{path.name} shows unit ids such as {leaked[:2]}")
        for cohort, size in (small_cohorts or {}).items():
            if f"{cohort}: {size}" in text or f'"{cohort}": {size}' in text:
                scan.problems.append(f"{path.name} shows cohort {cohort} of {size} units")
        for value in hidden_values:
            if shows_value(path, text, value):
                scan.problems.append(f"{path.name} shows the suppressed value {value!r}")
        for name, frame in _tables(path):
            scan.tables += 1
            scan.problems += _small_counts(name, frame, min_cell)
    return scan


#: The demo's words (a state named "District of Columbia" is data, not demo wording).
DEMO_WORDS = re.compile(r"school|grant|coach|district(?! of columbia)", re.I)
RAW_WARNINGS = re.compile(r"UserWarning|RuntimeWarning|FutureWarning|Warning:")
LOCAL_PATH = re.compile(r"(?<![\w.:/])/(?:work|tmp|home|Users|root|var)/[\w.\-/]+")


def published_text(folder: Path) -> dict[str, str]:
    """What a reader gets: the report, results.json and every CSV table."""
    files = [folder / "report.html", folder / "results.json"]
    files += sorted((folder / "tables").glob("*.csv"))
    return {f.name: f.read_text(encoding="utf-8") for f in files if f.exists()}


def visible_text(name: str, text: str) -> str:
    """Report text without style sheets and embedded images (base64 is not words)."""
    if name.endswith(".html"):
        text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
        text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", " ", text)
    return text


def wording_problems(folder: Path) -> list[str]:
    found = []
    for name, text in published_text(folder).items():
        shown = visible_text(name, text)
        for pattern, what in (
            (DEMO_WORDS, "demo wording"),
            (RAW_WARNINGS, "a raw warning"),
            (LOCAL_PATH, "a local path"),
        ):
            match = pattern.search(shown)
            if match:
                start = max(0, match.start() - 60)
                found.append(f"{name} shows {what}: ...{shown[start : match.end() + 40]!r}")
    return found
