"""Atomic run folders: a run is written to a hidden temporary folder and published whole.

A complete run replaces ``reports/<run_id>/`` only once everything is written; a failed run
lands in ``reports/<run_id>.failed/``; a run killed mid-way leaves only a hidden
``.tmp-<run_id>-<pid>`` folder, removed by the next run of the same id.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from improve.errors import OutputError


@contextlib.contextmanager
def output_errors(reports: Path, cleanup: Path | None = None) -> Iterator[None]:
    """Turn a failure to write the reports folder into one clear :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        reason = exc.strerror or type(exc).__name__
        if exc.errno == errno.ENOSPC:
            fix = "free disk space or choose another folder with --out"
        else:
            fix = "choose a folder you can write to with --out"
        raise OutputError(f"cannot write reports to '{reports}': {reason}; {fix}") from None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(reports: Path, run_id: str) -> None:
    """Delete hidden folders left by runs of ``run_id`` that were killed mid-way."""
    for folder in reports.glob(f".tmp-{run_id}-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def open_temporary(reports: Path, run_id: str) -> Path:
    """A fresh, writable ``.tmp-<run_id>-<pid>`` folder in ``reports`` (created with it).

    Raises
    ------
    improve.errors.OutputError
        The reports folder cannot be created or written.
    """
    tmp = reports / f".tmp-{run_id}-{os.getpid()}"
    with output_errors(reports):
        reports.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(reports, run_id)
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        (tmp / ".write-check").write_bytes(b"ok")
        (tmp / ".write-check").unlink()
    return tmp


def atomic_replace(tmp: Path, final: Path) -> None:
    """Move ``tmp`` to ``final``, replacing an earlier run only once the new one is complete."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def keep_failed(tmp: Path, failed: Path) -> None:
    """Move a failed run's folder to ``failed`` (replacing an earlier failure)."""
    if failed.exists():
        shutil.rmtree(failed)
    os.replace(tmp, failed)


def written_files(folder: Path) -> list[str]:
    """Files a run wrote (relative paths), for the manifest."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "manifest.json"
    )
