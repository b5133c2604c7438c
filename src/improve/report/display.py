"""Rich (HTML) display of result objects in JupyterLab.

Result classes call :func:`html_table` from their ``_repr_html_``; everything a user
supplied (outcome names, labels) is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd


def html_table(title: str, df: pd.DataFrame, notes: Sequence[str] = (), digits: int = 4) -> str:
    """A small self-contained HTML table with a caption and notes."""
    cols = list(df.columns)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for v in rec:
            if isinstance(v, float | np.floating):
                txt = "" if not np.isfinite(v) else f"{v:.{digits}f}"
            else:
                txt = html.escape(str(v))
            cells.append(f"<td>{txt}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note_html = "".join(
        f"<p style='margin:2px 0'><small>{html.escape(n)}</small></p>" for n in notes
    )
    return (
        f"<div><strong>{html.escape(title)}</strong>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{note_html}</div>"
    )
