"""Shared helpers for the improve.fe tests: stored reference data and model specs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

REF = Path(__file__).resolve().parents[1] / "reference"


def load_data(name: str) -> pd.DataFrame:
    """A stored reference data set (ids as text)."""
    return pd.read_csv(
        REF / f"fe_data_{name}.csv",
        dtype={"district_id": str, "school_id": str, "cluster": str, "unit": str},
    )


def fit_model(name: str, models: dict, **kwargs):
    """Fit reference model ``name`` (A–E, see make_fe_references.py) with improve."""
    from improve.fe import panel_regression

    m = models[name]
    df = load_data(m["data"])
    extra = [list(f) for f in m["fe"] if f not in ([m["unit"]], [m["time"]])]
    treatment = [x for x in m["x"] if not x.endswith("_lag1")]
    lags = 1 if any(x.endswith("_lag1") for x in m["x"]) else 0
    opts = dict(
        unit=m["unit"],
        time=m["time"],
        time_effects=[m["time"]] in m["fe"],
        absorb=[tuple(f) for f in extra] or None,
        weights=m["weights"],
        cluster=m["cluster"],
        lags=lags,
    )
    if lags:
        # lags are built for the first regressor only (the dose); the rest are covariates
        opts["covariates"] = treatment[1:]
        treatment = treatment[:1]
    opts.update(kwargs)
    return panel_regression(df, m["y"], treatment, **opts)


@pytest.fixture(scope="session")
def fit():
    """``fit(name, models, **kwargs)``: fit a reference model with improve."""
    return fit_model


@pytest.fixture(scope="session")
def reference_data():
    """``reference_data(name)``: a stored reference data set."""
    return load_data


@pytest.fixture(scope="session")
def peers() -> dict:
    return json.loads((REF / "fe_peer_references.json").read_text())


@pytest.fixture(scope="session")
def clubsandwich() -> dict:
    path = REF / "fe_clubsandwich.json"
    if not path.exists():  # pragma: no cover
        pytest.fail("tests/reference/fe_clubsandwich.json missing: run make_fe_references.R")
    return json.loads(path.read_text())
