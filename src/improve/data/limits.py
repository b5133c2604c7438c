"""Limits on what a data file may cost to read, checked before the reader starts.

A partner's file can be small on disk and huge once read: an ``.xlsx`` is a zip archive
whose sheets may inflate a thousandfold, and a CSV may hold a hundred thousand columns.
Each limit here is checked from cheap facts (the zip directory, the file size, the header
line) and raises one :class:`~improve.errors.DataError` line saying how to raise it.

Each limit can be raised with an environment variable (``IMPROVE_MAX_...``), in MB for sizes.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from improve.errors import DataError

#: Largest total uncompressed size of an .xlsx (zip) input, MB.
MAX_UNCOMPRESSED_MB = 512
#: Largest ratio of uncompressed to compressed size of an .xlsx input (above
#: :data:`RATIO_FLOOR_MB` uncompressed; real workbooks compress 5 to 30 times).
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR_MB = 16
#: Largest file of a format read whole into memory (Excel, Stata, SPSS), MB.
MAX_WHOLE_FILE_MB = 1024
#: Most columns a text file may have.
MAX_COLUMNS = 20_000
#: Longest header line of a text file, MB.
MAX_HEADER_MB = 64

_MB = 1024 * 1024


def limit(name: str, default: int) -> int:
    """The limit ``name`` (e.g. ``"MAX_COLUMNS"``): ``IMPROVE_<name>`` if set, else default."""
    text = os.environ.get(f"IMPROVE_{name}", "").strip()
    if not text:
        return default
    try:
        value = int(float(text))
    except ValueError:
        raise DataError(
            f"IMPROVE_{name}={text!r} is not a number; set it to a whole number or unset it"
        ) from None
    if value <= 0:
        raise DataError(f"IMPROVE_{name}={text!r} must be a positive number")
    return value


def check_zip_limits(path: Path) -> None:
    """Refuse an .xlsx (zip) whose contents inflate past the limits, before parsing it.

    Raises
    ------
    improve.errors.DataError
        The archive is unreadable, its members add up to more than ``MAX_UNCOMPRESSED_MB``,
        or it inflates more than ``MAX_COMPRESSION_RATIO`` times.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(
            f"'{path.name}' is not a readable Excel workbook ({type(exc).__name__}); "
            "open it in Excel and save it again as .xlsx or CSV"
        ) from None
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    most = limit("MAX_UNCOMPRESSED_MB", MAX_UNCOMPRESSED_MB)
    if unpacked > most * _MB:
        raise DataError(
            f"'{path.name}' unpacks to {unpacked / _MB:,.0f} MB (limit {most:,} MB); save the "
            "sheet as CSV or Parquet, or raise the limit with IMPROVE_MAX_UNCOMPRESSED_MB"
        )
    ratio = unpacked / max(packed, 1)
    most_ratio = limit("MAX_COMPRESSION_RATIO", MAX_COMPRESSION_RATIO)
    if unpacked > RATIO_FLOOR_MB * _MB and ratio > most_ratio:
        raise DataError(
            f"'{path.name}' inflates {ratio:,.0f} times when unpacked (limit {most_ratio:,}); "
            "a real workbook compresses far less: save the sheet as CSV or Parquet, or raise "
            "the limit with IMPROVE_MAX_COMPRESSION_RATIO"
        )


def check_whole_file_size(path: Path, what: str) -> None:
    """Refuse a file above ``MAX_WHOLE_FILE_MB`` of a format read whole into memory.

    Raises
    ------
    improve.errors.DataError
        The file is larger than the limit.
    """
    size = path.stat().st_size
    most = limit("MAX_WHOLE_FILE_MB", MAX_WHOLE_FILE_MB)
    if size > most * _MB:
        raise DataError(
            f"'{path.name}' is {size / _MB:,.0f} MB and {what} files are read whole into "
            f"memory (limit {most:,} MB); save the table as CSV or Parquet (read in blocks), "
            "or raise the limit with IMPROVE_MAX_WHOLE_FILE_MB"
        )


def check_excel_limits(path: Path) -> None:
    """Size limits of an Excel input: whole-file size, and for .xlsx the zip limits."""
    check_whole_file_size(path, "Excel")
    if path.suffix.lower() != ".xls":
        check_zip_limits(path)


def check_column_count(n_columns: int, where: str) -> None:
    """Refuse a table with more than ``MAX_COLUMNS`` columns.

    Raises
    ------
    improve.errors.DataError
        Too many columns.
    """
    most = limit("MAX_COLUMNS", MAX_COLUMNS)
    if n_columns > most:
        raise DataError(
            f"{where} has {n_columns:,} columns (limit {most:,}); keep only the columns the "
            "analysis needs, or raise the limit with IMPROVE_MAX_COLUMNS"
        )
