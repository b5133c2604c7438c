"""What a workbook publishes: numbered tables, figures with alt text, results.json, text.

Every output goes through one :class:`~improve.report.suppression.SuppressionRegistry`:
the run's minimum cell size is applied here, once, so a value suppressed in one table is
absent from every other table, figure label, JSON entry and sentence of the run.

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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from improve.report.headers import header_labels
from improve.report.names import FileNames
from improve.report.numbers import column_decimals, value_kind
from improve.report.privacy import SUPPRESSED_NOTE
from improve.report.suppression import SuppressionRegistry
from improve.report.tables import FLOAT_FORMAT, Table, csv_text, write_workbook

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
        The run's minimum cell size, applied to every output (``None``: no suppression).
    panel : Panel, optional
        The run's data: cohorts with fewer units than ``min_cell_size`` are registered
        (estimates about them and, with complementary suppression, the counts that would
        reveal their size are hidden in every output). A spec with ``public_counts: true``
        keeps the counts.
    """

    def __init__(
        self,
        output_dir: str | Path = "",
        min_cell_size: int | None = None,
        panel: Any = None,
    ) -> None:
        self.output_dir = Path(output_dir) if output_dir else None
        self.min_cell_size = min_cell_size
        self.suppression = SuppressionRegistry(min_cell_size)
        if panel is not None:
            self.suppression.register_cohorts(
                _cohort_sizes(panel),
                public_counts=bool(getattr(panel.spec, "public_counts", False)),
            )
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
        decimals: int | None = None,
        outcome: str | None = None,
        count_column: str | None = None,
        headers: dict[str, str] | None = None,
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
        decimals : int, optional
            Decimals shown for numbers; default: per column, three significant digits of
            its typical value (:func:`~improve.report.numbers.column_decimals`; intervals as
            their estimate), p-values
            as "< 0.001" or three decimals, counts whole.
        outcome : str, optional
            The outcome the table is about (suppression registered for one outcome).
        count_column : str, optional
            Column of units behind each row: rows below the minimum cell size are blanked.
        headers : dict, optional
            Header words for columns, on top of the standard ones
            (:func:`~improve.report.headers.header_labels`).

        Returns
        -------
        Table
            Renders as HTML (great_tables) in JupyterLab and in the report. A column
            ``suppressed`` is not shown; when it marks any row, the suppression note is
            added under the table.
        """
        name = self._file_names(name)
        self._n_tables += 1
        frame = self.publishable(frame, outcome=outcome, count_column=count_column)
        if display_frame is not None:
            display_frame = self.publishable(
                display_frame, outcome=outcome, count_column=count_column
            )
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
        if decimals is None:
            decimals = _readable_decimals(shown)
        table = Table(
            shown,
            caption=self.clean_text(caption),
            notes=[self.clean_text(n) for n in notes],
            decimals=decimals,
            stub="" if len(shown.columns) and shown.columns[0] == "" else None,
            name=name,
            number=self._n_tables,
            headers=header_labels(shown.columns, headers),
            p_columns=[c for c in shown.columns if value_kind(str(c)) == "p"],
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

    # -- suppression ----------------------------------------------------------------------
    def publishable(
        self,
        frame: pd.DataFrame,
        *,
        outcome: str | None = None,
        count_column: str | None = None,
    ) -> pd.DataFrame:
        """``frame`` with the run's suppression applied (what a table or figure may show).

        Draw figures from this frame, so a figure never shows a value a table hides.
        """
        return self.suppression.apply(frame, outcome=outcome, count_column=count_column)

    def clean_text(self, text: str) -> str:
        """``text`` with every number that would show a suppressed value replaced."""
        return self.suppression.clean_text(text)

    def text(self, markdown: str) -> Any:
        """A paragraph for the report (Markdown), with suppressed numbers removed.

        The Markdown comes from our templates; the user's words inside it (program, unit and
        outcome labels, column and subgroup names) are text: ``&``, ``<`` and ``>`` are
        escaped here, so a label such as ``<img src=x onerror=...>`` is shown, never run.
        """
        from IPython.display import Markdown

        return Markdown(html.escape(self.clean_text(markdown), quote=False))

    # -- figures ------------------------------------------------------------------------
    def figure(self, name: str, fig: Figure, caption: str, alt: str) -> Any:
        """Save ``figures/<name>.png`` and ``.svg``; return the numbered figure with alt text.

        ``name`` may be any text; the file name is its slug (see :meth:`table`).
        Every text in the figure (cell labels, annotations, titles) is checked against the
        run's suppression: a number showing a suppressed value is removed before saving.
        """
        name = self._file_names(name)
        if not alt.strip():
            raise ValueError("every figure needs alt text describing what it shows")
        if self.suppression.active:
            from matplotlib.text import Text

            for artist in fig.findobj(Text):
                artist.set_text(self.suppression.clean_text(artist.get_text(), replacement=""))
            caption, alt = self.clean_text(caption), self.clean_text(alt)
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
        import matplotlib.pyplot as plt  # here: pyplot is slow to import, figures bring it

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
        """Record a headline number or fact in ``results.json`` (suppression applied)."""
        if isinstance(value, pd.DataFrame):
            value = self.publishable(value)
        self._results[key] = self.suppression.clean_json(_json_safe(value))
        if self.output_dir is not None:
            write_json(self.output_dir / "results.json", self._results)

    @property
    def results(self) -> dict[str, Any]:
        """Everything recorded so far."""
        return dict(self._results)


#: Columns shown with the decimals of the ``estimate`` column (same scale).
_ESTIMATE_SCALE = ("conf_low", "conf_high", "conf_low_uniform", "conf_high_uniform")


def _readable_decimals(frame: pd.DataFrame) -> dict[str, int]:
    """Decimals per float column: three significant digits of its typical value; interval
    bounds share the estimate's decimals."""
    decimals = {
        str(c): column_decimals(pd.to_numeric(frame[c], errors="coerce"))
        for c in frame.columns
        if pd.api.types.is_float_dtype(frame[c].dtype)
    }
    if "estimate" in decimals:
        for column in _ESTIMATE_SCALE:
            if column in decimals:
                decimals[column] = decimals["estimate"]
    return decimals


def _cohort_sizes(panel: Any) -> dict[int, int]:
    """Units per cohort (0 = never treated); empty without treatment timing."""
    spec = panel.spec
    if getattr(spec, "cohort", None) is None:
        return {}
    if not hasattr(panel, "data"):  # a LazyPanel: the load report counted them in the engine
        return {int(k): int(v) for k, v in sorted(panel.report.cohorts.items())}
    if spec.cohort not in panel.data.columns:
        return {}
    first = panel.data.groupby(spec.unit, observed=True)[spec.cohort].first()
    return {int(k): int(v) for k, v in first.value_counts().sort_index().items()}


class _Html:
    """Minimal object JupyterLab and nbconvert render as HTML."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return re.sub(r"<[^>]+>", " ", self.markup)[:200]
