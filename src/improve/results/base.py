"""The base class of every result: summary text, rich display and the tidy contract."""

from __future__ import annotations

import pandas as pd

from improve.results.tidy import text_table


class Result:
    """Shared behaviour of result objects.

    A subclass (usually a frozen dataclass) implements :meth:`tidy` and, where the defaults
    do not fit, :meth:`_title`, :meth:`_notes` and :meth:`_display_table`. It gets
    :meth:`summary` (plain text), ``str()`` and a rich display in JupyterLab for free.
    """

    def tidy(self) -> pd.DataFrame:
        """One row per estimate: ``term, estimate, std_error, statistic, p_value, conf_low,
        conf_high`` and design-specific columns."""
        raise NotImplementedError

    def _custom_summary(self) -> bool:
        return type(self).summary is not Result.summary

    def _title(self) -> str:
        """A one-line heading for displays (the first line of a subclass's own summary)."""
        if self._custom_summary():
            return self.summary().splitlines()[0]
        return type(self).__name__

    def _notes(self) -> list[str]:
        """Plain sentences shown under the table (the rest of a subclass's own summary)."""
        if self._custom_summary():
            return [line.strip() for line in self.summary().splitlines()[1:] if line.strip()]
        return []

    def _display_table(self) -> pd.DataFrame:
        """The table shown by :meth:`summary` and the rich display (the tidy table)."""
        return self.tidy()

    def summary(self) -> str:
        """Title, the table as fixed-width text, and the notes."""
        return "\n".join([self._title(), "", text_table(self._display_table()), "", *self._notes()])

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from improve.report.display import html_table

        return html_table(self._title(), self._display_table(), self._notes())
