"""The column map: one file column in two roles (the unit is also the cluster)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.data import ColumnMap, load_panel
from improve.did import att_gt


def _states(n_states: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for s in range(n_states):
        first = (0, 2003, 2004)[s % 3]
        for year in range(2000, 2007):
            effect = 1.0 if first and year >= first else 0.0
            rows.append(
                {"State": f"S{s:02d}", "Year": year, "First": first, "Rate": rng.normal() + effect}
            )
    return pd.DataFrame(rows)


BASE = {"time": "Year", "cohort": "First", "outcomes": ["Rate"]}


@pytest.mark.parametrize(
    ("unit", "cluster", "name"),
    [
        ("State", "State", "State"),
        ({"state": "State"}, "State", "state"),
        ("State", {"state": "State"}, "state"),
        ({"state": "State"}, {"cluster_id": "State"}, "state"),
    ],
)
def test_unit_column_can_also_be_the_cluster(unit, cluster, name):
    cmap = ColumnMap.from_dict({**BASE, "unit": unit, "cluster": cluster})
    assert cmap.spec.unit == cmap.spec.cluster == name
    panel = load_panel(_states(), columns=cmap)
    assert panel.spec.unit == panel.spec.cluster == name
    assert panel.report.n_units == 30
    assert not any("clusters of one" in w for w in panel.report.warnings)


def test_att_gt_clustered_by_the_unit_column():
    by_unit = load_panel(_states(), columns={**BASE, "unit": "State", "cluster": "State"})
    plain = load_panel(_states(), columns={**BASE, "unit": "State"})
    clustered = att_gt(by_unit)
    unclustered = att_gt(plain)
    assert clustered.n_clusters == 30
    np.testing.assert_allclose(clustered.estimate, unclustered.estimate, rtol=0, atol=1e-12)
    assert np.all(np.isfinite(clustered.std_error)) and np.all(clustered.std_error > 0)


def test_a_renamed_column_keeps_one_name_in_every_role():
    cmap = ColumnMap.from_dict(
        {"unit": {"school_id": "SCH"}, "time": "YR", "subgroups": ["SCH"], "cluster": "SCH"}
    )
    assert cmap.renames == {"SCH": "school_id"}
    assert cmap.spec.subgroups == ("school_id",)
    assert cmap.spec.cluster == "school_id"
