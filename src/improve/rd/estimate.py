"""Local-polynomial regression discontinuity estimates from ``rdrobust``.

:func:`rd_estimate` hands the outcome, running variable, cutoff and every option to
``rdrobust.rdrobust`` (Calonico, Cattaneo, Farrell & Titiunik) unchanged and returns an
:class:`RDResult` with the package's conventions: a tidy table with the conventional,
bias-corrected and robust rows, a summary, a plot and plain-language errors. Data are passed
to the engine as numpy arrays (complete cases of the columns used), which also keeps
rdrobust clear of pandas 3 copy-on-write and string-dtype behaviour.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import DataError, EstimationError, SpecError
from improve.rd._engine import call_engine
from improve.rd.checks import (
    check_mass_points,
    check_sides,
    check_takeup_changes,
    warn_heaping,
)
from improve.results import Result, tidy_frame

#: Rows of the tidy table, in rdrobust's order.
TERMS = ("Conventional", "Bias-corrected", "Robust")
#: Fewer observations than this within the bandwidth on a side draw a warning.
MIN_EFFECTIVE = 10
#: A first stage with a smaller F statistic (t squared) is weak (Stock & Yogo's rule of thumb).
WEAK_FIRST_STAGE_F = 10.0


@dataclass(frozen=True)
class RDResult(Result):
    """An RD estimate at one cutoff: rdrobust's numbers under the package's names.

    Attributes
    ----------
    outcome, running : str
    cutoff : float
    fuzzy : str or None
        Treatment-received column of a fuzzy design (None: sharp).
    coef, std_error, statistic, p_value, conf_low, conf_high : ndarray
        Conventional, bias-corrected and robust rows (rdrobust's ``coef``, ``se``, ``z``,
        ``pv``, ``ci``).
    bandwidths : pandas.DataFrame
        ``h`` (estimation) and ``b`` (bias) bandwidths, left and right of the cutoff.
    n, n_effective : tuple of int
        Observations left and right of the cutoff, in all and within ``h``.
    first_stage : pandas.DataFrame or None
        Tidy first stage (jump in treatment received) of a fuzzy design.
    options : dict
        The options given to rdrobust (polynomial order, kernel, bandwidth selector, ...).
    engine : object
        rdrobust's own output object.
    """

    outcome: str
    running: str
    cutoff: float
    fuzzy: str | None
    coef: np.ndarray
    std_error: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    bandwidths: pd.DataFrame
    n: tuple[int, int]
    n_effective: tuple[int, int]
    p: int
    q: int
    kernel: str
    bwselect: str
    vcov_type: str
    n_clusters: int | None
    confidence_level: float
    first_stage: pd.DataFrame | None = None
    options: dict[str, Any] = field(default_factory=dict)
    engine: Any = field(default=None, repr=False, compare=False)

    @property
    def estimate(self) -> float:
        """The conventional point estimate (the jump at the cutoff)."""
        return float(self.coef[0])

    @property
    def robust(self) -> pd.Series:
        """The robust bias-corrected row (the inference to report)."""
        return self.tidy().iloc[2]

    @property
    def h(self) -> tuple[float, float]:
        """Estimation bandwidth left and right of the cutoff."""
        return float(self.bandwidths.loc["h", "left"]), float(self.bandwidths.loc["h", "right"])

    @property
    def b(self) -> tuple[float, float]:
        """Bias bandwidth left and right of the cutoff."""
        return float(self.bandwidths.loc["b", "left"]), float(self.bandwidths.loc["b", "right"])

    @property
    def design(self) -> str:
        return "fuzzy" if self.fuzzy else "sharp"

    @property
    def first_stage_f(self) -> float | None:
        """First-stage F statistic (conventional t squared) of a fuzzy design."""
        if self.first_stage is None:
            return None
        return float(self.first_stage["statistic"].iloc[0] ** 2)

    def tidy(self) -> pd.DataFrame:
        """Conventional, bias-corrected and robust rows with bandwidths and counts."""
        frame = tidy_frame(
            list(TERMS),
            self.coef,
            self.std_error,
            confidence_level=self.confidence_level,
            extra={"outcome": [self.outcome] * 3},
        )
        frame["statistic"] = self.statistic
        frame["p_value"] = self.p_value
        frame["conf_low"] = self.conf_low
        frame["conf_high"] = self.conf_high
        frame["h_left"], frame["h_right"] = self.h
        frame["n_effective_left"], frame["n_effective_right"] = self.n_effective
        frame["vcov_type"] = self.vcov_type
        return frame

    def _display_table(self) -> pd.DataFrame:
        return self.tidy().drop(columns=["outcome"])

    def summary(self) -> str:
        table = self._display_table()
        from improve.results import text_table

        lines = [
            f"{self.design.capitalize()} RD estimate of {self.outcome} at {self.running} = "
            f"{self.cutoff:g}",
            "",
            text_table(table),
            "",
            f"Local polynomial of order {self.p} (bias correction order {self.q}), "
            f"{self.kernel.lower()} kernel, bandwidth {self.bwselect} "
            f"(h = {self.h[0]:.4g} left, {self.h[1]:.4g} right); variance {self.vcov_type}"
            + (f" clustered ({self.n_clusters} clusters)" if self.n_clusters else "")
            + ".",
            f"Observations: {self.n[0]} below and {self.n[1]} above the cutoff; "
            f"{self.n_effective[0]} and {self.n_effective[1]} within the bandwidth.",
            "Report the robust row's interval and p-value (Calonico, Cattaneo & Titiunik "
            "2014); the conventional interval ignores the smoothing bias.",
        ]
        if self.first_stage is not None:
            fs = self.first_stage.iloc[0]
            lines.append(
                f"First stage: take-up jumps by {fs['estimate']:.3f} at the cutoff "
                f"(F = {self.first_stage_f:.1f})."
            )
        return "\n".join(lines)

    def plot(self, data: pd.DataFrame | None = None, **kwargs: Any) -> Any:
        """Binned scatter with fitted lines (needs the data the estimate came from)."""
        from improve.rd.binned import binned_scatter
        from improve.report.rd_figures import rd_plot

        if data is None:
            raise SpecError("RDResult.plot needs the data: result.plot(data)")
        bins = binned_scatter(
            data,
            self.outcome,
            self.running,
            self.cutoff,
            h=self.h,
            p=self.p,
            kernel=self.kernel,
            confidence_level=self.confidence_level,
        )
        return rd_plot(bins, **kwargs)


def _numeric(frame: pd.DataFrame, col: str, role: str) -> np.ndarray:
    if col not in frame.columns:
        raise SpecError(f"the {role} column '{col}' is not in the data")
    values = pd.to_numeric(frame[col], errors="coerce")
    bad = values.isna() & frame[col].notna()
    if bad.any():
        example = frame.loc[bad, col].iloc[0]
        raise DataError(
            f"the {role} column '{col}' has values that are not numbers (e.g. {example!r}); "
            "fix or blank them"
        )
    return values.to_numpy(dtype=float)


def design_arrays(
    data: pd.DataFrame,
    outcome: str,
    running: str,
    *,
    fuzzy: str | None = None,
    covs: Sequence[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
) -> dict[str, Any]:
    """Complete-case numpy arrays of the columns an RD estimate uses.

    Returns a dict with ``y``, ``x`` and, when named, ``fuzzy``, ``covs`` (2-D), ``cluster``
    (integer codes) and ``weights``; ``dropped`` counts rows with a missing value.
    """
    if not isinstance(data, pd.DataFrame):
        raise SpecError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    cols = {"y": (outcome, "outcome"), "x": (running, "running variable")}
    if fuzzy:
        cols["fuzzy"] = (fuzzy, "treatment")
    if weights:
        cols["weights"] = (weights, "weight")
    arrays = {key: _numeric(data, col, role) for key, (col, role) in cols.items()}
    cov_names = list(covs or [])
    cov = (
        np.column_stack([_numeric(data, c, "covariate") for c in cov_names]) if cov_names else None
    )
    ok = np.ones(len(data), dtype=bool)
    for values in arrays.values():
        ok &= np.isfinite(values)
    if cov is not None:
        ok &= np.isfinite(cov).all(axis=1)
    codes = None
    if cluster:
        if cluster not in data.columns:
            raise SpecError(f"the cluster column '{cluster}' is not in the data")
        codes, _ = pd.factorize(data[cluster], sort=True)
        ok &= codes >= 0
    out: dict[str, Any] = {key: values[ok] for key, values in arrays.items()}
    out["covs"] = cov[ok] if cov is not None else None
    out["cluster"] = codes[ok] if codes is not None else None
    out["dropped"] = int((~ok).sum())
    return out


def rd_estimate(
    data: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float = 0.0,
    *,
    fuzzy: str | None = None,
    covs: Sequence[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    confidence_level: float = 0.95,
    check_design: bool = True,
    **options: Any,
) -> RDResult:
    """Sharp or fuzzy RD estimate with robust bias-corrected inference (``rdrobust``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit.
    outcome, running : str
        Outcome and running (forcing, score) variable columns.
    cutoff : float
        Units at or above the cutoff are assigned to the program.
    fuzzy : str, optional
        Column of treatment actually received (0/1 or a share) for a fuzzy design.
    covs : sequence of str, optional
        Covariate columns (rdrobust ``covs``).
    cluster : str, optional
        Cluster column (rdrobust ``cluster``; the variance becomes ``cr1`` unless ``vce``
        names another cluster-robust estimator).
    weights : str, optional
        Weight column (rdrobust ``weights``).
    confidence_level : float
        Interval coverage (rdrobust ``level`` = 100 × this).
    check_design : bool
        Run the plain-language design checks first (few observations or mass points,
        heaping at the cutoff, treatment not changing at the cutoff).
    **options
        Passed to ``rdrobust.rdrobust`` unchanged: ``p``, ``q``, ``h``, ``b``, ``rho``,
        ``kernel``, ``bwselect``, ``vce``, ``nnmatch``, ``masspoints``, ``bwcheck``,
        ``bwrestrict``, ``scalepar``, ``scaleregul``, ``sharpbw``, ``deriv``,
        ``covs_drop``, ``stdvars``...

    Raises
    ------
    improve.errors.EstimationError
        Too few observations or distinct values near the cutoff, treatment that does not
        change at the cutoff, or an option rdrobust rejects (its message, in a sentence).
    """
    if not 0 < confidence_level < 1:
        raise SpecError(f"confidence_level must be between 0 and 1, got {confidence_level}")
    arrays = design_arrays(
        data, outcome, running, fuzzy=fuzzy, covs=covs, cluster=cluster, weights=weights
    )
    if arrays["dropped"]:
        warnings.warn(
            f"{arrays['dropped']} rows with a missing {outcome}, {running} or other column "
            f"used were left out of the RD estimate of {outcome}",
            UserWarning,
            stacklevel=2,
        )
    x, cutoff = arrays["x"], float(cutoff)
    if check_design:
        check_sides(x, cutoff, running)
        check_mass_points(x, cutoff, running)
        warn_heaping(x, cutoff, running)
        if fuzzy:
            check_takeup_changes(x, arrays["fuzzy"], cutoff, fuzzy)
    from rdrobust import rdrobust  # here: it imports plotting libraries

    out = call_engine(
        rdrobust,
        f"the RD estimate of {outcome}",
        arrays["y"],
        x,
        c=cutoff,
        fuzzy=arrays.get("fuzzy"),
        covs=arrays["covs"],
        cluster=arrays["cluster"],
        weights=arrays.get("weights"),
        level=100 * confidence_level,
        **options,
    )
    result = from_rdrobust(out, outcome, running, cutoff, fuzzy, confidence_level, options)
    if check_design:
        warn_few_effective(result)
    if check_design and result.first_stage is not None:
        _check_first_stage(result, fuzzy)
    return result


def warn_few_effective(result: RDResult) -> None:
    """Warn when the bandwidth holds very few observations on a side."""
    low = min(result.n_effective)
    if low < MIN_EFFECTIVE:
        side = "below" if result.n_effective[0] == low else "at or above"
        warnings.warn(
            f"only {low} observations {side} the cutoff lie within the bandwidth of the "
            f"estimate of {result.outcome}, so it rests on very few units; widen the "
            "bandwidth or read it as indicative",
            UserWarning,
            stacklevel=3,
        )


def _check_first_stage(result: RDResult, fuzzy: str | None) -> None:
    """No detectable jump in take-up is an error; a weak one is a warning."""
    fs = result.first_stage
    if fs is None:
        return
    robust = fs.iloc[2]
    if robust["p_value"] > 1 - result.confidence_level:
        raise EstimationError(
            f"treatment ('{fuzzy}') does not change detectably at the cutoff: take-up "
            f"jumps by {fs['estimate'].iloc[0]:.3f} (robust interval {robust['conf_low']:.3f} "
            f"to {robust['conf_high']:.3f}), so the cutoff cannot identify an effect of "
            "receiving the program; report the jump in the outcome (a sharp estimate of "
            "being eligible) instead"
        )
    if result.first_stage_f is not None and result.first_stage_f < WEAK_FIRST_STAGE_F:
        warnings.warn(
            f"the first stage is weak: take-up of '{fuzzy}' jumps by "
            f"{result.first_stage['estimate'].iloc[0]:.3f} at the cutoff (F = "
            f"{result.first_stage_f:.1f}, below {WEAK_FIRST_STAGE_F:g}), so the fuzzy "
            "estimate and its interval are unreliable",
            UserWarning,
            stacklevel=3,
        )


def _column(frame: pd.DataFrame, j: int = 0) -> np.ndarray:
    return np.asarray(frame.iloc[:, j], dtype=float)


def _first_stage(out: Any, confidence_level: float) -> pd.DataFrame | None:
    if getattr(out, "tau_T", None) is None:
        return None
    frame = tidy_frame(
        list(TERMS), _column(out.tau_T), _column(out.se_T), confidence_level=confidence_level
    )
    frame["statistic"] = _column(out.z_T)
    frame["p_value"] = _column(out.pv_T)
    frame["conf_low"] = _column(out.ci_T, 0)
    frame["conf_high"] = _column(out.ci_T, 1)
    return frame


def from_rdrobust(
    out: Any,
    outcome: str,
    running: str,
    cutoff: float,
    fuzzy: str | None,
    confidence_level: float,
    options: dict[str, Any],
) -> RDResult:
    """An :class:`RDResult` holding the numbers of an ``rdrobust`` output object."""
    clusters = getattr(out, "n_clust", None)
    return RDResult(
        outcome=outcome,
        running=running,
        cutoff=cutoff,
        fuzzy=fuzzy,
        coef=_column(out.coef),
        std_error=_column(out.se),
        statistic=_column(out.z),
        p_value=_column(out.pv),
        conf_low=_column(out.ci, 0),
        conf_high=_column(out.ci, 1),
        bandwidths=out.bws.astype(float),
        n=(int(out.N[0]), int(out.N[1])),
        n_effective=(int(out.N_h[0]), int(out.N_h[1])),
        p=int(out.p),
        q=int(out.q),
        kernel=str(out.kernel),
        bwselect=str(out.bwselect),
        vcov_type=str(out.vce),
        n_clusters=int(clusters) if clusters is not None else None,
        confidence_level=confidence_level,
        first_stage=_first_stage(out, confidence_level),
        options=dict(options),
        engine=out,
    )
