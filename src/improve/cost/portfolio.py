"""Other programs' cost-effectiveness, from the cost runs published beside this one.

A cost run writes ``cost_effectiveness`` entries into its ``results.json`` (see
:meth:`improve.cost.evaluation.CostEvaluation.records`). A new cost run compares itself with
the latest complete cost runs in the same reports folder (the portfolio), reading only those
entries: no data, only published aggregates.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

PLANE_COLUMNS = [
    "label",
    "effect_sd",
    "effect_conf_low",
    "effect_conf_high",
    "cost_per_student",
    "cost_per_gain",
    "run",
]


def reports_and_run_id(output_dir: str | Path) -> tuple[Path, str]:
    """The reports folder a run writes into and the run's id, from its output folder.

    ``improve run`` writes a run into a hidden ``.tmp-<run_id>-<pid>`` folder inside the
    reports folder and publishes it whole (``improve.runner.publish.folders``); an output
    folder of any other name is taken as the run folder itself.
    """
    folder = Path(output_dir).resolve()
    match = re.fullmatch(r"\.tmp-(.+)-\d+", folder.name)
    return folder.parent, match.group(1) if match else folder.name


def portfolio_costs(reports: str | Path, skip: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every priced effect in complete cost runs of ``reports`` (run folders skipped by id).

    Returns
    -------
    pandas.DataFrame
        :data:`PLANE_COLUMNS`, one row per program and outcome (empty when there are none).
    """
    rows = []
    folder = Path(reports)
    if not folder.is_dir():
        return pd.DataFrame(columns=PLANE_COLUMNS)
    for run in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
            results = json.loads((run / "results.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if manifest.get("status") != "complete" or manifest.get("run_id", run.name) in skip:
            continue
        for entry in results.get("cost_effectiveness") or []:
            if not isinstance(entry, dict):
                continue
            rows.append(
                {
                    "label": f"{entry.get('program') or run.name}: {entry.get('outcome', '')}",
                    **{k: entry.get(k) for k in PLANE_COLUMNS[1:6]},
                    "run": run.name,
                }
            )
    return pd.DataFrame(rows, columns=PLANE_COLUMNS)
