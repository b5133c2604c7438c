"""Issue #23 item 6: no absolute local path in any published output.

The crafted evidence_summary run reads its data from a folder with a distinctive name
(``improve-secret-folder-...``) and is run from it; no output file (report, PDF text,
CSV, JSON incl. results and manifest, Markdown, LaTeX, the executed notebook, the xlsx)
may name that folder, the home folder or this checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from improve.runner.publish.local_paths import LocalFolders

from .harness import ROOT, pdf_text, text_files


def _forbidden(secret_folder: Path) -> list[str]:
    home = os.path.expanduser("~")
    out = ["improve-secret-folder-", str(secret_folder), str(ROOT)]
    return out + ([home + "/"] if len(home) > 1 else [])


@pytest.mark.slow
def test_no_local_path_in_any_output(evidence_run: Path, secret_folder: Path) -> None:
    import openpyxl

    texts = text_files(evidence_run)
    assert {"manifest.json", "results.json", "report.html", "evidence_summary.ipynb"} <= {
        p.name for p in texts
    }
    texts[evidence_run / "report.pdf"] = pdf_text(evidence_run / "report.pdf")
    book = openpyxl.load_workbook(evidence_run / "tables" / "tables.xlsx")
    texts[evidence_run / "tables.xlsx"] = "\n".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
    )
    for path, text in texts.items():
        for folder in _forbidden(secret_folder):
            assert folder not in text, f"{path.name} shows {folder}"


@pytest.mark.slow
def test_manifest_names_inputs_by_file_name(evidence_run: Path) -> None:
    import json

    manifest = json.loads((evidence_run / "manifest.json").read_text(encoding="utf-8"))
    assert [i["path"] for i in manifest["inputs"]] == ["schools.csv", "columns.yaml"]
    assert manifest["parameters"]["data_path"] == "schools.csv"
    assert manifest["parameters"]["subgroup_path"] == "subgroups.csv"


def test_local_folders_rewrite() -> None:
    folders = LocalFolders(("/data/agency/run", "/data/agency"), home="/home/ana")
    assert folders.text("/data/agency/schools.csv") == "schools.csv"
    assert folders.text("/data/agency/run") == "."
    assert folders.text("/data/agency-other/x.csv") == "/data/agency-other/x.csv"
    assert folders.text("see /home/ana/notes.txt") == "see ~/notes.txt"
    assert folders.scrub({"a": ["/data/agency/sub/x.csv"]}) == {"a": ["sub/x.csv"]}
