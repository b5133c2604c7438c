"""Run ids: the names of run folders, checked before anything is written.

A run id names ``reports/<run_id>/`` (and ``reports/<run_id>.failed/`` and the hidden
``.tmp-<run_id>-<pid>`` folder a run is written in). It must be a plain folder name that
cannot reach outside the reports folder, cannot take the name of a file the reports folder
keeps (the gallery ``index.html``, a tracked ``README.md``, any other file) and cannot
replace a folder that is not a run. A clash raises one :class:`~improve.errors.SpecError`
line (exit 2) before any folder is created.
"""

from __future__ import annotations

import re
from pathlib import Path

from improve.errors import OutputError, SpecError

#: Longest run id (folder names are limited to 255 bytes; temporary names add ~30).
MAX_RUN_ID = 100

#: Names a run folder may never take (compared case-insensitively): files the reports
#: folder holds, and device names Windows reserves.
RESERVED_NAMES = frozenset(
    {"index.html", "readme.md", "manifest.json", "con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def check_run_id_text(run_id: str) -> None:
    """``run_id`` is a plain, unreserved folder name (not yet checked against the disk).

    Raises
    ------
    improve.errors.SpecError
        Empty, too long, holds a path separator, ``..`` or other characters, starts with a
        dot, ends in ``.failed`` or is a reserved name.
    """
    shown = run_id if len(run_id) <= 60 else run_id[:60] + "..."
    if not run_id:
        raise SpecError("run id is empty; pass --run-id NAME (letters, digits, '.', '_', '-')")
    if len(run_id) > MAX_RUN_ID:
        raise SpecError(
            f"run id '{shown}' is {len(run_id)} characters long; use at most {MAX_RUN_ID}"
        )
    if not _PLAIN.fullmatch(run_id) or ".." in run_id:
        raise SpecError(
            f"run id '{shown}' must be letters, digits, '.', '_' or '-', start with a letter "
            "or digit and hold no '..' (it names a folder inside the reports folder)"
        )
    lowered = run_id.lower()
    if lowered in RESERVED_NAMES or lowered.split(".")[0] in RESERVED_NAMES:
        raise SpecError(f"run id '{run_id}' is a reserved name; choose another --run-id")
    if lowered.endswith(".failed"):
        raise SpecError(
            f"run id '{run_id}' ends in '.failed', the suffix of failed runs' folders; "
            "choose another --run-id"
        )


def check_run_id(run_id: str, reports: Path) -> None:
    """``run_id`` can name a run folder in ``reports`` without replacing anything else.

    Raises
    ------
    improve.errors.SpecError
        The id is not a plain name (:func:`check_run_id_text`), or ``reports`` holds a file,
        or a folder that is not a run (no ``manifest.json``), under the run's folder names.
    improve.errors.OutputError
        ``reports`` itself is a file.
    """
    check_run_id_text(run_id)
    if reports.exists() and not reports.is_dir():
        raise OutputError(
            f"the reports folder '{reports.name}' is a file, not a folder; choose another --out"
        )
    for name in (run_id, f"{run_id}.failed"):
        target = reports / name
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            raise SpecError(
                f"run id '{run_id}' clashes with the file '{name}' in the reports folder; "
                "choose another --run-id"
            )
        if target.is_dir() and not (target / "manifest.json").is_file():
            raise SpecError(
                f"run id '{run_id}' clashes with the folder '{name}' in the reports folder, "
                "which is not a run; choose another --run-id"
            )
