"""One table abstraction for every published table.

A :class:`Table` is a small frozen object: the frame to show (raw numbers, not strings), a
caption, notes, decimals, a stub (row-label) column, label columns (years, cohorts, event
times shown as whole numbers) and optional column spanners. It renders to

* HTML with `great_tables <https://posit-dev.github.io/great-tables/>`_ (reports and
  JupyterLab, via ``_repr_html_``): deterministic (the element id is derived from the table
  name, never random) and self-contained (no web fonts or style sheets fetched);
* LaTeX (booktabs, every cell escaped), Markdown (pipe table), CSV (fixed float format);
* Excel (``openpyxl``): values written at full precision with a display number format,
  and :func:`write_workbook` / :func:`save_workbook` write ``.xlsx`` files byte-identically
  across runs (fixed document times and zip entry times).

Every format shows the same cell text (one formatter), so a report, its LaTeX and its
Markdown never disagree.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import numbers
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from improve.report.formula_safety import neutralise, neutralise_frame
from improve.report.numbers import format_p
from improve.report.privacy import LABEL_COLUMNS

#: Float format of every CSV the reports write (fixed, so reruns diff cleanly).
FLOAT_FORMAT = "%.6f"
#: Document time stamped into every ``.xlsx`` (instead of "now").
FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
#: Longest sheet name Excel accepts.
SHEET_NAME_MAX = 31

_RULE = "#333333"
_HLINE = "#dddddd"
_STUB = "_improve_stub"
#: Alignment → (Markdown rule, LaTeX column type).
_ALIGN = {"left": (":---", "l"), "center": (":---:", "c"), "right": ("---:", "r")}
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "×": r"$\times$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "−": "-",
}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIAL))


# ----------------------------------------------------------------------------- cells


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_cell(value: Any, decimals: int = 2, whole: bool = False) -> str:
    """Display text of one cell (the same in HTML, LaTeX, Markdown).

    Parameters
    ----------
    value : Any
        The cell.
    decimals : int
        Decimals for non-integer numbers (with a thousands separator).
    whole : bool
        Show whole floats as integers (label columns such as years: 2017, not 2,017.00).

    Returns
    -------
    str
        ``""`` for missing values.
    """
    if _is_missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if whole and number.is_integer():
            return str(int(number))
        return f"{number:,.{decimals}f}"
    return str(value)


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters (``\\ & % $ # _ { } ~ ^ < >``) in text."""
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], text)


def _md_escape(text: str) -> str:
    """Pipe-table cell text: backslashes, pipes and asterisks escaped, one line."""
    for char in ("\\", "|", "*"):
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def csv_text(frame: pd.DataFrame, path: str | Path | None = None) -> str | None:
    """The reports' CSV: no index, ``%.6f`` floats, ``\\n`` line ends (byte-stable).

    Parameters
    ----------
    frame : pandas.DataFrame
    path : path-like, optional
        Write there (and return None); otherwise return the text.
    """
    safe = neutralise_frame(frame)  # text that a spreadsheet would run as a formula
    return safe.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


# ----------------------------------------------------------------------------- table


@dataclass(frozen=True, eq=False)
class Table:
    """A published table: numbers plus everything needed to show them.

    Parameters
    ----------
    frame : pandas.DataFrame
        The cells, as numbers (formatting happens when rendering). The index is ignored;
        column names are shown as headers (non-string names are converted to text).
    caption : str
        Caption; shown after "Table N." when ``number`` is set.
    notes : sequence of str
        Notes under the table (one paragraph each).
    decimals : int or mapping of str to int
        Decimals of non-integer numbers, for all columns or per column (default 2 for
        columns not in the mapping).
    stub : str, optional
        Column holding row labels (shown as the stub, left of a rule).
    label_columns : sequence of str
        Columns that label rows (years, cohorts, event times): whole floats are shown as
        integers and the column is left-aligned.
    spanners : mapping of str to sequence of str
        Spanner label → the adjacent columns it spans.
    name : str
        Short file-style name; gives the HTML ids (``table-<name>``) and the sheet name.
    number : int, optional
        Table number shown as "Table N.".
    rules_above : sequence of int
        Body rows (0-based) with a rule above them (e.g. the model facts of a regression
        table).
    align : mapping of str to {"left", "center", "right"}
        Alignment overrides (default: numbers right, text and labels left).
    headers : mapping of str to str
        Header text for columns (default: the column name), e.g. ``{"std_error": "SE"}``;
        the frame, CSV and ``read_excel_table`` keep the column names.
    p_columns : sequence of str
        Columns of p-values, shown by :func:`improve.report.numbers.format_p`
        ("< 0.001", else three decimals).
    """

    frame: pd.DataFrame
    caption: str = ""
    notes: Sequence[str] = ()
    decimals: int | Mapping[str, int] = 2
    stub: str | None = None
    label_columns: Sequence[str] = LABEL_COLUMNS
    spanners: Mapping[str, Sequence[str]] = field(default_factory=dict)
    name: str = ""
    number: int | None = None
    rules_above: Sequence[int] = ()
    align: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    p_columns: Sequence[str] = ()

    def __post_init__(self) -> None:
        frame = _flat_columns(self.frame)
        set_ = object.__setattr__
        set_(self, "frame", frame)
        set_(self, "notes", tuple(n for n in self.notes if n))
        set_(self, "label_columns", tuple(self.label_columns))
        set_(self, "spanners", {str(k): tuple(map(str, v)) for k, v in self.spanners.items()})
        set_(self, "rules_above", tuple(int(r) for r in self.rules_above))
        set_(self, "align", {str(k): v for k, v in self.align.items()})
        set_(self, "headers", {str(k): str(v) for k, v in self.headers.items()})
        set_(self, "p_columns", tuple(str(c) for c in self.p_columns))
        bad = {k: v for k, v in self.align.items() if v not in _ALIGN or k not in frame.columns}
        if bad:
            raise ValueError(f"align: unknown columns or values {bad} (left, center, right)")
        if self.stub is not None and self.stub not in frame.columns:
            raise ValueError(f"stub column {self.stub!r} is not a column of the table")
        for label, cols in self.spanners.items():
            missing = [c for c in cols if c not in frame.columns or c == self.stub]
            if missing:
                raise ValueError(f"spanner {label!r}: {missing} are not data columns")

    # -- shared pieces --------------------------------------------------------------
    @property
    def heading(self) -> str:
        """``"Table N. caption"`` (or the caption alone when unnumbered)."""
        prefix = f"Table {self.number}." if self.number is not None else ""
        return " ".join(p for p in (prefix, self.caption) if p)

    def _decimals(self, column: str) -> int:
        if isinstance(self.decimals, Mapping):
            return int(self.decimals.get(column, 2))
        return int(self.decimals)

    def _whole(self, column: str) -> bool:
        """Label column whose values are all whole numbers (shown as integers)."""
        if column not in self.label_columns:
            return False
        values = pd.to_numeric(self.frame[column], errors="coerce").dropna()
        return bool(len(values)) and bool((values % 1 == 0).all())

    def numeric_columns(self) -> list[str]:
        """Data columns holding numbers (right-aligned); label and stub columns excluded."""
        return [
            c
            for c in self.frame.columns
            if c != self.stub
            and c not in self.label_columns
            and pd.api.types.is_numeric_dtype(self.frame[c].dtype)
            and not pd.api.types.is_bool_dtype(self.frame[c].dtype)
        ]

    def alignment(self, column: str) -> str:
        """``"left"``, ``"center"`` or ``"right"`` for one column."""
        if column in self.align:
            return self.align[column]
        return "right" if column in self.numeric_columns() else "left"

    def formatted(self) -> pd.DataFrame:
        """The frame as display strings (the text every format shows)."""
        out = {}
        for col in self.frame.columns:
            d, whole = self._decimals(col), self._whole(col)
            if col in self.p_columns:
                out[col] = [
                    "" if _is_missing(v) else format_p(float(v)) for v in self.frame[col].tolist()
                ]
            else:
                out[col] = [format_cell(v, d, whole) for v in self.frame[col].tolist()]
        return pd.DataFrame(out, columns=self.frame.columns, dtype=object)

    def _ordered_columns(self) -> list[str]:
        """Stub first, then the data columns."""
        cols = list(self.frame.columns)
        return [self.stub, *(c for c in cols if c != self.stub)] if self.stub else cols

    def _html_id(self) -> str:
        if self.name:
            return f"improve-{self.name}"
        digest = hashlib.sha1(
            (self.caption + csv_text(self.frame)).encode("utf-8"), usedforsecurity=False
        ).hexdigest()
        return f"improve-{digest[:12]}"

    # -- HTML -----------------------------------------------------------------------
    def to_gt(self) -> Any:
        """The table as a :class:`great_tables.GT` (for further styling)."""
        from great_tables import GT, loc, style

        shown = self.formatted()[self._ordered_columns()]
        stub = None
        if self.stub is not None:
            # great_tables ignores styles on a stub column named "": give it a private name
            stub = _STUB
            shown = shown.rename(columns={self.stub: _STUB})
        gt = GT(shown, rowname_col=stub, id=self._html_id(), auto_align=False)
        if self.stub:
            gt = gt.tab_stubhead(label=self.label(self.stub))
        labels = {c: self.headers[c] for c in shown.columns if c in self.headers and c != stub}
        if labels:
            gt = gt.cols_label(**labels)
        for how in _ALIGN:
            cols = [c for c in shown.columns if c != stub and self.alignment(c) == how]
            if cols:
                gt = gt.cols_align(how, columns=cols)
        for label, cols in self.spanners.items():
            gt = gt.tab_spanner(label=label, columns=list(cols))
        if self.rules_above:
            rule = style.borders(sides="top", color=_RULE, weight="1px")
            rows = list(self.rules_above)
            # one call per location: great_tables 1.1 drops the stub from a list of locations
            gt = gt.tab_style(style=rule, locations=loc.body(rows=rows))
            if stub:
                gt = gt.tab_style(style=rule, locations=loc.stub(rows=rows))
        return gt.tab_options(**_GT_OPTIONS)

    def table_html(self) -> str:
        """The great_tables fragment alone (no caption, no notes)."""
        return _scope_gt_css(self.to_gt().as_raw_html(), self._html_id())

    def to_html(self) -> str:
        """Figure with the numbered caption, the table (great_tables) and the notes."""
        ident = f" id='table-{html.escape(self.name, quote=True)}'" if self.name else ""
        caption = html.escape(self.caption)
        if self.number is not None:
            caption = f"<b>Table {self.number}.</b> {caption}"
        if caption:
            caption = f"<figcaption>{caption}</figcaption>"
        foot = "".join(f"<p class='improve-note'>{html.escape(n)}</p>" for n in self.notes)
        return f"<figure class='improve-table'{ident}>{caption}{self.table_html()}{foot}</figure>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        rows, cols = self.frame.shape
        return f"<Table {self.heading or self.name!r}: {rows} rows x {cols} columns>"

    # -- text formats ---------------------------------------------------------------
    def to_markdown(self) -> str:
        """Pipe table with the caption above and the notes below (GitHub / Pandoc)."""
        shown = self.formatted()[self._ordered_columns()]
        head = [_md_escape(self._header(c)) for c in shown.columns]
        rule = [_ALIGN[self.alignment(c)][0] for c in shown.columns]
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
        for row in shown.itertuples(index=False):
            lines.append("| " + " | ".join(_md_escape(v) for v in row) + " |")
        parts = ([f"**{_md_escape(self.heading)}**", ""] if self.heading else []) + lines
        for note in self.notes:
            parts += ["", _md_escape(note)]
        return "\n".join(parts) + "\n"

    def label(self, column: str) -> str:
        """Header text of one column (``headers`` or the column name)."""
        return self.headers.get(column, column)

    def _header(self, column: str) -> str:
        """Markdown header: spanned columns carry their spanner ("Math: estimate")."""
        for label, cols in self.spanners.items():
            if column in cols:
                return f"{label}: {self.label(column)}"
        return self.label(column)

    def to_latex(self, *, environment: bool = True) -> str:
        """Booktabs ``tabular`` with every cell escaped.

        Parameters
        ----------
        environment : bool
            Wrap in a ``table`` float with ``\\caption`` (LaTeX numbers it), ``\\label``
            (``tab:<name>``) and the notes under the tabular; ``False`` gives the bare
            ``tabular`` with the notes in a last full-width row.
        """
        shown = self.formatted()[self._ordered_columns()]
        spec = "".join(_ALIGN[self.alignment(c)][1] for c in shown.columns)
        lines = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
        lines += self._latex_spanners(list(shown.columns))
        header = ["" if c == self.stub else latex_escape(self.label(c)) for c in shown.columns]
        lines += [" & ".join(header) + r" \\", r"\midrule"]
        for i, row in enumerate(shown.itertuples(index=False)):
            if i in self.rules_above:
                lines.append(r"\midrule")
            lines.append(" & ".join(latex_escape(v) for v in row) + r" \\")
        lines.append(r"\bottomrule")
        notes = " ".join(latex_escape(n) for n in self.notes)
        if not environment:
            if notes:
                width = len(shown.columns)
                lines.append(
                    rf"\multicolumn{{{width}}}{{p{{0.9\linewidth}}}}{{\footnotesize {notes}}} \\"
                )
            return "\n".join([*lines, r"\end{tabular}"]) + "\n"
        out = [r"\begin{table}[htbp]", r"\centering"]
        if self.caption:
            out.append(rf"\caption{{{latex_escape(self.caption)}}}")
        if self.name:
            out.append(rf"\label{{tab:{self.name}}}")
        out += [*lines, r"\end{tabular}"]
        if notes:
            out.append(rf"\par\smallskip{{\footnotesize {notes}\par}}")
        return "\n".join([*out, r"\end{table}"]) + "\n"

    def _latex_spanners(self, columns: list[str]) -> list[str]:
        if not self.spanners:
            return []
        cells, rules, j = [], [], 0
        owner = {c: label for label, cols in self.spanners.items() for c in cols}
        while j < len(columns):
            label = owner.get(columns[j])
            k = j + 1
            while label is not None and k < len(columns) and owner.get(columns[k]) == label:
                k += 1
            if label is None:
                cells.append("")
            else:
                cells.append(rf"\multicolumn{{{k - j}}}{{c}}{{{latex_escape(label)}}}")
                rules.append(rf"\cmidrule(lr){{{j + 1}-{k}}}")
            j = k
        return [" & ".join(cells) + r" \\", " ".join(rules)]

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """The frame as CSV (numbers at ``%.6f``); written to ``path`` or returned."""
        return csv_text(self.frame, path)

    # -- Excel ----------------------------------------------------------------------
    def to_excel(self, target: Any, sheet: str | None = None) -> Any:
        """Write the table to an Excel sheet: caption, header, full-precision values, notes.

        Parameters
        ----------
        target : path-like or openpyxl.Workbook
            A path (a new workbook holding this one sheet is saved there, byte-identically
            across runs) or an open workbook (a sheet is added; the caller saves it, e.g.
            with :func:`save_workbook`).
        sheet : str, optional
            Sheet name (default: the table name, else "Table"), cut to 31 characters.

        Returns
        -------
        openpyxl.worksheet.worksheet.Worksheet
            The sheet written. Row 1 holds the heading, then (spanners and) the header,
            then one row per table row; notes follow after a blank row.
        """
        from openpyxl import Workbook

        title = (sheet or self.name or "Table")[:SHEET_NAME_MAX]
        if isinstance(target, Workbook):
            return _write_sheet(target.create_sheet(title), self)
        book = new_workbook()
        ws = _write_sheet(book.create_sheet(title), self)
        save_workbook(book, target)
        return ws

    @property
    def excel_header_row(self) -> int:
        """1-based row of the column header in the sheet :meth:`to_excel` writes."""
        return 3 if self.spanners else 2


_GT_OPTIONS: dict[str, str] = {
    "table_margin_left": "0",
    "table_margin_right": "auto",
    "table_font_size": "0.9rem",
    "table_font_color": "#222222",
    "container_padding_y": "0px",
    "container_padding_x": "0px",
    "data_row_padding": "0.2rem",
    "data_row_padding_horizontal": "0.6rem",
    "column_labels_padding": "0.25rem",
    "column_labels_padding_horizontal": "0.6rem",
    "column_labels_font_weight": "bold",
    "table_border_top_color": _RULE,
    "table_border_bottom_color": _RULE,
    "column_labels_border_top_color": _RULE,
    "column_labels_border_bottom_color": _RULE,
    "column_labels_border_bottom_width": "1px",
    "table_body_hlines_color": _HLINE,
    "table_body_border_bottom_color": _RULE,
    "stub_border_color": _HLINE,
    "stub_border_width": "1px",
}


def _scope_gt_css(markup: str, ident: str) -> str:
    """Scope great_tables' page-wide reset rules to the table.

    great_tables 1.x emits ``#id thead, tbody, tfoot, tr, td, th { border-style: none; }``
    and `` tr { background-color: transparent; }``: only the first selector is scoped, so
    the rules would strip borders from every other table in the report.
    """
    scoped = ", ".join(f"#{ident} {tag}" for tag in ("thead", "tbody", "tfoot", "tr", "td", "th"))
    markup = markup.replace(f"#{ident} thead, tbody, tfoot, tr, td, th {{", f"{scoped} {{")
    return re.sub(r"(?m)^ tr \{", f"#{ident} tr {{", markup)


def _flat_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Column names as text (MultiIndex levels joined with " / "); index dropped."""
    names = [
        " / ".join(str(p) for p in c if str(p)) if isinstance(c, tuple) else str(c)
        for c in frame.columns
    ]
    if len(set(names)) != len(names):
        raise ValueError(f"table columns must be unique, got {names}")
    out = frame.reset_index(drop=True)
    out.columns = pd.Index(names, dtype=object)
    return out


# ----------------------------------------------------------------------------- Excel


def new_workbook() -> Any:
    """An empty openpyxl workbook (no default sheet), to fill with :meth:`Table.to_excel`."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    return book


def _excel_value(value: Any) -> Any:
    """A cell value openpyxl can store, at full precision (missing → empty cell).

    Text that a spreadsheet would read as a formula is neutralised
    (:func:`~improve.report.formula_safety.neutralise`).
    """
    if isinstance(value, str):
        return neutralise(value)
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else str(number)
    if isinstance(value, datetime):
        return value
    return neutralise(str(value))


def _number_format(table: Table, column: str) -> str | None:
    series = table.frame[column]
    if pd.api.types.is_bool_dtype(series.dtype):
        return None
    if pd.api.types.is_integer_dtype(series.dtype) or table._whole(column):
        return "0"
    if column in table.p_columns:
        return "0.000"
    if pd.api.types.is_float_dtype(series.dtype) or series.dtype == object:
        d = table._decimals(column)
        return "#,##0" + (f".{'0' * d}" if d > 0 else "")
    return None


def _write_sheet(ws: Any, table: Table) -> Any:
    """Fill one worksheet (see :meth:`Table.to_excel` for the layout)."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    columns = table._ordered_columns()
    bold = Font(bold=True)
    ws.cell(row=1, column=1, value=_excel_value(table.heading or table.name or None)).font = bold
    header_row = table.excel_header_row
    if table.spanners:
        for label, cols in table.spanners.items():
            first = min(columns.index(c) for c in cols) + 1
            last = max(columns.index(c) for c in cols) + 1
            cell = ws.cell(row=2, column=first, value=_excel_value(label))
            cell.font, cell.alignment = bold, Alignment(horizontal="center")
            if last > first:
                ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=last)
    rule = Border(bottom=Side(style="thin"))
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=j, value=_excel_value(table.label(col)))
        cell.font, cell.border = bold, rule
    for j, col in enumerate(columns, start=1):
        fmt = _number_format(table, col)
        centre = Alignment(horizontal="center") if table.alignment(col) == "center" else None
        for i, value in enumerate(table.frame[col].tolist(), start=header_row + 1):
            cell = ws.cell(row=i, column=j, value=_excel_value(value))
            if fmt is not None and isinstance(cell.value, int | float):
                cell.number_format = fmt
            if centre is not None:
                cell.alignment = centre
    row = header_row + len(table.frame) + 2
    for note in table.notes:
        ws.cell(row=row, column=1, value=_excel_value(note))
        row += 1
    shown = table.formatted()
    for j, col in enumerate(columns, start=1):
        text = [table.label(col), *shown[col].tolist()]
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, *map(len, text)) + 2)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return ws


def unique_sheet_names(names: Iterable[str]) -> list[str]:
    """Sheet names cut to 31 characters, made unique with a ``~2``, ``~3`` … suffix."""
    out: list[str] = []
    for name in names:
        candidate, k = name[:SHEET_NAME_MAX], 2
        while candidate in out:
            suffix = f"~{k}"
            candidate = name[: SHEET_NAME_MAX - len(suffix)] + suffix
            k += 1
        out.append(candidate)
    return out


def write_workbook(tables: Sequence[Table], path: str | Path) -> None:
    """Write several tables to one ``.xlsx``, one sheet per table, byte-identically.

    Parameters
    ----------
    tables : sequence of Table
        In sheet order; each sheet is named after its table (see :func:`unique_sheet_names`).
    path : path-like
    """
    book = new_workbook()
    names = unique_sheet_names(t.name or f"table_{i + 1}" for i, t in enumerate(tables))
    for table, name in zip(tables, names, strict=True):
        _write_sheet(book.create_sheet(name), table)
    save_workbook(book, path)


@contextmanager
def _full_precision() -> Iterator[None]:
    """Write floats with the shortest text that reads back as the same double.

    openpyxl writes numbers with ``"%.16g"``, which changes some doubles in the last bit
    (0.1 + 0.2 is written as 0.3); ``repr`` gives 17 significant digits where needed.
    """
    from openpyxl.cell import _writer

    original = _writer.safe_string

    def exact(value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return float.__repr__(float(value))
        return original(value)

    _writer.safe_string = exact
    try:
        yield
    finally:
        _writer.safe_string = original


def save_workbook(book: Any, path: str | Path) -> None:
    """Save an openpyxl workbook so that the same content gives the same bytes.

    openpyxl stamps "now" into ``docProps/core.xml`` and into every zip entry; here the
    document times are :data:`FIXED_TIME` and the archive is rewritten with fixed entry
    times and permissions. Floats are written at full precision (17 significant digits
    where needed; openpyxl alone writes 16). The file is written to a temporary name and
    then renamed, so a reader never sees half a workbook.
    """
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "improve"
    book.properties.lastModifiedBy = None
    raw = io.BytesIO()
    with _full_precision(), zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    with (
        zipfile.ZipFile(raw) as source,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, source.read(entry.filename))
    tmp.replace(target)


def read_excel_table(path: str | Path, table: Table, sheet: str | None = None) -> pd.DataFrame:
    """Read back the cells :meth:`Table.to_excel` wrote (header row and data rows only)."""
    name = (sheet or table.name or "Table")[:SHEET_NAME_MAX]
    frame = pd.read_excel(
        path,
        sheet_name=name,
        skiprows=table.excel_header_row - 1,
        nrows=len(table.frame),
        engine="openpyxl",
    )
    if table.headers and len(frame.columns) == len(table.frame.columns):
        frame.columns = pd.Index(table._ordered_columns(), dtype=object)
    return frame


# ----------------------------------------------------------------------------- maketables

#: Labels of the model statistics our results give ``maketables.ETable`` (``__maketables_stat__``).
MAKETABLES_STAT_LABELS: dict[str, str] = {
    "N": "Observations",
    "n_units": "Units",
    "n_treated": "Treated observations",
    "n_clusters": "Clusters",
    "se_type": "S.E. type",
    "r2_within": "Within R²",
}


def maketables_coef_table(tidy: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """A tidy frame in the shape of maketables' plug-in ``__maketables_coef_table__``.

    Parameters
    ----------
    tidy : pandas.DataFrame
        ``term, estimate, std_error, statistic, p_value, conf_low, conf_high`` (one row per
        term, terms unique).
    alpha : float
        Level of ``conf_low``/``conf_high``: the interval columns are named
        ``ci<100(1-alpha)>l`` and ``...u`` (``ci95l``, ``ci95u`` by default).

    Returns
    -------
    pandas.DataFrame
        Index ``Coefficient`` (the terms), columns ``b, se, t, p`` and the interval; the
        numbers are exactly the tidy ones.
    """
    level = f"{100 * (1 - alpha):g}"
    columns = {
        "b": "estimate",
        "se": "std_error",
        "t": "statistic",
        "p": "p_value",
        f"ci{level}l": "conf_low",
        f"ci{level}u": "conf_high",
    }
    out = pd.DataFrame(
        {key: tidy[col].to_numpy(dtype=float) for key, col in columns.items()},
        index=pd.Index(tidy["term"].astype(str).tolist(), name="Coefficient", dtype=object),
    )
    if not out.index.is_unique:
        raise ValueError(f"maketables needs unique terms, got {list(out.index)}")
    return out
