"""The runner's check of an ingredients file before a cost-effectiveness run."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from improve.cost.ingredients import read_ingredients
from improve.cost.prices import read_price_index
from improve.cost.runs import run_effects


def check_ingredients_input(
    data_path: Path | str, map_path: Path | None, params: Mapping[str, Any]
) -> str:
    """Read the ingredients file, the price index and the run folders the run will use.

    Returns
    -------
    str
        ``"data ok: N ingredients, years ..., K effects from R runs"``.

    Raises
    ------
    improve.errors.DataError, improve.errors.SpecError
        The ingredients break a template rule, a price year is not in the index, or a run
        folder is not a finished run with effects.
    """
    ingredients = read_ingredients(data_path, map_path)
    index = read_price_index(params.get("price_index") or None)
    base = int(params.get("base_year") or max(ingredients.price_years))
    for year in ingredients.price_years:
        index.factor(year, base)
    folders = params.get("run_folders") or []
    if isinstance(folders, str):
        folders = [folders]
    n_effects = sum(len(run_effects(f)) for f in folders)
    years = ingredients.years
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return (
        f"data ok: {len(ingredients)} ingredients, used {span}, priced in {base} dollars, "
        f"{n_effects} effects from {len(folders)} run(s)"
    )
