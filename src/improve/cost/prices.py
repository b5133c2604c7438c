"""Prices in one base year: a price index table (CPI-U by default) and the adjustment.

A cost in dollars of year ``y`` is expressed in dollars of the base year ``b`` as
``cost × index[b] / index[y]``. The shipped table holds CPI-U annual averages (BLS series
CUUR0000SA0, see ``data/cpi_u_annual.md``); any CSV with columns ``year,index`` replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from improve.errors import DataError

#: Where the shipped index and its source note live.
DEFAULT_INDEX_NAME = "cpi_u_annual.csv"
DEFAULT_INDEX_SOURCE = (
    "CPI-U, U.S. city average, all items, annual averages (BLS series CUUR0000SA0), 1982-84=100"
)


@dataclass(frozen=True)
class PriceIndex:
    """A price index by year.

    Attributes
    ----------
    values : dict of int to float
        Index value per calendar year.
    source : str
        Where the values come from (shown in reports).
    """

    values: dict[int, float]
    source: str

    @property
    def years(self) -> list[int]:
        return sorted(self.values)

    def factor(self, from_year: int, to_year: int) -> float:
        """Multiplier turning dollars of ``from_year`` into dollars of ``to_year``.

        Raises
        ------
        improve.errors.DataError
            A year is not in the table (the message names it and the years covered).
        """
        for year in (from_year, to_year):
            if int(year) not in self.values:
                raise DataError(
                    f"the price index has no value for {int(year)} (it covers "
                    f"{self.years[0]}-{self.years[-1]}); add that year to the index file "
                    "or give prices in a year it covers"
                )
        return self.values[int(to_year)] / self.values[int(from_year)]

    def table(self) -> pd.DataFrame:
        """The index as a two-column frame (``year``, ``index``)."""
        return pd.DataFrame({"year": self.years, "index": [self.values[y] for y in self.years]})


def read_price_index(path: str | Path | None = None, source: str | None = None) -> PriceIndex:
    """Read a price index CSV (columns ``year,index``); the shipped CPI-U table by default.

    Parameters
    ----------
    path : str or Path, optional
        A user's index file. Empty or ``None``: the shipped CPI-U annual averages.
    source : str, optional
        Description of the user's index (default: the file name).

    Raises
    ------
    improve.errors.DataError
        The file is missing, lacks the two columns, or holds a non-positive or repeated year.
    """
    if not path:
        with resources.files("improve.cost").joinpath("data", DEFAULT_INDEX_NAME).open() as fh:
            frame = pd.read_csv(fh)
        source = source or DEFAULT_INDEX_SOURCE
    else:
        p = Path(path)
        if not p.exists():
            raise DataError(f"price index file '{p}' does not exist")
        frame = pd.read_csv(p)
        source = source or f"price index from {p.name}"
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if not {"year", "index"} <= set(frame.columns):
        raise DataError(
            "the price index file needs two columns, 'year' and 'index' "
            f"(found: {', '.join(map(str, frame.columns))})"
        )
    years = pd.to_numeric(frame["year"], errors="coerce")
    values = pd.to_numeric(frame["index"], errors="coerce")
    if years.isna().any() or values.isna().any() or (values <= 0).any():
        raise DataError(
            "every row of the price index needs a whole year and a positive index value"
        )
    if years.duplicated().any():
        raise DataError(
            f"the price index lists year {int(years[years.duplicated()].iloc[0])} twice"
        )
    return PriceIndex({int(y): float(v) for y, v in zip(years, values, strict=True)}, source)
