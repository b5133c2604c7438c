"""Load the versioned rule sets (WWC handbook thresholds, ESSA tiers) shipped as package data.

Thresholds live in ``improve/effects/data/*.json`` with their source, so a new handbook
version is a new data file, not edits scattered through the code.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from improve.errors import SpecError

#: Rule set used when none is named.
DEFAULT_WWC = "wwc_handbook_v5"
DEFAULT_ESSA = "essa_evidence_tiers"


@cache
def _load(name: str) -> dict[str, Any]:
    path = resources.files("improve.effects").joinpath("data", f"{name}.json")
    if not path.is_file():
        raise SpecError(
            f"no rule set named {name!r} in improve/effects/data; "
            f"use {DEFAULT_WWC!r} or {DEFAULT_ESSA!r}"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def rules(name: str = DEFAULT_WWC) -> dict[str, Any]:
    """Return a copy of a shipped rule set (``"wwc_handbook_v5"`` or ``"essa_evidence_tiers"``).

    Parameters
    ----------
    name : str
        File stem under ``improve/effects/data``.

    Returns
    -------
    dict
        The parsed JSON, including its ``citation`` and ``short`` reference.
    """
    return copy.deepcopy(_load(name))


def wwc() -> dict[str, Any]:
    """The WWC handbook rule set (read-only use; not copied)."""
    return _load(DEFAULT_WWC)


def essa() -> dict[str, Any]:
    """The ESSA evidence-tier rule set (read-only use; not copied)."""
    return _load(DEFAULT_ESSA)
