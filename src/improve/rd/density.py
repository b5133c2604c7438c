"""The manipulation (density) test at the cutoff, from ``rddensity``.

If units could push their score just over the line, more of them sit just above the cutoff
than just below it. :func:`density_test` hands the running variable and every option to
``rddensity.rddensity`` (Cattaneo, Jansson & Ma 2020) unchanged and returns a
:class:`DensityTest` with the jackknife (default) test and the binomial test in the nearest
window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import SpecError
from improve.rd._engine import call_engine
from improve.results import Result, tidy_frame


@dataclass(frozen=True)
class DensityTest(Result):
    """Density of the running variable just below and just above the cutoff.

    Attributes
    ----------
    running : str
    cutoff : float
    density_left, density_right : float
        Estimated density at the cutoff from each side.
    estimate, std_error : float
        Difference (right minus left) and its standard error (jackknife unless ``vce``).
    statistic, p_value : float
        The test of equal densities (rddensity's ``t_jk``/``p_jk``, or ``t_asy``/``p_asy``).
    h : tuple of float
        Bandwidths left and right.
    n : tuple of int
        Observations left and right of the cutoff.
    n_effective : tuple of int
        Observations within the bandwidths.
    binomial_p_value : float
        Binomial test in the smallest window rddensity reports (NaN when not computed).
    """

    running: str
    cutoff: float
    density_left: float
    density_right: float
    estimate: float
    std_error: float
    statistic: float
    p_value: float
    h: tuple[float, float]
    n: tuple[int, int]
    n_effective: tuple[int, int]
    binomial_p_value: float
    vce: str
    engine: Any = field(default=None, repr=False, compare=False)

    @property
    def manipulation_suspected(self) -> bool:
        """The test rejects equal densities at 5%."""
        return bool(self.p_value < 0.05)

    def tidy(self) -> pd.DataFrame:
        frame = tidy_frame(
            ["Density difference (above - below)"],
            np.array([self.estimate]),
            np.array([self.std_error]),
        )
        frame["statistic"] = self.statistic
        frame["p_value"] = self.p_value
        frame["density_below"] = self.density_left
        frame["density_above"] = self.density_right
        frame["h_left"], frame["h_right"] = self.h
        frame["n_effective_left"], frame["n_effective_right"] = self.n_effective
        frame["binomial_p_value"] = self.binomial_p_value
        return frame

    def summary(self) -> str:
        verdict = (
            "more (or fewer) units than expected sit on one side: manipulation is possible"
            if self.manipulation_suspected
            else "no evidence that units sorted around the cutoff"
        )
        return (
            f"Density test of {self.running} at {self.cutoff:g} (rddensity)\n\n"
            f"Density below {self.density_left:.4g}, above {self.density_right:.4g}; "
            f"T = {self.statistic:.3f}, p = {self.p_value:.3f}: {verdict}.\n"
            f"Observations {self.n[0]} below and {self.n[1]} above; "
            f"{self.n_effective[0]} and {self.n_effective[1]} within the bandwidths."
        )

    def plot(self, x: Any = None, **kwargs: Any) -> Any:
        """Histogram of the running variable around the cutoff (needs its values)."""
        from improve.report.rd_figures import density_plot

        if x is None:
            raise SpecError("DensityTest.plot needs the running variable: test.plot(values)")
        return density_plot(np.asarray(x, dtype=float), self.cutoff, **kwargs)


def density_test(
    data: pd.DataFrame | Any, running: str | None = None, cutoff: float = 0.0, **options: Any
) -> DensityTest:
    """Manipulation test of the running variable at the cutoff (``rddensity``).

    Parameters
    ----------
    data : pandas.DataFrame or array
        The data (with ``running`` naming the column) or the running variable itself.
    running : str, optional
        Running-variable column.
    cutoff : float
    **options
        Passed to ``rddensity.rddensity`` unchanged: ``p``, ``q``, ``fitselect``,
        ``kernel``, ``vce``, ``h``, ``bwselect``, ``massPoints``, ``bino_flag``...
    """
    if isinstance(data, pd.DataFrame):
        if running is None or running not in data.columns:
            raise SpecError(f"the running variable column '{running}' is not in the data")
        values = pd.to_numeric(data[running], errors="coerce").to_numpy(dtype=float)
    else:
        values = np.asarray(data, dtype=float)
    values = values[np.isfinite(values)]
    name = running or "the running variable"
    from rddensity import rddensity  # here: it imports SymPy (0.4 s)

    out = call_engine(rddensity, f"the density test of {name}", values, c=float(cutoff), **options)
    return from_rddensity(out, name, float(cutoff))


def from_rddensity(out: Any, running: str, cutoff: float) -> DensityTest:
    """A :class:`DensityTest` holding the numbers of an ``rddensity`` output object."""
    jackknife = str(out.vce) == "jackknife"
    key = "jk" if jackknife else "asy"
    sd = out.sd_jk if jackknife else out.sd_asy
    bino = getattr(out, "bino", None)
    try:
        bino_p = float(np.asarray(bino["pval"], dtype=float).ravel()[0])
    except (TypeError, KeyError, IndexError, ValueError):
        bino_p = float("nan")
    return DensityTest(
        running=running,
        cutoff=cutoff,
        density_left=float(out.hat["left"]),
        density_right=float(out.hat["right"]),
        estimate=float(out.hat["diff"]),
        std_error=float(sd["diff"]),
        statistic=float(out.test[f"t_{key}"]),
        p_value=float(out.test[f"p_{key}"]),
        h=(float(out.h["left"]), float(out.h["right"])),
        n=(int(out.n["left"]), int(out.n["right"])),
        n_effective=(int(out.n["eff_left"]), int(out.n["eff_right"])),
        binomial_p_value=bino_p,
        vce=str(out.vce),
        engine=out,
    )
