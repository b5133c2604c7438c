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
    order = _sort_order(dictionary)
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


#: Digit ids up to this many characters are sorted as integers (the key below fits in int64).
MAX_DIGITS = 17


def _sort_order(dictionary: pa.Array) -> np.ndarray:
    """Positions that sort ``dictionary`` (distinct text, no missing) in text order.

    Ids made of digits only (student and school numbers) are sorted as integers: text order
    of digit strings is the order of ``(value right-padded with zeros to the longest length,
    length)``, which an integer sort computes several times faster than a string sort.
    """
    if len(dictionary) > 1 and pc.all(pc.ascii_is_decimal(dictionary)).as_py():
        lengths = pc.utf8_length(dictionary).to_numpy().astype(np.int64)
        longest = int(lengths.max())
        if longest <= MAX_DIGITS:
            padded = pc.cast(dictionary, pa.int64()).to_numpy() * 10 ** (longest - lengths)
            return np.argsort(padded * (longest + 1) + lengths, kind="stable")
    return pc.array_sort_indices(dictionary).to_numpy()


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

    Each id is looked up in its (sorted, distinct) categories: the same text as the original
    column, read from the small table of distinct ids rather than gathered from every row.
    """
    for col, original in originals.items():
        codes = frame[col].cat.codes.to_numpy()
        text = frame[col].cat.categories.array.take(codes, allow_fill=True)
        frame[col] = pd.Series(text, index=frame.index, name=col, dtype=original.dtype)
    return frame


def group_codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of ``series`` (-1 for missing) and the sorted distinct values they index."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(np.int64), series.cat.categories
    codes, uniques = pd.factorize(series, sort=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


#: Pair or key tables up to this many cells (times the rows) are counted directly, not hashed.
DIRECT_TABLE_PER_ROW = 8


def _value_codes(series: pd.Series) -> np.ndarray:
    """Integer codes of ``series`` that are equal exactly where the values are (-1 missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(np.int64)
    codes, _ = pd.factorize(series)
    return codes.astype(np.int64, copy=False)


def _direct(cells: int, rows: int) -> bool:
    return cells <= DIRECT_TABLE_PER_ROW * rows + (1 << 20)


def nunique_by(frame: pd.DataFrame, by: str, column: str, dropna: bool = True) -> pd.Series:
    """``frame.groupby(by, observed=True)[column].nunique(dropna)``, on integer codes.

    Same values and the same index (the groups present, sorted), without pandas' per-group
    hashing of the values.
    """
    groups, labels = group_codes(frame[by])
    values = _value_codes(frame[column])  # missing: -1
    keep = groups >= 0
    present = np.bincount(groups[keep], minlength=len(labels)) > 0
    if dropna:
        keep &= values >= 0
    width = np.int64(values.max(initial=-1) + 2)
    pairs = groups[keep] * width + (values[keep] + 1)
    cells = len(labels) * int(width)
    if _direct(cells, len(frame)):  # mark the pairs present in a table of every pair
        seen = np.zeros(cells, dtype=bool)
        seen[pairs] = True
        counts = np.bincount(np.flatnonzero(seen) // width, minlength=len(labels))
    else:
        counts = _count_pairs(groups[keep], values[keep], len(labels))
    return pd.Series(counts[present], index=labels[present], name=column)


def _count_pairs(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Distinct values per group when the table of every pair is too large: each row of the
    more numerous side (values or groups) is looked up against one pair it is seen in, which
    is counted once; only the rows with another pair are hashed."""
    values = values + 1  # 0 for missing
    width = np.int64(values.max(initial=0) + 1)
    by_value = width >= n_groups
    key, other_side = (values, groups) if by_value else (groups, values)
    reference = np.full(int(width) if by_value else n_groups, -1, dtype=np.int64)
    reference[key] = other_side  # one pair each key appears in
    usual = reference[key] == other_side
    if by_value:
        counts = np.bincount(reference[reference >= 0], minlength=n_groups)
    else:
        counts = (reference >= 0).astype(np.int64)
    rare = ~usual
    other = pd.unique(groups[rare] * width + values[rare])
    return counts + np.bincount(other // width, minlength=n_groups)


def constant_per_group(frame: pd.DataFrame, by: str, column: str) -> pd.Series:
    """The value of ``column`` in each group of ``by`` present (sorted), for a column that is
    constant within every group (no missing values): one table lookup, no grouping."""
    groups, labels = group_codes(frame[by])
    keep = groups >= 0
    values = frame[column].to_numpy()[keep]
    value_of = np.zeros(len(labels), dtype=values.dtype)
    value_of[groups[keep]] = values  # the rows of a group all hold the same value
    present = np.bincount(groups[keep], minlength=len(labels)) > 0
    return pd.Series(value_of[present], index=labels[present], name=column)


def duplicated_rows(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``frame.duplicated(subset=columns, keep=False)`` as a boolean array, on integer codes."""
    key = np.zeros(len(frame), dtype=np.int64)
    size = 1
    for col in columns:
        codes, uniques = group_codes(frame[col])
        codes = codes + 1  # missing values (-1) are a value of their own, as in duplicated
        if size * (len(uniques) + 1) >= 2**62:  # keep the combined key small (no overflow)
            key, found = pd.factorize(key)
            key, size = key.astype(np.int64, copy=False), len(found)
        key = key * np.int64(len(uniques) + 1) + codes
        size *= len(uniques) + 1
    if not _direct(size, len(frame)):
        key, found = pd.factorize(key)
        size = len(found)
    counts = np.bincount(key, minlength=size)
    return counts[key] > 1
