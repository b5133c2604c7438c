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

from improve.report.privacy import LABEL_COLUMNS, SUPPRESSED_NOTE

FLOAT_FORMAT = "%.6f"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def _check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ValueError(
            f"output name {name!r} must be lower-case letters, digits, '_' or '-' (a file name)"
        )
    return name


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
        self._n_tables = 0
        self._n_figures = 0
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
    ) -> Any:
        """Write ``tables/<name>.csv`` and return a numbered, captioned HTML table for display.

        Parameters
        ----------
        name : str
            File name (without ``.csv``).
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
        """
        _check_name(name)
        self._n_tables += 1
        if self.output_dir is not None:
            frame.to_csv(
                self.output_dir / "tables" / f"{name}.csv",
                index=False,
                float_format=FLOAT_FORMAT,
                lineterminator="\n",
            )
        shown = display_frame if display_frame is not None else frame
        if display_columns is not None:
            shown = shown[[c for c in display_columns if c in shown.columns] + (
                ["suppressed"] if "suppressed" in shown.columns else []
            )]
        shown = _labels_as_integers(shown)
        notes = [note] if note else []
        if "suppressed" in shown.columns:
            if bool(shown["suppressed"].any()) and self.min_cell_size:
                notes.append(SUPPRESSED_NOTE.format(n=self.min_cell_size))
            shown = shown.drop(columns="suppressed")
        body = shown.to_html(
            index=False,
            na_rep="",
            float_format=lambda v: f"{v:,.{decimals}f}",
            classes="improve-table",
            border=0,
        )
        foot = "".join(f"<p class='improve-note'>{html.escape(n)}</p>" for n in notes)
        return _Html(
            f"<figure class='improve-table' id='table-{name}'>"
            f"<figcaption><b>Table {self._n_tables}.</b> {html.escape(caption)}</figcaption>"
            f"{body}{foot}</figure>"
        )

    # -- figures ------------------------------------------------------------------------
    def figure(self, name: str, fig: Figure, caption: str, alt: str) -> Any:
        """Save ``figures/<name>.png`` and ``.svg``; return the numbered figure with alt text."""
        _check_name(name)
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


def _labels_as_integers(frame: pd.DataFrame) -> pd.DataFrame:
    """Show label columns (cohort, year, event time) as whole numbers, not 2,017.00."""
    out = frame
    for col in frame.columns:
        if col not in LABEL_COLUMNS or not pd.api.types.is_float_dtype(frame[col].dtype):
            continue
        values = frame[col].dropna()
        if (values % 1 == 0).all():
            out = out.assign(**{col: frame[col].astype("Int64")})
    return out


class _Html:
    """Minimal object JupyterLab and nbconvert render as HTML."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return re.sub(r"<[^>]+>", " ", self.markup)[:200]
