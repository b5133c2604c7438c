"""Fixtures for the staggered-DiD tests: mpdta and the stored R / peer references."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"


def mpdta_variants(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The data variants of ``tests/reference/make_did_references.py`` (kept verbatim)."""
    weighted = df.copy()
    weighted["w"] = 0.5 + (weighted["countyreal"] % 7) / 6.0
    unbalanced = df[~(((df["countyreal"] * 7 + df["year"]) % 11) == 0)].reset_index(drop=True)
    return {"base": df, "weighted": weighted, "unbalanced": unbalanced}


@pytest.fixture(scope="session")
def mpdta() -> pd.DataFrame:
    """County teen employment panel (500 counties x 2003-2007) from R ``did``."""
    return pd.read_csv(REFERENCE_DIR / "mpdta.csv")


@pytest.fixture(scope="session")
def r_reference() -> dict:
    """Published R ``did`` 2.5.0 results on mpdta (no covariates)."""
    return json.loads((REFERENCE_DIR / "mpdta_r_did.json").read_text())


@pytest.fixture(scope="session")
def peer_reference() -> dict:
    """moderndid results written by ``tests/reference/make_did_references.py``."""
    return json.loads((REFERENCE_DIR / "did_peer_references.json").read_text())


@pytest.fixture(scope="session")
def variants(mpdta: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Deterministic variants of mpdta (weights, unbalanced panel)."""
    return mpdta_variants(mpdta)
