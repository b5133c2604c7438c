"""Synthetic difference-in-differences, synthetic control and DiD for one treated block.

``synthdid_estimate``, ``sc_estimate`` and ``did_estimate`` follow R ``synthdid``
(Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021): same weights, regularisation, solver
and stopping rule, so the California Proposition 99 estimates equal R's to 1e-10
(``tests/reference/synth_README.md``). Inference comes from the donor pool: placebo,
jackknife or bootstrap standard errors (``SynthResult.with_inference``) and the exact
permutation p-value of Abadie, Diamond & Hainmueller (2010) (``SynthResult.permutation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from improve.errors import EstimationError, SpecError
from improve.results import Result
from improve.synth._core import SynthOptions, SynthWeights, method_setup, refit_one
from improve.synth._covariates import covariate_estimate
from improve.synth._variance import (
    bootstrap_draws,
    jackknife_draws,
    placebo_draws,
    resampling_se,
)
from improve.synth.matrices import BlockDesign, block_design

Method = Literal["sdid", "sc", "did"]
VarianceMethod = Literal["placebo", "jackknife", "bootstrap"]

METHOD_NAMES = {
    "sdid": "Synthetic difference-in-differences",
    "sc": "Synthetic control",
    "did": "Difference-in-differences",
}


@dataclass(frozen=True)
class SynthResult(Result):
    """An estimate on a block design, its weights, and (once asked for) its inference.

    Attributes
    ----------
    estimate : float
        Average effect on the treated units over the post-periods.
    method : {"sdid", "sc", "did"}
    design : BlockDesign
        The outcome matrix and which rows/columns are donors / pre-periods.
    omega : pandas.Series
        Unit weights over the donors.
    lambda_ : pandas.Series
        Time weights over the pre-periods (zero for synthetic control).
    std_error, vcov_type, draws : optional
        Filled by :meth:`with_inference`.
    """

    estimate: float
    method: str
    design: BlockDesign
    omega: pd.Series
    lambda_: pd.Series
    options: SynthOptions
    confidence_level: float = 0.95
    std_error: float = float("nan")
    vcov_type: str | None = None
    draws: np.ndarray = field(default_factory=lambda: np.empty(0))
    beta: pd.Series | None = None

    @property
    def outcome(self) -> str:
        return self.design.outcome

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence_level

    @property
    def conf_low(self) -> float:
        return self.estimate - stats.norm.ppf(1 - self.alpha / 2) * self.std_error

    @property
    def conf_high(self) -> float:
        return self.estimate + stats.norm.ppf(1 - self.alpha / 2) * self.std_error

    def _weights(self) -> SynthWeights:
        return SynthWeights(omega=self.omega.to_numpy(float), lambda_=self.lambda_.to_numpy(float))

    def with_inference(
        self,
        method: VarianceMethod = "placebo",
        replications: int = 200,
        seed: int = 0,
    ) -> SynthResult:
        """A copy with the standard error of R's ``vcov(method=...)``.

        ``placebo`` (the only one valid with one treated unit) re-estimates with donors drawn
        at random as the treated; ``jackknife`` leaves one unit out with the weights fixed
        (needs two or more treated units); ``bootstrap`` resamples units.
        """
        y = self.design.y.to_numpy(float)
        n0, t0 = self.design.n0, self.design.t0
        n1 = y.shape[0] - n0
        rng = np.random.default_rng(seed)
        if method == "placebo":
            draws = placebo_draws(
                y, n0, t0, self.options, self._weights(), replications, rng, self.design.x
            )
        elif method == "jackknife":
            if n1 < 2:
                raise EstimationError(
                    "the jackknife needs two or more treated units (leaving out the only "
                    "treated unit leaves nothing to estimate); use method='placebo'"
                )
            draws = jackknife_draws(y, n0, t0, self.options, self._weights(), self.design.x)
        elif method == "bootstrap":
            if n1 < 2:
                raise EstimationError(
                    "the bootstrap needs two or more treated units; use method='placebo'"
                )
            draws = bootstrap_draws(
                y, n0, t0, self.options, self._weights(), replications, rng, self.design.x
            )
        else:
            raise SpecError(f"method must be 'placebo', 'jackknife' or 'bootstrap', got {method!r}")
        se = resampling_se(draws, method)
        return replace(self, std_error=se, vcov_type=method, draws=draws)

    def tidy(self) -> pd.DataFrame:
        """One row: ``term, estimate, std_error, statistic, p_value, conf_low, conf_high``."""
        se = self.std_error
        stat = self.estimate / se if np.isfinite(se) and se > 0 else float("nan")
        p = float(2 * stats.norm.sf(abs(stat))) if np.isfinite(stat) else float("nan")
        return pd.DataFrame(
            {
                "term": [f"ATT ({self.method})"],
                "estimate": [self.estimate],
                "std_error": [se],
                "statistic": [stat],
                "p_value": [p],
                "conf_low": [self.conf_low],
                "conf_high": [self.conf_high],
                "vcov_type": [self.vcov_type or ""],
            }
        )

    def trajectories(self) -> pd.DataFrame:
        """Per period: the treated mean, its synthetic counterpart and the gap.

        The synthetic path is the ω-weighted donor mean shifted by the λ-weighted pre-period
        difference (the SDID intercept; zero shift for synthetic control).
        """
        y = self.design.y
        n0 = self.design.n0
        treated = y.iloc[n0:].mean(axis=0)
        synthetic = self.omega.to_numpy() @ y.iloc[:n0].to_numpy(float)
        pre = self.lambda_.to_numpy()
        shift = 0.0
        if pre.sum() > 0:
            t0 = self.design.t0
            shift = float((treated.to_numpy()[:t0] - synthetic[:t0]) @ pre)
        out = pd.DataFrame(
            {
                "period": y.columns,
                "treated": treated.to_numpy(),
                "synthetic": synthetic + shift,
            }
        )
        out["gap"] = out["treated"] - out["synthetic"]
        out["post"] = out["period"] >= self.design.adoption
        return out

    def pre_fit_rmse(self) -> float:
        """Root mean squared gap over the pre-periods (the pre-treatment fit)."""
        tr = self.trajectories()
        return float(np.sqrt(np.mean(tr.loc[~tr["post"], "gap"] ** 2)))

    def plot(self, kind: Literal["trajectories", "weights"] = "trajectories", **labels: Any) -> Any:
        """Treated vs synthetic paths (λ shaded), or the unit-weight chart."""
        from improve.report.synth_figures import plot_synth_trajectories, plot_unit_weights

        if kind == "weights":
            return plot_unit_weights(self.omega, **labels)
        labels.setdefault("outcome_label", self.outcome)
        weights = self.lambda_ if self.method != "did" else None
        return plot_synth_trajectories(self.trajectories(), time_weights=weights, **labels)

    def summary(self) -> str:
        """A few plain lines: method, estimate, inference, donors and weights."""
        top = self.omega.sort_values(ascending=False).head(5)
        lines = [
            f"{METHOD_NAMES.get(self.method, self.method)} estimate for {self.outcome}",
            f"  treated: {', '.join(map(str, self.design.treated))}, adoption "
            f"{self.design.adoption}; {self.design.n0} donors, {self.design.t0} pre-periods",
            f"  estimate: {self.estimate:.4g}",
        ]
        if self.vcov_type:
            lines.append(
                f"  std. error ({self.vcov_type}): {self.std_error:.4g}; "
                f"{self.confidence_level:.0%} CI [{self.conf_low:.4g}, {self.conf_high:.4g}]"
            )
        lines.append("  largest unit weights: " + ", ".join(f"{k} {v:.3f}" for k, v in top.items()))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _estimate(
    method: Method,
    data: Any,
    outcome: str | None,
    confidence_level: float,
    eta_omega: float | None,
    **design_options: Any,
) -> SynthResult:
    if not 0 < confidence_level < 1:
        raise SpecError(f"confidence_level must be between 0 and 1, got {confidence_level}")
    caller = {"sdid": "synthdid_estimate", "sc": "sc_estimate", "did": "did_estimate"}[method]
    design = design_options.pop("design", None) or block_design(
        data, outcome, caller=caller, **design_options
    )
    y = design.y.to_numpy(float)
    overrides = {} if eta_omega is None else {"eta_omega": eta_omega}
    opts, start = method_setup(method, y, design.n0, design.t0, **overrides)
    x = design.x
    beta = None
    if x is None:
        estimate, weights = refit_one(y, design.n0, design.t0, opts, start)
    else:
        estimate, fitted = covariate_estimate(
            y,
            x,
            design.n0,
            design.t0,
            opts,
            omega=None if start is None else start.omega,
            lambda_=None if start is None else start.lambda_,
        )
        weights = SynthWeights(omega=fitted.omega, lambda_=fitted.lambda_)
        beta = pd.Series(fitted.beta, index=list(design.covariates), name="beta")
    return SynthResult(
        beta=beta,
        estimate=estimate,
        method=method,
        design=design,
        omega=pd.Series(weights.omega, index=design.y.index[: design.n0], name="omega"),
        lambda_=pd.Series(weights.lambda_, index=design.y.columns[: design.t0], name="lambda"),
        options=opts,
        confidence_level=confidence_level,
    )


def synthdid_estimate(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    treatment: str | None = None,
    treated_units: Sequence[Any] | None = None,
    adoption: Any = None,
    exclude_donors: Sequence[Any] = (),
    covariates: Sequence[str] = (),
    eta_omega: float | None = None,
    confidence_level: float = 0.95,
) -> SynthResult:
    """Synthetic difference-in-differences (R ``synthdid_estimate``).

    Parameters
    ----------
    data : Panel or DataFrame
        One row per unit and period; every unit observed in every period.
    outcome, unit, time, cohort : str, optional
        Columns (default: the Panel's column map). ``cohort`` holds the first treated
        period (0: never treated); or give ``treatment`` (a 0/1 column), or
        ``treated_units`` and ``adoption``.
    exclude_donors : sequence
        Units kept out of the donor pool.
    covariates : sequence of str
        Time-varying covariates residualised out of the outcome, their coefficients fitted
        with the weights (R ``synthdid``'s ``X``); ``result.beta`` holds them.
    eta_omega : float, optional
        Unit-weight regularisation (default R's ``((N1 * T1) ** 0.25)``).
    confidence_level : float
        Level of the interval once :meth:`SynthResult.with_inference` is called.

    Returns
    -------
    SynthResult

    Examples
    --------
    >>> res = synthdid_estimate(df, "packs", unit="state", time="year", treatment="treated")
    >>> res.with_inference("placebo", replications=200, seed=1).tidy()  # doctest: +SKIP
    """
    return _estimate(
        "sdid",
        data,
        outcome,
        confidence_level,
        eta_omega,
        unit=unit,
        time=time,
        cohort=cohort,
        treatment=treatment,
        treated_units=treated_units,
        adoption=adoption,
        exclude_donors=exclude_donors,
        covariates=covariates,
    )


def sc_estimate(data: Any, outcome: str | None = None, **options: Any) -> SynthResult:
    """Synthetic control (R ``sc_estimate``): no time weights, no intercept, ``eta_omega=1e-6``.

    Takes the arguments of :func:`synthdid_estimate`.
    """
    confidence_level = options.pop("confidence_level", 0.95)
    eta = options.pop("eta_omega", None)
    return _estimate("sc", data, outcome, confidence_level, eta, **options)


def did_estimate(data: Any, outcome: str | None = None, **options: Any) -> SynthResult:
    """Difference-in-differences with equal unit and time weights (R ``did_estimate``).

    Takes the arguments of :func:`synthdid_estimate`.
    """
    confidence_level = options.pop("confidence_level", 0.95)
    options.pop("eta_omega", None)
    return _estimate("did", data, outcome, confidence_level, None, **options)
