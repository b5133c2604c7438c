"""The run manifest: parameters, input hashes, package versions, git commit, times."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from improve.report.outputs import write_json

TRACKED_PACKAGES: tuple[str, ...] = (
    "improve",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "linearmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "ipykernel",
    "pyarrow",
    "pyyaml",
)


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that shape results."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(folder: str | Path) -> str | None:
    """Commit of the checkout holding ``folder`` (``None`` outside git), '+dirty' if modified."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=10
        )
        if sha.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = "+dirty" if status.stdout.strip() else ""
        return sha.stdout.strip() + dirty
    except (OSError, subprocess.SubprocessError):
        return None


def now_utc() -> str:
    """ISO-8601 UTC timestamp, seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def dataset_record(source: str) -> dict[str, Any]:
    """Name, package version and content hash of a ``dataset:PACKAGE/NAME`` input."""
    import pandas as pd

    from improve.data.read import read_dataset

    frame = read_dataset(source)
    package = source.split(":", 1)[1].split("/", 1)[0]
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return {
        "path": source,
        "package": package,
        "package_version": package_versions((package,)).get(package, "unknown"),
        "rows": len(frame),
        "sha256": digest.hexdigest(),
    }


def input_record(path: str | Path) -> dict[str, Any]:
    """Name, size and hash of one input file."""
    p = Path(path)
    return {"path": str(p), "bytes": p.stat().st_size, "sha256": file_sha256(p)}


def build_manifest(
    *,
    run_id: str,
    workbook: str,
    workbook_path: Path,
    parameters: dict[str, Any],
    inputs: list[dict[str, Any]],
    started: str,
    finished: str,
    status: str,
    project_root: Path,
    error: str | None = None,
    outputs: list[str] | None = None,
) -> dict[str, Any]:
    """Assemble the manifest dictionary written as ``manifest.json``.

    ``outputs`` lists the files the run wrote, relative to its folder (``report.html``,
    ``report.pdf`` when one was printed, ``tables/*.csv``, ...).
    """
    return {
        "run_id": run_id,
        "workbook": workbook,
        "workbook_sha256": file_sha256(workbook_path),
        "status": status,
        "error": error,
        "parameters": parameters,
        "inputs": inputs,
        "versions": package_versions(),
        "git_commit": git_commit(project_root),
        "command": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
        "started": started,
        "finished": finished,
        "outputs": list(outputs or []),
    }


def _plain(value: Any) -> Any:
    """``value`` with only JSON types: sets as sorted lists, bytes by their length,
    anything else unknown as its text (a manifest records, it never fails to)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if type(value).__module__.startswith("numpy"):
        return value  # numbers and booleans: write_json converts them
    return str(value)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json`` into a run folder and return its path."""
    target = folder / "manifest.json"
    write_json(target, _plain(manifest))
    return target
