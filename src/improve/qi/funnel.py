"""Funnel plot: compare schools on a proportion or rate, with limits that narrow as n grows.

Each school is one point (its total numerator over its total denominator); the limits are
the P (or U) chart's, by the school's own n: a school outside the 3-sigma limits is
special-cause high or low. With ``chart="pp"``/``"up"`` the limits are widened by Laney's
between-school sigma (the standard deviation of the z-scores), as qicharts2 does for a
categorical x.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import SpecError
from improve.qi.chart import qic
from improve.results import Result


@dataclass(frozen=True)
class FunnelResult(Result):
    """One row per school: rate, n, limits at its n, and ``high``/``low`` special cause."""

    table: pd.DataFrame
    chart: str
    centre: float
    sigma_z: float
    multiply: float
    suppressed: int = 0

    def tidy(self) -> pd.DataFrame:
        """``unit, y, n, cl, lcl, ucl, lcl.95, ucl.95, signal`` (signal: high, low or '')."""
        return self.table.copy()

    def _title(self) -> str:
        return f"Funnel plot ({self.chart} chart limits by n)"

    def _notes(self) -> list[str]:
        high = int((self.table["signal"] == "high").sum())
        low = int((self.table["signal"] == "low").sum())
        notes = [
            f"{high} unit(s) special-cause high and {low} special-cause low "
            f"(outside the 3-sigma limits) of {len(self.table)}."
        ]
        if self.suppressed:
            notes.append(
                f"{self.suppressed} unit(s) with a denominator under the minimum "
                "cell size are not shown."
            )
        return notes

    def limits_by_n(self, n: np.ndarray) -> pd.DataFrame:
        """The funnel's lines on a grid of denominators (for drawing)."""
        n = np.asarray(n, dtype=float)
        p = self.centre / self.multiply
        var = p * (1 - p) / n if self.chart in ("p", "pp") else p / n
        sd = np.sqrt(var) * self.sigma_z * self.multiply
        low = 0.0
        high = self.multiply if self.chart in ("p", "pp") else np.inf
        out = {"n": n, "cl": np.full(len(n), self.centre)}
        for k, name in ((3, ""), (2, ".95")):
            out[f"lcl{name}"] = np.clip(self.centre - k * sd, low, high)
            out[f"ucl{name}"] = np.clip(self.centre + k * sd, low, high)
        return pd.DataFrame(out)

    def plot(self, **options: Any) -> Any:
        """Points by n with the 2- and 3-sigma funnel; special-cause units highlighted."""
        from improve.report.qi_figures import plot_funnel

        grid = np.geomspace(max(self.table["n"].min() * 0.8, 1), self.table["n"].max() * 1.1, 200)
        return plot_funnel(self.table, self.limits_by_n(grid), title=self._title(), **options)


def funnel(
    data: pd.DataFrame,
    unit: str,
    y: str,
    n: str,
    chart: str = "p",
    *,
    multiply: float = 1,
    min_cell_size: int | None = None,
) -> FunnelResult:
    """A funnel plot of ``y / n`` per ``unit`` (totals over all rows of a unit).

    Parameters
    ----------
    chart : {"p", "pp", "u", "up"}
        Binomial (p) or Poisson (u) limits; ``pp``/``up`` add Laney's adjustment for
        between-unit variation (recommended when denominators are large).
    min_cell_size : int, optional
        Units whose total denominator is smaller are left out of the table and the figure
        (they still count in the pooled centre line, an aggregate).
    """
    if chart not in ("p", "pp", "u", "up"):
        raise SpecError(f"A funnel plot needs chart 'p', 'pp', 'u' or 'up'; got {chart!r}.")
    frame = data.assign(**{unit: data[unit].astype(str)})
    res = qic(frame, unit, y, n, chart=chart, multiply=multiply)
    table = res.tidy()[["x", "y", "n", "cl", "lcl", "ucl", "lcl.95", "ucl.95"]]
    table = table.rename(columns={"x": "unit"})
    table["signal"] = np.where(
        table["y"] > table["ucl"], "high", np.where(table["y"] < table["lcl"], "low", "")
    )
    sigma_z = _laney_sigma(table, chart, multiply) if chart in ("pp", "up") else 1.0
    suppressed = 0
    if min_cell_size:
        small = table["n"] < min_cell_size
        suppressed = int(small.sum())
        table = table[~small]
    return FunnelResult(
        table=table.reset_index(drop=True),
        chart=chart,
        centre=float(res.tidy()["cl"].iloc[0]),
        sigma_z=sigma_z,
        multiply=multiply,
        suppressed=suppressed,
    )


def _laney_sigma(table: pd.DataFrame, chart: str, multiply: float) -> float:
    """Standard deviation of the units' z-scores (Laney's between-unit sigma)."""
    rate = table["y"].to_numpy(float) / multiply
    centre = table["cl"].to_numpy(float) / multiply
    n = table["n"].to_numpy(float)
    var = centre * (1 - centre) / n if chart == "pp" else centre / n
    return float(np.std((rate - centre) / np.sqrt(var), ddof=1))
