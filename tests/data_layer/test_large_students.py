"""Student-level files: the mover rule for treatment timing, progress while loading, and the
path of ``benchmarks/large_student_file.py`` (5 million rows) at 200,000 rows."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve import att_gt
from improve.data import load_panel
from improve.data import read as read_module
from improve.data.progress import LoadProgress, wants_progress
from improve.demo.schools import simulate_schools, simulate_students
from improve.errors import DataError, SpecError

#: the large-file path at 200,000 rows: in make test, not the inner loop
pytestmark = pytest.mark.slow

N_ROWS = 200_000
COLUMNS = {
    "unit": "student_id",
    "time": "school_year",
    "cohort": "first_grant_year",
    "outcomes": ["math_ss"],
    "cluster": "district_id",
    "mover_timing": "first",
}


@pytest.fixture(scope="module")
def students() -> pd.DataFrame:
    schools = simulate_schools(n_districts=30, n_schools=240)
    return simulate_students(schools, n_rows=N_ROWS, seed=7)


@pytest.fixture(scope="module")
def student_files(students: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("students")
    csv, parquet = folder / "students.csv", folder / "students.parquet"
    students.to_csv(csv, index=False)
    students.to_parquet(parquet, index=False, row_group_size=50_000)
    return {"csv": csv, "parquet": parquet}


def _expected_first_cohort(students: pd.DataFrame) -> pd.Series:
    ordered = students.sort_values(["student_id", "school_year"], kind="stable")
    return ordered.groupby("student_id")["first_grant_year"].first()


def _movers(students: pd.DataFrame) -> int:
    return int((students.groupby("student_id")["first_grant_year"].nunique() > 1).sum())


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_student_file_loads_with_mover_rule_and_att_gt_runs(
    kind: str, students: pd.DataFrame, student_files: dict, capfd: pytest.CaptureFixture[str]
) -> None:
    panel = load_panel(student_files[kind], columns=COLUMNS, progress=True)
    err = capfd.readouterr().err
    unit = "bytes" if kind == "csv" else "row groups"
    assert f"reading students.{kind}" in err and "100%" in err, err
    assert ("MB)" in err) if unit == "bytes" else ("4 row groups" in err)
    assert "checking keys, periods and timing" in err and "loaded students." in err

    report = panel.report
    assert report.n_rows == N_ROWS
    n_movers = _movers(students)
    assert n_movers > 0
    assert report.timing_varied == n_movers
    assert report.to_dict()["timing_varied"] == n_movers
    assert any(f"varied within {n_movers:,} student_id units" in w for w in report.warnings)
    assert "first observed period" in report.to_text()
    got = panel.unit_cohorts()
    expected = _expected_first_cohort(students)
    assert got.to_dict() == expected.astype("int64").to_dict()
    assert sum(report.cohorts.values()) == students["student_id"].nunique()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # movers between districts
        result = att_gt(panel, control_group="notyettreated", allow_unbalanced_panel=True)
    tidy = result.tidy()
    assert len(tidy) > 10
    assert np.isfinite(tidy["estimate"]).all() and (tidy["std_error"] > 0).all()


def test_csv_and_parquet_give_the_same_panel(student_files: dict) -> None:
    a = load_panel(student_files["csv"], columns=COLUMNS, progress=False)
    b = load_panel(student_files["parquet"], columns=COLUMNS, progress=True)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.report.cohorts == b.report.cohorts


def test_streamed_csv_reads_the_same_as_a_whole_read(
    students: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "small.csv"
    students.head(3000).to_csv(path, index=False)
    columns = {**COLUMNS, "outcomes": ["math_ss", "reading_ss"], "covariates": ["grade"]}
    whole = load_panel(path, columns=columns, progress=False)
    streamed = load_panel(path, columns=columns, progress=True)
    pd.testing.assert_frame_equal(whole.data, streamed.data)
    assert "kept the 7 mapped columns of 11" in streamed.report.notes


def test_streamed_csv_falls_back_to_cp1252_past_the_sample(tmp_path: Path) -> None:
    path = tmp_path / "late_latin1.csv"
    rows = [f"{i:06d},{2018 + i % 2},{500 + i % 7}" for i in range(150_000)]
    text = "school_id,school_year,math_ss\n" + "\n".join(rows) + "\n"
    path.write_bytes(text.encode() + "99999\xe9,2019,510\n".encode("cp1252"))
    assert path.stat().st_size > read_module._SAMPLE_BYTES
    log = io.StringIO()
    raw = read_module.read_table(path, progress=LoadProgress(True, "x", stream=log))
    assert "read with encoding cp1252" in raw.notes
    assert log.getvalue().count("reading x (") == 2  # read again from the start
    assert raw.frame["school_id"].iloc[-1] == "99999é"


def test_progress_is_silent_by_default(
    student_files: dict, capfd: pytest.CaptureFixture[str]
) -> None:
    load_panel(student_files["csv"], columns=COLUMNS)
    load_panel(student_files["parquet"], columns=COLUMNS)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert not wants_progress(None, student_files["csv"])  # small file, no terminal
    assert not wants_progress(None, "SELECT 1")
    assert wants_progress(True, pd.DataFrame())


def test_progress_draws_a_bar_on_a_terminal(student_files: dict, tmp_path: Path) -> None:
    class Terminal:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, text: str) -> int:
            self.parts.append(text)
            return len(text)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return True

    term = Terminal()
    with LoadProgress(True, "students.csv", stream=term) as prog:  # type: ignore[arg-type]
        prog.start_reading(1000)
        prog.advance(500)
        prog.step("checking keys")
    # a rich bar (cursor control codes), not the plain log lines
    assert term.parts and not any(p.startswith("improve: reading") for p in term.parts)


def test_timing_that_varies_within_a_unit_names_the_option(students: pd.DataFrame) -> None:
    data = students.head(20_000)
    columns = {k: v for k, v in COLUMNS.items() if k != "mover_timing"}
    with pytest.raises(DataError, match="add 'mover_timing: first' to the column map"):
        load_panel(data, columns=columns)
    panel = load_panel(data, columns=columns, mover_timing="first")
    assert panel.report.timing_varied == _movers(data)


def test_mover_timing_values(students: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="did you mean 'first'"):
        load_panel(students.head(100), columns={**COLUMNS, "mover_timing": "frist"})
    with pytest.raises(SpecError, match="mover_timing is 'last'"):
        load_panel(students.head(100), columns=COLUMNS, mover_timing="last")
    with pytest.raises(SpecError, match="did you mean 'mover_timing'"):
        load_panel(students.head(100), columns={**COLUMNS, "mover_timings": "first"})
    school_like = students.drop_duplicates("student_id").head(2000)
    panel = load_panel(school_like, columns=COLUMNS)  # nothing varies: nothing said
    assert panel.report.timing_varied == 0 and "timing_varied" not in panel.report.to_dict()
