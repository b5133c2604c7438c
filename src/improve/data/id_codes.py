"""Id columns as sorted categories while a panel is checked, and back to text afterwards.

Checking a student file groups, counts and sorts by the unit and cluster ids again and again;
on a text column each of those steps hashes millions of strings. Encoding each id column once
as a categorical whose categories are in sorted order makes every later step work on integer
codes, with the same groups, the same order (sorting by code is sorting by id) and the same
values in messages. :func:`restore_ids` puts the original text back after the rows have been
reordered, so the loaded panel holds exactly the columns it would hold without this.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def sorted_categorical(series: pd.Series) -> pd.Series:
    """``series`` (text) as a categorical whose categories are its distinct values, sorted.

    Missing values get code -1 (missing), as in :class:`pandas.Categorical`.
    """
    values = pa.chunked_array(pa.array(series.array, from_pandas=True)).combine_chunks()
    encoded = pc.dictionary_encode(values)
    dictionary = encoded.dictionary
    order = pc.array_sort_indices(dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    indices = encoded.indices.fill_null(-1).to_numpy().astype(np.int64, copy=False)
    codes = np.where(indices >= 0, rank[np.maximum(indices, 0)], -1)
    categories = pd.Index(pd.array(dictionary.take(pa.array(order)), dtype=series.dtype))
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=categories),
        index=series.index,
        name=series.name,
    )


def encode_ids(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, pd.Series]:
    """Replace each text id column of ``frame`` by :func:`sorted_categorical`, in place.

    Returns
    -------
    dict
        Column -> the original column, for :func:`restore_ids`. Columns that are not text
        (already categorical or numeric) are left as they are and not returned.
    """
    originals: dict[str, pd.Series] = {}
    for col in dict.fromkeys(columns):
        series = frame[col]
        if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
            originals[col] = series
            frame[col] = sorted_categorical(series)
    return originals


def restore_ids(frame: pd.DataFrame, originals: dict[str, pd.Series]) -> pd.DataFrame:
    """Put the original text ids back into ``frame``, whose rows may have been reordered.

    ``frame``'s index still holds the original row labels (no ``reset_index`` yet).
    """
    if not originals:
        return frame
    first = next(iter(originals.values()))
    positions = first.index.get_indexer(frame.index)
    if (positions < 0).any():  # not expected: every step keeps the original labels
        raise AssertionError("rows of the panel were relabelled while it was checked")
    for col, original in originals.items():
        frame[col] = pd.Series(original.array.take(positions), index=frame.index, name=col)
    return frame


def group_codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of ``series`` (-1 for missing) and the sorted distinct values they index."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(np.int64), series.cat.categories
    codes, uniques = pd.factorize(series, sort=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def nunique_by(frame: pd.DataFrame, by: str, column: str, dropna: bool = True) -> pd.Series:
    """``frame.groupby(by, observed=True)[column].nunique(dropna)``, on integer codes.

    Same values and the same index (the groups present, sorted), without pandas' per-group
    hashing of the values.
    """
    groups, labels = group_codes(frame[by])
    values, _ = pd.factorize(frame[column])  # missing: -1
    keep = groups >= 0
    present = np.bincount(groups[keep], minlength=len(labels)) > 0
    if dropna:
        keep &= values >= 0
    width = np.int64(values.max(initial=-1) + 2)
    pairs = pd.unique(groups[keep] * width + (values[keep].astype(np.int64) + 1))
    counts = np.bincount(pairs // width, minlength=len(labels))
    return pd.Series(counts[present], index=labels[present], name=column)


def duplicated_rows(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``frame.duplicated(subset=columns, keep=False)`` as a boolean array, on integer codes."""
    key = np.zeros(len(frame), dtype=np.int64)
    for col in columns:
        codes, uniques = group_codes(frame[col])
        codes = codes + 1  # missing values (-1) are a value of their own, as in duplicated
        key = key * np.int64(len(uniques) + 1) + codes
        key, _ = pd.factorize(key)  # keep the combined key small (no overflow)
        key = key.astype(np.int64, copy=False)
    counts = np.bincount(key, minlength=1)
    return counts[key] > 1
