"""The finance demo evaluated once per test process, shared by the finance test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_finance"


@pytest.fixture(scope="session")
def finance_demo_evaluation():
    """``evaluate_equity`` on the shipped finance demo (50 bootstrap draws). Read it, never
    change it: other modules share it."""
    from improve.finance import evaluate_equity

    return evaluate_equity(DEMO / "schools.csv", DEMO / "columns.yaml", bootstrap_draws=50)
