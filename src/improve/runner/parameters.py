"""Workbook parameters: types, coercion, ``-p`` values, parameters files, renamed names.

Everything here looks at parameter values alone; checks against the loaded data are in
:mod:`improve.runner.checks`. Both run before any kernel starts.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from improve.data.read import is_dataset
from improve.errors import SpecError
from improve.runner.plain_data import check_plain, load_yaml
from improve.runner.registry import RESERVED, Parameter, Workbook

#: Renamed workbook parameters: old name -> new name (the old one still works, with a notice).
RENAMED: dict[str, str] = {
    "min_n": "min_cell_size",
    "weight": "weights",
}

#: Parameters whose names end so are file paths, resolved from the user's folder.
PATH_SUFFIXES = ("_path", "_map", "_file")


@dataclass(frozen=True)
class ApiDefault:
    """The default of the API argument a workbook parameter is passed to.

    Attributes
    ----------
    parameter : str
        Workbook parameter.
    function : str
        Dotted name of the function that receives it.
    argument : str
        That function's argument.
    default : Any
        That function's default.
    workbooks : tuple of str
        Workbooks where the parameter means this argument (empty: every workbook that has it).
    """

    parameter: str
    function: str
    argument: str
    default: Any
    workbooks: tuple[str, ...] = ()


#: API defaults of the workbook parameters; ``improve params`` states where a workbook differs.
API_DEFAULTS: tuple[ApiDefault, ...] = (
    ApiDefault("control_group", "improve.did.att_gt", "control_group", "nevertreated"),
    ApiDefault("est_method", "improve.did.att_gt", "est_method", "dr"),
    ApiDefault("anticipation", "improve.did.att_gt", "anticipation", 0),
    ApiDefault("base_period", "improve.did.att_gt", "base_period", "varying"),
    ApiDefault("cluster_correction", "improve.did.att_gt", "cluster_correction", "CR2"),
    ApiDefault(
        "inference", "improve.fe.panel_regression", "se", "cr1", workbooks=("fixed_effects",)
    ),
    ApiDefault(
        "inference",
        "improve.did.evaluation.evaluate",
        "inference",
        "analytic",
        workbooks=("did_evaluation",),
    ),
)


def api_default(workbook: str, parameter: str) -> ApiDefault | None:
    """The :data:`API_DEFAULTS` entry for a workbook's parameter, if any."""
    for entry in API_DEFAULTS:
        if entry.parameter == parameter and (not entry.workbooks or workbook in entry.workbooks):
            return entry
    return None


def parse_cli_value(text: str) -> Any:
    """Turn ``-p name=value`` text into a Python value (YAML rules: 3, 0.5, true, [a, b]).

    Dates stay text (:func:`improve.runner.plain_data.load_yaml`).
    """
    try:
        return load_yaml(text, "parameter value")
    except yaml.YAMLError:
        return text


def literal_choices(type_name: str) -> list[Any]:
    """The values of a ``Literal[...]`` annotation (empty when it cannot be read)."""
    inner = type_name.replace(" ", "")[len("Literal[") : -1]
    try:
        parsed = ast.literal_eval(f"[{inner}]")
    except (ValueError, SyntaxError):
        return []
    return list(parsed)


def _base_type(type_name: str) -> tuple[str, bool]:
    """The annotation without ``None``/``Optional``, and whether ``None`` is allowed."""
    compact = type_name.replace(" ", "")
    optional = "None" in compact or "Optional" in compact
    base = re.sub(r"\|?None\|?|Optional\[|\]$", "", compact) if optional else compact
    return base, optional


def _coerce_literal(param: Parameter, base: str, value: Any) -> Any:
    choices = literal_choices(base)
    if value not in choices:
        shown = " or ".join(repr(c) for c in choices)
        close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SpecError(f"parameter '{param.name}' must be {shown}, got {value!r}{hint}")
    return value


def _coerce_plain(base: str, value: Any) -> tuple[bool, Any]:
    """``(ok, value)`` for the plain types bool, int, float, str, list and dict."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if base == "bool":
        return isinstance(value, bool), value
    if base == "int":
        if isinstance(value, float) and value.is_integer():
            return True, int(value)
        return isinstance(value, int) and not isinstance(value, bool), value
    if base == "float":
        return number, float(value) if number else value
    if base == "str":
        return not isinstance(value, bool | list | dict), str(value)
    if base.startswith("list"):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list) and "str" in base:
            value = [str(v) for v in value]
        return isinstance(value, list), value
    if base.startswith("dict"):
        return isinstance(value, dict), value
    return True, value


def coerce(param: Parameter, value: Any) -> Any:
    """A user's value converted to the parameter's declared type.

    Raises
    ------
    improve.errors.SpecError
        The value does not fit the type (or is not one of a ``Literal``'s choices).
    """
    base, optional = _base_type(param.type)
    if value is None:
        if optional:
            return None
        raise SpecError(f"parameter '{param.name}' needs a {param.type} value, got nothing")
    if base.startswith("Literal["):
        return _coerce_literal(param, base, value)
    ok, converted = _coerce_plain(base, value)
    if not ok:
        raise SpecError(
            f"parameter '{param.name}' must be {param.type} (default {param.default!r}), "
            f"got {value!r} ({type(value).__name__})"
        )
    return converted


def _notify(message: str, notice: Callable[[str], None] | None) -> None:
    if notice is not None:
        notice(message)
    else:
        warnings.warn(message, DeprecationWarning, stacklevel=3)


def rename_deprecated(
    workbook: Workbook,
    values: Mapping[str, Any],
    notice: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Values with renamed parameters (:data:`RENAMED`) under their new names.

    An old name is renamed only when the workbook declares the new name and not the old
    one. Each rename sends one line to ``notice`` (a ``DeprecationWarning`` without one).

    Raises
    ------
    improve.errors.SpecError
        Both the old and the new name were given.
    """
    out: dict[str, Any] = {}
    declared = workbook.parameters
    for name, value in values.items():
        new = RENAMED.get(name)
        if new is None or name in declared or new not in declared:
            out[name] = value
            continue
        if new in values:
            raise SpecError(f"parameter '{name}' is the old name of '{new}'; give only '{new}'")
        _notify(f"note: parameter '{name}' is now called '{new}'; please use -p {new}=", notice)
        out[new] = value
    return out


def check_parameters(
    workbook: Workbook,
    values: Mapping[str, Any],
    notice: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Validate names and types of user parameters; return the coerced values.

    Renamed parameters are accepted under their old names (see :func:`rename_deprecated`).
    Every value must be plain data (:func:`improve.runner.plain_data.check_plain`): text,
    numbers, true/false, null, lists and text-keyed mappings of these.

    Raises
    ------
    improve.errors.SpecError
        An unknown name (with the closest known one), a value that is not plain data or a
        value of the wrong type.
    """
    for name, value in values.items():
        check_plain(str(name), value)
    checked: dict[str, Any] = {}
    for name, value in rename_deprecated(workbook, values, notice).items():
        if name not in workbook.parameters:
            names = list(workbook.parameters)
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise SpecError(
                f"workbook '{workbook.name}' has no parameter '{name}'; {hint}"
                f"run 'improve params {workbook.name}' to list them"
            )
        checked[name] = coerce(workbook.parameters[name], value)
    return checked


def read_params_file(path: str | Path) -> dict[str, Any]:
    """Parameters from a YAML file (a mapping of name: value)."""
    p = Path(path)
    if not p.exists():
        raise SpecError(f"parameters file '{p}' does not exist; check the path to --params-file")
    if p.is_dir():
        raise SpecError(f"parameters file '{p}' is a folder; give --params-file the YAML file")
    try:
        content = load_yaml(p.read_text(encoding="utf-8"), f"parameters file '{p.name}'") or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        raise SpecError(
            f"parameters file '{p}' is not valid YAML; write one 'name: value' per line"
        ) from None
    if not isinstance(content, dict):
        raise SpecError(
            f"parameters file '{p}' must hold 'name: value' lines (e.g. min_cell_size: 10)"
        )
    return content


def resolve_input(path: str | Path | None, base: Path) -> Path | None:
    """An input path made absolute from ``base``; dataset references pass unchanged."""
    if path in (None, ""):
        return None
    if is_dataset(path):
        return path  # type: ignore[return-value]  # a dataset reference, not a file
    p = Path(str(path)).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def resolve_path_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """Make user-given file parameters absolute (from the user's folder) and check they exist."""
    out = dict(values)
    for name, value in values.items():
        if not name.endswith(PATH_SUFFIXES) or not isinstance(value, str) or not value:
            continue
        path = resolve_input(value, Path.cwd())
        assert path is not None
        if not path.exists():
            raise SpecError(f"parameter '{name}': file '{value}' does not exist")
        out[name] = str(path)
    return out


def _api_note(wb: Workbook, param: Parameter) -> str:
    entry = api_default(wb.name, param.name)
    if entry is None or entry.default == param.default:
        return ""
    return (
        f"differs from the API: {entry.function}({entry.argument}=...) defaults to "
        f"{json.dumps(entry.default)}"
    )


def describe_parameters(wb: Workbook) -> str:
    """Text listing of a workbook's parameters for ``improve params``.

    Each parameter shows its type, default and comment; where the workbook's default differs
    from the API function's (:data:`API_DEFAULTS`), a line says so. Renamed parameters
    (:data:`RENAMED`) that still work are listed at the end.
    """
    lines = [f"{wb.name}: {wb.title}", ""]
    width = max((len(p.name) for p in wb.parameters.values()), default=4)
    for p in wb.parameters.values():
        note = " (set by the runner)" if p.name in RESERVED else ""
        lines.append(f"  {p.name:<{width}}  {p.type:<10} default {json.dumps(p.default)}{note}")
        for extra in (p.help, _api_note(wb, p)):
            if extra:
                lines.append(f"  {'':<{width}}  {extra}")
    old = [o for o, n in RENAMED.items() if n in wb.parameters and o not in wb.parameters]
    if old:
        lines += [
            "",
            "Old names still accepted: " + ", ".join(f"{o} (now {RENAMED[o]})" for o in old),
        ]
    return "\n".join(lines)
