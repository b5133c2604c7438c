"""Progress display while a large file loads.

Loading a student-level file of millions of rows takes tens of seconds; a bar (bytes read,
then the step being checked) on stderr says that something is happening. It is shown when
``progress=True`` is passed to :func:`improve.data.load_panel`, or by default when the file
is large (:data:`LARGE_FILE_BYTES`) and stderr is a terminal. Small files and
non-interactive runs (tests, papermill, CI) print nothing unless asked.

On a terminal the display is a `rich` progress bar that disappears when the load ends; when
stderr is not a terminal (a log file) and progress was asked for, plain lines are printed
instead: one per tenth of the file read and one per step.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

#: Files at least this large show progress by default on a terminal (64 MB).
LARGE_FILE_BYTES = 64 * 1024 * 1024


def wants_progress(progress: bool | None, source: object) -> bool:
    """Decide whether to show progress for ``source``.

    Parameters
    ----------
    progress : bool or None
        ``True``/``False`` force the display on or off; ``None`` shows it for files of at
        least :data:`LARGE_FILE_BYTES` when stderr is a terminal.
    source : object
        What is loaded (a path, a query, a DataFrame).

    Returns
    -------
    bool
    """
    if progress is not None:
        return bool(progress)
    if not isinstance(source, (str, Path)):
        return False
    try:
        path = Path(source)
        big = path.is_file() and path.stat().st_size >= LARGE_FILE_BYTES
    except (OSError, ValueError):
        return False
    return big and _is_terminal(sys.stderr)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


class LoadProgress:
    """Progress of one load: bytes (or row groups) read, then named steps.

    Parameters
    ----------
    enabled : bool
        False makes every method a no-op.
    label : str
        What is loaded (file name), shown in front of every step.
    stream : file-like, optional
        Where to write (default ``sys.stderr`` at the time of entering).

    Notes
    -----
    Use as a context manager::

        with LoadProgress(True, "students.csv") as prog:
            prog.start_reading(total_bytes)
            prog.advance(n)          # as chunks are read
            prog.step("checking ids")
    """

    def __init__(self, enabled: bool, label: str = "data", stream: IO[str] | None = None):
        self.enabled = enabled
        self.label = label
        self._stream = stream
        self._bar: Any = None
        self._task: Any = None
        self._total = 0.0
        self._done = 0.0
        self._unit = "bytes"
        self._next_tenth = 1
        self._started = 0.0

    # context management -------------------------------------------------------------
    def __enter__(self) -> LoadProgress:
        if not self.enabled:
            return self
        self._started = time.perf_counter()
        stream = self._stream if self._stream is not None else sys.stderr
        self._stream = stream
        if _is_terminal(stream):
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            console = Console(file=stream)
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(f"loading {self.label}", total=None, detail="")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if exc_type is None:
            self._line(f"loaded {self.label} in {time.perf_counter() - self._started:.1f} s")

    # reporting ----------------------------------------------------------------------
    def _line(self, text: str) -> None:
        if self._stream is not None and self._bar is None:
            print(f"improve: {text}", file=self._stream, flush=True)

    def start_reading(self, total: float, unit: str = "bytes") -> None:
        """Begin the reading phase of ``total`` bytes (or row groups when ``unit`` says so)."""
        if not self.enabled:
            return
        self._total, self._done, self._unit, self._next_tenth = float(total), 0.0, unit, 1
        if self._bar is not None:
            self._bar.update(
                self._task,
                description=f"reading {self.label}",
                total=max(float(total), 1.0),
                completed=0,
                detail=self._detail(),
            )
        else:
            self._line(f"reading {self.label} ({self._amount(total)})")

    def advance(self, amount: float) -> None:
        """Record ``amount`` more bytes (or row groups) read."""
        if not self.enabled or amount <= 0:
            return
        self._done = min(self._done + amount, self._total) if self._total else self._done + amount
        if self._bar is not None:
            self._bar.update(self._task, completed=self._done, detail=self._detail())
            return
        if self._total:
            while self._next_tenth <= 10 and self._done >= self._total * self._next_tenth / 10:
                self._line(f"reading {self.label}: {self._next_tenth * 10}%")
                self._next_tenth += 1

    def step(self, text: str) -> None:
        """Name the step now running (parsing a column, a check)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.label}: {text}", detail="")
        else:
            self._line(f"{self.label}: {text}")

    def _amount(self, n: float) -> str:
        return _mb(n) if self._unit == "bytes" else f"{int(n):,} {self._unit}"

    def _detail(self) -> str:
        if not self._total:
            return ""
        return f"{self._amount(self._done)} of {self._amount(self._total)}"


class CountingReader(io.RawIOBase):
    """A binary file wrapper that reports every read to a :class:`LoadProgress`.

    Parameters
    ----------
    raw : binary file
        The open file.
    progress : LoadProgress
        Receives the number of bytes of each read.
    """

    def __init__(self, raw: IO[bytes], progress: LoadProgress):
        super().__init__()
        self._raw = raw
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self._progress.advance(n)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()
