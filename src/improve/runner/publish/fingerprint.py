"""Run fingerprints: what makes two runs the same (workbook, parameters, inputs, code)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: The installed ``improve`` package (``src/improve``).
PACKAGE = Path(__file__).resolve().parents[2]


def code_fingerprint() -> str:
    """SHA-256 over the installed ``improve`` package's source files (the code of a run)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".json", ".j2"}:
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run_fingerprint(
    workbook_path: Path, parameters: Mapping[str, Any], inputs: list[dict[str, Any]]
) -> str:
    """SHA-256 of a run's workbook file, parameters, input contents and code."""
    payload = {
        "workbook": hashlib.sha256(workbook_path.read_bytes()).hexdigest(),
        "parameters": parameters,
        "inputs": [record.get("sha256") for record in inputs],
        "code": code_fingerprint(),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def unchanged(final: Path, fingerprint: str) -> bool:
    """Whether ``final`` holds a complete run with this fingerprint."""
    try:
        manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return manifest.get("status") == "complete" and manifest.get("fingerprint") == fingerprint
