"""What a workbook publishes: numbered tables, figures with alt text, and results.json.

A workbook creates one :class:`RunOutputs` from its ``output_dir`` parameter. When the runner
executes the workbook, ``output_dir`` points at the run folder and every table, figure and
result is also written there; in JupyterLab (``output_dir = ""``) they are only displayed.
Files are written deterministically (fixed float format, sorted JSON keys, no timestamps),
so the same data and parameters give byte-identical files.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from improve.report.names import FileNames
from improve.report.privacy import SUPPRESSED_NOTE
from improve.report.tables import FLOAT_FORMAT, Table, csv_text, write_workbook

__all__ = ["FLOAT_FORMAT", "WORKBOOK_NAME", "RunOutputs", "write_json"]

#: Every table of a run, one sheet each, in ``tables/``.
WORKBOOK_NAME = "tables.xlsx"


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else round(f, 10)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.DataFrame):
        return _json_safe(value.to_dict(orient="records"))
    return value


def write_json(path: Path, payload: Any) -> None:
    """Deterministic JSON (sorted keys, 2-space indent, trailing newline)."""
    text = json.dumps(_json_safe(payload), sort_keys=True, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


class RunOutputs:
    """Collects a workbook's published outputs.

    Parameters
    ----------
    output_dir : str or Path
        Run folder; empty string means display only (interactive use).
    min_cell_size : int, optional
        Stated in table notes when tables are suppressed.
    """

    def __init__(self, output_dir: str | Path = "", min_cell_size: int | None = None) -> None:
        self.output_dir = Path(output_dir) if output_dir else None
        self.min_cell_size = min_cell_size
        self._results: dict[str, Any] = {}
        self._tables: dict[str, Table] = {}
        self._n_tables = 0
        self._n_figures = 0
        self._file_names = FileNames()
        if self.output_dir is not None:
            (self.output_dir / "tables").mkdir(parents=True, exist_ok=True)
            (self.output_dir / "figures").mkdir(parents=True, exist_ok=True)

    # -- tables -------------------------------------------------------------------------
    def table(
        self,
        name: str,
        frame: pd.DataFrame,
        caption: str,
        *,
        note: str | None = None,
        display_frame: pd.DataFrame | None = None,
        display_columns: list[str] | None = None,
        decimals: int = 2,
    ) -> Table:
        """Publish a table: write its files and return it numbered and captioned for display.

        In a run folder this writes ``tables/<name>.csv`` (``frame``, every column, fixed
        float format), ``tables/<name>.md`` and ``tables/<name>.tex`` (the table as shown)
        and rewrites ``tables/tables.xlsx`` with one sheet per table published so far
        (sheet name = table name cut to 31 characters; values at full precision).

        Parameters
        ----------
        name : str
            File name (without extension); any name works (e.g. ``trends_Math Score``): it
            is turned into a portable, unique file name with
            :func:`improve.report.names.slugify`.
        frame : pandas.DataFrame
            The full table written to CSV.
        caption : str
            Caption shown after "Table N.".
        note : str, optional
            Note under the table (e.g. the SD used).
        display_frame : pandas.DataFrame, optional
            A different frame to show (default ``frame``).
        display_columns : list of str, optional
            Columns to show (the CSV keeps them all).
        decimals : int
            Decimals shown for numbers (labels such as years are shown as whole numbers).

        Returns
        -------
        Table
            Renders as HTML (great_tables) in JupyterLab and in the report. A column
            ``suppressed`` is not shown; when it marks any row, the suppression note is
            added under the table.
        """
        name = self._file_names(name)
        self._n_tables += 1
        shown = display_frame if display_frame is not None else frame
        if display_columns is not None:
            shown = shown[
                [c for c in display_columns if c in shown.columns]
                + (["suppressed"] if "suppressed" in shown.columns else [])
            ]
        notes = [note] if note else []
        if "suppressed" in shown.columns:
            if bool(shown["suppressed"].any()) and self.min_cell_size:
                notes.append(SUPPRESSED_NOTE.format(n=self.min_cell_size))
            shown = shown.drop(columns="suppressed")
        table = Table(
            shown,
            caption=caption,
            notes=notes,
            decimals=decimals,
            stub="" if len(shown.columns) and shown.columns[0] == "" else None,
            name=name,
            number=self._n_tables,
        )
        if self.output_dir is not None:
            self._write_table(name, frame, table)
        return table

    def _write_table(self, name: str, frame: pd.DataFrame, table: Table) -> None:
        folder = self.output_dir / "tables"
        csv_text(frame, folder / f"{name}.csv")
        (folder / f"{name}.md").write_text(table.to_markdown(), encoding="utf-8")
        (folder / f"{name}.tex").write_text(table.to_latex(), encoding="utf-8")
        self._tables[name] = table
        write_workbook(list(self._tables.values()), folder / WORKBOOK_NAME)

    # -- figures ------------------------------------------------------------------------
    def figure(self, name: str, fig: Figure, caption: str, alt: str) -> Any:
        """Save ``figures/<name>.png`` and ``.svg``; return the numbered figure with alt text.

        ``name`` may be any text; the file name is its slug (see :meth:`table`).
        """
        name = self._file_names(name)
        if not alt.strip():
            raise ValueError("every figure needs alt text describing what it shows")
        self._n_figures += 1
        import base64
        import io

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        png = buffer.getvalue()
        if self.output_dir is not None:
            (self.output_dir / "figures" / f"{name}.png").write_bytes(png)
            fig.savefig(
                self.output_dir / "figures" / f"{name}.svg",
                format="svg",
                metadata={"Date": None, "Creator": None},
            )
        plt.close(fig)
        encoded = base64.b64encode(png).decode("ascii")
        return _Html(
            f"<figure class='improve-figure' id='figure-{name}'>"
            f"<img src='data:image/png;base64,{encoded}' alt='{html.escape(alt, quote=True)}' "
            "style='max-width:100%'/>"
            f"<figcaption><b>Figure {self._n_figures}.</b> {html.escape(caption)}</figcaption>"
            "</figure>"
        )

    # -- results ------------------------------------------------------------------------
    def result(self, key: str, value: Any) -> None:
        """Record a headline number or fact in ``results.json``."""
        self._results[key] = _json_safe(value)
        if self.output_dir is not None:
            write_json(self.output_dir / "results.json", self._results)

    @property
    def results(self) -> dict[str, Any]:
        """Everything recorded so far."""
        return dict(self._results)


class _Html:
    """Minimal object JupyterLab and nbconvert render as HTML."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return re.sub(r"<[^>]+>", " ", self.markup)[:200]
