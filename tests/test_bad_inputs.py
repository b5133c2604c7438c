"""The bad-input corpus: every case in ``tests/bad_inputs/cases.yaml`` through the CLI and the API.

For each case the command line must exit with the expected code, print no traceback, and
(on exit 2) write exactly one ``error: ...`` line holding the expected fragment; a ``run``
must leave no report folder that looks complete. The Python API (``load_panel``, or
``run_workbook`` for run cases) must raise the expected class with the same fragment, or
load the file and report the same notes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from improve import errors
from improve.data import load_panel

HERE = Path(__file__).resolve().parent / "bad_inputs"
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))[
    "cases"
]
#: Timestamped progress lines ``improve run`` writes to stderr before the error line.
PROGRESS = re.compile(r"^\[\d\d:\d\d:\d\d\] ")


def _cli_args(case: dict[str, Any], out: Path) -> list[str]:
    files = case["files"]
    if case["command"] == "validate":
        args = ["validate", files["data"]]
    else:
        args = ["run", case["workbook"], "--data", files["data"], "--out", str(out)]
        for pair in case.get("params") or []:
            args += ["-p", pair]
        if files.get("params"):
            args += ["--params-file", files["params"]]
    if files.get("columns"):
        args += ["--columns", files["columns"]]
    return args


def test_corpus_is_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    for case in CASES:
        assert case["command"] in ("validate", "run"), case["id"]
        assert case["exit"] in (0, 2), case["id"]
        if case["exit"] == 2:
            assert case["fragment"] and case["error"] in ("DataError", "SpecError"), case["id"]
        else:
            assert case["command"] == "validate" and case["stdout"], case["id"]
        if case["command"] == "run":
            assert case["workbook"], case["id"]


def _cli_in_a_process(args: list[str]) -> subprocess.CompletedProcess[str]:
    """``python -m improve.cli ARGS`` in a child process, from the corpus folder."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "improve.cli", *args],
        cwd=HERE,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def _cli_in_this_process(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> subprocess.CompletedProcess[str]:
    """``improve.cli.main(ARGS)`` here, from the corpus folder: the CLI's own error handling
    without the cost of starting Python and importing improve (about 1.4 s of CPU a case)."""
    from improve.cli import main

    monkeypatch.chdir(HERE)
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


# Every case runs the command line twice: in this process (fast suite) and as a real
# ``python -m improve.cli`` child process (exit status, output streams; slow suite).
@pytest.mark.parametrize(
    "where", ["in_process", pytest.param("subprocess", marks=pytest.mark.slow)]
)
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_cli(
    case: dict[str, Any],
    where: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "reports"
    args = _cli_args(case, out)
    if where == "subprocess":
        result = _cli_in_a_process(args)
    else:
        result = _cli_in_this_process(args, capsys, monkeypatch)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == case["exit"], result.stderr
    if case["exit"] == 2:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        message = [ln for ln in lines if not PROGRESS.match(ln)]
        assert len(message) == 1, result.stderr
        assert message[0].startswith("error: ")
        assert lines[-1] == message[0]
        assert case["fragment"].lower() in message[0].lower(), message[0]
    else:
        for fragment in case["stdout"]:
            assert fragment.lower() in result.stdout.lower(), result.stdout
    if case["command"] == "run":
        _assert_no_complete_report(out)


def _assert_no_complete_report(out: Path) -> None:
    if not out.exists():
        return
    for folder in out.iterdir():
        assert not folder.name.startswith(".tmp"), folder
        if not folder.is_dir():
            continue
        assert not (folder / "report.html").exists(), folder
        manifest = folder / "manifest.json"
        if manifest.exists():
            assert json.loads(manifest.read_text())["status"] != "complete", folder


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_api(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    files = case["files"]
    if case["exit"] == 0:
        panel = load_panel(files["data"], columns=files.get("columns"))
        text = panel.report.to_text().lower()
        for fragment in case["stdout"]:
            assert fragment.lower() in text
        return
    expected = getattr(errors, case["error"])
    with pytest.raises(errors.ImproveError) as info:
        if case["command"] == "validate":
            load_panel(files["data"], columns=files.get("columns"))
        else:
            from improve.cli import _parse_params
            from improve.runner import run_workbook

            params = _parse_params(tuple(case.get("params") or ()), files.get("params"))
            run_workbook(
                case["workbook"],
                files["data"],
                columns=files.get("columns"),
                params=params,
                out=tmp_path / "reports",
                update_index=False,
            )
    assert type(info.value) is expected, f"{type(info.value).__name__}: {info.value}"
    assert case["fragment"].lower() in str(info.value).lower()
    assert "\n" not in str(info.value)
    if case["command"] == "run":
        _assert_no_complete_report(tmp_path / "reports")
