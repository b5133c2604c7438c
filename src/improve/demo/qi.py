"""A simulated improvement network: 12 schools, weekly attendance and benchmark rates.

Two school years of instructional weeks (36 a year, Mondays; no weeks over the summer) in
two networks of six schools. Attendance is student-days attended out of student-days
enrolled; the benchmark measure is students meeting a weekly formative-assessment benchmark
out of students assessed (small schools assess few students, so some weeks fall under a
minimum cell size of 10). Both vary from week to week beyond binomial noise (a logit-scale
week effect), the setting Laney's P′ chart is for.

Three network-wide change ideas (PDSA cycles) start at known weeks; only some schools
shift, by known amounts on the logit scale (``truth.json``). Labelled as simulated in
every file written from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SCHOOLS = tuple(f"School {chr(ord('A') + i)}" for i in range(12))
YEAR_STARTS = ("2023-09-04", "2024-09-02")
WEEKS_PER_YEAR = 36
#: Change ideas: label -> first week (a Monday).
CYCLES: dict[str, str] = {
    "cycle 1: attendance texts": "2023-10-30",
    "cycle 2: family check-ins": "2024-01-29",
    "cycle 3: benchmark warm-ups": "2024-10-07",
}
BASELINE = "baseline"
#: Known shifts on the logit scale: measure -> cycle -> school -> shift.
SHIFTS: dict[str, dict[str, dict[str, float]]] = {
    "attendance": {
        "cycle 2: family check-ins": {
            s: 0.35 for s in ("School A", "School C", "School E", "School H")
        },
    },
    "benchmark": {
        "cycle 3: benchmark warm-ups": {s: 0.6 for s in ("School B", "School D", "School F")},
    },
}


@dataclass(frozen=True)
class QiNetwork:
    """The simulated weekly series and its truth."""

    data: pd.DataFrame
    shifts: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    cycles: dict[str, str] = field(default_factory=dict)


def _weeks() -> pd.DatetimeIndex:
    parts = [pd.date_range(start, periods=WEEKS_PER_YEAR, freq="7D") for start in YEAR_STARTS]
    return parts[0].append(parts[1])


def cycle_labels(weeks: pd.Series, cycles: dict[str, str]) -> pd.Series:
    """The change idea in force each week (``baseline`` before the first)."""
    label = pd.Series(BASELINE, index=weeks.index, dtype=object)
    for name, start in sorted(cycles.items(), key=lambda kv: kv[1]):
        label[weeks >= pd.Timestamp(start)] = name
    return label


def _shift(measure: str, school: str, week_cycles: pd.Series) -> np.ndarray:
    """Cumulative logit shift of one school on one measure, week by week."""
    shift = np.zeros(len(week_cycles))
    order = [BASELINE, *sorted(CYCLES, key=CYCLES.get)]
    for cycle, schools in SHIFTS.get(measure, {}).items():
        start = order.index(cycle)
        in_force = week_cycles.map(order.index).to_numpy() >= start
        shift[in_force] += schools.get(school, 0.0)
    return shift


def simulate_qi_network(seed: int = 2024) -> QiNetwork:
    """Weekly attendance and benchmark counts for 12 schools over two school years."""
    rng = np.random.default_rng(seed)
    weeks = pd.Series(_weeks())
    week_cycles = cycle_labels(weeks, CYCLES)
    frames = []
    for i, school in enumerate(SCHOOLS):
        enrolled = int(rng.integers(90, 650))
        base_att = rng.normal(2.3, 0.25)  # logit of about 0.91
        base_bench = rng.normal(-0.2, 0.4)
        assessed = np.maximum(rng.poisson(enrolled * 0.1, len(weeks)), 0)
        days = enrolled * 5 - rng.integers(0, enrolled // 10 + 1, len(weeks))
        logit_att = (
            base_att + rng.normal(0, 0.12, len(weeks)) + _shift("attendance", school, week_cycles)
        )
        logit_bench = (
            base_bench + rng.normal(0, 0.15, len(weeks)) + _shift("benchmark", school, week_cycles)
        )
        frames.append(
            pd.DataFrame(
                {
                    "school": school,
                    "network": "North" if i < 6 else "South",
                    "week": weeks.dt.strftime("%Y-%m-%d"),
                    "enrolled_days": days,
                    "attended_days": rng.binomial(days, 1 / (1 + np.exp(-logit_att))),
                    "students_assessed": assessed,
                    "students_met_benchmark": rng.binomial(
                        assessed, 1 / (1 + np.exp(-logit_bench))
                    ),
                    "cycle": week_cycles.to_numpy(),
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    data = data[data["students_assessed"] > 0].reset_index(drop=True)
    return QiNetwork(data=data, shifts=SHIFTS, cycles=CYCLES)


QI_MAP = """\
# Column map for the simulated improvement network (data/demo_qi/network.csv).
# SYNTHETIC data: weekly attendance and benchmark counts of 12 simulated schools.
kind: qi_series
unit: school                 # one chart per school
time: week                   # a date per row (Mondays)
group: network               # networks of schools
phase: cycle                 # the change idea in force (PDSA cycle); "baseline" before
measures:
  attendance:
    numerator: attended_days
    denominator: enrolled_days
    type: proportion
    label: attendance rate
  benchmark:
    numerator: students_met_benchmark
    denominator: students_assessed
    type: proportion
    label: share of students meeting the benchmark
labels:
  unit: school
  unit_plural: schools
public_names: [units]       # simulated schools: names may appear in reports
"""

QI_README = """\
# Simulated improvement network (SYNTHETIC, not real data)

`network.csv`: weekly attendance (student-days attended / enrolled) and formative-benchmark
counts (students meeting the benchmark / assessed) for 12 simulated schools in two
networks, 36 instructional weeks in each of the 2023-24 and 2024-25 school years (no rows
over the summer), simulated by `improve.demo.qi.simulate_qi_network` (seed {seed}). Three
network-wide change ideas start at known weeks (`cycle`); attendance shifts after cycle 2
in four schools and the benchmark share after cycle 3 in three schools, by the logit-scale
amounts in `truth.json`. Weeks where a school assessed nobody are left out. `columns.yaml`
is its column map. Regenerate with `python -m improve.demo.qi data/demo_qi`.
"""


def write_qi_demo(directory: str | Path, seed: int = 2024) -> dict[str, Path]:
    """Write the simulated network, its column map, truth and README (byte-stable)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    network = simulate_qi_network(seed=seed)
    paths = {
        "data": folder / "network.csv",
        "columns": folder / "columns.yaml",
        "truth": folder / "truth.json",
        "readme": folder / "README.md",
    }
    network.data.to_csv(paths["data"], index=False, lineterminator="\n")
    paths["columns"].write_text(QI_MAP, encoding="utf-8")
    truth = {
        "simulated": True,
        "seed": seed,
        "cycles": network.cycles,
        "logit_shifts": network.shifts,
        "schools": list(SCHOOLS),
    }
    paths["truth"].write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
    paths["readme"].write_text(QI_README.format(seed=seed))
    return paths


if __name__ == "__main__":
    import sys

    write_qi_demo(sys.argv[1] if len(sys.argv) > 1 else "data/demo_qi")
