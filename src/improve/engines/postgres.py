"""A PostgreSQL table as an engine source: queries run in the server, small results return.

Reading uses ``psycopg`` (v3, in the ``scale`` extra); DuckDB's postgres extension would be
downloaded from the internet at run time, which a partner's locked-down machine forbids.
Every query runs in a read-only transaction, so nothing sent from here can change the
partner's database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from improve.engines.fetch import PANEL_NAME, require
from improve.errors import DataError

_DOUBLE = re.compile(r"\bAS\s+DOUBLE\s*\)", re.IGNORECASE)
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


def is_database_url(source: object) -> bool:
    """True for ``postgresql://`` (or ``postgres://``) connection URLs."""
    return isinstance(source, str) and source.startswith(("postgresql://", "postgres://"))


def quote_table(name: str) -> str:
    """``schema.table`` as quoted SQL identifiers; anything but a plain name is refused."""
    if not isinstance(name, str) or not _TABLE_NAME.match(name):
        raise DataError(
            f"table {name!r} is not a plain table name; write 'table: NAME' or "
            "'table: SCHEMA.NAME' in the column map (letters, digits and underscores)"
        )
    return ".".join(f'"{part}"' for part in name.split("."))


@dataclass(frozen=True)
class PostgresTable:
    """A table (or a column projection of it) in a PostgreSQL database.

    Attributes
    ----------
    url : str
        Connection URL (``postgresql://user@host/db`` or ``postgresql:///db?host=/socket``).
    source_sql : str
        What ``panel`` means in queries: a quoted table name or a parenthesised SELECT
        built by :mod:`improve.data.lazy` (column renames), never partner SQL.
    """

    url: str
    source_sql: str

    def _connect(self) -> Any:
        psycopg = require("psycopg", "reading from PostgreSQL")
        try:
            con = psycopg.connect(self.url, connect_timeout=10)
        except psycopg.Error as exc:
            raise DataError(f"cannot connect to the database: {_first_line(exc)}") from None
        con.read_only = True
        return con

    def fetch(self, sql: str, limit: int) -> pd.DataFrame:
        """Run ``sql`` (reading ``panel``) and return at most ``limit`` rows."""
        psycopg = require("psycopg", "reading from PostgreSQL")
        text = PANEL_NAME.sub(rf"\1 {self.source_sql} AS panel", sql)
        text = _DOUBLE.sub("AS DOUBLE PRECISION)", text)  # DuckDB/Spark's DOUBLE
        with self._connect() as con, con.cursor() as cur:
            try:
                cur.execute(text)
            except psycopg.Error as exc:
                raise DataError(f"database query failed: {_first_line(exc)}") from None
            rows = cur.fetchmany(limit)
            names = [d.name for d in cur.description or []]
        return pd.DataFrame.from_records(rows, columns=names)

    def columns(self) -> list[str]:
        """Column names of the table (no rows read)."""
        return list(self.fetch("SELECT * FROM panel LIMIT 0", 0).columns)

    def with_source(self, source_sql: str) -> PostgresTable:
        """The same database, with ``panel`` meaning ``source_sql``."""
        return PostgresTable(self.url, source_sql)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
