"""Error classes raised by :mod:`improve`.

Every message says *what* is wrong, *where* (column, rows, parameter) and *how to fix it*,
in one line a partner agency can act on. The command line turns these into exit code 2
with the message and no traceback.
"""

from __future__ import annotations


class ImproveError(Exception):
    """Base class for every error :mod:`improve` raises on purpose."""

    exit_code: int = 1


class DataError(ImproveError):
    """The data file cannot be read or does not meet the panel's requirements."""

    exit_code = 2


class SpecError(ImproveError):
    """The column map, panel specification or run parameters are wrong."""

    exit_code = 2


class EstimationError(ImproveError):
    """An estimator cannot run on this design (for example, no comparison units)."""

    exit_code = 2


class OutputError(ImproveError):
    """The reports folder cannot be written (read-only, missing permission, disk full)."""

    exit_code = 2


class WorkbookError(ImproveError):
    """A workbook failed while it was running (not an input problem)."""

    exit_code = 1
