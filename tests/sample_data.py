"""Small, fast panels in the shapes partners send (imported by tests and fixtures)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def make_school_panel(
    n_schools: int = 60,
    years: tuple[int, ...] = (2016, 2017, 2018, 2019, 2021, 2022),
    seed: int = 3,
) -> pd.DataFrame:
    """A small school × year panel with canonical column names and NCES-style ids."""
    rng = np.random.default_rng(seed)
    cohorts = rng.choice([0, 2018, 2021], size=n_schools, p=[0.4, 0.3, 0.3])
    rows = []
    for i in range(n_schools):
        district = f"01{i % 12:05d}"
        school = f"{district}{i:05d}"
        level = rng.normal(500, 15)
        for year in years:
            effect = 4.0 if cohorts[i] and year >= cohorts[i] else 0.0
            rows.append(
                {
                    "school_id": school,
                    "district_id": district,
                    "school_year": year,
                    "first_grant_year": int(cohorts[i]),
                    "math_ss": round(level + 0.5 * (year - 2016) + effect + rng.normal(0, 3), 3),
                    "reading_ss": round(level + rng.normal(0, 3), 3),
                    "enrollment": int(rng.integers(150, 700)),
                }
            )
    return pd.DataFrame(rows)


SCHOOL_MAP = {
    "unit": "school_id",
    "time": "school_year",
    "cohort": "first_grant_year",
    "outcomes": ["math_ss", "reading_ss"],
    "covariates": ["enrollment"],
    "cluster": "district_id",
}
