"""A simulated state panel for statewide mandates: state averages with a known effect.

Grade 4 math state averages (NAEP-like scale, mean about 240, between-state SD about 5)
follow an interactive fixed-effects model, the setting synthetic DiD is built for
(Arkhangelsky et al. 2021): a state level, a national year effect, two latent factors whose
loadings differ by state, and noise. Chosen states adopt a mandate in chosen years and gain
``effect`` points from then on. Labelled as simulated in every file written from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Postal codes of the 50 states, in alphabetical order of the state name.
STATES: tuple[str, ...] = (
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
)


@dataclass(frozen=True)
class StatePanel:
    """Simulated state × year panel and its truth."""

    data: pd.DataFrame
    effect: float
    adoption: Mapping[str, int]


def simulate_state_panel(
    *,
    n_states: int = 50,
    years: Sequence[int] = tuple(y for y in range(2009, 2025) if y != 2020),
    adoption: Mapping[str, int] | None = None,
    effect: float = 3.0,
    factor_sd: float = 1.5,
    noise_sd: float = 1.0,
    seed: int = 2022,
) -> StatePanel:
    """State averages with interactive fixed effects and a mandate effect.

    Parameters
    ----------
    n_states : int
        States (at most 50; named by postal code).
    years : sequence of int
        Years observed (default 2009–2024 without 2020, when no tests were given).
    adoption : mapping state -> first year, optional
        Default ``{"AL": 2022}`` (a statewide mandate in one state).
    effect : float
        Points added from the adoption year on (the truth).
    factor_sd, noise_sd : float
        Size of the state-specific trends (latent factors) and of the year-to-year noise.
    seed : int
        Random seed; the same seed gives the same panel.
    """
    if not 2 <= n_states <= len(STATES):
        raise ValueError(f"n_states must be between 2 and {len(STATES)}")
    adoption = dict(adoption or {"AL": 2022})
    states = list(STATES[:n_states])
    unknown = [s for s in adoption if s not in states]
    if unknown:
        raise ValueError(f"adopting states {unknown} are not among the simulated states")
    rng = np.random.default_rng(seed)
    yrs = np.asarray(list(years), dtype=int)
    level = 240 + rng.normal(0, 5, n_states)
    year_effect = np.cumsum(rng.normal(0.2, 0.8, yrs.size))
    factors = np.cumsum(rng.normal(0, 1, (yrs.size, 2)), axis=0) * factor_sd / np.sqrt(yrs.size)
    loadings = rng.normal(0, 1, (n_states, 2))
    first = np.array([adoption.get(s, 0) for s in states])
    treated = (first[:, None] > 0) & (yrs[None, :] >= first[:, None])
    y = (
        level[:, None]
        + year_effect[None, :]
        + loadings @ factors.T
        + effect * treated
        + rng.normal(0, noise_sd, (n_states, yrs.size))
    )
    frame = pd.DataFrame(
        {
            "state": np.repeat(states, yrs.size),
            "year": np.tile(yrs, n_states),
            "math_g4": np.round(y.ravel(), 2),
            "mandate_year": np.repeat(first, yrs.size),
        }
    )
    return StatePanel(data=frame, effect=effect, adoption=adoption)


STATE_MAP = """\
# Column map for the simulated state panel (data/demo_states/states.csv).
# SIMULATED data: grade 4 math state averages on a NAEP-like scale, not real results.
unit: state
time: year
cohort: mandate_year        # first year under the mandate; 0 = never
outcomes:
  - math_g4
labels:
  unit: state
  program: the statewide math-coach mandate
  treatment: adopted the mandate
  outcomes:
    math_g4: {label: grade 4 math (state average), scale: points, units: scale-score points}
public_counts: [units]   # states
public_names: [units]    # states are public: reports may name them
"""

STATE_README = """\
# Simulated state panel (not real data)

`states.csv`: grade 4 math state averages on a NAEP-like scale for 50 states, 2009-2024
without 2020 (no tests were given), simulated by `improve.demo.states.simulate_state_panel`
(seed {seed}) with interactive fixed effects. One state (AL) adopts a statewide math-coach
mandate in 2022 and gains {effect} points from then on: `truth.json`. `columns.yaml` is its
column map. Regenerate with `python -m improve.demo.states data/demo_states`.
"""


def write_state_demo(directory: str | Path, seed: int = 2022) -> dict[str, Path]:
    """Write the simulated state panel, its column map, truth and README (byte-stable)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    panel = simulate_state_panel(seed=seed)
    paths = {
        "data": folder / "states.csv",
        "columns": folder / "columns.yaml",
        "truth": folder / "truth.json",
        "readme": folder / "README.md",
    }
    panel.data.to_csv(paths["data"], index=False, lineterminator="\n", float_format="%.2f")
    paths["columns"].write_text(STATE_MAP, encoding="utf-8")
    truth = {
        "effect": panel.effect,
        "adoption": dict(panel.adoption),
        "seed": seed,
        "simulated": True,
        "outcome": "math_g4",
    }
    paths["truth"].write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
    paths["readme"].write_text(STATE_README.format(seed=seed, effect=panel.effect))
    return paths


if __name__ == "__main__":
    import sys

    write_state_demo(sys.argv[1] if len(sys.argv) > 1 else "data/demo_states")
