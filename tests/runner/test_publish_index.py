"""The report index: links to each run's files, and only the latest run of each analysis."""

from __future__ import annotations

import json
from pathlib import Path

from improve.runner.publish.index import collect_runs, latest_runs, render_index, write_index


def _run(folder: Path, *, pdf: bool, xlsx: bool) -> None:
    (folder / "tables").mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps({"workbook": "did_evaluation", "status": "success", "inputs": []})
    )
    (folder / "report.html").write_text("<html></html>")
    (folder / "tables" / "overall.csv").write_text("a\n1\n")
    if pdf:
        (folder / "report.pdf").write_bytes(b"%PDF-1.4\n")
    if xlsx:
        (folder / "tables" / "tables.xlsx").write_bytes(b"PK")


def test_links_follow_the_files_present(tmp_path: Path) -> None:
    _run(tmp_path / "run-a", pdf=True, xlsx=True)
    _run(tmp_path / "run-b", pdf=False, xlsx=False)
    page = render_index(collect_runs(tmp_path))
    assert "run-a/report.pdf" in page and "run-a/tables/tables.xlsx" in page
    assert "run-b/report.pdf" not in page and "run-b/tables/tables.xlsx" not in page
    assert "run-a/tables/overall.csv" in page and "run-b/report.html" in page


def _manifest(folder: Path, run_id: str, status: str, finished: str, **extra: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "run_id": run_id,
        "workbook": "did_evaluation",
        "status": status,
        "started": finished,
        "finished": finished,
        "inputs": [{"path": "/data/schools.csv"}],
        "error": "cell 3 failed: ValueError: boom" if status == "failed" else None,
        **extra,
    }
    (folder / "manifest.json").write_text(json.dumps(record))
    if status == "complete":
        (folder / "report.html").write_text("<html></html>")


def test_a_failure_older_than_a_later_success_is_not_listed(tmp_path: Path) -> None:
    _manifest(tmp_path / "did-a.failed", "did-a", "failed", "2024-05-01T10:00:00+00:00")
    _manifest(tmp_path / "did-a", "did-a", "complete", "2024-05-01T11:00:00+00:00")
    latest = latest_runs(collect_runs(tmp_path))
    assert [(r["folder"], r["status"]) for r in latest] == [("did-a", "complete")]
    page = render_index(latest)
    assert "did-a.failed" not in page and "boom" not in page
    assert "did-a/report.html" in page and page.count("<tr class=") == 1


def test_a_failed_latest_run_is_shown_failed_with_its_folder(tmp_path: Path) -> None:
    _manifest(tmp_path / "did-a", "did-a", "complete", "2024-05-01T10:00:00+00:00")
    _manifest(tmp_path / "did-a.failed", "did-a", "failed", "2024-05-01T11:00:00+00:00")
    _manifest(tmp_path / "profile", "profile", "failed", "2024-05-01T09:00:00+00:00")
    latest = latest_runs(collect_runs(tmp_path))
    assert [(r["folder"], r["status"]) for r in latest] == [
        ("did-a.failed", "failed"),
        ("profile", "failed"),
    ]
    assert latest[0]["previous_complete"] == "did-a"
    assert latest[1]["previous_complete"] is None
    page = render_index(latest)
    assert page.count("<tr class='status-failed'>") == 2
    assert "href='did-a.failed/'" in page and "boom" in page
    assert "href='did-a/report.html'" in page  # the earlier complete report, still in place
    assert page.count("<tr class=") == 2


def test_write_index_lists_each_analysis_once(tmp_path: Path) -> None:
    _manifest(tmp_path / "x", "x", "complete", "2024-05-01T10:00:00+00:00")
    _manifest(tmp_path / "x.failed", "x", "failed", "2024-05-01T09:59:59+00:00")
    _manifest(tmp_path / "y", "y", "complete", "2024-05-02T10:00:00+00:00")
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert page.count("<tr class='status-complete'>") == 2
    assert "<tr class='status-failed'>" not in page and "x.failed" not in page
