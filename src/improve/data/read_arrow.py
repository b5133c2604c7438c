"""Large CSV files through Arrow's multithreaded reader, giving what pandas' reader gives.

:func:`read_csv_arrow` is the fast path of :func:`improve.data.read.read_table` for large
UTF-8 text files: about twice as fast as pandas' C reader on one core and faster again on
several. It returns exactly the frame the C reader returns with the options ``read_table``
uses (every column text, empty cells as ``""``, spaces after a delimiter skipped), or
``None`` whenever the file has something on which the two could differ (a byte-order mark,
duplicate or space-padded header names, a quoted value after a space, ragged rows, invalid
...); the caller then reads it with pandas, which also words every error message.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from improve.data.progress import CountingReader, LoadProgress

#: The dtype of pandas' ``read_csv(dtype=str)`` columns.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def _raw_header(sample: str, sep: str) -> list[str] | None:
    """The header names exactly as written, or None if they are not plain names."""
    first = sample.splitlines()[0] if sample else ""
    if '"' in first:
        return None
    try:
        names = next(csv.reader([first], delimiter=sep))
    except (csv.Error, StopIteration):
        return None
    plain = all(n and n == n.strip() for n in names) and len(set(names)) == len(names)
    return names if plain else None


def read_csv_arrow(
    path: Path,
    head: bytes,
    sample: str,
    sep: str,
    wanted: set[str] | None,
    progress: LoadProgress,
) -> pd.DataFrame | None:
    """``path`` read with Arrow, or None when pandas must read it (see the module notes).

    Parameters
    ----------
    path : Path
        A UTF-8 text file with its header on the first line.
    head : bytes
        The file's first bytes (a byte-order mark sends the file to pandas).
    sample : str
        ``head`` decoded.
    sep : str
        The delimiter.
    wanted : set of str, optional
        Columns to keep (all when None).
    progress : LoadProgress
        Receives the bytes read.

    Raises
    ------
    UnicodeDecodeError
        The file is not UTF-8 after all (found past the sample).
    """
    if head.startswith(b"\xef\xbb\xbf") or len(sep) != 1:
        return None
    names = _raw_header(sample, sep)
    if names is None:
        return None
    include = [n for n in names if wanted is None or n in wanted]
    progress.start_reading(path.stat().st_size)
    try:
        with path.open("rb") as raw:
            stream = io.BufferedReader(CountingReader(raw, progress), 1 << 20)
            table = pacsv.read_csv(
                stream,
                read_options=pacsv.ReadOptions(block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.large_string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    include_columns=include,
                ),
            )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        if "UTF8" in str(exc):  # the caller reads it again as cp1252, as after pandas' error
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "invalid UTF-8 past the sample") from None
        return None
    columns = {}
    for name in include:
        values = table.column(name)
        if pc.any(pc.starts_with(values, " ")).as_py():  # skipinitialspace
            values = pc.utf8_ltrim(values, characters=" ")
        if pc.any(pc.starts_with(values, '"')).as_py():  # a quoted value after a space
            return None
        columns[name] = pd.Series(values.to_pandas(types_mapper={pa.large_string(): TEXT}.get))
    return pd.DataFrame(columns)
