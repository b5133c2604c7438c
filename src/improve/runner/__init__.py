"""The workbook runner: registry → parameters → run (papermill) → publish → build.

- :mod:`~improve.runner.registry` finds workbooks and reads their ``parameters`` cells;
- :mod:`~improve.runner.parameters` checks parameter values (types, ``-p`` values,
  parameters files, renamed names) and :mod:`~improve.runner.checks` checks them against
  the loaded data, both before any kernel starts;
- :mod:`~improve.runner.run` executes one workbook;
- :mod:`~improve.runner.publish` writes the run folder (manifest, HTML, PDF) and the index;
- :mod:`~improve.runner.build` runs a ``reports.yaml`` build or the demo.
"""

from improve.runner.build import build, demo_runs, read_build_config
from improve.runner.parameters import (
    check_parameters,
    describe_parameters,
    parse_cli_value,
    read_params_file,
)
from improve.runner.publish.pdf import resolve_pdf
from improve.runner.registry import (
    RESERVED,
    Parameter,
    Workbook,
    get_workbook,
    list_workbooks,
    load_workbook,
)
from improve.runner.run import RunResult, plan_run, run_workbook

__all__ = [
    "RESERVED",
    "Parameter",
    "RunResult",
    "Workbook",
    "build",
    "check_parameters",
    "demo_runs",
    "describe_parameters",
    "get_workbook",
    "list_workbooks",
    "load_workbook",
    "parse_cli_value",
    "plan_run",
    "read_build_config",
    "read_params_file",
    "resolve_pdf",
    "run_workbook",
]
