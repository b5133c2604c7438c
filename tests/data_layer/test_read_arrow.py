"""Arrow's CSV reader gives the frame pandas' reader gives, or hands the file back to pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from improve.data.progress import LoadProgress
from improve.data.read_arrow import read_csv_arrow

CASES = {
    "plain": "id,year,score\n001,2019,5\n002,2020,*\n",
    "crlf and empty cells": "id,year,score\r\n001,2019,\r\n002,,<10\r\n",
    "spaces after the delimiter": "id,year,score\n001, 2019,  5\n002,2020 , 7 \n",
    "quoted delimiter": 'id,name,score\n001,"Smith, J",5\n002,"say ""hi""",6\n',
    "quoted value after a space": 'id,name,score\n001, "a, b",5\n',
    "ragged row": "id,year,score\n001,2019\n002,2020,6\n",
    "duplicate header": "id,year,id\n001,2019,5\n",
    "padded header": "id, year,score\n001,2019,5\n",
    "blank lines": "id,year,score\n001,2019,5\n\n002,2020,6\n",
    "newline in a quoted value": 'id,note,score\n001,"two\nlines",5\n',
    "byte-order mark": "\ufeffid,year,score\n001,2019,5\n",
    "header only": "id,year,score\n",
}


def _pandas(path: Path, wanted: set[str] | None) -> pd.DataFrame:
    return pd.read_csv(
        path,
        sep=",",
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skipinitialspace=True,
        encoding="utf-8",
        usecols=None if wanted is None else (lambda c: str(c).strip() in wanted),
    )


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("wanted", [None, {"id", "score"}])
def test_same_frame_as_pandas_or_none(name: str, wanted: set[str] | None, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(CASES[name], encoding="utf-8", newline="")
    head = path.read_bytes()
    arrow = read_csv_arrow(path, head, head.decode("utf-8"), ",", wanted, LoadProgress(False))
    if arrow is None:
        assert name in {
            "quoted value after a space",
            "ragged row",
            "duplicate header",
            "padded header",
            "byte-order mark",
        }
        return
    pd.testing.assert_frame_equal(arrow, _pandas(path, wanted))


def test_invalid_utf8_past_the_sample_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"id,name\n001,Jos\xe9\n")
    with pytest.raises(UnicodeDecodeError):
        read_csv_arrow(path, b"id,name\n", "id,name\n", ",", None, LoadProgress(False))
