"""Warnings turned into sentences: a report never prints a raw Python warning.

A workbook starts a :class:`MethodNotes` after its imports; every warning raised while it
runs is recorded instead of printed, and :meth:`MethodNotes.markdown` shows them at the end
as a "Notes on the data and the method" list: one sentence each, duplicates merged, local
file paths reduced to file names.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

__all__ = ["MethodNotes", "plain_sentence"]

_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.\-~ ]+)+[\\/]([\w.\-~ ]+)")


def plain_sentence(message: str) -> str:
    """A warning message as a sentence: paths reduced to file names, a capital and a stop."""
    text = _PATH.sub(lambda m: m.group(1), str(message)).strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


class MethodNotes:
    """Records warnings for the report's notes section (start once, show at the end)."""

    def __init__(self) -> None:
        self._context: Any = None
        self._log: list[warnings.WarningMessage] = []
        self._extra: list[str] = []

    def start(self) -> MethodNotes:
        """Record every warning from now on instead of printing it."""
        if self._context is None:
            self._context = warnings.catch_warnings(record=True)
            self._log = self._context.__enter__()
            warnings.simplefilter("always")
        return self

    def stop(self) -> None:
        """Print warnings again (the recorded ones are kept)."""
        if self._context is not None:
            self._log = list(self._log)
            self._context.__exit__(None, None, None)
            self._context = None

    def add(self, sentence: str) -> None:
        """A note of the workbook's own (e.g. units dropped to balance the panel)."""
        self._extra.append(sentence)

    @property
    def sentences(self) -> list[str]:
        """The notes, each once, in the order they first appeared."""
        seen: list[str] = []
        for text in [*self._extra, *(plain_sentence(w.message) for w in self._log)]:
            if text and text not in seen:
                seen.append(text)
        return seen

    def markdown(self) -> str:
        """The notes as a Markdown list (or a sentence saying there were none)."""
        notes = self.sentences
        if not notes:
            return "No warnings were raised while this report was produced."
        return "\n".join(f"- {note}" for note in notes)
