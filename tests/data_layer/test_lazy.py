"""Lazy load_panel: the panel stays in DuckDB; checks run as queries with the same messages."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from improve.data import LazyPanel, load_panel
from improve.engines.fetch import ResultTooLargeError
from improve.errors import DataError, SpecError

SPEC = {"unit": "sid", "time": "year", "cohort": "g", "outcomes": ["score"]}


def _panel(n: int = 40, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(2001, 2007)
    frame = pd.DataFrame(
        {
            "sid": np.repeat(np.arange(n), years.size),
            "year": np.tile(years, n),
            "g": np.repeat(rng.choice([0, 2003, 2005], n), years.size),
        }
    )
    frame["score"] = rng.normal(size=len(frame))
    return frame


def _write(frame: pd.DataFrame, tmp_path: Path, name: str = "panel.parquet") -> Path:
    path = tmp_path / name
    frame.to_parquet(path, index=False)
    return path


def _error(source: object, lazy: bool, **kw: object) -> str:
    with pytest.raises((DataError, SpecError)) as info:
        load_panel(source, spec=SPEC, lazy=lazy, **kw)
    return str(info.value)


def test_lazy_report_equals_in_memory_report_on_an_unbalanced_panel(tmp_path: Path) -> None:
    frame = _panel().drop(index=[0, 7, 8, 9, 10, 11]).reset_index(drop=True)  # unit 1 once
    path = _write(frame, tmp_path)
    lazy = load_panel(path, spec=SPEC, lazy=True)
    eager = load_panel(path, spec=SPEC)
    assert isinstance(lazy, LazyPanel)
    keys = ["n_rows", "n_units", "periods", "gap_periods", "cohorts", "balanced", "warnings"]
    assert {k: lazy.report.to_dict()[k] for k in keys} == {
        k: eager.report.to_dict()[k] for k in keys
    }
    assert "unbalanced panel" in " ".join(lazy.report.warnings)


@pytest.mark.parametrize(
    "breakage",
    ["duplicate", "all_missing", "single_period", "timing_varies", "timing_outside", "no_comp"],
)
def test_lazy_checks_raise_the_in_memory_messages(tmp_path: Path, breakage: str) -> None:
    frame = _panel()
    if breakage == "duplicate":
        frame = pd.concat([frame, frame.iloc[[4]]], ignore_index=True)
    elif breakage == "all_missing":
        frame["score"] = np.nan
    elif breakage == "single_period":
        frame = frame[frame["year"] == 2003]
    elif breakage == "timing_varies":
        frame.loc[frame.index[:2], "g"] = [2003, 2005]
    elif breakage == "timing_outside":
        frame.loc[frame["sid"] == 0, "g"] = 2011
    else:
        frame["g"] = 2001
    path = _write(frame, tmp_path)
    assert _error(path, lazy=True) == _error(path, lazy=False)


def test_lazy_missing_column_message_equals_in_memory(tmp_path: Path) -> None:
    path = _write(_panel().rename(columns={"score": "scores"}), tmp_path)
    assert _error(path, lazy=True) == _error(path, lazy=False)


def test_column_map_renames_apply_in_the_engine(tmp_path: Path) -> None:
    path = _write(_panel().rename(columns={"sid": "StudentID"}), tmp_path)
    cmap = {"unit": {"sid": "StudentID"}, "time": "year", "cohort": "g", "outcomes": ["score"]}
    lazy = load_panel(path, columns=cmap, lazy=True)
    counts = lazy.query("SELECT COUNT(DISTINCT sid) AS n FROM panel")
    assert int(counts["n"].iloc[0]) == 40


def test_directory_and_glob_of_parquet_are_lazy_by_default(tmp_path: Path) -> None:
    frame = _panel()
    folder = tmp_path / "parts"
    folder.mkdir()
    for year, part in frame.groupby("year"):
        part.to_parquet(folder / f"y{year}.parquet", index=False)
    by_dir = load_panel(folder, spec=SPEC)
    by_glob = load_panel(str(folder / "*.parquet"), spec=SPEC)
    assert isinstance(by_dir, LazyPanel) and isinstance(by_glob, LazyPanel)
    assert by_dir.report.n_rows == by_glob.report.n_rows == len(frame)


def test_duckdb_file_query_stays_sandboxed(tmp_path: Path) -> None:
    db = tmp_path / "sls.duckdb"
    con = duckdb.connect(str(db))
    con.register("f", _panel())
    con.execute("CREATE TABLE panel AS SELECT * FROM f")
    con.close()
    lazy = load_panel(db, columns={**SPEC, "table": "panel"}, lazy=True)
    assert lazy.report.n_rows == 240
    with pytest.raises(DataError, match="one SELECT statement"):
        load_panel(db, columns={**SPEC, "query": "COPY panel TO 'x.csv'"}, lazy=True)
    with pytest.raises(DataError, match="outside 'sls.duckdb'"):
        load_panel(
            db, columns={**SPEC, "query": "SELECT * FROM read_csv('/etc/passwd')"}, lazy=True
        )
    with pytest.raises(duckdb.PermissionException):
        lazy.relation.query("panel", "SELECT * FROM read_csv('/etc/passwd')").fetchall()


def test_parquet_connection_cannot_read_other_files(tmp_path: Path) -> None:
    lazy = load_panel(_write(_panel(), tmp_path), spec=SPEC, lazy=True)
    with pytest.raises(duckdb.PermissionException):
        lazy.relation.query("panel", "SELECT * FROM read_csv('/etc/passwd')").fetchall()


def test_pulling_the_whole_table_is_refused(tmp_path: Path) -> None:
    lazy = load_panel(_write(_panel(), tmp_path), spec=SPEC, lazy=True)
    with pytest.raises(DataError, match="not pulled into Python"):
        lazy.to_frame(max_rows=100)
    with pytest.raises(ResultTooLargeError, match="more than 100 rows"):
        lazy.query("SELECT * FROM panel", max_rows=100)
    assert len(lazy.to_frame()) == 240


def test_sql_text_and_csv_are_refused_lazily(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="SQL query is not accepted"):
        load_panel("SELECT * FROM read_parquet('x.parquet')", spec=SPEC, lazy=True)
    csv = tmp_path / "panel.csv"
    _panel().to_csv(csv, index=False)
    with pytest.raises(DataError, match="convert the file to Parquet"):
        load_panel(csv, spec=SPEC, lazy=True)


def test_outcome_trends_of_a_lazy_panel_equal_the_in_memory_table(tmp_path: Path) -> None:
    from improve.data import profile

    frame = _panel(n=60)
    frame.loc[frame["year"] == 2004, "score"] = np.nan  # a period with no published value
    frame = frame[frame["year"] != 2002]  # a gap period
    path = _write(frame, tmp_path)
    lazy = profile.outcome_trends(load_panel(path, spec=SPEC, lazy=True), "score")
    eager = profile.outcome_trends(load_panel(path, spec=SPEC), "score")
    pd.testing.assert_frame_equal(lazy, eager, check_dtype=False, rtol=1e-12)


def test_lazy_att_gt_equals_the_in_memory_estimator(tmp_path: Path) -> None:
    from improve.did import att_gt
    from improve.engines.lazy_estimate import lazy_att_gt

    path = _write(_panel(n=80), tmp_path)
    lazy = lazy_att_gt(
        load_panel(path, spec=SPEC, lazy=True), "score", control_group="notyettreated"
    )
    eager = att_gt(load_panel(path, spec=SPEC), "score", control_group="notyettreated")
    tidy = eager.tidy()
    assert lazy.estimate == pytest.approx(tidy["estimate"].to_numpy(), abs=1e-10)
    assert lazy.std_error == pytest.approx(tidy["std_error"].to_numpy(), abs=1e-10)


def test_text_outcome_column_is_a_one_line_error(tmp_path: Path) -> None:
    frame = _panel().astype({"score": "string"})
    frame.loc[3, "score"] = "n<10"
    message = _error(_write(frame, tmp_path), lazy=True)
    assert "must be stored as numbers" in message and "\n" not in message


def test_lazy_extreme_value_message_matches_in_memory_wording(tmp_path: Path) -> None:
    frame = _panel()
    frame.loc[5, "score"] = 1e300
    lazy, eager = _error(_write(frame, tmp_path), lazy=True), _error(frame, lazy=False)
    assert lazy == eager.replace(" in file rows 7", "")


def test_asking_a_lazy_panel_for_its_rows_says_why_not(tmp_path: Path) -> None:
    lazy = load_panel(_write(_panel(), tmp_path), spec=SPEC, lazy=True)
    assert not hasattr(lazy, "data")
    with pytest.raises(AttributeError, match=r"stayed in duckdb .* lazy=False"):
        _ = lazy.data
