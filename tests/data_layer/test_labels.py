"""The column map's labels: words for reports, checked like the rest of the map."""

from __future__ import annotations

from pathlib import Path

import pytest

from improve.data import ColumnMap, PanelSpec, load_panel
from improve.data.labels import Labels
from improve.errors import SpecError

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
MPDTA = Path(__file__).resolve().parents[1] / "reference" / "mpdta.csv"
MAP = {
    "unit": {"county": "countyreal"},
    "time": "year",
    "cohort": "first_treat",
    "outcomes": ["lemp"],
    "labels": {
        "unit": "county",
        "unit_plural": "counties",
        "program": "the minimum wage increase",
        "treatment": "raised the minimum wage",
        "outcomes": {
            "lemp": {"label": "log teen employment", "scale": "log", "units": "log points"}
        },
    },
}


def test_neutral_wording_without_labels():
    labels = PanelSpec().labels
    assert labels.is_empty()
    assert labels.unit_label() == "units" and labels.unit_label(plural=False) == "unit"
    assert labels.program_label() == "the program"
    assert labels.treatment_label() == "were treated"
    assert labels.treated_label() == "treated units"
    assert labels.comparison_label() == "comparison units"
    assert labels.outcome_label("Math Score") == "Math Score"
    assert labels.outcome_scale("Math Score") == "points"
    assert labels.outcome_units("Math Score") is None


def test_labels_from_a_map_reach_the_loaded_panel():
    panel = load_panel(MPDTA, columns=MAP)
    labels = panel.spec.labels
    assert labels.outcome_label("lemp") == "log teen employment"
    assert labels.outcome_scale("lemp") == "log"
    assert labels.outcome_units("lemp") == "log points"
    assert labels.unit_label() == "counties" and labels.unit_label(plural=False) == "county"
    assert labels.program_label() == "the minimum wage increase"
    assert labels.treatment_label() == "raised the minimum wage"
    assert labels.treated_label() == "treated counties"
    text = " ".join([labels.unit_label(), labels.program_label(), labels.treated_label()])
    assert "school" not in text and "grant" not in text


def test_plural_defaults_to_unit_plus_s_and_labels_follow_renames():
    cmap = ColumnMap.from_dict(
        {
            "unit": "id",
            "time": "t",
            "outcomes": {"score": "SCORE_RAW"},
            "labels": {"unit": "district", "outcomes": {"SCORE_RAW": "mean score"}},
        }
    )
    assert cmap.spec.labels.unit_label() == "districts"
    assert cmap.spec.labels.outcome_label("score") == "mean score"


@pytest.mark.parametrize(
    ("labels", "fragment"),
    [
        ({"untis": "county"}, "unknown key 'untis'; did you mean 'unit'"),
        ({"outcome": {"lemp": "x"}}, "did you mean 'outcomes'"),
        ({"outcomes": {"lemp": {"scale": "logs"}}}, "scale 'logs' is unknown; did you mean 'log'"),
        ({"outcomes": {"lemp": {"lable": "x"}}}, "did you mean 'label'"),
        (
            {"outcomes": {"lmp": "x"}},
            "outcome 'lmp', which is not an outcome of the map; did you mean 'lemp'",
        ),
        ({"outcomes": ["lemp"]}, "'outcomes' must map an outcome column to its label"),
        ({"unit": ["county"]}, "must be a short text"),
        ("counties", "labels must be a set of 'key: words' lines"),
    ],
)
def test_bad_labels_are_refused_with_a_hint(labels, fragment):
    with pytest.raises(SpecError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        ColumnMap.from_dict({**MAP, "labels": labels})


def test_demo_map_speaks_of_schools_and_the_grant():
    labels = ColumnMap.from_yaml(DEMO / "columns.yaml").spec.labels
    assert labels.unit_label() == "schools"
    assert labels.program_label() == "the math-coach grant"
    assert labels.outcome_label("math_ss") == "math scale score"
    assert labels.outcome_scale("math_pct_prof") == "percent"


def test_labels_in_the_spec_dict_only_when_declared():
    assert "labels" not in PanelSpec().to_dict()
    spec = ColumnMap.from_dict(MAP).spec
    assert spec.to_dict()["labels"]["outcomes"]["lemp"]["scale"] == "log"
    assert Labels.from_dict(spec.to_dict()["labels"]) == spec.labels
    hash(spec)  # a spec stays hashable
