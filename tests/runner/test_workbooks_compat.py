"""``improve.workbooks`` still works for one release, and nothing in the package uses it."""

from __future__ import annotations

import warnings
from pathlib import Path

import improve.runner as runner

SRC = Path(runner.__file__).resolve().parents[1]


def test_old_module_reexports_the_runner_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import improve.workbooks as workbooks
    for name in (
        "run_workbook",
        "build",
        "list_workbooks",
        "get_workbook",
        "describe_parameters",
        "check_parameters",
        "parse_cli_value",
        "read_params_file",
        "RESERVED",
        "Workbook",
        "RunResult",
        "resolve_pdf",
        "demo_runs",
        "read_build_config",
    ):
        assert getattr(workbooks, name) is getattr(runner, name), name
    assert "moved to :mod:`improve.runner`" in (workbooks.__doc__ or "").lower()
    wb = runner.get_workbook("panel_profile")
    from improve.runner.publish.fingerprint import run_fingerprint

    assert workbooks.run_fingerprint(wb, {}, []) == run_fingerprint(wb.path, {}, [])


def test_nothing_in_the_package_imports_the_old_module() -> None:
    users = [
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if p.name != "workbooks.py" or p.parent != SRC
        if "improve.workbooks" in p.read_text(encoding="utf-8")
        or "from improve import workbooks" in p.read_text(encoding="utf-8")
    ]
    assert users == []
