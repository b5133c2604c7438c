"""A small state's school panel: one cohort of six schools among larger ones.

Used by the recoverability checks (issue 23, item 4). Cohorts (first year funded): 40
never-funded schools, 20 funded from 2016, 12 from 2018 and :data:`SMALL_SIZE` from
:data:`SMALL_COHORT`; years 2014-2022. With ``min_cell_size=10`` the 2020 cohort is a small
cell: nothing published may reveal its size or its estimates. It alone reaches event times
-6 and -5 (six and five years before funding). Its schools get a distinctive effect
(:data:`SMALL_EFFECT`) so its estimates cannot coincide with another cohort's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

SMALL_COHORT = 2020
SMALL_SIZE = 6
COHORTS = {0: 40, 2016: 20, 2018: 12, SMALL_COHORT: SMALL_SIZE}
YEARS = tuple(range(2014, 2023))
SMALL_EFFECT = 23.7
MIN_CELL_SIZE = 10

MAP = {
    "unit": "school_id",
    "time": "school_year",
    "cohort": "first_grant_year",
    "outcomes": ["math_ss"],
    "cluster": "district_id",
}


def make_small_state(seed: int = 11) -> pd.DataFrame:
    """The panel (one row per school and year)."""
    rng = np.random.default_rng(seed)
    rows = []
    i = 0
    for cohort, size in COHORTS.items():
        for _ in range(size):
            district = f"09{i % 15:05d}"
            level = rng.normal(500, 12)
            for year in YEARS:
                effect = 0.0
                if cohort and year >= cohort:
                    effect = SMALL_EFFECT if cohort == SMALL_COHORT else 3.0
                rows.append(
                    {
                        "school_id": f"{district}{i:05d}",
                        "district_id": district,
                        "school_year": year,
                        "first_grant_year": cohort,
                        "math_ss": round(
                            level + 0.8 * (year - 2014) + effect + rng.normal(0, 2), 3
                        ),
                    }
                )
            i += 1
    return pd.DataFrame(rows)


def write_small_state(folder: Path) -> tuple[Path, Path]:
    """The panel as CSV and its column map, written into ``folder``."""
    data = folder / "small_state.csv"
    make_small_state().to_csv(data, index=False)
    cmap = folder / "small_state.yaml"
    cmap.write_text(yaml.safe_dump(MAP), encoding="utf-8")
    return data, cmap
