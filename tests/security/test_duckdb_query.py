"""Item 5 of the security issue: a column map's DuckDB ``query:`` reads that file only.

A partner's column map can hold ``query: ...`` for a DuckDB file. The query runs in a
read-only, sandboxed connection (no external access, configuration locked): it can read the
file's tables and nothing else. Anything else is refused with one line that echoes no file
content, both through :func:`improve.data.load_panel` and ``improve validate`` / ``run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from improve.data import load_panel
from improve.errors import DataError

from sample_data import SCHOOL_MAP, make_school_panel

SECRET = "planted-secret-line-4711"


@pytest.fixture
def school_db(tmp_path: Path) -> Path:
    import duckdb

    path = tmp_path / "schools.duckdb"
    con = duckdb.connect(str(path))
    con.register("frame_view", make_school_panel())
    con.execute("CREATE TABLE schools AS SELECT * FROM frame_view")
    con.close()
    return path


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"a\n{SECRET}\n", encoding="utf-8")
    return path


def _refused(db: Path, query: str) -> str:
    with pytest.raises(DataError) as info:
        load_panel(db, columns={**SCHOOL_MAP, "query": query})
    message = str(info.value)
    assert "\n" not in message
    assert SECRET not in message
    return message


def test_a_select_on_the_files_tables_still_works(school_db):
    frame = make_school_panel()
    panel = load_panel(
        school_db,
        columns={**SCHOOL_MAP, "query": "SELECT * FROM schools WHERE school_year >= 2016"},
    )
    assert panel.report.n_rows == int((frame["school_year"] >= 2016).sum())
    with_cte = "WITH s AS (SELECT * FROM schools) SELECT * FROM s"
    assert load_panel(school_db, columns={**SCHOOL_MAP, "query": with_cte}).report.n_rows == len(
        frame
    )


def test_copy_to_writes_no_file(school_db, tmp_path):
    target = tmp_path / "planted.txt"
    message = _refused(school_db, f"COPY (SELECT 'x') TO '{target}'")
    assert not target.exists()
    assert "one SELECT statement" in message


def test_select_then_copy_in_one_query_writes_no_file(school_db, tmp_path):
    target = tmp_path / "planted.csv"
    _refused(school_db, f"SELECT * FROM schools; COPY schools TO '{target}'")
    assert not target.exists()


@pytest.mark.parametrize(
    "reader",
    [
        "read_csv('{path}')",
        "read_csv_auto('{path}', header=false)",
        "'{path}'",
        "read_text('{path}')",
        "read_blob('{path}')",
        "glob('{folder}/*')",
    ],
)
def test_reading_another_file_is_refused_without_echoing_it(school_db, secret_file, reader):
    query = "SELECT * FROM " + reader.format(path=secret_file, folder=secret_file.parent)
    message = _refused(school_db, query)
    assert "may only read" in message or "one SELECT" in message


def test_reading_a_url_is_refused(school_db):
    _refused(school_db, "SELECT * FROM 'https://example.invalid/schools.csv'")


@pytest.mark.parametrize(
    "query",
    [
        "ATTACH '{other}' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "RESET lock_configuration",
        "PRAGMA version",
        "CREATE TEMP TABLE t AS SELECT 1",
        "SELECT 1; SELECT 2",
        "EXPORT DATABASE '{folder}'",
        "CALL pragma_version()",
    ],
)
def test_anything_but_one_select_is_refused(school_db, tmp_path, query):
    folder = tmp_path / "exported"
    message = _refused(school_db, query.format(other=tmp_path / "other.duckdb", folder=folder))
    assert "query on 'schools.duckdb' failed" in message
    assert not folder.exists()
    assert not (tmp_path / "other.duckdb").exists()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "improve.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.mark.slow
def test_validate_with_a_copy_query_writes_nothing_and_exits_2(school_db, tmp_path):
    target = tmp_path / "from_validate.txt"
    cmap = tmp_path / "map.yaml"
    cmap.write_text(
        yaml.safe_dump({**SCHOOL_MAP, "query": f"COPY (SELECT 'x') TO '{target}'"}),
        encoding="utf-8",
    )
    done = _cli("validate", str(school_db), "--columns", str(cmap), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert not target.exists()
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", ["validate", "run"])
def test_sql_as_data_is_refused_the_same_for_validate_and_run(tmp_path, secret_file, command):
    frame = make_school_panel()
    frame.to_csv(tmp_path / "schools.csv", index=False)
    cmap = tmp_path / "map.yaml"
    cmap.write_text(yaml.safe_dump(SCHOOL_MAP), encoding="utf-8")
    sql = f"SELECT * FROM read_csv('{tmp_path / 'schools.csv'}')"
    args = ["validate", sql] if command == "validate" else ["run", "panel_profile", "--data", sql]
    done = _cli(*args, "--columns", str(cmap), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert "SQL query is not accepted as the data source" in errors[0]
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_sql_as_data_is_refused_by_the_api(secret_file):
    with pytest.raises(DataError, match="SQL query is not accepted"):
        load_panel(f"SELECT * FROM read_csv('{secret_file}')", columns=SCHOOL_MAP)
