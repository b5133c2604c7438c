"""``improve run did_evaluation --engine duckdb``: a report built from aggregates, or nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from improve.cli import cli
from improve.did import att_gt


@pytest.fixture
def student_parquet(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(5)
    n, years = 300, np.arange(2015, 2021)
    g = rng.choice([0, 2017, 2018, 2019], n)
    frame = pd.DataFrame(
        {
            "sid": np.repeat(np.arange(n), years.size),
            "year": np.tile(years, n),
            "g": np.repeat(g, years.size),
            "x": rng.normal(size=n * years.size),
        }
    )
    frame["score"] = rng.normal(size=len(frame)) + 0.3 * ((frame.g > 0) & (frame.year >= frame.g))
    path = tmp_path / "students.parquet"
    frame.to_parquet(path, index=False)
    return path, frame


def _run(tmp_path: Path, data: Path, column_map: str) -> tuple[int, str, Path]:
    (tmp_path / "map.yaml").write_text(column_map)
    reports = tmp_path / "reports"
    args = ["run", "did_evaluation", "--data", str(data), "--columns", str(tmp_path / "map.yaml")]
    args += ["--engine", "duckdb", "--out", str(reports), "--no-pdf", "-p", "bootstrap_draws=0"]
    result = CliRunner().invoke(cli, args)  # stderr apart from stdout
    return result.exit_code, result.output + (result.stderr or ""), reports


@pytest.mark.slow
def test_engine_run_builds_the_effects_table_from_aggregates(
    tmp_path: Path, student_parquet: tuple[Path, pd.DataFrame]
) -> None:
    path, frame = student_parquet
    code, output, reports = _run(
        tmp_path, path, "unit: sid\ntime: year\ncohort: g\noutcomes: [score]\n"
    )
    assert code == 0, output
    folder = reports / "did_evaluation-students"
    table = pd.read_csv(next(folder.rglob("att_gt_score.csv")))
    expected = att_gt(
        frame, "score", unit="sid", time="year", cohort="g", control_group="notyettreated"
    ).tidy()
    assert table["estimate"].to_numpy() == pytest.approx(expected["estimate"], abs=1e-6)
    assert table["std_error"].to_numpy() == pytest.approx(expected["std_error"], abs=1e-6)
    assert (folder / "trends_score.png").exists() or any(folder.rglob("trends_score.*"))
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Robustness skipped: it re-estimates with unit rows." in html


@pytest.mark.slow
def test_engine_failure_mid_run_publishes_no_report(
    tmp_path: Path, student_parquet: tuple[Path, pd.DataFrame]
) -> None:
    path, frame = student_parquet
    # the load succeeds; the engine estimator then refuses (a covariate with missing values:
    # in memory those rows would be dropped, which on an engine would unbalance the panel)
    gappy = frame.copy()
    gappy.loc[gappy.index[::7], "x"] = np.nan
    gappy.to_parquet(path, index=False)
    code, output, reports = _run(
        tmp_path, path, "unit: sid\ntime: year\ncohort: g\noutcomes: [score]\ncovariates: [x]\n"
    )
    assert code != 0, output
    assert not (reports / "did_evaluation-students").exists()
    assert [p.name for p in reports.iterdir() if p.is_dir()] == ["did_evaluation-students.failed"]
    kept = (reports / "did_evaluation-students.failed" / "did_evaluation.ipynb").read_text()
    assert "missing values; drop or impute them before estimating" in kept
