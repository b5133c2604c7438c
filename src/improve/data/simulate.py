"""Deprecated home of the demo-data generator: use :mod:`improve.demo.schools`.

Kept for one release so scripts that import ``improve.data.simulate`` keep working.
"""

from __future__ import annotations

import warnings

from improve.demo.schools import *  # noqa: F403
from improve.demo.schools import (  # noqa: F401
    DEFAULT_SEED,
    simulate_schools,
    simulate_students,
    simulate_subgroups,
    true_effects,
    write_demo,
)

warnings.warn(
    "improve.data.simulate has moved to improve.demo.schools; the old name will be removed "
    "in the next release",
    DeprecationWarning,
    stacklevel=2,
)
