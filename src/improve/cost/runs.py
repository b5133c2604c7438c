"""Effects from finished evaluation runs, tied to the exact run they come from.

A cost-effectiveness ratio prices an effect some evaluation estimated. This module reads a
run folder written by ``improve run`` (``results.json`` and ``manifest.json``, plus the
effect-size table of a synthetic-control run) and returns, per outcome, the effect in SD
units with its standard error and interval, the SD used, and the run's provenance: run id,
workbook, finish time, the SHA-256 of the workbook, of every input file and of
``results.json`` itself, so a cost report names the evaluation it prices.

Readable runs:

* any run whose ``results.json`` holds an ``effects`` entry, ``{outcome: {estimate_sd,
  std_error_sd, conf_low_sd, conf_high_sd, sd, ...}}`` (the general form);
* ``did_evaluation`` (each outcome's ``simple`` aggregate and ``sd``);
* ``statewide_mandate`` (the headline row of ``tables/effect_sizes.csv``).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats

from improve.errors import DataError, SpecError

#: Workbooks whose results this module reads, and the design each stands for.
DESIGNS = {
    "did_evaluation": "staggered difference-in-differences",
    "statewide_mandate": "synthetic control",
    "regression_discontinuity": "regression discontinuity",
    "fixed_effects": "fixed effects",
}


@dataclass(frozen=True)
class EffectRecord:
    """One outcome's effect from a finished run, in SD units, with where it came from."""

    outcome: str
    estimate_sd: float
    std_error_sd: float
    conf_low_sd: float
    conf_high_sd: float
    sd: float
    confidence_level: float
    workbook: str
    run_id: str
    program: str = ""
    design: str = ""
    finished: str = ""
    demo: bool = False
    inference: str = "analytic standard error"
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def critical(self) -> float:
        """Critical value of the run's interval (t or normal), from its half-width."""
        if not self.std_error_sd > 0:
            return float("nan")
        return (self.conf_high_sd - self.conf_low_sd) / (2.0 * self.std_error_sd)

    @property
    def significant(self) -> bool:
        """The run's interval excludes zero."""
        return self.conf_low_sd > 0 or self.conf_high_sd < 0

    def describe(self) -> str:
        """One line naming the run and its hashes, for a report's notes."""
        inputs = ", ".join(
            f"{Path(str(i.get('path', '?'))).name} (sha256 {str(i.get('sha256', '?'))[:12]})"
            for i in self.provenance.get("inputs", [])
        )
        return (
            f"Effect on {self.outcome} from run '{self.run_id}' ({self.workbook}, finished "
            f"{self.finished or 'unknown'}); results.json sha256 "
            f"{str(self.provenance.get('results_sha256', '?'))[:12]}; "
            f"inputs: {inputs or 'none recorded'}" + (" [shipped demo copy]" if self.demo else "")
        )


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise DataError(
            f"'{path.parent}' is not a finished run folder: it has no {path.name} "
            "(give the folder improve run wrote, e.g. reports/did_evaluation-schools)"
        )
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise DataError(f"'{path}' is not valid JSON; rerun the evaluation") from None
    if not isinstance(content, dict):
        raise DataError(f"'{path}' does not hold a results record")
    return content


def _provenance(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    results = (folder / "results.json").read_bytes()
    return {
        "run_folder": str(folder),
        "results_sha256": hashlib.sha256(results).hexdigest(),
        "workbook_sha256": manifest.get("workbook_sha256"),
        "fingerprint": manifest.get("fingerprint"),
        "git_commit": manifest.get("git_commit"),
        "inputs": [
            {"path": Path(str(i.get("path", ""))).name, "sha256": i.get("sha256")}
            for i in manifest.get("inputs", [])
        ],
    }


def permutation_effect(estimate_sd: float, p_value: float, level: float) -> dict[str, Any]:
    """Standard error and interval implied by a permutation p-value (normal inversion).

    With one treated unit the run's inference is its permutation test, not the analytic
    standard error. The standard error implied by the p-value, ``|estimate| / z(1 − p/2)``
    (Altman & Bland 2011, "How to obtain the confidence interval from a P value"), gives an
    interval that excludes zero exactly when the permutation test rejects at ``1 − level``,
    so the ratio's interval carries the run's own inference.
    """
    p = min(max(float(p_value), 1e-12), 1.0 - 1e-9)
    se = abs(estimate_sd) / stats.norm.ppf(1.0 - p / 2.0)
    z = stats.norm.ppf(0.5 + level / 2.0)
    return {
        "estimate_sd": estimate_sd,
        "std_error_sd": se,
        "conf_low_sd": estimate_sd - z * se,
        "conf_high_sd": estimate_sd + z * se,
        "inference": f"permutation test (p = {float(p_value):.3g}); standard error implied by p",
    }


def _did_effects(results: dict[str, Any], level: float) -> dict[str, dict[str, Any]]:
    effects: dict[str, dict[str, Any]] = {}
    for outcome, entry in results.items():
        if not isinstance(entry, dict) or "simple" not in entry or not entry.get("sd"):
            continue
        simple, sd = entry["simple"], float(entry["sd"])
        if entry.get("permutation_p_value") is not None:
            effects[outcome] = permutation_effect(
                simple["estimate"] / sd, entry["permutation_p_value"], level
            )
            effects[outcome]["sd"] = sd
            continue
        effects[outcome] = {
            "estimate_sd": simple["estimate"] / sd,
            "std_error_sd": simple["std_error"] / sd,
            "conf_low_sd": simple["conf_low"] / sd,
            "conf_high_sd": simple["conf_high"] / sd,
            "sd": sd,
        }
    return effects


def _column_map(manifest: dict[str, Any]) -> dict[str, Any]:
    """The run's column map (its second input), when it is still where the run read it."""
    import yaml

    for record in manifest.get("inputs", [])[1:2]:
        try:
            spec = yaml.safe_load(Path(str(record.get("path", ""))).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            return {}
        return spec if isinstance(spec, dict) else {}
    return {}


def _first_map_outcome(manifest: dict[str, Any]) -> str:
    """The first outcome of the run's column map (the workbook's default outcome)."""
    outcomes = _column_map(manifest).get("outcomes")
    if isinstance(outcomes, list) and outcomes:
        first = outcomes[0]
        return str(first.get("column", first) if isinstance(first, dict) else first)
    if isinstance(outcomes, dict) and outcomes:
        return str(next(iter(outcomes)))
    return "outcome"


def run_program(results: dict[str, Any], manifest: dict[str, Any]) -> str:
    """The program's name: the run's result or parameter, else the column map's label."""
    named = results.get("program") or manifest.get("parameters", {}).get("program")
    if named:
        return str(named)
    labels = _column_map(manifest).get("labels")
    return str(labels.get("program") or "") if isinstance(labels, dict) else ""


def _synth_effects(folder: Path, manifest: dict[str, Any], level: float) -> dict:
    table = folder / "tables" / "effect_sizes.csv"
    if not table.exists():
        return {}
    row = pd.read_csv(table).iloc[0]
    outcome = str(manifest.get("parameters", {}).get("outcome") or _first_map_outcome(manifest))
    if pd.notna(row.get("permutation_p", float("nan"))):
        effect = permutation_effect(float(row["estimate"]), float(row["permutation_p"]), level)
        return {outcome: {**effect, "sd": float(row["sd_used"])}}
    return {
        outcome: {
            "estimate_sd": float(row["estimate"]),
            "std_error_sd": float(row["std_error"]),
            "conf_low_sd": float(row["conf_low"]),
            "conf_high_sd": float(row["conf_high"]),
            "sd": float(row["sd_used"]),
        }
    }


def run_effects(folder: str | Path) -> list[EffectRecord]:
    """Every outcome's effect in a finished run folder.

    Raises
    ------
    improve.errors.DataError
        The folder is not a finished run, the run failed, or it holds no effect in SD units.
    """
    folder = Path(folder)
    results = _read_json(folder / "results.json")
    manifest = _read_json(folder / "manifest.json")
    if manifest.get("status") not in (None, "complete"):
        raise DataError(
            f"run '{folder.name}' did not finish (status {manifest.get('status')}); "
            "price a complete run"
        )
    workbook = str(manifest.get("workbook", ""))
    level = float(manifest.get("parameters", {}).get("confidence_level") or 0.95)
    raw = results.get("effects") if isinstance(results.get("effects"), dict) else None
    if raw is None:
        raw = _did_effects(results, level) or _synth_effects(folder, manifest, level)
    if not raw and results.get("effects_note"):
        raise DataError(
            f"run '{folder.name}' ({workbook}) records no effect in SD units: "
            f"{results['effects_note']}"
        )
    if not raw:
        raise DataError(
            f"run '{folder.name}' ({workbook or 'unknown workbook'}) records no effect in SD "
            "units; cost-effectiveness reads DiD and synthetic-control runs, or any run whose "
            "results.json holds an 'effects' entry"
        )
    program = run_program(results, manifest)
    records = []
    for outcome, e in sorted(raw.items()):
        values = {
            k: float(e[k])
            for k in ("estimate_sd", "std_error_sd", "conf_low_sd", "conf_high_sd", "sd")
        }
        if not all(math.isfinite(v) for v in values.values()):
            continue
        records.append(
            EffectRecord(
                outcome=str(outcome),
                **values,
                confidence_level=level,
                workbook=workbook,
                run_id=str(manifest.get("run_id", folder.name)),
                program=program,
                design=DESIGNS.get(workbook, workbook),
                finished=str(manifest.get("finished") or ""),
                demo=bool(manifest.get("demo_copy", False)),
                inference=str(e.get("inference") or "analytic standard error"),
                provenance=_provenance(folder, manifest),
            )
        )
    return records


def run_effect(folder: str | Path, outcome: str = "") -> EffectRecord:
    """The effect on ``outcome`` (default: the run's first outcome) in a run folder.

    Raises
    ------
    improve.errors.SpecError
        The run has no effect on ``outcome`` (the message lists those it has).
    """
    records = run_effects(folder)
    if not outcome:
        return records[0]
    for record in records:
        if record.outcome == outcome:
            return record
    raise SpecError(
        f"run '{Path(folder).name}' has no effect on '{outcome}'; it has "
        f"{', '.join(r.outcome for r in records)}"
    )
