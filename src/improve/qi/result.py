"""The result of :func:`improve.qi.qic`: the chart's points, lines and signals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from improve.results import Result

#: The per-point columns, named as in qicharts2's ``qic(...)$data`` so users can compare
#: with R line by line (the one place improve keeps dotted names).
TIDY_COLUMNS = (
    "x",
    "y",
    "n",
    "cl",
    "lcl",
    "ucl",
    "lcl.95",
    "ucl.95",
    "sigma.signal",
    "runs.signal",
    "longest.run",
    "longest.run.max",
    "n.crossings",
    "n.crossings.min",
    "n.obs",
    "n.useful",
    "part",
    "facet1",
    "facet2",
    "notes",
    "target",
    "baseline",
    "include",
)

CHART_NAMES = {
    "run": "Run chart",
    "i": "I chart",
    "mr": "MR chart",
    "xbar": "Xbar chart",
    "s": "S chart",
    "t": "T chart",
    "p": "P chart",
    "pp": "P′ chart (Laney)",
    "c": "C chart",
    "u": "U chart",
    "up": "U′ chart (Laney)",
    "g": "G chart",
}


@dataclass(frozen=True)
class QicResult(Result):
    """A run or control chart: one row per subgroup with lines and signals.

    ``tidy()`` has qicharts2's columns and dotted names (``sigma.signal``, ``runs.signal``,
    ``longest.run``, ``n.crossings.min`` ...), not improve's ``estimate/std_error`` columns:
    a chart has no estimates, and users check against R ``qic(...)$data``.
    """

    points: pd.DataFrame
    chart: str
    x: str
    y: str | None
    n: str | None
    multiply: float = 1
    facets: tuple[str, ...] = ()
    freeze: int | None = None
    categorical: bool = False
    warnings: tuple[str, ...] = ()
    suppression_note: str | None = None

    def tidy(self) -> pd.DataFrame:
        """One row per subgroup (facet, then time order), qicharts2's columns."""
        out = self.points.loc[:, list(TIDY_COLUMNS)].copy()
        if self.points["part.label"].notna().any():
            out["part.label"] = self.points["part.label"]
        return out

    def parts(self) -> pd.DataFrame:
        """One row per facet and part, as qicharts2's ``summary(qic(...))``."""
        keys = ["facet1", "facet2", "part"]
        grouped = self.points.groupby(keys, sort=True)
        first = grouped[
            [
                "n.obs",
                "n.useful",
                "longest.run",
                "longest.run.max",
                "n.crossings",
                "n.crossings.min",
            ]
        ].first()
        out = first.assign(
            **{
                "runs.signal": grouped["runs.signal"].max().astype(bool),
                "aLCL": grouped["lcl"].mean(),
                "CL": grouped["cl"].mean(),
                "aUCL": grouped["ucl"].mean(),
                "sigma.signal": grouped["sigma.signal"].sum().astype(int),
            }
        )
        return out.reset_index()

    @property
    def title(self) -> str:
        """``"P chart of attended / enrolled"``."""
        measure = self.y or self.x
        if self.n:
            measure = f"{measure} / {self.n}"
        if self.multiply != 1:
            measure = f"{measure} × {self.multiply:g}"
        return f"{CHART_NAMES[self.chart]} of {measure}"

    def _title(self) -> str:
        return self.title

    def _display_table(self) -> pd.DataFrame:
        return self.parts()

    def _notes(self) -> list[str]:
        parts = self.parts()
        notes = [
            f"{int(parts['runs.signal'].sum())} of {len(parts)} phase(s) show non-random "
            "variation by the Anhøj rules (unusually long run or few crossings)."
        ]
        if self.chart != "run":
            notes.append(
                f"{int(self.points['sigma.signal'].sum())} point(s) lie outside the 3-sigma limits."
            )
        notes.extend(self.warnings)
        if self.suppression_note:
            notes.append(self.suppression_note)
        return notes

    def suppress(self, min_cell_size: int | None) -> QicResult:
        """The chart with small subgroups hidden; see :func:`improve.qi.suppress_small`."""
        from improve.qi.suppression import suppress_small

        return suppress_small(self, min_cell_size)

    def plot(self, **options: Any) -> Any:
        """Draw the chart (signals highlighted, phases labelled); one panel per facet."""
        from improve.report.qi_figures import plot_qic

        options.setdefault("note", self.suppression_note)
        return plot_qic(
            self.tidy(),
            chart=self.chart,
            title=options.pop("title", self.title),
            categorical=self.categorical,
            **options,
        )
