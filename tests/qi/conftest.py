"""Shared data for the improve.qi tests: a simulated network with a known shift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_network(shift_schools: int = 3) -> pd.DataFrame:
    """Six schools, 40 weeks, attendance up 4 points after week 20 in the first three."""
    rng = np.random.default_rng(7)
    rows = []
    for school in range(6):
        for week in range(40):
            p = 0.90 + (0.04 if (school < shift_schools and week >= 20) else 0.0)
            n = 400
            rows.append(
                {
                    "school": f"S{school}",
                    "week": week + 1,
                    "n": n,
                    "y": rng.binomial(n, p),
                    "cycle": "baseline" if week < 20 else "cycle 1",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def network() -> pd.DataFrame:
    """Six schools by 40 weeks; three shift up after week 20 (phase "cycle 1")."""
    return make_network()
