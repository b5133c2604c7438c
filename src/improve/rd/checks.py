"""Plain-language checks of a threshold design before the engines run.

Each check looks at the running (forcing) variable, the cutoff and, in a fuzzy design, the
treatment actually received, and either raises an error saying what is wrong and what to do
or warns about something a reader should know:

* too few observations on a side of the cutoff (:data:`MIN_PER_SIDE`);
* a discrete running variable with few distinct values (mass points) on a side
  (:data:`MIN_MASS_POINTS`): local-polynomial RD extrapolates between too few points, so
  local randomisation inference (:func:`improve.rd.local_randomization`) is offered;
* heaping exactly at the cutoff (many more observations at the cutoff value than at the
  values next to it: scores pushed onto the line);
* treatment that does not change at the cutoff (a fuzzy design with no first stage).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from improve.errors import EstimationError

#: Fewest observations on each side of the cutoff for local-polynomial estimation.
MIN_PER_SIDE = 20
#: Fewest distinct running-variable values on each side (rdrobust's own ``bwcheck``
#: default is 10 distinct values in the preliminary bandwidths).
MIN_MASS_POINTS = 10
#: Heaping: the count at the cutoff value is at least this multiple of the median count at
#: the nearest distinct values on either side (and at least :data:`HEAP_MIN_COUNT`).
HEAP_RATIO = 3.0
HEAP_MIN_COUNT = 5
HEAP_NEIGHBOURS = 5
#: Share treated must differ by at least this much between the two sides in a fuzzy design.
MIN_TAKEUP_JUMP = 0.01


def check_sides(x: NDArray[np.float64], cutoff: float, name: str) -> tuple[int, int]:
    """Observations below and at-or-above the cutoff; raise when a side is too small."""
    below = int(np.sum(x < cutoff))
    above = int(np.sum(x >= cutoff))
    for side, n in (("below", below), ("at or above", above)):
        if n < MIN_PER_SIDE:
            raise EstimationError(
                f"only {n} observations have {name} {side} the cutoff {cutoff:g}; a "
                f"regression discontinuity needs at least {MIN_PER_SIDE} on each side "
                "(check the cutoff, or gather more data near it)"
            )
    return below, above


def check_mass_points(x: NDArray[np.float64], cutoff: float, name: str) -> tuple[int, int]:
    """Distinct values of the running variable on each side; raise when too few."""
    left = int(np.unique(x[x < cutoff]).size)
    right = int(np.unique(x[x >= cutoff]).size)
    if min(left, right) < MIN_MASS_POINTS:
        raise EstimationError(
            f"{name} takes only {left} distinct values below the cutoff and {right} at or "
            f"above it; with fewer than {MIN_MASS_POINTS} on a side, local-polynomial RD "
            "cannot separate the trend from the jump. Use local randomisation inference "
            "instead (improve.rd.local_randomization, which wraps rdlocrand): it compares "
            "observations in a narrow window around the cutoff as if assigned at random"
        )
    return left, right


def heaping_at_cutoff(x: NDArray[np.float64], cutoff: float) -> tuple[int, float]:
    """Count at the cutoff value and its ratio to the median count at neighbouring values."""
    at = int(np.sum(x == cutoff))
    values, counts = np.unique(x[x != cutoff], return_counts=True)
    if at == 0 or values.size == 0:
        return at, 0.0
    below = counts[values < cutoff][-HEAP_NEIGHBOURS:]
    above = counts[values > cutoff][:HEAP_NEIGHBOURS]
    near = np.concatenate([below, above])
    return at, float(at / np.median(near)) if near.size else 0.0


def warn_heaping(x: NDArray[np.float64], cutoff: float, name: str) -> bool:
    """Warn when observations heap exactly at the cutoff; True when they do."""
    at, ratio = heaping_at_cutoff(x, cutoff)
    if at >= HEAP_MIN_COUNT and ratio >= HEAP_RATIO:
        warnings.warn(
            f"{at} observations have {name} exactly at the cutoff {cutoff:g}, {ratio:.1f} "
            "times as many as at the values next to it: scores may have been pushed onto "
            "the line. Check the density test and the estimate without them (donut hole)",
            UserWarning,
            stacklevel=3,
        )
        return True
    return False


def check_takeup_changes(
    x: NDArray[np.float64], treated: NDArray[np.float64], cutoff: float, name: str
) -> tuple[float, float]:
    """Share treated below and above the cutoff; raise when it does not change."""
    if np.unique(treated).size < 2:
        raise EstimationError(
            f"treatment column '{name}' takes one value only, so treatment does not change "
            "at the cutoff; a fuzzy design needs who actually received the program"
        )
    low = float(np.mean(treated[x < cutoff]))
    high = float(np.mean(treated[x >= cutoff]))
    if abs(high - low) < MIN_TAKEUP_JUMP:
        raise EstimationError(
            f"the share with '{name}' is {low:.1%} below the cutoff and {high:.1%} above "
            "it: treatment does not change at the cutoff, so the cutoff cannot identify an "
            "effect (check the cutoff and the treatment column)"
        )
    return low, high
