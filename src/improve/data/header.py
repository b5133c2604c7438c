"""Find the header row of a sheet or CSV file that does not start with it.

Partner files often carry a notes row above the header ("Source: State Department of
Education, 2023 release") or a header spread over two rows with merged cells ("Scores" over
two columns). The two need different fixes: a notes row is skipped with ``header_row:`` (or
``skip_rows:``) in the column map, a merged header has to be flattened into one row. This
module looks at the first rows of the file as read and says which one it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: How many rows below the first are searched for the real header.
SEARCH_ROWS = 15


@dataclass(frozen=True)
class HeaderDiagnosis:
    """What the first rows of a table look like.

    Attributes
    ----------
    kind : str
        ``"notes"`` (text above the header), ``"merged"`` (a header spread over several rows)
        or ``"ok"``.
    header_row : int or None
        1-based row number in the file (counting rows already skipped) of the row that looks
        like the full header, when one was found.
    text : str
        The first non-empty cell of the first row (the notes or the group label), cut short.
    """

    kind: str
    header_row: int | None = None
    text: str = ""

    def message(self, where: str, n_unnamed: int = 0) -> str:
        """The error message for this diagnosis (names the column-map key to set)."""
        if self.kind == "notes":
            below = f"row {self.header_row}" if self.header_row else "a row below it"
            key = (
                f"add 'header_row: {self.header_row}' (or 'skip_rows: {self.header_row - 1}') "
                "to the column map"
                if self.header_row
                else "set 'header_row:' in the column map to the row holding the column names"
            )
            first = f"holds notes ('{self.text}')" if self.text else "is empty"
            return (
                f"{where}: the first row {first}, not column names; the "
                f"header looks like it is in {below}: {key} to skip the rows above the header"
            )
        unnamed = f"has {n_unnamed} columns without a name: " if n_unnamed else ""
        hint = (
            f"; if row {self.header_row} holds every column name, set "
            f"'header_row: {self.header_row}' in the column map"
            if self.header_row
            else ""
        )
        return (
            f"{where} {unnamed}the header may span several rows (merged cells); keep a single "
            f"header row with one name per column{hint}"
        )


def _filled(row: Sequence[object]) -> list[int]:
    """Positions of the non-empty cells of a row (pandas' ``Unnamed: n`` counts as empty)."""
    out = []
    for i, cell in enumerate(row):
        text = "" if cell is None else str(cell).strip()
        if text and text.lower() != "nan" and not text.startswith("Unnamed:"):
            out.append(i)
    return out


def diagnose_header(rows: Sequence[Sequence[object]], skipped: int = 0) -> HeaderDiagnosis:
    """Tell a notes row above the header from a header spread over merged cells.

    Parameters
    ----------
    rows : sequence of sequences
        The first rows as read, the (supposed) header first; empty cells as ``""``,
        ``None``, NaN or pandas' ``Unnamed: n``.
    skipped : int
        Rows of the file already skipped before ``rows[0]`` (for row numbers in messages).

    Returns
    -------
    HeaderDiagnosis
        ``notes`` when the first row has its few filled cells at the left and a later row
        fills at least as many columns as any row (the header); ``merged`` when the first row
        has names with gaps between them (group labels over merged cells); ``ok`` when the
        first row is already the widest.
    """
    if not rows:
        return HeaderDiagnosis("ok")
    widths = [len(_filled(r)) for r in rows[: SEARCH_ROWS + 1]]
    widest = max(widths)
    first = _filled(rows[0])
    if widths[0] >= widest or widest < 2:
        return HeaderDiagnosis("ok")
    below = next((i for i, w in enumerate(widths) if i > 0 and w == widest), None)
    header_row = skipped + below + 1 if below is not None else None
    text = ", ".join(str(rows[0][i]).strip() for i in first)
    if len(text) > 60:
        text = text[:57] + "…"
    leading = first == list(range(len(first)))
    if first and leading and len(first) <= max(1, widest // 2):
        return HeaderDiagnosis("notes", header_row, text)
    if not first:
        return HeaderDiagnosis("notes", header_row, "")
    return HeaderDiagnosis("merged", header_row, text)
