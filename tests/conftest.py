"""Shared fixtures: small, fast panels written in the shapes partners send."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # tests draw figures without a screen

from pathlib import Path

import pandas as pd
import pytest

from sample_data import SCHOOL_MAP, make_school_panel


@pytest.fixture
def school_frame() -> pd.DataFrame:
    return make_school_panel()


@pytest.fixture
def school_csv(tmp_path: Path, school_frame: pd.DataFrame) -> Path:
    path = tmp_path / "schools.csv"
    school_frame.to_csv(path, index=False)
    return path


@pytest.fixture
def school_map(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "columns.yaml"
    path.write_text(yaml.safe_dump(SCHOOL_MAP), encoding="utf-8")
    return path
