"""A simulated state of districts and schools with spending, needs and a formula change.

Forty districts and their schools over eight years (2016–2023). Local revenue follows
property wealth, so richer districts spend more; state formula aid is a flat amount per
pupil with a small poverty supplement until ``change_year``, when a new formula pays a
foundation amount per need-weighted pupil minus a local share (more aid to poorer, needier
districts). Formula amounts are set in nominal dollars (no yearly growth). Hold harmless:
a district whose local revenue per pupil plus its old aid already reached the new foundation
amount in the last year before the change keeps that year's aid per pupil (its change in
formula aid is zero: the dose-0 comparison group of the continuous DiD). Federal money
follows poverty. Districts pass money to schools unevenly. The
share of students proficient in math rises by ``effect`` percentage points per $1,000 of
formula aid per pupil. Labelled as simulated in every file written from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Fictional district names (no real place is meant).
DISTRICT_NAMES: tuple[str, ...] = (
    "Ashford", "Birchvale", "Cedar Bluff", "Dunmore", "Elmwood", "Fairhaven", "Glenrock",
    "Harrowgate", "Ironbridge", "Juniper Falls", "Kestrel", "Larkspur", "Millbrook",
    "Northfield", "Oakhurst", "Pinecrest", "Quarry Hill", "Riverton", "Stonegate", "Thornbury",
    "Upland", "Valemont", "Westbrook", "Yarrow", "Alderton", "Briar Glen", "Copperton",
    "Deerfield", "Eastmere", "Foxhollow", "Greystone", "Hollins", "Ivydale", "Jasper Creek",
    "Kingsbury", "Lindenwood", "Marshfield", "Newhall", "Orchard Park", "Prairie View",
)  # fmt: skip
REGIONS = ("North", "South", "East", "West")
#: Need weights of the new formula (the truth of the formula, not the analysis default).
NEW_FORMULA_WEIGHTS = {"poverty": 0.30, "english_learners": 0.20, "disabilities": 0.90}
FUNCTION_SHARES = {"instruction": 0.62, "support": 0.13, "admin": 0.09}


@dataclass(frozen=True)
class FinanceDemo:
    """The simulated school file and its truth."""

    data: pd.DataFrame
    truth: dict[str, object]


def _districts(rng: np.random.Generator, n: int) -> pd.DataFrame:
    wealth = np.exp(rng.normal(np.log(260_000), 0.5, n))
    z = (np.log(wealth) - np.log(260_000)) / 0.5
    poverty = 1 / (1 + np.exp(-(-0.5 - 0.8 * z + rng.normal(0, 0.4, n))))
    return pd.DataFrame(
        {
            "district_id": [f"D{i + 1:02d}" for i in range(n)],
            "district_name": [
                f"{DISTRICT_NAMES[i % len(DISTRICT_NAMES)]} School District" for i in range(n)
            ],
            "region": [REGIONS[i % len(REGIONS)] for i in range(n)],
            "wealth": wealth,
            "poverty": poverty,
            "n_schools": rng.integers(4, 13, n),
            "level": rng.normal(0, 4, n),
        }
    )


def _schools(rng: np.random.Generator, districts: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for d in districts.itertuples():
        for k in range(int(d.n_schools)):
            pov = float(np.clip(d.poverty + rng.normal(0, 0.12), 0.02, 0.97))
            rows.append(
                {
                    "school_id": f"{d.district_id}-S{k + 1:02d}",
                    "school_name": f"{d.district_name.replace(' School District', '')} "
                    f"School {k + 1}",
                    "district_id": d.district_id,
                    "poverty": pov,
                    "el": float(np.clip(rng.beta(2, 18) + 0.1 * pov, 0, 0.6)),
                    "swd": float(np.clip(rng.normal(0.13, 0.03), 0.04, 0.3)),
                    "size": float(np.exp(rng.normal(np.log(480), 0.45))),
                    "allocation": float(np.exp(rng.normal(0, 0.07))),
                    "experience": float(rng.normal(13 - 6 * pov, 2)),
                }
            )
    return pd.DataFrame(rows)


#: Local revenue per pupil as a share of property wealth per pupil (before yearly growth).
LOCAL_RATE = 0.014
#: Foundation amount per need-weighted pupil of the new formula (dollars).
FOUNDATION = 9_000


def _formula_aid(need: pd.DataFrame, change_year: int, first_year: int) -> pd.DataFrame:
    """State formula aid per pupil (dollars) by district and year, and who is held harmless.

    ``need`` has a row per district and year with ``poverty``, ``english_learners``,
    ``disabilities`` (enrollment-weighted shares) and ``wealth``. Returns it with
    ``formula_pp`` and ``hold_harmless`` added.
    """
    need = need.copy()
    old = 5_200 + 600 * need["poverty"]
    weighted = 1 + sum(NEW_FORMULA_WEIGHTS[k] * need[k] for k in NEW_FORMULA_WEIGHTS)
    foundation = FOUNDATION * weighted
    new = np.maximum(foundation - 0.012 * need["wealth"], 1_500.0)
    base_year = max((y for y in need["year"].unique() if y < change_year), default=first_year)
    base = need["year"] == base_year
    local = LOCAL_RATE * need["wealth"] * 1.02 ** (base_year - first_year)
    meets = ((local + old) >= foundation)[base].set_axis(need.loc[base, "district_id"])
    base_aid = old[base].set_axis(need.loc[base, "district_id"])
    need["hold_harmless"] = need["district_id"].map(meets).astype(bool)
    after = need["year"] >= change_year
    need["formula_pp"] = np.where(
        ~after, old, np.where(need["hold_harmless"], need["district_id"].map(base_aid), new)
    )
    return need


def simulate_finance_state(
    *,
    n_districts: int = 40,
    years: tuple[int, ...] = tuple(range(2016, 2024)),
    change_year: int = 2020,
    effect: float = 2.0,
    seed: int = 2031,
) -> FinanceDemo:
    """Simulate the school file (see the module notes); ``effect`` is percentage points
    of math proficiency per $1,000 of formula aid per pupil."""
    rng = np.random.default_rng(seed)
    districts = _districts(rng, n_districts)
    schools = _schools(rng, districts).merge(
        districts[["district_id", "district_name", "region", "wealth", "level"]], on="district_id"
    )
    frames = []
    for year in years:
        s = schools.copy()
        s["year"] = year
        s["enrollment"] = np.maximum(np.round(s["size"] * np.exp(rng.normal(0, 0.03, len(s)))), 60)
        for need, col in (("poverty", "n_econ_disadv"), ("el", "n_el"), ("swd", "n_swd")):
            s[col] = np.round(s[need] * s["enrollment"])
        frames.append(s)
    rows = pd.concat(frames, ignore_index=True)
    rows = _money(rng, rows, change_year, years)
    rows["math_proficient_pct"] = np.round(
        np.clip(
            48
            - 30 * rows["poverty"]
            + rows["level"]
            + 0.5 * (rows["year"] - years[0])
            + effect * rows["formula_pp"] / 1000
            + rng.normal(0, 2.5, len(rows)),
            1,
            99,
        ),
        1,
    )
    held = sorted(rows.loc[rows["hold_harmless"], "district_id"].unique().tolist())
    truth = {
        "simulated": True,
        "seed": seed,
        "formula_change_year": change_year,
        "effect_per_1000_formula_aid": effect,
        "outcome": "math_proficient_pct",
        "new_formula_weights": NEW_FORMULA_WEIGHTS,
        "old_formula": "5200 per pupil + 600 per pupil times the poverty share",
        "new_formula": "9000 per need-weighted pupil minus 1.2% of property wealth per pupil",
        "formula_amounts": "nominal dollars, no yearly growth",
        "hold_harmless_rule": "districts whose local revenue per pupil plus old aid already "
        "met the new foundation amount in the year before the change keep that year's aid "
        "per pupil (change in formula aid 0)",
        "hold_harmless_districts": held,
        "districts": n_districts,
        "schools": int(schools.shape[0]),
        "years": list(years),
    }
    return FinanceDemo(data=_columns(rows), truth=truth)


def _money(
    rng: np.random.Generator, rows: pd.DataFrame, change_year: int, years: tuple[int, ...]
) -> pd.DataFrame:
    district_need = (
        rows.groupby(["district_id", "year"])
        .apply(
            lambda f: pd.Series(
                {
                    "poverty": np.average(f["poverty"], weights=f["enrollment"]),
                    "english_learners": np.average(f["el"], weights=f["enrollment"]),
                    "disabilities": np.average(f["swd"], weights=f["enrollment"]),
                    "wealth": f["wealth"].iloc[0],
                }
            ),
            include_groups=False,
        )
        .reset_index()
    )
    district_need = _formula_aid(district_need, change_year, years[0])
    keys = ["district_id", "year"]
    rows = rows.merge(district_need[[*keys, "formula_pp", "hold_harmless"]], on=keys)
    growth = 1.02 ** (rows["year"] - years[0])
    local_pp = LOCAL_RATE * rows["wealth"] * growth * np.exp(rng.normal(0, 0.03, len(rows)))
    federal_pp = 1_100 * rows["poverty"] * growth
    alloc = rows["allocation"] * (1 + 0.10 * (rows["poverty"] - 0.4))
    rows["exp_local"] = np.round(local_pp * rows["enrollment"] * alloc)
    rows["exp_state"] = np.round(rows["formula_pp"] * rows["enrollment"] * alloc)
    rows["exp_federal"] = np.round(federal_pp * rows["enrollment"])
    rows["formula_aid"] = np.round(rows["formula_pp"] * rows["enrollment"])
    total = rows["exp_local"] + rows["exp_state"] + rows["exp_federal"]
    used = 0.0
    for name, share in FUNCTION_SHARES.items():
        rows[f"exp_{name}"] = np.round(total * share * np.exp(rng.normal(0, 0.03, len(rows))))
        used = used + rows[f"exp_{name}"]
    rows["exp_operations"] = total - used
    rows["district_total"] = total.groupby([rows["district_id"], rows["year"]]).transform("sum")
    rows["teacher_fte"] = np.round(rows["exp_instruction"] / 88_000 / growth, 1)
    rows["coach_fte"] = np.round(rows["enrollment"] / 400 * (0.5 + rows["poverty"]), 1)
    rows["avg_teacher_experience"] = np.round(np.clip(rows["experience"], 2, 25), 1)
    novice = np.clip(0.25 - 0.012 * rows["experience"], 0.02, 0.6)
    rows["novice_teacher_share"] = np.round(novice, 3)
    return rows


def _columns(rows: pd.DataFrame) -> pd.DataFrame:
    keep = [
        "school_id",
        "school_name",
        "district_id",
        "district_name",
        "region",
        "year",
        "enrollment",
        "n_econ_disadv",
        "n_el",
        "n_swd",
        "exp_local",
        "exp_state",
        "exp_federal",
        "exp_instruction",
        "exp_support",
        "exp_admin",
        "exp_operations",
        "district_total",
        "formula_aid",
        "property_wealth_pp",
        "teacher_fte",
        "coach_fte",
        "avg_teacher_experience",
        "novice_teacher_share",
        "math_proficient_pct",
    ]
    rows = rows.assign(property_wealth_pp=np.round(rows["wealth"], -2))
    out = rows[keep].sort_values(["year", "school_id"], kind="stable").reset_index(drop=True)
    ints = [
        "enrollment",
        "n_econ_disadv",
        "n_el",
        "n_swd",
        "exp_local",
        "exp_state",
        "exp_federal",
        "exp_instruction",
        "exp_support",
        "exp_admin",
        "exp_operations",
        "district_total",
        "formula_aid",
        "property_wealth_pp",
    ]
    return out.astype({c: "int64" for c in ints})


FINANCE_MAP = """\
# Column map for the simulated school finance file (data/demo_finance/schools.csv).
# SYNTHETIC data: a made-up state of 40 districts; no real school or district is meant.
school: school_id
school_name: school_name
district: district_id
district_name: district_name
region: region
year: year
enrollment: enrollment
spending: {local: exp_local, state: exp_state, federal: exp_federal}
functions:
  instruction: exp_instruction
  support: exp_support
  administration: exp_admin
  operations: exp_operations
dollars: dollars
needs: {poverty: n_econ_disadv, english_learners: n_el, disabilities: n_swd}
property_wealth: property_wealth_pp
formula_funding: formula_aid
formula_change_year: 2020
district_total: district_total
staff: {teacher_fte: teacher_fte, coach_fte: coach_fte}
staff_averages:
  teacher_experience: avg_teacher_experience
  novice_teacher_share: novice_teacher_share
outcomes: [math_proficient_pct]
public_names: [units]   # synthetic names, safe to show
labels:
  unit: school
  outcomes:
    math_proficient_pct: {label: share proficient in math, scale: percent}
"""

FINANCE_README = """\
# Simulated school finance file (SYNTHETIC, not real data)

`schools.csv`: {schools} schools in {districts} made-up districts, school years {first}-{last},
simulated by `improve.demo.finance.simulate_finance_state` (seed {seed}). Spending by source
(local, state, federal) and by function, enrollment, counts of students in poverty, English
learners and students with disabilities, district property wealth per pupil, state formula
aid, staff and a math proficiency rate. Local money follows property wealth; in
{change_year} the state formula changes from a flat amount per pupil to a foundation amount
per need-weighted pupil minus a local share ({held} districts whose local revenue plus old
aid already met the new foundation amount are held harmless at their {base_year} aid per
pupil, so their formula aid does not change), and math proficiency rises by {effect}
percentage points per $1,000 of formula aid per pupil: `truth.json`. `columns.yaml` is the
column map. Every name is invented. Regenerate with
`python -m improve.demo.finance data/demo_finance`.
"""


def write_finance_demo(directory: str | Path, seed: int = 2031) -> dict[str, Path]:
    """Write the simulated school file, its column map, truth and README (byte-stable)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    demo = simulate_finance_state(seed=seed)
    paths = {
        "data": folder / "schools.csv",
        "columns": folder / "columns.yaml",
        "truth": folder / "truth.json",
        "readme": folder / "README.md",
    }
    demo.data.to_csv(paths["data"], index=False, lineterminator="\n", float_format="%.3f")
    paths["columns"].write_text(FINANCE_MAP, encoding="utf-8")
    paths["truth"].write_text(json.dumps(demo.truth, indent=2, sort_keys=True) + "\n")
    t = demo.truth
    paths["readme"].write_text(
        FINANCE_README.format(
            schools=t["schools"],
            districts=t["districts"],
            first=t["years"][0],
            last=t["years"][-1],
            seed=seed,
            change_year=t["formula_change_year"],
            effect=t["effect_per_1000_formula_aid"],
            held=len(t["hold_harmless_districts"]),
            base_year=t["formula_change_year"] - 1,
        )
    )
    return paths


if __name__ == "__main__":
    import sys

    write_finance_demo(sys.argv[1] if len(sys.argv) > 1 else "data/demo_finance")
