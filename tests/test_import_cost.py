"""What ``import improve`` loads: the heavy libraries are imported where they are used.

Each check runs in a fresh interpreter (this process has imported everything already) and
reads ``sys.modules``; how long the import takes is measured by ``benchmarks/import_time.py``,
not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import improve

#: Libraries that take a tenth of a second or more to import; none is needed to import
#: improve, and the public API (load, check the design, estimate, aggregate) needs none of
#: the ones for optimisation, statistics tables, figures or notebooks.
HEAVY = (
    "duckdb",
    "great_tables",
    "linearmodels",
    "matplotlib",
    "nbconvert",
    "papermill",
    "rdrobust",
    "scipy.optimize",
    "scipy.stats",
    "seaborn",
    "statsmodels",
)


def _loaded_after(code: str) -> set[str]:
    """Top-level names (and ``scipy.*`` submodules) in ``sys.modules`` after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_import_improve_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import improve")
    assert not loaded & {*HEAVY, "scipy", "pandas"}, sorted(loaded & {*HEAVY, "scipy", "pandas"})


def test_public_api_loads_no_heavy_library() -> None:
    loaded = _loaded_after("from improve import load_panel, check_design, att_gt, aggregate")
    assert {"pandas", "improve.did.attgt", "improve.data.load"} <= loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("name", improve.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(improve, name) is not None
    assert name in dir(improve)


def test_lazy_names_are_the_objects_of_their_modules() -> None:
    import improve.did as did
    from improve.did.dose_evaluation import dose_response_evaluation
    from improve.did.sensitivity import honest_did

    assert improve.att_gt is did.att_gt
    assert improve.design is sys.modules["improve.design"]
    assert did.honest_did is honest_did
    assert did.dose_response_evaluation is dose_response_evaluation
    for name in did.__all__:
        assert getattr(did, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        did.not_a_name  # noqa: B018


def test_iqr_scale_constant_is_scipys() -> None:
    from scipy import stats

    from improve.inference import multiplier

    expected = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    assert multiplier._IQR_SCALE == expected
