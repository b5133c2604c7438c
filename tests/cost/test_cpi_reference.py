"""The shipped CPI-U table against BLS data as the ``cpi`` package ships it.

``tests/reference/make_cpi_references.py`` writes the stored comparison; the live check runs
when ``cpi`` (the ``reference`` extra) is installed.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest

from improve.cost.prices import read_price_index

COMPARISON = Path(__file__).resolve().parents[1] / "reference" / "cpi_u_comparison.csv"


def test_stored_comparison_covers_the_shipped_table_and_agrees() -> None:
    index = read_price_index()
    with COMPARISON.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(int(r["year"]) for r in rows) == sorted(index.values)
    for row in rows:
        year = int(row["year"])
        assert float(row["ours"]) == index.values[year]  # the file compares today's table
        assert float(row["ours"]) == pytest.approx(float(row["cpi_package"]), abs=1e-9), year


def test_shipped_table_matches_the_cpi_package_live() -> None:
    cpi = pytest.importorskip("cpi")
    index = read_price_index()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for year, value in index.values.items():
            assert value == pytest.approx(float(cpi.get(year)), abs=1e-9), year
