"""Calling the rdrobust / rddensity / rdlocrand engines quietly and with plain errors.

The engines print some messages ("Mass points detected in the running variable.") and raise
bare ``Exception`` on bad options. Here printed lines become warnings (a report shows them as
notes, never as raw output) and engine errors become :class:`~improve.errors.EstimationError`
naming the option to change. Arguments reach the engines unchanged.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from typing import Any

from improve.errors import EstimationError

#: Messages the engines print, in words a report reader can act on.
PLAIN_MESSAGES = {
    "Mass points detected in the running variable.": (
        "the running variable has repeated values (mass points); rdrobust counted distinct "
        "values, not observations, when choosing the bandwidth"
    ),
}


def call_engine(
    engine: Callable[..., Any], what: str, /, *args: Any, notes: bool = True, **kwargs: Any
) -> Any:
    """Run ``engine(*args, **kwargs)``; printed lines become warnings, errors plain ones.

    Parameters
    ----------
    engine : callable
        ``rdrobust.rdrobust``, ``rddensity.rddensity``, ``rdlocrand.rdrandinf``...
    what : str
        What is being computed, for messages ("the RD estimate of math_score").
    notes : bool
        Turn printed lines into warnings (False: discard them, for engines that print
        their whole output table).
    """
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            result = engine(*args, **kwargs)
    except Exception as exc:  # the engines raise bare Exception on bad input
        raise EstimationError(
            f"{what} could not be computed: {str(exc).strip() or type(exc).__name__}; "
            "check the options (polynomial order, bandwidth, kernel, variance) and that "
            "enough observations lie on each side of the cutoff"
        ) from None
    for line in printed.getvalue().splitlines() if notes else []:
        line = line.strip()
        if line and not set(line) <= set("-=* "):
            text = PLAIN_MESSAGES.get(line, f"{what}: {line}")
            warnings.warn(text, UserWarning, stacklevel=3)
    return result
