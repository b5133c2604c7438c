"""Several states adopting in different years: one synthetic estimate per adoption cohort.

Each cohort is compared with the never-treated units over all periods (its pre-periods fit
the weights; every period from its adoption on is post), and the cohort estimates are
averaged with weights proportional to their treated unit-periods — the aggregation in the
appendix of Arkhangelsky et al. (2021) and Stata ``sdid`` (Clarke, Pailañir, Athey & Imbens
2023). Inference: placebo (never-treated units drawn at random take the treated units'
adoption years) or the unit bootstrap.
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
from improve.synth._core import method_setup, refit
from improve.synth._variance import resampling_se
from improve.synth.estimate import SynthResult, _estimate
from improve.synth.matrices import PanelMatrix, panel_matrix


@dataclass(frozen=True)
class StaggeredSynthResult(Result):
    """Cohort estimates and their treated-cell-weighted average.

    Attributes
    ----------
    estimate : float
        Average effect over all treated unit-periods.
    cohorts : pandas.DataFrame
        ``cohort, n_treated, post_periods, weight, estimate`` per adoption period.
    results : dict
        The :class:`SynthResult` of each cohort.
    """

    estimate: float
    method: str
    cohorts: pd.DataFrame
    results: dict[Any, SynthResult]
    matrix: PanelMatrix
    confidence_level: float = 0.95
    std_error: float = float("nan")
    vcov_type: str | None = None
    draws: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def outcome(self) -> str:
        return self.matrix.outcome

    def _z(self) -> float:
        return float(stats.norm.ppf(0.5 + self.confidence_level / 2))

    def with_inference(
        self,
        method: Literal["placebo", "bootstrap"] = "placebo",
        replications: int = 200,
        seed: int = 0,
    ) -> StaggeredSynthResult:
        """A copy with a placebo or bootstrap standard error (seeded)."""
        rng = np.random.default_rng(seed)
        if method == "placebo":
            draws = _placebo(self, replications, rng)
        elif method == "bootstrap":
            draws = _bootstrap(self, replications, rng)
        else:
            raise SpecError(f"method must be 'placebo' or 'bootstrap', got {method!r}")
        return replace(self, std_error=resampling_se(draws, method), vcov_type=method, draws=draws)

    def tidy(self) -> pd.DataFrame:
        """Cohort rows (no SEs) and the overall row with the chosen inference."""
        z = self._z()
        rows = [
            {"term": f"cohort {c}", "estimate": e, "std_error": np.nan}
            for c, e in zip(self.cohorts["cohort"], self.cohorts["estimate"], strict=True)
        ]
        rows.append(
            {"term": f"ATT ({self.method})", "estimate": self.estimate, "std_error": self.std_error}
        )
        out = pd.DataFrame(rows)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["statistic"] = out["estimate"] / out["std_error"]
        out["p_value"] = 2 * stats.norm.sf(np.abs(out["statistic"]))
        out["conf_low"] = out["estimate"] - z * out["std_error"]
        out["conf_high"] = out["estimate"] + z * out["std_error"]
        out["vcov_type"] = self.vcov_type or ""
        return out

    def summary(self) -> str:
        lines = [f"Staggered {self.method} for {self.outcome}: {len(self.cohorts)} cohorts"]
        for rec in self.cohorts.itertuples():
            lines.append(
                f"  cohort {rec.cohort}: {rec.n_treated} treated, {rec.post_periods} post "
                f"periods, weight {rec.weight:.3f}, estimate {rec.estimate:.4g}"
            )
        lines.append(f"  average: {self.estimate:.4g}")
        if self.vcov_type:
            lines.append(f"  std. error ({self.vcov_type}): {self.std_error:.4g}")
        return "\n".join(lines)


def _aggregate(matrix: PanelMatrix, method: str, caller: str, confidence_level: float) -> tuple:
    rows, results = [], {}
    for cohort in matrix.cohorts:
        design = matrix.block(cohort, caller)
        res = _estimate(method, None, None, confidence_level, None, design=design)
        n1 = len(design.treated)
        post = len(design.post_periods)
        results[cohort] = res
        rows.append(
            {
                "cohort": cohort,
                "n_treated": n1,
                "post_periods": post,
                "cells": n1 * post,
                "estimate": res.estimate,
            }
        )
    table = pd.DataFrame(rows)
    table["weight"] = table["cells"] / table["cells"].sum()
    estimate = float(table["weight"] @ table["estimate"])
    return estimate, table.drop(columns="cells"), results


def staggered_synthdid(
    data: Any,
    outcome: str | None = None,
    *,
    method: Literal["sdid", "sc", "did"] = "sdid",
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    treatment: str | None = None,
    exclude_donors: Sequence[Any] = (),
    confidence_level: float = 0.95,
) -> StaggeredSynthResult:
    """Synthetic estimates for staggered adoption, averaged over treated unit-periods.

    Parameters
    ----------
    data : Panel or DataFrame
    outcome, unit, time, cohort, treatment : str, optional
        As :func:`improve.synth.synthdid_estimate`.
    method : {"sdid", "sc", "did"}
        The estimator applied to each cohort.
    exclude_donors : sequence
        Never-treated units kept out of every donor pool.
    """
    caller = "staggered_synthdid"
    matrix = panel_matrix(
        data,
        outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        treatment=treatment,
        exclude_donors=exclude_donors,
        caller=caller,
    )
    estimate, table, results = _aggregate(matrix, method, caller, confidence_level)
    return StaggeredSynthResult(
        estimate=estimate,
        method=method,
        cohorts=table,
        results=results,
        matrix=matrix,
        confidence_level=confidence_level,
    )


def _replicate(
    result: StaggeredSynthResult, draws: list[tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """Aggregate estimates for re-drawn designs, batched by cohort and shape.

    Each draw is (row positions in the unit × period matrix, first treated period of each
    drawn row; 0 = donor); a row may be drawn twice (bootstrap). Every replication is the
    estimator applied afresh to the drawn design (its own regularisation, uniform start).
    """
    y_all = result.matrix.wide.to_numpy(float)
    periods = result.matrix.wide.columns
    num = np.zeros(len(draws))
    den = np.zeros(len(draws))
    cohorts = sorted({float(c) for _, timing in draws for c in timing[timing > 0]})
    for cohort in cohorts:
        t0 = int((periods < cohort).sum())
        post = int((periods >= cohort).sum())
        by_shape: dict[tuple[int, int], list[tuple[int, np.ndarray]]] = {}
        for r, (rows, timing) in enumerate(draws):
            donors, treated = rows[timing == 0], rows[timing == cohort]
            if treated.size:
                y = y_all[np.concatenate([donors, treated])]
                by_shape.setdefault((donors.size, treated.size), []).append((r, y))
        for (n0, n1), members in by_shape.items():
            ys = np.stack([y for _, y in members])
            opts, start = method_setup(result.method, ys, n0, t0)
            estimates, _ = refit(ys, n0, t0, opts, start)
            index = [r for r, _ in members]
            num[index] += n1 * post * estimates
            den[index] += n1 * post
    return num / den


def _placebo(
    result: StaggeredSynthResult, replications: int, rng: np.random.Generator
) -> np.ndarray:
    first = result.matrix.first_treated.to_numpy(float)
    never = np.flatnonzero(first == 0)
    timing = first[first > 0]
    if never.size <= timing.size:
        raise EstimationError(
            f"the placebo needs more never-treated units ({never.size}) than treated units "
            f"({timing.size})"
        )
    draws = []
    for _ in range(replications):
        order = rng.permutation(never.size)
        assigned = np.zeros(never.size)
        assigned[order[: timing.size]] = rng.permutation(timing)
        draws.append((never, assigned))
    return _replicate(result, draws)


def _bootstrap(
    result: StaggeredSynthResult, replications: int, rng: np.random.Generator
) -> np.ndarray:
    first = result.matrix.first_treated.to_numpy(float)
    if int((first > 0).sum()) < 2:
        raise EstimationError("the bootstrap needs two or more treated units; use the placebo")
    draws = []
    while len(draws) < replications:
        rows = np.sort(rng.integers(0, first.size, size=first.size))
        timing = first[rows]
        if (timing == 0).sum() >= 2 and (timing > 0).any():
            draws.append((rows, timing))
    return _replicate(result, draws)


__all__ = ["StaggeredSynthResult", "staggered_synthdid"]
