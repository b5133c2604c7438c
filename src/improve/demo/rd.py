"""Simulated threshold designs with known effects: a coach rule and a grant competition.

* ``schools.csv``: elementary schools with K–5 enrollment around 800. A state rule gives a
  school a second math coach at 800 or more K–5 students (a sharp design: every school at or
  above the line has one, none below), and the coach raises the school's mean math score by
  ``coach_effect`` points.
* ``grants.csv``: applications to a competitive math grant over three rounds, each with its
  own funding line on the application score. Not every school above the line takes the
  grant and a few below it are funded from a waiting list (a fuzzy design); receiving the
  grant raises math growth by ``grant_effect`` points.

Both are labelled SIMULATED in every file written from them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: The second-coach rule: K–5 enrollment at or above this gets a second coach.
COACH_CUTOFF = 800
#: Funding lines of the grant rounds.
FUNDING_LINES = {2021: 70.0, 2022: 72.0, 2023: 68.0}


@dataclass(frozen=True)
class ThresholdDemo:
    """The simulated tables and their truth."""

    schools: pd.DataFrame
    grants: pd.DataFrame
    truth: dict


def simulate_coach_rule(
    rng: np.random.Generator, n_schools: int = 1600, effect: float = 3.0
) -> pd.DataFrame:
    """Schools around the 800-student line, a sharp second-coach rule and its effect."""
    district = rng.integers(1, 121, n_schools)
    enrollment = np.clip(np.round(rng.normal(780, 170, n_schools)), 200, 1600)
    pct_frl = np.round(100 * rng.beta(4, 4, n_schools), 1)
    district_effect = rng.normal(0, 2.0, 121)[district]
    prior = (
        240
        + 0.004 * (enrollment - 800)
        - 0.08 * (pct_frl - 50)
        + district_effect
        + rng.normal(0, 4, n_schools)
    )
    coach = (enrollment >= COACH_CUTOFF).astype(int)
    score = (
        60
        + 0.75 * prior
        + 0.003 * (enrollment - 800)
        - 0.04 * (pct_frl - 50)
        + effect * coach
        + rng.normal(0, 3, n_schools)
    )
    score[rng.random(n_schools) < 0.02] = np.nan  # schools that did not report
    return pd.DataFrame(
        {
            "school_id": [f"S{i:05d}" for i in range(1, n_schools + 1)],
            "district_id": [f"D{d:03d}" for d in district],
            "k5_enrollment": enrollment.astype(int),
            "second_coach": coach,
            "pct_frl": pct_frl,
            "prior_math": np.round(prior, 2),
            "math_score": np.round(score, 2),
        }
    )


def simulate_grant_competition(
    rng: np.random.Generator,
    per_round: int = 700,
    effect: float = 3.0,
    takeup_above: float = 0.88,
    takeup_below: float = 0.06,
) -> pd.DataFrame:
    """Applications in three rounds with their own funding lines and imperfect take-up."""
    frames = []
    for year, line in FUNDING_LINES.items():
        score = np.clip(np.round(rng.normal(line - 2, 10, per_round) * 2) / 2, 0, 100)
        eligible = score >= line
        received = np.where(
            eligible, rng.random(per_round) < takeup_above, rng.random(per_round) < takeup_below
        ).astype(int)
        pct_frl = np.round(100 * rng.beta(4, 4, per_round), 1)
        prior = 2 + 0.05 * (score - 70) - 0.02 * (pct_frl - 50) + rng.normal(0, 2, per_round)
        growth = (
            1
            + 0.6 * prior
            + 0.04 * (score - line)
            + effect * received
            + rng.normal(0, 2.5, per_round)
        )
        frames.append(
            pd.DataFrame(
                {
                    "application_id": [f"A{year}-{i:04d}" for i in range(1, per_round + 1)],
                    "district_id": [f"D{d:03d}" for d in rng.integers(1, 121, per_round)],
                    "round": year,
                    "funding_line": line,
                    "application_score": score,
                    "received_grant": received,
                    "pct_frl": pct_frl,
                    "prior_growth": np.round(prior, 2),
                    "math_growth": np.round(growth, 2),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def simulate_threshold_demo(
    seed: int = 20260418, coach_effect: float = 3.0, grant_effect: float = 3.0
) -> ThresholdDemo:
    """Both simulated tables from one seed, and the truth."""
    rng = np.random.default_rng(seed)
    schools = simulate_coach_rule(rng, effect=coach_effect)
    grants = simulate_grant_competition(rng, effect=grant_effect)
    truth = {
        "simulated": True,
        "seed": seed,
        "schools": {
            "design": "sharp",
            "running": "k5_enrollment",
            "cutoff": COACH_CUTOFF,
            "outcome": "math_score",
            "effect": coach_effect,
        },
        "grants": {
            "design": "fuzzy",
            "running": "application_score",
            "cutoffs": {str(k): v for k, v in FUNDING_LINES.items()},
            "outcome": "math_growth",
            "effect_of_receiving": grant_effect,
            "takeup_above": 0.88,
            "takeup_below": 0.06,
            "intention_to_treat_jump": round(grant_effect * (0.88 - 0.06), 6),
        },
    }
    return ThresholdDemo(schools=schools, grants=grants, truth=truth)


SCHOOLS_MAP = """\
# Column map for data/demo_rd/schools.csv. SIMULATED data, not real schools.
running: k5_enrollment       # K-5 enrollment (the forcing variable)
cutoff: 800                  # a second math coach at 800 or more K-5 students
treatment: second_coach      # 1 = has a second coach
outcomes: [math_score]
covariates: [pct_frl, prior_math]   # measured before the rule applied
cluster: district_id
unit: school_id
labels:
  unit: school
  program: the second math coach
  treatment: has a second math coach
  outcomes:
    math_score: {label: school mean math score, scale: points, units: scale-score points}
"""

GRANTS_MAP = """\
# Column map for data/demo_rd/grants.csv. SIMULATED data, not real applications.
running: application_score   # reviewers' score of the application
cutoff_column: funding_line  # each round's funding line
treatment: received_grant    # 1 = received the grant (not all above the line did)
outcomes: [math_growth]
covariates: [pct_frl, prior_growth]
cluster: district_id
unit: application_id
labels:
  unit: applicant school
  program: the math achievement grant
  treatment: received the grant
  outcomes:
    math_growth: {label: math growth, scale: points, units: scale-score points}
"""

README = """\
# Simulated threshold designs (SYNTHETIC: not real data)

Generated by `improve.demo.rd` (seed {seed}); regenerate byte-identical files with
`python -m improve.demo.rd data/demo_rd`. No real school, district or application is
described. The true effects are in `truth.json`.

## schools.csv (column map `columns.yaml`): a sharp design

| column | meaning |
|---|---|
| school_id, district_id | random identifiers |
| k5_enrollment | K-5 enrollment, the running variable; cutoff 800 |
| second_coach | 1 when enrollment >= 800 (every such school, none below) |
| pct_frl, prior_math | baseline covariates (smooth through the cutoff) |
| math_score | school mean math score; a second coach adds {coach} points; about 2% missing |

## grants.csv (column map `grants.yaml`): a fuzzy design with three cutoffs

| column | meaning |
|---|---|
| application_id, district_id | random identifiers |
| round, funding_line | grant round (2021, 2022, 2023) and its funding line (70, 72, 68) |
| application_score | reviewers' score in half points, the running variable |
| received_grant | 1 = funded and accepted: 88% at or above the line, 6% below (waiting list) |
| pct_frl, prior_growth | baseline covariates |
| math_growth | math growth; receiving the grant adds {grant} points (jump at the line {itt:.2f}) |
"""


def write_threshold_demo(directory: str | Path, seed: int = 20260418) -> dict[str, Path]:
    """Write both tables, their column maps, truth and README (byte-stable)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    demo = simulate_threshold_demo(seed)
    paths = {
        "schools": folder / "schools.csv",
        "columns": folder / "columns.yaml",
        "grants": folder / "grants.csv",
        "grants_map": folder / "grants.yaml",
        "truth": folder / "truth.json",
        "readme": folder / "README.md",
    }
    demo.schools.to_csv(paths["schools"], index=False, lineterminator="\n", float_format="%.2f")
    demo.grants.to_csv(paths["grants"], index=False, lineterminator="\n", float_format="%.2f")
    paths["columns"].write_text(SCHOOLS_MAP, encoding="utf-8")
    paths["grants_map"].write_text(GRANTS_MAP, encoding="utf-8")
    paths["truth"].write_text(
        json.dumps(demo.truth, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    paths["readme"].write_text(
        README.format(
            seed=seed,
            coach=demo.truth["schools"]["effect"],
            grant=demo.truth["grants"]["effect_of_receiving"],
            itt=demo.truth["grants"]["intention_to_treat_jump"],
        ),
        encoding="utf-8",
    )
    return paths


if __name__ == "__main__":
    import sys

    write_threshold_demo(sys.argv[1] if len(sys.argv) > 1 else "data/demo_rd")
