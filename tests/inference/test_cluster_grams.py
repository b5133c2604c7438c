"""Per-cluster Gram matrices: the bincount, sorted and (unit, year)-table paths agree with the
explicit products cluster by cluster."""

from __future__ import annotations

import numpy as np
import pytest

from improve.inference import within_design
from improve.inference.cluster_grams import _sorted_grams, cluster_grams, design_cluster_grams


def _explicit(columns: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    return np.stack(
        [columns[cluster == g].T @ columns[cluster == g] for g in range(cluster.max() + 1)]
    )


@pytest.mark.parametrize("m", [2, 6])
def test_cluster_grams_match_explicit_products(m: int) -> None:
    rng = np.random.default_rng(1)
    cluster = rng.integers(0, 30, size=900)  # unequal sizes, several clusters per size
    columns = rng.normal(size=(900, m))
    expected = _explicit(columns, cluster)
    np.testing.assert_allclose(cluster_grams(columns, cluster), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        _sorted_grams(columns, cluster, 30), expected, rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_unit_year_table_path_matches_the_dummies(weighted: bool) -> None:
    rng = np.random.default_rng(2)
    n_units, n_years = 300, 6
    unit = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(n_years), n_units)
    keep = rng.random(unit.size) < 0.8  # unbalanced
    unit, year = unit[keep], year[keep]
    school = rng.integers(0, 25, size=n_units)[unit]  # units nested in the clusters
    x = rng.normal(size=(unit.size, 2))
    y = x @ [0.5, -1.0] + rng.normal(size=unit.size)
    w = rng.uniform(0.5, 2.0, size=unit.size) if weighted else None
    design = within_design(y, x, [unit, year], school, w)
    assert len(design.crossing_codes) == 1 and len(design.nested_codes) == 1
    columns = np.column_stack([design.X, design.resid])
    expected = _explicit(np.hstack([design.crossing, columns]), school)
    got = design_cluster_grams(design, columns)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
