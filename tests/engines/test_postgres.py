"""Reading a panel from a real PostgreSQL server that this module starts and stops itself.

The server is Debian's ``postgresql`` package (``.ci/run`` installs it): ``initdb`` into a
temporary folder, started on a unix socket in that folder (no TCP port), run as ``nobody``
when the tests run as root (PostgreSQL refuses to run as root). Skipped only when the
binaries or ``psycopg`` (extra ``scale``) are absent.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from improve.data import LazyPanel, load_panel
from improve.engines.fetch import ResultTooLargeError, run_query
from improve.engines.postgres import PostgresTable
from improve.errors import DataError

psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (extra 'scale')")

SPEC = {"unit": "sid", "time": "year", "cohort": "g", "outcomes": ["score"]}


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_server_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses root: run its binaries as ``nobody`` when we are root."""
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on a unix socket; yields its connection URL."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="improve-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data = folder / "data"
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_server_user([initdb, "-D", str(data), "-U", "improve", "--auth=trust", "--no-sync"]),
        **run,
    )
    options = f"-k {folder} -c listen_addresses='' -F"
    start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
    subprocess.run(_as_server_user(start), **run)
    try:
        yield f"postgresql:///postgres?host={folder}&user=improve"
    finally:
        stop = [pg_ctl, "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(_as_server_user(stop), check=False, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def panel(student_panel: pd.DataFrame) -> pd.DataFrame:
    """The engine tests' student panel, the cohort never reached (2009) coded 0 for load_panel."""
    return student_panel.assign(g=student_panel["g"].replace(2009, 0))


@pytest.fixture(scope="module")
def pg_panel(pg_url: str, panel: pd.DataFrame) -> str:
    """The panel as table ``sls.panel``, plus a copy with a duplicate row as ``sls.dup``."""
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE SCHEMA sls")
        for table, frame in (
            ("sls.panel", panel),
            ("sls.dup", pd.concat([panel, panel.iloc[[7]]])),
        ):
            con.execute(
                f"CREATE TABLE {table} (sid bigint, year bigint, g bigint, district bigint, "
                "score double precision)"
            )
            with con.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for row in frame.itertuples(index=False):
                    copy.write_row(tuple(row))
    return pg_url


def test_lazy_postgres_panel_reports_what_the_in_memory_load_reports(
    pg_panel: str, panel: pd.DataFrame
) -> None:
    lazy = load_panel(pg_panel, columns={**SPEC, "table": "sls.panel"})
    eager = load_panel(panel, spec=SPEC)
    assert isinstance(lazy, LazyPanel) and lazy.engine == "postgres"
    keys = ["n_rows", "n_units", "periods", "cohorts", "balanced", "warnings"]
    assert {k: lazy.report.to_dict()[k] for k in keys} == {
        k: eager.report.to_dict()[k] for k in keys
    }
    means = lazy.query(
        'SELECT g, "year", AVG(score) AS m FROM panel GROUP BY g, "year" ORDER BY g, "year"'
    )
    expected = panel.groupby(["g", "year"])["score"].mean().to_numpy()
    assert means["m"].to_numpy() == pytest.approx(expected, rel=1e-12)


def test_postgres_duplicate_keys_message_equals_in_memory(
    pg_panel: str, panel: pd.DataFrame
) -> None:
    with pytest.raises(DataError) as lazy:
        load_panel(pg_panel, columns={**SPEC, "table": "sls.dup"})
    with pytest.raises(DataError) as eager:
        load_panel(pd.concat([panel, panel.iloc[[7]]]), spec=SPEC)
    assert str(lazy.value) == str(eager.value)


def test_postgres_refuses_large_results_writes_and_odd_table_names(pg_panel: str) -> None:
    lazy = load_panel(pg_panel, columns={**SPEC, "table": "sls.panel"})
    with pytest.raises(ResultTooLargeError, match="more than 1,000 rows"):
        lazy.query("SELECT * FROM panel", max_rows=1000)
    with pytest.raises(DataError, match="read-only transaction"):
        run_query(PostgresTable(pg_panel, '"sls"."panel"'), "CREATE TABLE x AS SELECT 1 AS a")
    with pytest.raises(DataError, match="not a plain table name"):
        load_panel(pg_panel, columns={**SPEC, "table": "sls.panel; DROP TABLE sls.panel"})
    with pytest.raises(DataError, match="only read from DuckDB files"):
        load_panel(pg_panel, columns={**SPEC, "query": "SELECT * FROM sls.panel"})


def test_engine_att_gt_sql_runs_on_postgres_equal_to_in_memory(
    pg_panel: str, panel: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine estimator's SQL, sent through the Postgres adapter, gives att_gt's numbers.

    ``att_gt_engine`` does not accept PostgreSQL itself yet: its engine check is told
    "postgres" here; its queries already go through :func:`run_query`, which detects the
    engine (switch to the public dispatch when it exists).
    """
    import numpy as np

    from improve.did import att_gt
    from improve.engines import attgt_sql

    monkeypatch.setattr(attgt_sql, "_engine_of", lambda data: "postgres")
    cols = {"unit": "sid", "time": "year", "cohort": "g", "control_group": "notyettreated"}
    cells = attgt_sql.att_gt_engine(PostgresTable(pg_panel, '"sls"."panel"'), "score", **cols)
    expected = att_gt(panel, "score", **cols).tidy()
    assert np.max(np.abs(cells.estimate - expected["estimate"].to_numpy())) < 1e-10
    assert np.max(np.abs(cells.std_error - expected["std_error"].to_numpy())) < 1e-10
