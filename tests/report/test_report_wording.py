"""Words and numbers of reports: labels, the one number formatter, notes, parameters."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from improve.errors import SpecError
from improve.report.defaults import did_options, map_outcomes, robustness_variants
from improve.report.findings import findings_box, parameter_rows, parameters_html
from improve.report.labels import Labels
from improve.report.narrative import log_effect_sentence
from improve.report.notes import MethodNotes, plain_sentence
from improve.report.numbers import column_decimals, format_number, format_p


def _panel(labels=None, outcomes=("lemp",), covariates=()):
    import pandas as pd

    spec = SimpleNamespace(outcomes=outcomes, covariates=covariates, cluster=None)
    if labels is not None:
        spec.labels = labels
    return SimpleNamespace(spec=spec, data=pd.DataFrame(columns=["lemp", "lpop"]))


def test_numbers_keep_standard_errors_and_p_values_readable():
    assert format_number(0.0123) == "0.0123"
    assert format_number(1234.5678) == "1,235"
    assert format_number(-0.041412, sentence=True) == "−0.0414"
    assert format_number(-0.00001, decimals=2) == "0.00"
    assert format_p(0.00007) == "< 0.001" and format_p(0.0621) == "0.062"
    assert format_number(float("nan")) == ""
    assert column_decimals([0.0123, 0.021, 1.5]) == 4  # the median, 0.021, to 3 digits
    assert column_decimals([512.3, 498.1]) == 0


def test_labels_default_to_neutral_words_and_take_the_map_and_overrides():
    neutral = Labels.from_panel(_panel())
    assert (neutral.unit_plural, neutral.program, neutral.outcome("lemp")) == (
        "units",
        "the program",
        "lemp",
    )
    assert not neutral.is_log("lemp")  # a name starting with "l" is not guessed to be a log
    mapped = Labels.from_panel(
        _panel(
            {
                "outcomes": {"lemp": "teen employment"},
                "scales": {"lemp": "log"},
                "unit": "county",
                "unit_plural": "counties",
            }
        ),
        {"program": "the minimum-wage increase", "outcomes": {}},
    )
    assert mapped.outcome("lemp") == "teen employment" and mapped.unit_plural == "counties"
    assert mapped.program == "the minimum-wage increase"
    assert mapped.is_log("lemp") and mapped.percent_phrase("lemp", -0.0414) == " (about −4.1%)"
    assert mapped.effect_axis("lemp") == "Effect on teen employment (log)"
    assert "about −4.1%" in log_effect_sentence("teen employment", -0.0414)


def test_outcomes_and_options_come_from_the_map_and_parameters():
    assert map_outcomes(_panel()) == ["lemp"]
    assert map_outcomes(_panel(), ["lpop"]) == ["lpop"]
    with pytest.raises(SpecError, match="no outcomes"):
        map_outcomes(_panel(outcomes=()))
    with pytest.raises(SpecError, match="not columns"):
        map_outcomes(_panel(), ["math_ss"])
    options = did_options(
        control_group="notyettreated",
        covariates=[],
        est_method="dr",
        cluster="",
        anticipation=0,
        confidence_level=0.9,
        bootstrap_draws=0,
        seed=1,
    )
    assert options["alpha"] == pytest.approx(0.1) and options["bootstrap"] is False
    assert options["cluster"] is None and options["n_boot"] == 1
    base, variants = robustness_variants(options, ["lpop"])
    assert "seed" not in base
    assert variants == {
        "nevertreated comparison": {"control_group": "nevertreated"},
        "with the map's covariates": {"covariates": ["lpop"], "est_method": "dr"},
    }


def test_warnings_become_sentences_without_local_paths():
    notes = MethodNotes().start()
    warnings.warn("7 units dropped from /home/me/data/state file.csv", UserWarning, stacklevel=1)
    warnings.warn("7 units dropped from /home/me/data/state file.csv", UserWarning, stacklevel=1)
    notes.stop()
    assert notes.sentences == ["7 units dropped from state file.csv."]
    assert notes.markdown().startswith("- 7 units") and "/home" not in notes.markdown()
    assert plain_sentence("") == ""
    assert "No warnings" in MethodNotes().markdown()


def test_parameters_are_a_readable_table_with_file_names_only():
    rows = dict(
        parameter_rows(
            {
                "data_path": "/work/x/mpdta.csv",
                "outcomes": [],
                "output_dir": "/tmp/run",
                "alpha": 0.05,
            }
        )
    )
    assert rows == {"data path": "mpdta.csv", "outcomes": "(from the column map)", "alpha": "0.05"}
    assert "&lt;b&gt;" in parameters_html({"program": "<b>"})
    box = findings_box(["**Teen employment**: <script>"])
    assert "<b>Teen employment</b>" in box and "<script>" not in box


def test_an_evaluation_shows_as_html_tables():
    from improve.data import load_panel
    from improve.did.evaluation import evaluate

    root = Path(__file__).resolve().parents[2]
    panel = load_panel(
        root / "tests" / "reference" / "mpdta.csv",
        columns=root / "tests" / "outside_data" / "mpdta_did.yaml",
    )
    page = evaluate(panel, "lemp", covariates=[], max_event_time=2)._repr_html_()
    assert page.count("<table") == 2 and ">Std. error<" in page and ">std_error<" not in page
    assert "Periods since start" in page


def test_demo_params_name_the_demo_files():
    from improve.report.defaults import demo_workbook_params

    evidence = demo_workbook_params("evidence_summary")
    assert evidence["subgroup_path"].endswith("subgroups.csv")
    assert Path(evidence["subgroup_path"]).exists()
    assert demo_workbook_params("did_evaluation")["outcomes"] == ["math_ss", "reading_ss"]
    assert demo_workbook_params("no_such_workbook") == {}


def test_evidence_key_findings_give_each_outcome_in_words():
    import pandas as pd

    from improve.report.findings import evidence_key_findings

    evidence = SimpleNamespace(
        table=pd.DataFrame(
            {
                "outcome": ["lemp"],
                "estimate": [-0.0398],
                "conf_low": [-0.0634],
                "conf_high": [-0.0161],
                "effect_size": [-0.027],
                "p_adjusted": [0.00004],
            }
        ),
        rating=SimpleNamespace(rating="does_not_meet"),
        tier=SimpleNamespace(label="Does not meet an ESSA evidence tier"),
    )
    labels = Labels.from_mapping(
        {"outcomes": {"lemp": "teen employment"}, "scales": {"lemp": "log"}}
    )
    first, last = evidence_key_findings(evidence, labels, alpha=0.05)
    assert first.startswith("**Teen employment**: effect −0.0398 (about −3.9%)")
    assert "adjusted p < 0.001" in first and "does not meet" in last


def test_the_did_question_uses_the_data_s_words():
    from improve.report.narrative import did_question

    labels = Labels.from_mapping(
        {
            "outcomes": {"lemp": "teen employment"},
            "unit": "county",
            "unit_plural": "counties",
            "program": "the minimum-wage increase",
        }
    )
    assert did_question(["lemp"], labels, "nevertreated") == (
        "**The question:** did teen employment change in counties after the minimum-wage "
        "increase began, compared with counties that never received it?"
    )
    assert "units" in did_question(["y"], Labels(), "notyettreated")
