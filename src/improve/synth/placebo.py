"""Inference and robustness from the donor pool: permutation test, in-time placebo, leave one
donor out.

With one treated state no sampling-based standard error is credible; the comparison is with
what the same method finds when a state that did *not* adopt is treated as if it had
(Abadie, Diamond & Hainmueller 2010). Each donor in turn plays the treated unit (the real
treated units are left out of its donor pool); the p-value is the share of all units, the
treated one included, whose estimate is at least as large in absolute value. The ratio of
post- to pre-period root mean squared prediction error (RMSPE) discounts placebos that fit
badly before adoption, as ADH recommend.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import EstimationError
from improve.results import Result
from improve.synth._core import (
    SynthWeights,
    method_setup,
    noise_level,
    refit,
    refit_one,
)
from improve.synth._covariates import covariate_estimate, covariate_estimate_batch
from improve.synth.estimate import SynthResult
from improve.synth.matrices import BlockDesign


@dataclass(frozen=True)
class PermutationTest(Result):
    """The treated unit's estimate among every donor's placebo estimate.

    Attributes
    ----------
    estimate : float
        The actual estimate.
    table : pandas.DataFrame
        One row per unit (treated first): ``unit, treated, estimate, pre_rmspe, post_rmspe,
        rmspe_ratio, rank_abs``.
    p_value : float
        Two-sided: share of units with ``|estimate|`` at least the treated one's.
    p_value_ratio : float
        The same with the post/pre RMSPE ratio.
    p_lower, p_upper : float
        One-sided: share with an estimate at most / at least the treated one's.
    """

    estimate: float
    method: str
    table: pd.DataFrame
    p_value: float
    p_value_ratio: float
    p_lower: float
    p_upper: float
    gaps: pd.DataFrame

    @property
    def n_units(self) -> int:
        return int(len(self.table))

    @property
    def rank(self) -> int:
        """Rank of the treated unit's |estimate| (1 = largest)."""
        return int(self.table["rank_abs"].iloc[0])

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()

    def plot(self, **labels: str) -> Any:
        """Spaghetti plot of the placebo gaps with the treated unit's highlighted."""
        from improve.report.synth_figures import plot_placebo_gaps

        adoption = self.gaps.attrs.get("adoption")
        return plot_placebo_gaps(
            self.gaps.columns,
            self.gaps.iloc[0].to_numpy(),
            self.gaps.iloc[1:].to_numpy(),
            adoption=adoption,
            **labels,
        )

    def summary(self) -> str:
        return (
            f"Permutation test ({self.method}): the treated estimate {self.estimate:.4g} ranks "
            f"{self.rank} of {self.n_units} in absolute size; p = {self.p_value:.3f} "
            f"(post/pre RMSPE ratio: p = {self.p_value_ratio:.3f})"
        )


def _gaps(y: np.ndarray, n0: int, t0: int, weights: SynthWeights) -> np.ndarray:
    """Per-period gap between treated mean and its synthetic path, for a batch (B, N, T)."""
    treated = y[:, n0:, :].mean(axis=1)
    synthetic = np.einsum("bn,bnt->bt", weights.omega, y[:, :n0, :])
    shift = np.einsum("bt,bt->b", treated[:, :t0] - synthetic[:, :t0], weights.lambda_)
    return treated - synthetic - shift[:, None]


def _rmspe(gaps: np.ndarray, t0: int) -> tuple[np.ndarray, np.ndarray]:
    pre = np.sqrt(np.mean(gaps[:, :t0] ** 2, axis=1))
    post = np.sqrt(np.mean(gaps[:, t0:] ** 2, axis=1))
    return pre, post


def _placebo_sets(n0: int, n1: int, max_sets: int, seed: int) -> list[tuple[int, ...]]:
    """Sets of ``n1`` donors to play the treated units: all of them when there are at most
    ``max_sets``, else ``max_sets`` distinct sets drawn with ``seed``."""
    total = math.comb(n0, n1)
    if total <= max_sets:
        return list(itertools.combinations(range(n0), n1))
    rng = np.random.default_rng(seed)
    chosen: set[tuple[int, ...]] = set()
    while len(chosen) < max_sets:
        chosen.add(tuple(sorted(int(i) for i in rng.choice(n0, size=n1, replace=False))))
    return sorted(chosen)


def _eta_overrides(result: SynthResult) -> dict[str, float]:
    """The η of the actual estimate (R's default unless the user set ``eta_omega``),
    recovered from its ζ and noise level so refits use the same η with their own ζ."""
    design = result.design
    sigma = float(noise_level(design.y.to_numpy(float), design.n0, design.t0))
    if sigma > 0:
        return {"eta_omega": float(np.asarray(result.options.zeta_omega)) / sigma}
    return {}


def _fresh_fits(
    batch: np.ndarray, n0: int, t0: int, result: SynthResult, x: np.ndarray | None = None
) -> tuple[np.ndarray, SynthWeights, np.ndarray]:
    """Each problem of a batch estimated as the actual one was: cold start, ζ from its own
    comparison units' noise level with the actual estimate's η, and the covariates (``x``:
    (B, N, T, K)) re-fitted when the actual estimate has them.

    Returns the estimates (B,), the weights and the outcome net of the fitted covariates
    (the batch itself without covariates), on which gaps are drawn. Warm starts with the
    actual ζ (what R's placebo standard error uses) would make placebo statistics differ
    from the actual one in how they were computed, which breaks the exchangeability a
    permutation test rests on.
    """
    opts, start = method_setup(result.method, batch, n0, t0, **_eta_overrides(result))
    if x is None:
        estimates, weights = refit(batch, n0, t0, opts, start)
        return estimates, weights, batch
    estimates, fitted = covariate_estimate_batch(
        batch,
        x,
        n0,
        t0,
        opts,
        omega=None if start is None else start.omega,
        lambda_=None if start is None else start.lambda_,
    )
    weights = SynthWeights(omega=fitted.omega, lambda_=fitted.lambda_)
    return estimates, weights, batch - np.einsum("bntk,bk->bnt", x, fitted.beta)


def _net_of_covariates(result: SynthResult) -> np.ndarray:
    """The actual outcome matrix net of the fitted covariates (the outcome without them)."""
    y = result.design.y.to_numpy(float)
    if result.design.x is None or result.beta is None:
        return y
    return y - result.design.x @ result.beta.to_numpy(float)


def permutation_test(result: SynthResult, *, max_sets: int = 200, seed: int = 0) -> PermutationTest:
    """Other units in turn as the treated units; rank-based p-values.

    With one treated unit, every donor in turn plays the treated unit against the other
    donors (Abadie, Diamond & Hainmueller 2010: the treated unit stays out of the placebo
    pools, so its post-adoption change cannot leak into them). With several treated units,
    each placebo gives the treatment to as many units as are treated, drawn from all units,
    and compares them with all the others: under the null of no effect every assignment is
    equally likely and each placebo is the same problem as the actual one (same pool size),
    which makes the test exact. (Placebo sets drawn from the donors alone, against smaller
    pools, rejected 9–11% at 5% in the Monte Carlo with four treated states.) Every set is
    used when there are at most ``max_sets``, else ``max_sets`` distinct sets drawn with
    ``seed`` (the rank p-value stays valid for a random sample of assignments, Phipson &
    Smyth 2010).

    Parameters
    ----------
    result : SynthResult
        The actual estimate (one or more treated units adopting together).
    max_sets, seed : int
        How many placebo sets at most, and the seed of their draw.
    """
    design: BlockDesign = result.design
    y = design.y.to_numpy(float)
    x = design.x
    n0, t0 = design.n0, design.t0
    n1 = y.shape[0] - n0
    if n0 <= n1:
        raise EstimationError(
            f"the permutation test needs more donors ({n0}) than treated units ({n1})"
        )
    weights = SynthWeights(result.omega.to_numpy(float), result.lambda_.to_numpy(float))
    if n1 == 1:
        units, pool = n0, n0 - 1  # the donors, each against the other donors
        sets = _placebo_sets(n0, 1, max_sets, seed)
    else:
        units, pool = n0 + n1, n0  # any n1 units against all the others
        actual = tuple(range(n0, n0 + n1))
        drawn = _placebo_sets(units, n1, max_sets + 1, seed)
        sets = [chosen for chosen in drawn if chosen != actual][:max_sets]
    orders = [np.append(np.setdiff1d(np.arange(units), chosen), chosen) for chosen in sets]
    batch = np.stack([y[order] for order in orders])
    batch_x = None if x is None else np.stack([x[order] for order in orders])
    estimates, fitted, net = _fresh_fits(batch, pool, t0, result, batch_x)
    gaps = _gaps(net, pool, t0, fitted)
    actual_gap = _gaps(
        _net_of_covariates(result)[None],
        n0,
        t0,
        SynthWeights(weights.omega[None], weights.lambda_[None]),
    )
    all_est = np.append(result.estimate, estimates)
    labels = list(design.y.index)
    names = [", ".join(str(labels[i]) for i in chosen) for chosen in sets]
    pre, post = _rmspe(np.vstack([actual_gap, gaps]), t0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = post / pre
    table = pd.DataFrame(
        {
            "unit": [", ".join(map(str, design.treated))] + names,
            "treated": [True] + [False] * len(sets),
            "estimate": all_est,
            "pre_rmspe": pre,
            "post_rmspe": post,
            "rmspe_ratio": ratio,
        }
    )
    table["rank_abs"] = (
        pd.Series(np.abs(all_est)).rank(ascending=False, method="min").astype(int).to_numpy()
    )
    gap_table = pd.DataFrame(
        np.vstack([actual_gap, gaps]), index=table["unit"], columns=design.y.columns
    )
    gap_table.attrs["adoption"] = design.adoption
    return PermutationTest(
        gaps=gap_table,
        estimate=result.estimate,
        method=result.method,
        table=table,
        p_value=float(np.mean(np.abs(all_est) >= abs(result.estimate) - 1e-12)),
        p_value_ratio=float(np.mean(ratio >= ratio[0] - 1e-12)),
        p_lower=float(np.mean(all_est <= result.estimate + 1e-12)),
        p_upper=float(np.mean(all_est >= result.estimate - 1e-12)),
    )


def in_time_placebo(result: SynthResult, adoption: Any = None) -> SynthResult:
    """The same estimator with a fake adoption period inside the pre-period (R
    ``synthdid_placebo``).

    Only pre-period data are used, with the regularisation of the actual estimate (as R
    does); an estimate far from zero means the method would have "found" an effect before
    the program existed. ``adoption`` defaults to R's choice: the fake post-period takes the
    same share of the pre-period as the real post-period takes of all periods.
    """
    design = result.design
    pre = design.y.loc[:, design.y.columns < design.adoption]
    if adoption is None:
        share = len(design.post_periods) / design.y.shape[1]
        t0 = math.floor(design.t0 * (1 - share))
    else:
        t0 = int((pre.columns < adoption).sum())
    if t0 < 2 or t0 >= pre.shape[1]:
        raise EstimationError(
            f"the placebo adoption {adoption} must leave at least two pre-periods and one "
            f"period before the real adoption {design.adoption}"
        )
    fake = replace(design, y=pre, t0=t0)
    opts, start = method_setup(result.method, pre.to_numpy(float), fake.n0, t0)
    opts = replace(
        opts,
        zeta_omega=result.options.zeta_omega,
        zeta_lambda=result.options.zeta_lambda,
        min_decrease=result.options.min_decrease,
    )
    beta = None
    if design.x is None:
        estimate, weights = refit_one(pre.to_numpy(float), fake.n0, t0, opts, start)
    else:
        x_pre = design.x[:, : pre.shape[1], :]
        estimate, fitted = covariate_estimate(
            pre.to_numpy(float),
            x_pre,
            fake.n0,
            t0,
            opts,
            omega=None if start is None else start.omega,
            lambda_=None if start is None else start.lambda_,
        )
        weights = SynthWeights(omega=fitted.omega, lambda_=fitted.lambda_)
        beta = pd.Series(fitted.beta, index=result.beta.index, name="beta")
    return replace(
        result,
        beta=beta,
        estimate=estimate,
        design=fake,
        omega=pd.Series(weights.omega, index=result.omega.index, name="omega"),
        lambda_=pd.Series(weights.lambda_, index=pre.columns[:t0], name="lambda"),
        options=opts,
        std_error=float("nan"),
        vcov_type=None,
        draws=np.empty(0),
    )


def leave_one_donor_out(result: SynthResult, donors: list[Any] | None = None) -> pd.DataFrame:
    """The estimate with each donor that carries weight (or each named one) dropped.

    Each refit is the estimator applied afresh to the smaller donor pool (its own
    regularisation); the refits share a shape and are solved as one batch.
    """
    design = result.design
    if donors is None:
        donors = list(result.omega[result.omega > 1e-8].index)
    rows = [{"dropped": "(none)", "estimate": result.estimate}]
    if donors:
        y = design.y.to_numpy(float)
        position = {u: i for i, u in enumerate(design.y.index)}
        batch = np.stack([np.delete(y, position[d], axis=0) for d in donors])
        x = design.x
        batch_x = (
            None if x is None else np.stack([np.delete(x, position[d], axis=0) for d in donors])
        )
        estimates, _, _ = _fresh_fits(batch, design.n0 - 1, design.t0, result, batch_x)
        pairs = zip(donors, estimates, strict=True)
        rows += [{"dropped": d, "estimate": float(e)} for d, e in pairs]
    return pd.DataFrame(rows)
