"""The demo cost-effectiveness run's effect: a labelled copy of the demo DiD run's results.

The cost workbook prices an effect from a finished evaluation run. The demo build runs
workbooks in alphabetical order into one reports folder, so ``cost_effectiveness`` runs
before ``did_evaluation`` and cannot read that run. The demo therefore ships
``data/demo_cost/did_evaluation-schools/``: the demo DiD run's ``results.json`` (each
outcome's overall effect and SD) and a ``manifest.json`` carrying the run's workbook and
input hashes, marked ``"demo_copy": true``. Regenerate it from a fresh demo run::

    improve run did_evaluation --out /tmp/demo_did   # with data/demo/workbook_params.yaml
    python -m improve.demo.cost /tmp/demo_did/did_evaluation-schools data/demo_cost

Timestamps, package versions and the git commit are left out, so the copy is
byte-identical for the same data, workbook parameters and numbers (a test compares it with
the demo build's DiD run).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from improve.report.outputs import write_json

#: Folder of the shipped copy inside the demo cost data folder.
DEMO_RUN_NAME = "did_evaluation-schools"
#: What the demo copy says it is.
DEMO_NOTE = (
    "Shipped demo copy of the demo did_evaluation run's results (improve demo), made by "
    "python -m improve.demo.cost; not a run of your data."
)
_RESULT_KEYS = ("simple", "sd", "simple_sd_units", "design_verdict", "permutation_p_value")
_PARAMETERS = ("outcomes", "control_group", "confidence_level", "program", "adjust_for_covariates")


def demo_copy(run_folder: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The results and manifest records of the demo copy of a DiD run."""
    folder = Path(run_folder)
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    kept = {
        outcome: {k: entry[k] for k in _RESULT_KEYS if k in entry}
        for outcome, entry in results.items()
        if isinstance(entry, dict) and "simple" in entry
    }
    kept["headline"] = results.get("headline", "")
    parameters = manifest.get("parameters", {})
    record = {
        "run_id": manifest.get("run_id", folder.name),
        "workbook": manifest.get("workbook"),
        "workbook_sha256": manifest.get("workbook_sha256"),
        "status": manifest.get("status"),
        "parameters": {k: parameters[k] for k in _PARAMETERS if k in parameters},
        "inputs": [
            {"path": Path(str(i["path"])).name, "bytes": i.get("bytes"), "sha256": i.get("sha256")}
            for i in manifest.get("inputs", [])
        ],
        "demo_copy": True,
        "note": DEMO_NOTE,
    }
    return kept, record


def write_demo_copy(run_folder: str | Path, demo_folder: str | Path) -> Path:
    """Write ``<demo_folder>/did_evaluation-schools/{results,manifest}.json``; return it."""
    results, manifest = demo_copy(run_folder)
    target = Path(demo_folder) / DEMO_RUN_NAME
    target.mkdir(parents=True, exist_ok=True)
    write_json(target / "results.json", results)
    write_json(target / "manifest.json", manifest)
    return target


if __name__ == "__main__":  # pragma: no cover - command line
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m improve.demo.cost RUN_FOLDER DEMO_COST_FOLDER")
    print(write_demo_copy(sys.argv[1], sys.argv[2]))
