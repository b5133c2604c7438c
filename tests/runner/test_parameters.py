"""Workbook parameters: types, ``-p`` values, parameters files, renamed names, API defaults."""

from __future__ import annotations

import importlib
import inspect
import warnings
from pathlib import Path

import pytest

from improve.errors import SpecError
from improve.runner.parameters import (
    API_DEFAULTS,
    RENAMED,
    check_parameters,
    coerce,
    describe_parameters,
    parse_cli_value,
    read_params_file,
)
from improve.runner.registry import Parameter, Workbook, get_workbook, parse_parameters

CELL = """\
min_cell_size: int = 10  # smallest cell shown
weights: str = ""  # weight column
level: float = 0.95
names: list[str] = ["a"]
method: Literal["cr2", "wild"] = "cr2"
label: str | None = None
"""


def _workbook(source: str = CELL, name: str = "toy") -> Workbook:
    return Workbook(name, Path(f"{name}.ipynb"), "Toy", "", parse_parameters(source))


def test_cli_values_follow_yaml() -> None:
    assert parse_cli_value("3") == 3 and parse_cli_value("0.5") == 0.5
    assert parse_cli_value("true") is True and parse_cli_value("[a, b]") == ["a", "b"]
    assert parse_cli_value("[a") == "[a"


def test_coercion_by_declared_type() -> None:
    params = _workbook().parameters
    assert coerce(params["min_cell_size"], 5.0) == 5
    assert coerce(params["level"], 1) == 1.0 and isinstance(coerce(params["level"], 1), float)
    assert coerce(params["names"], "x, y") == ["x", "y"]
    assert coerce(params["names"], [1, 2]) == ["1", "2"]
    assert coerce(params["label"], None) is None
    assert coerce(params["method"], "wild") == "wild"
    with pytest.raises(SpecError, match="must be int"):
        coerce(params["min_cell_size"], "ten")
    with pytest.raises(SpecError, match="must be int"):
        coerce(params["min_cell_size"], True)
    with pytest.raises(SpecError, match=r"must be 'cr2' or 'wild', got 'cr3' \(did you mean"):
        coerce(params["method"], "cr3")
    with pytest.raises(SpecError, match="needs a int value"):
        coerce(params["min_cell_size"], None)
    with pytest.raises(SpecError, match="must be str"):
        coerce(Parameter("s", "str", "", ""), ["a"])


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(
        SpecError, match="no parameter 'min_cel_size'; did you mean 'min_cell_size'"
    ):
        check_parameters(_workbook(), {"min_cel_size": 5})


def test_renamed_parameters_work_with_one_notice() -> None:
    notices: list[str] = []
    checked = check_parameters(_workbook(), {"min_n": 5, "weight": "w"}, notice=notices.append)
    assert checked == {"min_cell_size": 5, "weights": "w"}
    assert len(notices) == 2 and all("\n" not in n for n in notices)
    assert "'min_n' is now called 'min_cell_size'" in notices[0]
    with pytest.warns(DeprecationWarning, match="'min_n' is now called 'min_cell_size'"):
        check_parameters(_workbook(), {"min_n": 5})
    with pytest.raises(SpecError, match="old name of 'min_cell_size'"):
        check_parameters(_workbook(), {"min_n": 5, "min_cell_size": 6})


def test_a_workbook_that_declares_the_old_name_keeps_it() -> None:
    wb = _workbook("min_n: int = 3\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_parameters(wb, {"min_n": 4}) == {"min_n": 4}
    assert "alpha" not in RENAMED  # confidence_level is a different quantity, not a rename


def test_params_file(tmp_path: Path) -> None:
    good = tmp_path / "p.yaml"
    good.write_text("min_cell_size: 5\n", encoding="utf-8")
    assert read_params_file(good) == {"min_cell_size": 5}
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(SpecError, match="must hold 'name: value' lines"):
        read_params_file(bad)
    with pytest.raises(SpecError, match="does not exist"):
        read_params_file(tmp_path / "missing.yaml")
    with pytest.raises(SpecError, match="is a folder"):
        read_params_file(tmp_path)


@pytest.mark.parametrize("entry", API_DEFAULTS, ids=lambda e: f"{e.function}:{e.argument}")
def test_api_default_table_matches_the_functions(entry) -> None:
    module, name = entry.function.rsplit(".", 1)
    function = getattr(importlib.import_module(module), name)
    assert inspect.signature(function).parameters[entry.argument].default == entry.default


def test_params_states_where_a_workbook_default_differs_from_the_api() -> None:
    did = describe_parameters(get_workbook("did_evaluation"))
    control = did.split("control_group", 1)[1].split("\n  covariates", 1)[0]
    if get_workbook("did_evaluation").parameters["control_group"].default != "nevertreated":
        assert 'improve.did.att_gt(control_group=...) defaults to "nevertreated"' in control
    assert "est_method=...) defaults" not in did  # same default: nothing said
    fe = get_workbook("fixed_effects")
    if fe.parameters["inference"].default != "cr1":
        assert 'improve.fe.panel_regression(se=...) defaults to "cr1"' in describe_parameters(fe)
    toy = _workbook("min_cell_size: int = 10\ncontrol_group: str = 'notyettreated'\n", "toy")
    text = describe_parameters(toy)
    assert 'att_gt(control_group=...) defaults to "nevertreated"' in text
    assert "Old names still accepted: min_n (now min_cell_size)" in text
