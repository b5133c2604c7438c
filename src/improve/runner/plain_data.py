"""Parameters are plain data: what YAML may give, and how values reach a notebook.

Parameters arrive from ``-p`` values, parameters files and the ``params:`` of a build config,
all YAML. YAML can build more than data: ``!!omap`` and ``!!pairs`` give tuples, ``!!binary``
bytes, ``!!set`` sets, ``!!timestamp`` dates. Papermill writes the injected parameter cell by
pasting text together, so such values could carry code into the kernel. Here:

* :func:`load_yaml` reads YAML with the limited safe loader
  (:mod:`improve.data.safe_yaml`: nesting and alias limits), except that an unquoted date such as
  ``2024-09-01`` stays text (no workbook parameter is a date; text is what the checks and the
  notebook expect). An explicit ``!!timestamp`` is still a date, and refused below.
* :func:`check_plain` accepts only text, whole and decimal numbers, true/false, null, and lists
  and mappings (with text keys) of these; anything else is a :class:`SpecError` naming the
  parameter, raised before any kernel starts (exit 2).
* :func:`python_literal` writes a checked value as Python source; the runner's translator
  (:func:`improve.runner.run.improve_parameter_translator`) injects parameters only through
  it, never through papermill's string concatenation.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
from typing import Any

from improve.data.safe_yaml import LimitedSafeLoader
from improve.data.safe_yaml import load_yaml as load_limited_yaml
from improve.errors import SpecError

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class PlainLoader(LimitedSafeLoader):
    """The limited YAML safe loader with unquoted dates read as text."""


PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in LimitedSafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, what: str = "parameters") -> Any:
    """YAML text as Python values (:class:`PlainLoader`, with the YAML limits).

    Raises ``yaml.YAMLError`` for text that is not YAML and
    :class:`~improve.data.safe_yaml.YamlLimitError` past a limit.
    """
    return load_limited_yaml(text, what, PlainLoader)


def _kind(value: Any) -> str:
    """Words for a value that is not plain data, with the YAML tag that makes one."""
    if isinstance(value, tuple):
        return "pairs (YAML !!omap or !!pairs)"
    if isinstance(value, bytes | bytearray):
        return "binary data (YAML !!binary)"
    if isinstance(value, set | frozenset):
        return "a set (YAML !!set)"
    if isinstance(value, dt.date | dt.datetime):
        return "a date (YAML !!timestamp; write dates in quotes)"
    return f"a Python {type(value).__name__}"


def _first_not_plain(value: Any, depth: int = 0) -> str | None:
    """What the first non-plain part of ``value`` is, or ``None`` when all of it is plain."""
    if depth > 100:
        return "data nested more than 100 levels deep"
    if isinstance(value, float) and not math.isfinite(value):
        return "a number that is not finite (.nan or .inf)"
    if value is None or isinstance(value, str | bool | int | float):
        return None
    if isinstance(value, list):
        for item in value:
            if (found := _first_not_plain(item, depth + 1)) is not None:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"a mapping key that is not text ({key!r})"
            if (found := _first_not_plain(item, depth + 1)) is not None:
                return found
        return None
    return _kind(value)


def check_plain(name: str, value: Any) -> None:
    """Refuse a parameter value that is not plain data.

    Raises
    ------
    improve.errors.SpecError
        ``value`` (or something inside it) is not text, a number, true/false, null, or a
        list or text-keyed mapping of these.
    """
    found = _first_not_plain(value)
    if found is not None:
        raise SpecError(
            f"parameter '{name}' holds {found}; parameters must be plain data "
            "(text, numbers, true/false, null, lists and mappings of these)"
        )


def _literal(value: Any) -> str:
    if value is None or isinstance(value, str | bool | int):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    raise SpecError(f"{_kind(value)} cannot be passed to a workbook")


def python_literal(value: Any) -> str:
    """Python source that evaluates to ``value`` (plain data only) and does nothing else.

    Built from ``repr`` of text, numbers, booleans and ``None`` (always a literal), joined
    into list and dict displays. The source is read back with :func:`ast.literal_eval`
    (which runs no code) and must give the value again.

    Raises
    ------
    improve.errors.SpecError
        ``value`` is not plain data.
    """
    source = _literal(value)
    if ast.literal_eval(source) != value:
        raise SpecError(f"value {value!r} does not survive its Python literal")
    return source
