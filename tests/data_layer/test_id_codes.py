"""The integer-code versions of the panel checks equal the pandas operations they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from improve.data import id_codes
from improve.data.id_codes import (
    constant_per_group,
    duplicated_rows,
    encode_ids,
    nunique_by,
    restore_ids,
    sorted_categorical,
)


def _frame(seed: int, n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = pd.array([f"s{v:04d}" for v in rng.integers(0, 700, n)], dtype="string")
    ids[rng.random(n) < 0.02] = pd.NA
    cohort = rng.choice([0.0, 2016.0, 2018.0, np.nan], n)
    return pd.DataFrame(
        {
            "unit": ids,
            "district": pd.array([f"d{v}" for v in rng.integers(0, 30, n)], dtype="string"),
            "year": rng.integers(2014, 2024, n),
            "cohort": cohort,
        },
        index=rng.permutation(n) + 10,  # labels that are not positions
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sorted_categorical_keeps_values_and_sorts_categories(seed: int) -> None:
    frame = _frame(seed)
    cat = sorted_categorical(frame["unit"])
    assert cat.index.equals(frame.index)
    assert list(cat.cat.categories) == sorted(frame["unit"].dropna().unique())
    assert cat.astype("string").equals(frame["unit"])
    order = cat.sort_values(kind="stable").index
    assert order.equals(frame["unit"].sort_values(kind="stable").index)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("encoded", [False, True])
@pytest.mark.parametrize("dropna", [True, False])
@pytest.mark.parametrize("direct", [True, False])
def test_nunique_by_equals_groupby_nunique(
    seed: int, encoded: bool, dropna: bool, direct: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not direct:  # the path of files whose pair table is too large to count directly
        monkeypatch.setattr(id_codes, "_direct", lambda cells, rows: False)
    frame = _frame(seed)
    if encoded:
        encode_ids(frame, ["unit", "district"])
    pairs = [("unit", "year"), ("unit", "cohort"), ("district", "unit"), ("unit", "district")]
    for by, col in pairs:
        expected = frame.groupby(by, observed=True)[col].nunique(dropna=dropna)
        got = nunique_by(frame, by, col, dropna=dropna)
        assert list(got.index) == list(expected.index), (by, col)
        assert got.to_numpy().tolist() == expected.to_numpy().tolist(), (by, col)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("encoded", [False, True])
@pytest.mark.parametrize("direct", [True, False])
def test_duplicated_rows_equals_pandas(
    seed: int, encoded: bool, direct: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not direct:
        monkeypatch.setattr(id_codes, "_direct", lambda cells, rows: False)
    frame = _frame(seed)
    if encoded:
        encode_ids(frame, ["unit", "district"])
    for keys in (["unit", "year"], ["unit", "year", "district"], ["cohort", "district"]):
        expected = frame.duplicated(subset=keys, keep=False).to_numpy()
        assert expected.any()
        assert (duplicated_rows(frame, keys) == expected).all(), keys


def test_restore_ids_after_reordering_gives_back_the_text() -> None:
    frame = _frame(3)
    original = frame.copy()
    text = encode_ids(frame, ["unit", "district"])
    assert isinstance(frame["unit"].dtype, pd.CategoricalDtype)
    frame = frame.sort_values(["unit", "year"], kind="stable")
    restored = restore_ids(frame, text)
    expected = original.sort_values(["unit", "year"], kind="stable")
    pd.testing.assert_frame_equal(restored, expected)


@pytest.mark.parametrize("encoded", [False, True])
def test_constant_per_group_equals_groupby_first(encoded: bool) -> None:
    frame = _frame(4)
    frame = frame[frame["unit"].notna()].copy()
    first = frame.groupby("unit")["year"].transform("first")
    frame["year"] = first  # constant within unit
    if encoded:
        encode_ids(frame, ["unit"])
    expected = frame.groupby("unit", observed=True)["year"].first()
    got = constant_per_group(frame, "unit", "year")
    assert list(got.index) == list(expected.index)
    assert got.to_numpy().tolist() == expected.to_numpy().tolist()


def test_digit_ids_sort_as_text() -> None:
    rng = np.random.default_rng(5)
    ids = [str(v) for v in rng.integers(0, 10**6, 3000)]
    ids += ["0" + i for i in ids[:300]] + ["00", "0", "000123", "123", "1230", "12300000000000000"]
    series = pd.Series(pd.array(ids, dtype="string[pyarrow]"))
    cat = sorted_categorical(series)
    assert list(cat.cat.categories) == sorted(set(ids))
    assert cat.astype("string").tolist() == ids
