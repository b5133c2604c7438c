"""Workbook runs shared by every test of a session that makes the same run.

Several test modules run the same workbook on the same data with the same parameters (the
outside-data checks of one report, its wording scan and its privacy scan). Through the
``shared_runs`` fixture (``tests/conftest.py``) such a run executes once per test session:
the first test to ask runs it, the others read its folder. Runs are keyed on the workbook,
the *content* of the data and column-map files (so copies written to different temporary
folders share) and the parameters. Under pytest-xdist the cache folder is shared by the
workers and guarded by a file lock, so a run wanted by two workers at once executes once.

Tests must treat a shared run's folder as read-only.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from improve.runner import run_workbook
from improve.runner.run import RunResult


def _fingerprint(value: str | Path | None) -> str | None:
    """The SHA-256 of a file's bytes, or the value itself when it is not a file."""
    if value is None:
        return None
    path = Path(value)
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return str(value)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SharedRuns:
    """Run a workbook once per session for each (workbook, data, columns, params).

    Parameters
    ----------
    root : Path
        Cache folder, the same for every xdist worker of the session.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def run(
        self,
        workbook: str,
        data: str | Path | None = None,
        *,
        columns: str | Path | None = None,
        params: Mapping[str, Any] | None = None,
        pdf: bool | None = None,
    ) -> RunResult:
        """:func:`improve.runner.run_workbook`, or its earlier run in this session."""
        key = json.dumps(
            {
                "workbook": workbook,
                "data": _fingerprint(data),
                "data_name": Path(str(data)).name if data is not None else None,
                "columns": _fingerprint(columns),
                "params": dict(params or {}),
                "pdf": pdf,
            },
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]
        folder = self.root / f"{workbook}-{digest}"
        record = folder / "run.json"
        with _locked(self.root / f"{workbook}-{digest}.lock"):
            if not record.exists():
                run = run_workbook(
                    workbook, data, columns=columns, params=params, out=folder / "out", pdf=pdf
                )
                fields = {**vars(run), "folder": str(run.folder)}
                record.write_text(json.dumps(fields), encoding="utf-8")
            fields = json.loads(record.read_text(encoding="utf-8"))
        return RunResult(**{**fields, "folder": Path(fields["folder"])})


def cache_root(basetemp: Path) -> Path:
    """The session's cache folder: beside the worker folders under xdist, else inside."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return basetemp.parent / "shared_runs"
    return basetemp / "shared_runs"
