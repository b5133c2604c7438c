"""The load report: what was read, what was parsed, what looks wrong."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from improve.data.notes import plain_sentence, relative_path


@dataclass
class LoadReport:
    """Summary of a load, printed by ``improve validate`` and shown in every workbook.

    Attributes
    ----------
    source : str
        The file (or query) read.
    format : str
        Reader used.
    n_rows, n_units, n_periods : int
        Size of the panel.
    periods : list of int
        Periods present.
    gap_periods : list of int
        Periods missing inside the observed range (e.g. 2020).
    cohorts : dict
        First-treated period -> number of units (0 = never treated).
    markers : dict
        Column -> {marker kind: count}.
    warnings : list of str
        Things worth knowing that do not stop the analysis.
    notes : list of str
        How the file was read (encoding, delimiter, sheet, recodes).
    timing_varied : int
        Units whose treatment timing changed over time and were given the timing of their
        first observed period (``mover_timing: first``); 0 otherwise. A warning in
        ``warnings`` says the same in words; ``to_dict`` holds the count only when it is
        not 0, so reports of school files are unchanged.
    public_counts : tuple of str
        Counts the column map declares public (``"units"``, ``"clusters"``); the cohort
        counts are then shown even when small (see
        :func:`improve.report.privacy.publishable_load_report`). In ``to_dict`` only when
        declared.
    """

    source: str
    format: str
    n_rows: int = 0
    n_units: int = 0
    n_periods: int = 0
    periods: list[int] = field(default_factory=list)
    gap_periods: list[int] = field(default_factory=list)
    cohorts: dict[int, int] = field(default_factory=dict)
    balanced: bool = True
    markers: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timing_varied: int = 0
    public_counts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for ``results.json`` and manifests."""
        out: dict[str, Any] = {
            "source": self.source,
            "format": self.format,
            "n_rows": self.n_rows,
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "periods": list(self.periods),
            "gap_periods": list(self.gap_periods),
            "cohorts": {str(k): v for k, v in self.cohorts.items()},
            "balanced": self.balanced,
            "markers": {k: dict(v) for k, v in self.markers.items()},
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }
        if self.timing_varied:
            out["timing_varied"] = self.timing_varied
        if self.public_counts:
            out["public_counts"] = list(self.public_counts)
        return out

    def source_label(self, data_dir: str | Path | None = None) -> str:
        """The source without local folders: relative to ``data_dir``, else the file name.

        Queries and in-memory sources are returned as they are; an Excel source keeps its
        ``[sheet]``.
        """
        source = self.source
        if self.format in ("dataframe", "sql", "dataset") or source.startswith("<"):
            return source
        sheet = ""
        if self.format == "excel" and source.endswith("]") and "[" in source:
            source, sheet = source[: source.rindex("[")], source[source.rindex("[") :]
        if self.format == "duckdb" and ":" in source[2:]:
            cut = source.index(":", 2)
            source, sheet = source[:cut], source[cut:]
        return relative_path(source, data_dir) + sheet

    def sentences(self, data_dir: str | Path | None = None) -> list[str]:
        """How the file was read and what to know about it, as plain sentences for a report.

        Notes (encoding, delimiter, rows skipped, recodes) come first, then warnings; local
        paths are shown relative to ``data_dir`` (or as a file name), never in full.

        Parameters
        ----------
        data_dir : str or Path, optional
            The data folder the report's paths are relative to.
        """
        out: dict[str, None] = {}
        for text in (*self.notes, *self.warnings):
            sentence = plain_sentence(text, data_dir)
            if sentence:
                out.setdefault(sentence, None)
        return list(out)

    def _cohort_text(self) -> str:
        parts = []
        for cohort, count in self.cohorts.items():
            label = "never treated" if cohort == 0 else str(cohort)
            parts.append(f"{label}: {count}")
        return ", ".join(parts) if parts else "(no treatment timing given)"

    def _period_text(self) -> str:
        if not self.periods:
            return "(none)"
        text = f"{self.periods[0]}–{self.periods[-1]} ({self.n_periods} periods)"
        if self.gap_periods:
            text += f", no data for {', '.join(map(str, self.gap_periods))}"
        return text

    def to_text(self) -> str:
        """Plain-text report for the terminal."""
        lines = [
            f"Source:   {self.source} ({self.format})",
            f"Rows:     {self.n_rows:,}",
            f"Units:    {self.n_units:,} ({'balanced' if self.balanced else 'unbalanced'} panel)",
            f"Periods:  {self._period_text()}",
            f"Cohorts:  {self._cohort_text()}",
        ]
        if self.public_counts:
            lines.append(f"Public:   counts of {' and '.join(self.public_counts)} (not suppressed)")
        if self.markers:
            lines.append("Suppressed or missing cells:")
            for col, counts in self.markers.items():
                detail = ", ".join(f"{k} {v:,}" for k, v in counts.items())
                lines.append(f"  {col}: {detail}")
        else:
            lines.append("Suppressed or missing cells: none")
        for note in self.notes:
            lines.append(f"Note:     {note}")
        for warning in self.warnings:
            lines.append(f"Warning:  {warning}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [
            ("Source", f"{self.source} ({self.format})"),
            ("Rows", f"{self.n_rows:,}"),
            ("Units", f"{self.n_units:,} ({'balanced' if self.balanced else 'unbalanced'} panel)"),
            ("Periods", self._period_text()),
            ("Cohorts", self._cohort_text()),
        ]
        if self.public_counts:
            rows.append(("Public", f"counts of {' and '.join(self.public_counts)}"))
        for col, counts in self.markers.items():
            rows.append((f"Markers in {col}", ", ".join(f"{k} {v:,}" for k, v in counts.items())))
        rows += [("Note", n) for n in self.notes]
        rows += [("Warning", w) for w in self.warnings]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<table class='improve-load-report'>{body}</table>"

    def __str__(self) -> str:
        return self.to_text()
