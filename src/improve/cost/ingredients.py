"""Reading an ingredients file: the template's columns, checked and explained in plain words.

An ingredients file lists what a program uses, one ingredient per row, as in the
ingredients method (Levin, McEwan, Belfield, Bowden & Shand, *Economic Evaluation in
Education*, 3rd ed., 2018; CBCSE's CostOut). The columns are fixed by the template shipped
in ``data/cost_template/`` (``ingredients_template.csv`` and its ``README.md``); a partner
whose spreadsheet names them differently passes a column map, a YAML file of
``template_name: their_name`` lines, instead of renaming.

Fixed columns rather than a free column map: an ingredients file is typed by hand from a
template, its columns have one meaning each, and fixed names let a reviewer read any
partner's file the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from improve.data.limits import check_excel_limits
from improve.data.safe_yaml import load_yaml
from improve.errors import DataError, SpecError

#: Columns every ingredients file has.
REQUIRED_COLUMNS = ("ingredient", "category", "quantity", "price", "price_year")
#: Columns that may be left out (defaults in :data:`DEFAULTS`).
OPTIONAL_COLUMNS = (
    "unit",
    "benefits_rate",
    "year",
    "scale",
    "life_years",
    "cost_type",
    "payer",
    "condition",
    "price_low",
    "price_high",
    "source",
    "notes",
)
CATEGORIES = ("personnel", "training", "materials", "facilities", "other")
SCALES = ("program", "site", "student")
COST_TYPES = ("fixed", "variable")
PAYERS = ("state", "district", "school", "in-kind", "family", "other", "not stated")
CONDITIONS = ("program", "business_as_usual")
DEFAULTS: dict[str, object] = {
    "unit": "",
    "benefits_rate": 0.0,
    "scale": "program",
    "payer": "not stated",
    "condition": "program",
    "source": "",
    "notes": "",
}
_NUMERIC = (
    "quantity",
    "price",
    "price_year",
    "benefits_rate",
    "year",
    "life_years",
    "price_low",
    "price_high",
)
_CHOICES = {
    "category": CATEGORIES,
    "scale": SCALES,
    "cost_type": COST_TYPES,
    "payer": PAYERS,
    "condition": CONDITIONS,
}


@dataclass(frozen=True)
class Ingredients:
    """A checked ingredients table (template columns, one row per ingredient and year).

    Attributes
    ----------
    frame : pandas.DataFrame
        Every template column, defaults filled in; ``row`` is the row number in the file
        (the header is row 1).
    path : str
        The file it was read from (empty when built from a frame).
    """

    frame: pd.DataFrame
    path: str = ""

    @property
    def years(self) -> list[int]:
        """Calendar years in which ingredients are used."""
        return sorted(int(y) for y in self.frame["year"].unique())

    @property
    def price_years(self) -> list[int]:
        """Years the prices are expressed in."""
        return sorted(int(y) for y in self.frame["price_year"].unique())

    def __len__(self) -> int:
        return len(self.frame)


def _normalise_name(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"ingredients file '{path}' does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls"):
            check_excel_limits(path)
            return pd.read_excel(path, sheet_name=0)
        if suffix == ".csv":
            return pd.read_csv(path, skip_blank_lines=True)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataError(f"ingredients file '{path.name}' could not be read: {exc}") from None
    raise DataError(
        f"ingredients file '{path.name}' is not a CSV or Excel file; save it as .csv or .xlsx "
        "from the template in data/cost_template/"
    )


def _read_column_map(columns: str | Path | Mapping[str, str] | None) -> dict[str, str]:
    if not columns:
        return {}
    if isinstance(columns, Mapping):
        mapping = dict(columns)
    else:
        p = Path(columns)
        if not p.exists():
            raise SpecError(f"column map '{p}' does not exist")
        mapping = load_yaml(p.read_text(encoding="utf-8"), f"column map '{p.name}'") or {}
        if isinstance(mapping, dict) and isinstance(mapping.get("columns"), dict):
            mapping = mapping["columns"]
    if not isinstance(mapping, dict):
        raise SpecError("the ingredients column map must be 'template_name: your_column' lines")
    unknown = [k for k in mapping if _normalise_name(k) not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise SpecError(
            f"the column map names {unknown}, which are not template columns; the template's "
            f"columns are {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
        )
    return {_normalise_name(k): str(v) for k, v in mapping.items()}


def _rename(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    theirs = {str(v).strip(): k for k, v in mapping.items()}
    renamed = {}
    for col in frame.columns:
        name = str(col).strip()
        renamed[col] = theirs.get(name, _normalise_name(name))
    return frame.rename(columns=renamed)


def _rows(mask: pd.Series, frame: pd.DataFrame, limit: int = 5) -> str:
    hits = frame.loc[mask]
    shown = [
        f"row {r} ({n})" if n else f"row {r}"
        for r, n in zip(hits["row"], hits["ingredient"], strict=True)
    ]
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def check_ingredients(frame: pd.DataFrame, path: str = "") -> Ingredients:
    """Check a frame with template columns and fill the defaults.

    Raises
    ------
    improve.errors.DataError
        A required column is missing, a price or quantity is missing, negative or not a
        number, a category / scale / payer / condition / cost type is not one of the
        template's words, a benefits rate looks like a percent, or a price range does not
        contain the price. The message names the rows and the fix.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"the ingredients file has no column {', '.join(repr(m) for m in missing)}; "
            "use the template in data/cost_template/ or map your names with a column map"
        )
    frame = frame.dropna(how="all").copy()
    frame = frame.loc[
        frame["ingredient"].notna() & (frame["ingredient"].astype(str).str.strip() != "")
    ]
    if frame.empty:
        raise DataError("the ingredients file lists no ingredients")
    frame.insert(0, "row", frame.index.to_numpy() + 2)
    frame["ingredient"] = frame["ingredient"].astype(str).str.strip()
    for col, value in DEFAULTS.items():
        if col not in frame.columns:
            frame[col] = value
        frame[col] = frame[col].where(frame[col].notna(), value)
    for col in ("year", "life_years", "cost_type", "price_low", "price_high"):
        if col not in frame.columns:
            frame[col] = np.nan
    _check_numbers(frame)
    frame["year"] = frame["year"].where(frame["year"].notna(), frame["price_year"])
    for col, allowed in _CHOICES.items():
        _check_choice(frame, col, allowed)
    default_type = np.where(frame["scale"] == "student", "variable", "fixed")
    frame["cost_type"] = frame["cost_type"].where(
        frame["cost_type"].notna(), pd.Series(default_type, index=frame.index)
    )
    _check_ranges(frame)
    for col in ("price_year", "year"):
        frame[col] = frame[col].astype(int)
    columns = ["row", *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    return Ingredients(frame[columns].reset_index(drop=True), path)


def _check_numbers(frame: pd.DataFrame) -> None:
    for col in _NUMERIC:
        raw = frame[col]
        values = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & values.isna()
        if bad.any():
            raise DataError(f"'{col}' must be a number: {_rows(bad, frame)}")
        frame[col] = values.astype(float)
    no_price = frame["price"].isna()
    if no_price.any():
        raise DataError(
            f"ingredients without a price: {_rows(no_price, frame)}; every ingredient needs a "
            "price (use a market price, e.g. a salary schedule, even for donated or in-kind items)"
        )
    for col in ("quantity", "price_year"):
        gap = frame[col].isna()
        if gap.any():
            raise DataError(f"'{col}' is missing: {_rows(gap, frame)}")
    for col in ("quantity", "price", "benefits_rate", "life_years", "price_low", "price_high"):
        negative = frame[col] < 0
        if negative.any():
            raise DataError(f"'{col}' cannot be negative: {_rows(negative, frame)}")
    percent = frame["benefits_rate"] > 1
    if percent.any():
        raise DataError(
            f"'benefits_rate' is a share of salary (0.30 for 30%), but {_rows(percent, frame)} "
            "give more than 1; write 30% as 0.30"
        )
    whole = frame["price_year"].notna() & (frame["price_year"] != np.round(frame["price_year"]))
    if whole.any():
        raise DataError(f"'price_year' must be a calendar year such as 2023: {_rows(whole, frame)}")


def _check_choice(frame: pd.DataFrame, col: str, allowed: tuple[str, ...]) -> None:
    text = frame[col].astype("string").str.strip().str.lower().str.replace("_", " ")
    text = text.str.replace(" ", "_") if col == "condition" else text
    text = text.replace({"inkind": "in-kind", "in kind": "in-kind", "bau": "business_as_usual"})
    frame[col] = text.astype(object).where(frame[col].notna(), None)
    bad = frame[col].notna() & ~frame[col].isin(allowed)
    if bad.any():
        raise DataError(
            f"'{col}' must be one of {', '.join(allowed)}: {_rows(bad, frame)} "
            f"say {sorted(set(frame.loc[bad, col]))}"
        )


def _check_ranges(frame: pd.DataFrame) -> None:
    low = frame["price_low"].notna() & (frame["price_low"] > frame["price"])
    high = frame["price_high"].notna() & (frame["price_high"] < frame["price"])
    if (low | high).any():
        raise DataError(
            f"the price range must contain the price (price_low <= price <= price_high): "
            f"{_rows(low | high, frame)}"
        )


def read_ingredients(
    path: str | Path, columns: str | Path | Mapping[str, str] | None = None
) -> Ingredients:
    """Read and check an ingredients file (CSV or Excel, first sheet).

    Parameters
    ----------
    path : str or Path
        The file, laid out as ``data/cost_template/ingredients_template.csv``.
    columns : str, Path or mapping, optional
        Column map (YAML file or dict) of ``template_name: your_column`` for a file whose
        headers differ from the template's. Headers are otherwise matched ignoring case,
        spaces and dashes.

    Returns
    -------
    Ingredients

    Raises
    ------
    improve.errors.DataError
        The file cannot be read or breaks a rule of the template (see :func:`check_ingredients`).
    improve.errors.SpecError
        The column map is not valid.
    """
    p = Path(path)
    frame = _rename(_read_table(p), _read_column_map(columns))
    return check_ingredients(frame, str(p))
