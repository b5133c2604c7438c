"""The portfolio: one row per program and outcome across the runs of a reports folder.

Rows come from complete runs that report an effect in SD units (difference-in-differences,
synthetic control, or any run with an ``effects`` entry; read with
:func:`improve.cost.run_effects`). Evidence-summary runs add the ESSA tier and WWC rating
to the rows of the same data and outcome; cost-effectiveness runs add the cost per student
and per 0.1 SD to the rows of the run and outcome they priced. An evidence or cost entry
with no matching effect row becomes a row of its own. Only published aggregates are read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from improve.errors import ImproveError

#: Design of the evidence summary's estimates (Callaway-Sant'Anna overall effects).
EVIDENCE_DESIGN = "staggered difference-in-differences"


def run_portfolio_entries(folder: Path, results: dict[str, Any]) -> dict[str, Any]:
    """What one run contributes to the portfolio: effects, evidence and costs."""
    from improve.cost.runs import run_effects

    try:
        effects = [
            {
                "program": r.program,
                "outcome": r.outcome,
                "design": r.design,
                "effect_sd": r.estimate_sd,
                "conf_low": r.conf_low_sd,
                "conf_high": r.conf_high_sd,
            }
            for r in run_effects(folder)
        ]
    except (ImproveError, KeyError, ValueError, TypeError, IndexError):
        effects = []
    return {"effects": effects, "evidence": _evidence(results), "costs": _costs(results)}


def _evidence(results: dict[str, Any]) -> dict[str, Any]:
    table = results.get("evidence")
    if not isinstance(table, list):
        return {}
    tier = results.get("essa_tier")
    rating = results.get("wwc_rating")
    headline = str(results.get("headline") or "")
    # Runs made before the keys existed carry both only in the headline ("tier; WWC: rating").
    if (tier is None or rating is None) and "; WWC: " in headline:
        tier, _, rating = headline.partition("; WWC: ")
    outcomes = {
        str(row.get("outcome")): {
            "effect_sd": row.get("effect_size"),
            "conf_low": row.get("es_conf_low"),
            "conf_high": row.get("es_conf_high"),
        }
        for row in table
        if isinstance(row, dict) and row.get("outcome")
    }
    return {
        "tier": str(tier or ""),
        "wwc": str(rating or "").replace("_", " "),
        "outcomes": outcomes,
    }


def _costs(results: dict[str, Any]) -> list[dict[str, Any]]:
    entries = results.get("cost_effectiveness")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _row(run: dict[str, Any], program: str, outcome: str, design: str) -> dict[str, Any]:
    return {
        "program": program or run["data"],
        "outcome": outcome,
        "design": design,
        "effect_sd": None,
        "conf_low": None,
        "conf_high": None,
        "tier": "",
        "wwc": "",
        "cost_per_student": None,
        "cost_per_gain": None,
        "gain_low": None,
        "gain_high": None,
        "gain_interval": "",
        "per_sd": 0.1,
        "date": run["finished"][:10],
        "run": run,
        "cost_run": None,
        "superseded": False,
    }


def portfolio_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the portfolio from the latest runs (records of ``collect_runs``)."""
    complete = [r for r in runs if r["status"] == "complete"]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    by_data: dict[tuple[str, str], dict[str, Any]] = {}
    for run in complete:
        for e in run.get("portfolio", {}).get("effects", []):
            row = _row(run, e["program"], e["outcome"], e["design"])
            row.update(effect_sd=e["effect_sd"], conf_low=e["conf_low"], conf_high=e["conf_high"])
            rows[(run["run_id"], e["outcome"])] = row
            by_data.setdefault((run.get("data_sha256", ""), e["outcome"]), row)
    for run in complete:
        evidence = run.get("portfolio", {}).get("evidence") or {}
        for outcome, values in evidence.get("outcomes", {}).items():
            row = by_data.get((run.get("data_sha256", ""), outcome))
            if row is None:
                row = _row(run, run.get("program", ""), outcome, EVIDENCE_DESIGN)
                row.update(values)
                rows[(run["run_id"], outcome)] = row
            row.update(tier=evidence.get("tier", ""), wwc=evidence.get("wwc", ""))
    for run in sorted(complete, key=lambda r: r["order"]):  # the latest costing wins
        for cost in run.get("portfolio", {}).get("costs", []):
            _add_cost(rows, run, cost)
    ordered = sorted(rows.values(), key=lambda r: (str(r["program"]).lower(), str(r["outcome"])))
    return mark_superseded(ordered)


def mark_superseded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flag every row but the latest of each program, outcome and design as superseded
    (an earlier analysis of the same question, kept but not shown by default)."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (str(row["program"]).lower(), str(row["outcome"]), str(row["design"]))
        current = latest.get(key)
        if current is None or row["run"]["order"] > current["run"]["order"]:
            latest[key] = row
    chosen = {id(r) for r in latest.values()}
    for row in rows:
        row["superseded"] = id(row) not in chosen
    return rows


def _add_cost(
    rows: dict[tuple[str, str], dict[str, Any]], run: dict[str, Any], cost: dict[str, Any]
) -> None:
    key = (str(cost.get("run_id", "")), str(cost.get("outcome", "")))
    row = rows.get(key)
    if row is None:
        row = _row(
            run,
            str(cost.get("program") or ""),
            key[1],
            f"{cost.get('workbook') or 'evaluation'} (priced run not in this folder)",
        )
        row.update(
            effect_sd=cost.get("effect_sd"),
            conf_low=cost.get("effect_conf_low"),
            conf_high=cost.get("effect_conf_high"),
        )
        rows[(run["run_id"], key[1])] = row
    row.update(
        cost_per_student=cost.get("cost_per_student"),
        cost_per_gain=cost.get("cost_per_gain"),
        gain_low=cost.get("fieller_low"),
        gain_high=cost.get("fieller_high"),
        gain_interval=str(cost.get("fieller_interval") or ""),
        per_sd=cost.get("per_sd") or 0.1,
        cost_run=run,
    )


def read_results(folder: Path) -> dict[str, Any]:
    """A run's ``results.json`` ({} when absent or unreadable)."""
    try:
        content = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return content if isinstance(content, dict) else {}
