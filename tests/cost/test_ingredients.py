"""Reading ingredients files: the template, Excel, column maps and plain-language errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from improve.cost import read_ingredients, read_price_index
from improve.errors import DataError, SpecError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "data" / "cost_template" / "ingredients_template.csv"
DEMO = ROOT / "data" / "demo_cost" / "ingredients.csv"


def test_template_and_demo_files_read() -> None:
    template = read_ingredients(TEMPLATE)
    assert len(template) == 6 and template.years == [2023]
    demo = read_ingredients(DEMO)
    assert set(demo.frame["category"]) == {
        "personnel",
        "training",
        "materials",
        "facilities",
        "other",
    }
    assert set(demo.frame["condition"]) == {"program", "business_as_usual"}
    assert demo.price_years == [2021, 2022, 2023]
    assert (demo.frame.loc[demo.frame["scale"] == "student", "cost_type"] == "variable").all()


def test_excel_and_a_column_map(tmp_path: Path) -> None:
    frame = pd.read_csv(TEMPLATE).rename(columns={"ingredient": "Item", "price": "Unit Price"})
    path = tmp_path / "costs.xlsx"
    frame.to_excel(path, index=False)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("ingredient: Item\nprice: Unit Price\n", encoding="utf-8")
    read = read_ingredients(path, mapping)
    assert read.frame["ingredient"].iloc[0] == "Instructional coach"
    assert read.frame["price"].iloc[0] == 60000
    with pytest.raises(SpecError, match="not template columns"):
        read_ingredients(path, {"cost": "Unit Price"})


def _write(tmp_path: Path, edit) -> Path:
    frame = pd.read_csv(TEMPLATE)
    edit(frame)
    path = tmp_path / "ingredients.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda f: f.__setitem__("price", f["price"].where(f.index != 1)),
            r"without a price: row 3 \(Teacher time in coaching sessions\)",
        ),
        (lambda f: f.pop("price_year"), "no column 'price_year'"),
        (lambda f: f.loc.__setitem__((0, "benefits_rate"), 30), "write 30% as 0.30"),
        (lambda f: f.loc.__setitem__((2, "category"), "books"), "'category' must be one of"),
        (lambda f: f.loc.__setitem__((0, "quantity"), -1), "'quantity' cannot be negative: row 2"),
        (lambda f: f.loc.__setitem__((0, "price_low"), 70000), "range must contain the price"),
        (lambda f: f.loc.__setitem__((0, "payer"), "federal"), "'payer' must be one of"),
    ],
)
def test_bad_files_are_explained(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_ingredients(_write(tmp_path, edit))


def test_costs_in_a_year_the_index_lacks(tmp_path: Path) -> None:
    index = read_price_index()
    with pytest.raises(DataError, match="no value for 1995"):
        index.factor(1995, 2023)
    custom = tmp_path / "index.csv"
    custom.write_text("year,index\n1995,100\n2023,180\n", encoding="utf-8")
    assert read_price_index(custom).factor(1995, 2023) == pytest.approx(1.8)
    custom.write_text("yr,value\n", encoding="utf-8")
    with pytest.raises(DataError, match="'year' and 'index'"):
        read_price_index(custom)


def test_missing_file_and_wrong_kind(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_ingredients(tmp_path / "none.csv")
    (tmp_path / "x.txt").write_text("a")
    with pytest.raises(DataError, match="not a CSV or Excel"):
        read_ingredients(tmp_path / "x.txt")
