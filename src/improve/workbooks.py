"""Moved to :mod:`improve.runner`; this module re-exports its public names for one release.

``improve.workbooks`` was split into :mod:`improve.runner.registry` (workbooks and their
parameter cells), :mod:`improve.runner.parameters` (types, ``-p`` values, parameters files),
:mod:`improve.runner.checks` (checks against the data), :mod:`improve.runner.run` (one run),
:mod:`improve.runner.publish` (run folders, fingerprints, manifest, HTML, PDF, index) and
:mod:`improve.runner.build` (builds and the demo). Import from there; nothing inside the
package imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from improve.runner.build import build, demo_runs, read_build_config
from improve.runner.checks import COLUMN_PARAMETERS
from improve.runner.parameters import (
    PATH_SUFFIXES,
    check_parameters,
    describe_parameters,
    parse_cli_value,
    read_params_file,
)
from improve.runner.publish.fingerprint import code_fingerprint
from improve.runner.publish.fingerprint import run_fingerprint as _run_fingerprint
from improve.runner.publish.pdf import resolve_pdf
from improve.runner.registry import (
    RESERVED,
    Parameter,
    Workbook,
    get_workbook,
    list_workbooks,
    load_workbook,
)
from improve.runner.run import Progress, RunResult, run_workbook


def run_fingerprint(wb: Workbook, parameters: Mapping[str, Any], inputs: list[dict]) -> str:
    """What makes two runs the same: :func:`improve.runner.publish.fingerprint.run_fingerprint`."""
    return _run_fingerprint(wb.path, parameters, inputs)


__all__ = [
    "COLUMN_PARAMETERS",
    "PATH_SUFFIXES",
    "RESERVED",
    "Parameter",
    "Progress",
    "RunResult",
    "Workbook",
    "build",
    "check_parameters",
    "code_fingerprint",
    "demo_runs",
    "describe_parameters",
    "get_workbook",
    "list_workbooks",
    "load_workbook",
    "parse_cli_value",
    "read_build_config",
    "read_params_file",
    "resolve_pdf",
    "run_fingerprint",
    "run_workbook",
]
