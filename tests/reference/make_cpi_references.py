"""Compare the shipped CPI-U table with the ``cpi`` package's BLS data; store the result.

The cost layer ships CPI-U annual averages (``src/improve/cost/data/cpi_u_annual.csv``,
BLS series CUUR0000SA0). This script reads the same series' annual averages from the
``cpi`` package (``pip install cpi``; it ships the BLS CPI database offline) and writes
``cpi_u_comparison.csv``: year, our value, the package's value and their difference.
``tests/cost/test_cpi_reference.py`` reads the stored file (and compares live when ``cpi``
is installed). Run: ``python tests/reference/make_cpi_references.py``.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
OURS = HERE.parents[1] / "src" / "improve" / "cost" / "data" / "cpi_u_annual.csv"
OUT = HERE / "cpi_u_comparison.csv"


def ours() -> dict[int, float]:
    """The shipped table as year → index."""
    with OURS.open(encoding="utf-8") as fh:
        return {int(row["year"]): float(row["index"]) for row in csv.DictReader(fh)}


def reference(years: list[int]) -> dict[int, float]:
    """CPI-U annual averages (CUUR0000SA0) from the ``cpi`` package, year → index."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StaleDataWarning: only years after its last update
        import cpi

        return {year: float(cpi.get(year)) for year in years}


def main() -> None:
    """Write the comparison file."""
    table = ours()
    theirs = reference(sorted(table))
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["year", "ours", "cpi_package", "difference"])
        for year in sorted(table):
            writer.writerow([year, table[year], theirs[year], round(table[year] - theirs[year], 6)])
    worst = max(abs(table[y] - theirs[y]) for y in table)
    print(f"wrote {OUT.name}: {len(table)} years, largest difference {worst:g}")


if __name__ == "__main__":
    main()
