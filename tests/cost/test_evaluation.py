"""The cost evaluation bundle on the demo ingredients and the demo DiD effect."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from improve.cost import CostOptions, cost_program, evaluate_cost, read_ingredients
from improve.cost.check import check_ingredients_input
from improve.errors import SpecError
from improve.runner.inputs import input_check

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo_cost"


@pytest.fixture(scope="module")
def evaluation():
    return evaluate_cost(
        DEMO / "ingredients.csv",
        run_folders=[DEMO / "did_evaluation-schools"],
        students=21000,
        sites=60,
        draws=20_000,
    )


def test_demo_costs_and_ratios(evaluation) -> None:
    cost = evaluation.cost
    assert cost.options.base_year == 2023  # latest price year in the file
    assert cost.incremental_total == pytest.approx(
        cost.program_total - cost.business_as_usual_total
    )
    shares = cost.by("category")["share"]
    assert shares.sum() == pytest.approx(1.0)
    table = evaluation.ratio_table()
    assert list(table["outcome"]) == ["math_ss", "reading_ss"]
    assert (table["fieller_interval"] == "bounded").all()
    for row in table.itertuples():
        assert row.fieller_low < row.cost_per_gain < row.fieller_high
        assert row.monte_carlo_low == pytest.approx(row.fieller_low, rel=0.03)
    tidy = evaluation.main.tidy()
    assert list(tidy["method"]) == ["fieller", "delta", "monte_carlo"]
    assert {"term", "estimate", "std_error", "conf_low", "conf_high"} <= set(tidy.columns)
    assert "Fieller interval" in evaluation.summary_sentence("the grant")
    provenance = evaluation.provenance_table()
    assert provenance["demo_copy"].all() and provenance["results_sha256"].str.len().eq(64).all()


def test_sensitivity_rows_move_the_right_way(evaluation) -> None:
    table = evaluation.sensitivity.set_index("scenario")
    base = table.loc["base case", "cost_per_student"]
    assert table.loc["every price 20% higher", "cost_per_student"] == pytest.approx(base * 1.2)
    assert table.loc["prices at the low end of their ranges", "cost_per_student"] < base
    assert table.loc["take-up 80% of students planned", "cost_per_student"] > base
    low_effect = table.loc["effect at the lower end of its interval", "cost_per_gain"]
    assert low_effect > table.loc["base case", "cost_per_gain"]


def test_discount_rate_and_base_year_change_the_cost() -> None:
    ingredients = read_ingredients(DEMO / "ingredients.csv")
    at_3 = cost_program(ingredients, CostOptions(2023, 0.03, students=100, sites=2))
    at_5 = cost_program(ingredients, CostOptions(2023, 0.05, students=100, sites=2))
    in_2024 = cost_program(ingredients, CostOptions(2024, 0.03, students=100, sites=2))
    assert at_5.program_total != at_3.program_total
    assert in_2024.program_total == pytest.approx(at_3.program_total * 313.689 / 304.702)


def test_figures_and_runner_check(evaluation) -> None:
    fig = evaluation.cost.plot("payer")
    assert fig.axes[0].get_xlabel().startswith("Cost per student")
    plane = evaluation.main.plot("math")
    assert plane.axes[0].get_ylabel().startswith("Incremental cost")
    plt.close("all")
    line = check_ingredients_input(
        DEMO / "ingredients.csv", None, {"run_path": str(DEMO / "did_evaluation-schools")}
    )
    assert (
        line.startswith("data ok: 18 ingredients")
        and "2 effects from run did_evaluation-schools" in line
    )
    assert input_check("ingredients") is check_ingredients_input
    with pytest.raises(SpecError, match="needs run_path"):
        check_ingredients_input(DEMO / "ingredients.csv", None, {"run_path": ""})


def test_cost_per_natural_unit() -> None:
    evaluation = evaluate_cost(
        DEMO / "ingredients.csv",
        run_folders=[DEMO / "did_evaluation-schools"],
        students=21000,
        sites=60,
        draws=5_000,
        natural_units={"math_ss": [1.0, "scale-score point"]},
    )
    (per_point,) = evaluation.natural
    math = evaluation.ratios[0]
    # cost per point = cost per SD / SD = (cost per 0.1 SD * 10) / 18.09
    assert per_point.ratio == pytest.approx(math.ratio * 10 / evaluation.effects[0].sd)
    assert per_point.intervals["fieller"].low == pytest.approx(
        math.intervals["fieller"].low * 10 / evaluation.effects[0].sd
    )
    assert "each scale-score point in math cost $" in per_point.sentence("math")
    table = evaluation.natural_table()
    assert list(table["unit"]) == ["scale-score point"]


def test_portfolio_comparison_skips_this_run(tmp_path: Path) -> None:
    import json

    from improve.cost.portfolio import portfolio_costs, reports_and_run_id

    assert reports_and_run_id(tmp_path / ".tmp-cost_effectiveness-x-4242") == (
        tmp_path,
        "cost_effectiveness-x",
    )
    for run_id, program in (("cost_effectiveness-x", "this one"), ("cost-y", "tutoring")):
        folder = tmp_path / run_id
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps({"run_id": run_id, "status": "complete"}))
        (folder / "results.json").write_text(
            json.dumps(
                {
                    "cost_effectiveness": [
                        {
                            "program": program,
                            "outcome": "math",
                            "effect_sd": 0.1,
                            "effect_conf_low": 0.0,
                            "effect_conf_high": 0.2,
                            "cost_per_student": 100.0,
                            "cost_per_gain": 100.0,
                        }
                    ]
                }
            )
        )
    others = portfolio_costs(tmp_path, skip=("cost_effectiveness-x",))
    assert list(others["label"]) == ["tutoring: math"]


def test_results_display_like_every_result(evaluation) -> None:
    from improve.results import Result

    for result in (evaluation.cost, evaluation.main):
        assert isinstance(result, Result)
        assert result.summary().splitlines()[0] in result._repr_html_()
    assert "Fieller" in str(evaluation.main) or "fieller" in str(evaluation.main)
    assert evaluation.cost.summary().startswith("Program cost: $318 per student")


def test_key_findings_name_the_payer_in_words(evaluation) -> None:
    findings = evaluation.key_findings("the grant")
    assert findings[-1].endswith("falls on the state.")


def test_ratio_table_in_words(evaluation) -> None:
    words = evaluation.ratio_words_table()
    assert words.loc[0, "fieller"] == "from $133 to $223"
    assert list(words.columns) == [
        "outcome",
        "effect_sd",
        "cost_per_student",
        "cost_per_gain",
        "fieller",
        "delta",
        "monte_carlo",
    ]
