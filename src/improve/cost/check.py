"""The runner's check of an ingredients file before a cost-effectiveness run."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from improve.cost.ingredients import read_ingredients
from improve.cost.prices import read_price_index
from improve.cost.runs import run_effects
from improve.errors import SpecError

#: What the runner says when a cost-effectiveness run names no evaluation run to price.
NO_RUN_MESSAGE = (
    "cost_effectiveness needs run_path: the folder of the finished evaluation run whose "
    "effects it prices (e.g. -p run_path=reports/did_evaluation-schools)"
)


def _workbook_path(value: str) -> Path:
    """A path parameter: user values arrive absolute (the runner resolves them); a relative
    one is the workbook's default, relative to the notebooks folder."""
    from improve.paths import notebooks_dir

    p = Path(value)
    return p if p.is_absolute() else (notebooks_dir() / p).resolve()


def require_run_path(run_path: str | Path | None) -> str:
    """``run_path`` as text; a cost-effectiveness run must name the run it prices.

    Raises
    ------
    improve.errors.SpecError
        ``run_path`` is empty: without it a run would price no effect (or, with a demo
        default, the demo's).
    """
    if not run_path:
        raise SpecError(NO_RUN_MESSAGE)
    return str(run_path)


def check_ingredients_input(
    data_path: Path | str, map_path: Path | None, params: Mapping[str, Any]
) -> str:
    """Read the ingredients file, the price index and the run folder the run will use.

    Returns
    -------
    str
        ``"data ok: N ingredients, used ..., priced in ... dollars, K effects from run ..."``.

    Raises
    ------
    improve.errors.DataError, improve.errors.SpecError
        The ingredients break a template rule, a price year is not in the index, no run
        folder is given (``run_path`` empty), or it is not a finished run with effects.
    """
    ingredients = read_ingredients(data_path, map_path)
    index_file = params.get("price_index_file") or None
    index = read_price_index(_workbook_path(index_file) if index_file else None)
    base = int(params.get("base_year") or max(ingredients.price_years))
    for year in ingredients.price_years:
        index.factor(year, base)
    years = ingredients.years
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    line = f"data ok: {len(ingredients)} ingredients, used {span}, priced in {base} dollars"
    effects = run_effects(_workbook_path(require_run_path(params.get("run_path"))))
    line += f", {len(effects)} effects from run {effects[0].run_id}"
    return line
