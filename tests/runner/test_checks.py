"""Parameter checks against the loaded data: refused before any kernel starts, one line."""

from __future__ import annotations

import pandas as pd
import pytest

from improve.data import load_panel
from improve.errors import SpecError
from improve.runner.checks import check_against_data

from sample_data import SCHOOL_MAP


@pytest.fixture
def panel(school_frame: pd.DataFrame):
    return load_panel(school_frame, columns=SCHOOL_MAP)


@pytest.fixture
def unclustered(school_frame: pd.DataFrame):
    return load_panel(school_frame, columns={k: v for k, v in SCHOOL_MAP.items() if k != "cluster"})


def _refused(params: dict, panel, match: str) -> None:
    with pytest.raises(SpecError, match=match) as info:
        check_against_data(params, panel)
    assert "\n" not in str(info.value)


def test_valid_parameters_pass(panel) -> None:
    check_against_data(
        {
            "outcomes": ["math_ss"],
            "cluster": "",
            "inference": "jackknife",
            "control_group": "nevertreated",
            "covariates": [],
        },
        panel,
    )


@pytest.mark.parametrize("name", ["outcome", "outcomes", "covariates", "cluster", "dose"])
def test_every_column_parameter_must_name_a_mapped_column(panel, name) -> None:
    value = ["math_sss"] if name in ("outcomes", "covariates") else "math_sss"
    _refused({name: value}, panel, rf"parameter '{name}' names column 'math_sss', .*math_ss")


def test_dict_of_outcomes_is_checked_by_its_keys(panel) -> None:
    check_against_data({"outcomes": {"math_ss": "achievement"}}, panel)
    _refused({"outcomes": {"maths": "achievement"}}, panel, "names column 'maths'")


def test_jackknife_needs_a_cluster(unclustered) -> None:
    check_against_data({"inference": "analytic", "cluster": ""}, unclustered)
    _refused(
        {"inference": "jackknife", "cluster": ""},
        unclustered,
        "inference=jackknife needs a cluster column .* -p cluster=COLUMN",
    )
    # a cluster column must be mapped to be used
    _refused({"inference": "jackknife", "cluster": "district_id"}, unclustered, "not in the data")


def test_jackknife_cluster_must_group_units(panel) -> None:
    unit = panel.spec.unit
    _refused(
        {"inference": "jackknife", "cluster": unit},
        panel,
        f"the cluster '{unit}' is the unit column",
    )


def test_never_treated_comparison_needs_never_treated_units(school_frame) -> None:
    treated = school_frame[school_frame["first_grant_year"] > 0]
    panel = load_panel(treated, columns=SCHOOL_MAP)
    check_against_data({"control_group": "notyettreated"}, panel)
    _refused({"control_group": "nevertreated"}, panel, "needs never-treated units")
