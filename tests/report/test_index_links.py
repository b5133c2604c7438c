"""The gallery links each run's report, PDF, Excel workbook and CSV tables."""

from __future__ import annotations

import json
from pathlib import Path

from improve.report.index import collect_runs, render_index


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
