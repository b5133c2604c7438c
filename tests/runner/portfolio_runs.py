"""Run folders as ``improve run`` writes them, made by hand for the portfolio tests: a DiD
run, a synthetic-control run, an evidence summary, a cost run and a failed run. One program
name carries markup, as a user-supplied name may."""

from __future__ import annotations

import json
from pathlib import Path

HOSTILE = "<script>alert('x')</script> & \"co\""


def _write(folder: Path, manifest: dict, results: dict, *, report: bool = True) -> Path:
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    if report:
        (folder / "report.html").write_text("<html><body>report</body></html>")
        (folder / "tables" / "tables.xlsx").write_bytes(b"PK")
    return folder


def _manifest(run_id: str, workbook: str, finished: str, data_hash: str, **params) -> dict:
    return {
        "run_id": run_id,
        "workbook": workbook,
        "status": "complete",
        "started": finished,
        "finished": finished,
        "parameters": {"confidence_level": 0.95, **params},
        "inputs": [{"path": "/data/schools.csv", "sha256": data_hash}],
    }


def _did_outcome(estimate: float, se: float, sd: float) -> dict:
    half = 2.0 * se
    return {
        "simple": {
            "estimate": estimate,
            "std_error": se,
            "conf_low": estimate - half,
            "conf_high": estimate + half,
        },
        "sd": sd,
    }


def make_portfolio(reports: Path, *, earlier: bool = False) -> Path:
    """Write five run folders into ``reports`` and return it; with ``earlier``, also an
    older DiD run of the same program and outcomes under another run id (superseded)."""
    if earlier:
        _write(
            reports / "did_evaluation-schools-2023",
            _manifest(
                "did_evaluation-schools-2023",
                "did_evaluation",
                "2023-06-01T10:00:00+00:00",
                "old",
                program="the coach grant",
            ),
            {"math_ss": _did_outcome(2.0, 0.5, 20.0), "reading_ss": _did_outcome(1.0, 0.5, 20.0)},
        )
    _write(
        reports / "did_evaluation-schools",
        _manifest(
            "did_evaluation-schools",
            "did_evaluation",
            "2024-05-02T10:00:00+00:00",
            "aaa",
            program="the coach grant",
        ),
        {
            "math_ss": _did_outcome(4.0, 0.5, 20.0),
            "reading_ss": _did_outcome(0.4, 0.5, 20.0),
            "headline": "math up",
        },
    )
    synth = _write(
        reports / "statewide_mandate-states",
        _manifest(
            "statewide_mandate-states",
            "statewide_mandate",
            "2024-05-03T10:00:00+00:00",
            "bbb",
            program=HOSTILE,
            outcome="g4",
        ),
        {"estimate": 3.0, "headline": "mandate"},
    )
    (synth / "tables" / "effect_sizes.csv").write_text(
        "method,estimate,std_error,conf_low,conf_high,sd_used\nSDID,0.5,0.1,0.3,0.7,6.0\n"
    )
    _write(
        reports / "evidence_summary-schools",
        _manifest(
            "evidence_summary-schools", "evidence_summary", "2024-05-02T11:00:00+00:00", "aaa"
        ),
        {
            "headline": "The grant meets Tier 2.",
            "essa_tier": "Tier 2: moderate evidence",
            "wwc_rating": "meets_with_reservations",
            "evidence": [
                {
                    "outcome": "math_ss",
                    "effect_size": 0.2,
                    "es_conf_low": 0.15,
                    "es_conf_high": 0.25,
                },
                {
                    "outcome": "attendance",
                    "effect_size": -0.05,
                    "es_conf_low": -0.1,
                    "es_conf_high": 0.0,
                },
            ],
        },
    )
    _write(
        reports / "cost_effectiveness-ingredients",
        _manifest(
            "cost_effectiveness-ingredients",
            "cost_effectiveness",
            "2024-05-04T10:00:00+00:00",
            "ccc",
        ),
        {
            "headline": "cost",
            "cost_effectiveness": [
                {
                    "program": "the coach grant",
                    "outcome": "math_ss",
                    "run_id": "did_evaluation-schools",
                    "workbook": "did_evaluation",
                    "effect_sd": 0.2,
                    "effect_conf_low": 0.15,
                    "effect_conf_high": 0.25,
                    "cost_per_student": 300.0,
                    "cost_per_gain": 150.0,
                    "per_sd": 0.1,
                    "fieller_low": 120.0,
                    "fieller_high": 200.0,
                    "fieller_interval": "bounded",
                },
                {
                    "program": "the coach grant",
                    "outcome": "reading_ss",
                    "run_id": "did_evaluation-schools",
                    "workbook": "did_evaluation",
                    "effect_sd": 0.02,
                    "effect_conf_low": -0.03,
                    "effect_conf_high": 0.07,
                    "cost_per_student": 300.0,
                    "cost_per_gain": 1500.0,
                    "per_sd": 0.1,
                    "fieller_low": -1000.0,
                    "fieller_high": 430.0,
                    "fieller_interval": "outside",
                },
            ],
        },
    )
    failed = _manifest("panel_profile-schools", "panel_profile", "2024-05-05T10:00:00+00:00", "aaa")
    _write(
        reports / "panel_profile-schools.failed",
        {**failed, "status": "failed", "error": "cell 2 failed: boom"},
        {},
        report=False,
    )
    return reports
