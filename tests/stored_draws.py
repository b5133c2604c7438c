"""Monte Carlo tests that read stored draws and recompute a few of them live.

A Monte Carlo study runs in a ``benchmarks/*_montecarlo.py`` script that stores every draw
(seed and estimates) under ``benchmarks/montecarlo_results/``. Its test checks the study's
criteria on the stored draws and recomputes a few draws with the script's own function:
they must equal the stored numbers (:func:`assert_same_draw`), so the stored file cannot
drift from the code without a test failing.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
TOLERANCE = 1e-10


def load_benchmark(name: str) -> ModuleType:
    """The module ``benchmarks/<name>.py``, imported from its file."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_same_draw(stored: object, live: object, where: str = "draw") -> None:
    """Fail unless a live draw equals the stored one (numbers to 1e-10, NaN equal to NaN).

    Parameters
    ----------
    stored, live : object
        JSON-shaped values (dicts, lists, numbers, booleans, text) of one draw.
    where : str
        Path of the value inside the draw, for the failure message.
    """
    if isinstance(stored, dict):
        assert isinstance(live, dict) and set(stored) == set(live), (where, stored, live)
        for key in stored:
            assert_same_draw(stored[key], live[key], f"{where}.{key}")
    elif isinstance(stored, list | tuple):
        assert isinstance(live, list | tuple) and len(stored) == len(live), (where, stored, live)
        for i, (a, b) in enumerate(zip(stored, live, strict=True)):
            assert_same_draw(a, b, f"{where}[{i}]")
    elif isinstance(stored, bool) or isinstance(live, bool) or isinstance(stored, str):
        assert stored == live, (where, stored, live)
    elif isinstance(stored, int | float):
        a, b = float(stored), float(live)
        same = (math.isnan(a) and math.isnan(b)) or math.isclose(
            a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE
        )
        assert same, (where, stored, live)
    else:
        assert stored == live, (where, stored, live)
