"""The distinct values of a column and each row's code into them, in order of appearance.

Parsing a text column (years, timing, published values with suppression markers) only needs
each distinct text once: a student file repeats a dozen years and a few hundred scores
millions of times. Arrow-backed text is encoded by Arrow's dictionary encoding, several times
faster than :func:`pandas.factorize`, with the same codes and values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def distinct(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes and distinct values (missing included, as NaN) of ``series``, in order of appearance.

    Returns
    -------
    codes : numpy.ndarray
        ``(n,)`` position of each row's value in ``values``.
    values : pandas.Series
        The distinct values (object dtype).
    """
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        values = pa.chunked_array(pa.array(series.array, from_pandas=True)).combine_chunks()
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        uniques = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
        uniques[pd.isna(uniques)] = np.nan
        return encoded.indices.to_numpy().astype(np.intp), pd.Series(uniques)
    codes, found = pd.factorize(series, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.intp), pd.Series(np.asarray(found, dtype=object))


def all_digits(text: pd.Series) -> bool:
    """Whether every value of ``text`` is present and made of the digits 0-9 only (checked in
    one pass of Arrow for Arrow-backed text; ``False`` for any other column)."""
    if not (isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow"):
        return False
    values = pa.array(text.array, from_pandas=True)
    return values.null_count == 0 and bool(pc.all(pc.ascii_is_decimal(values)).as_py())
