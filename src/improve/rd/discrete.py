"""Threshold designs whose running variable takes few values: local randomisation.

A rubric score from 0 to 20 or a grade level gives local polynomials too few distinct
points to fit near the cutoff. The local randomisation view (Cattaneo, Frandsen & Titiunik
2015; ``rdlocrand``) treats units in a narrow window around the cutoff as if assigned at
random: :func:`evaluate_discrete` compares units at the nearest values on each side, then
in windows holding more values, with permutation p-values from ``rdrandinf``, checks the
baseline covariates the same way and tests whether the window's units split between the
sides as a fair coin would (a sign of sorting if not).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from improve.rd.checks import MIN_MASS_POINTS
from improve.rd.data import RDData
from improve.rd.evaluation import p_text
from improve.rd.locrand import LocalRandomization, local_randomization

#: Windows holding the nearest 1, 2, ... distinct values on each side.
WINDOW_STEPS = (1, 2, 3, 4)


def few_mass_points(rd: RDData) -> bool:
    """The running variable has fewer than ``MIN_MASS_POINTS`` distinct values on a side."""
    if rd.spec.cutoff is None:
        return False
    x = rd.data[rd.spec.running].dropna()
    below, above = x[x < rd.spec.cutoff].nunique(), x[x >= rd.spec.cutoff].nunique()
    return min(below, above) < MIN_MASS_POINTS


@dataclass(frozen=True)
class DiscreteEvaluation:
    """Local randomisation results for a discrete running variable."""

    outcome: str
    running: str
    cutoff: float
    main: LocalRandomization
    windows: pd.DataFrame
    balance: pd.DataFrame
    binomial_p_value: float
    n_values: tuple[int, int]
    comparison_sd: float
    comparison_n: int

    design = "discrete"

    @property
    def verdict(self) -> str:
        return "discrete_regression_discontinuity"

    def design_table(self, running_label: str = "", unit_plural: str = "units") -> pd.DataFrame:
        """The cutoff, the running variable's values and the window compared."""
        rows = [
            ("Design", "regression discontinuity, local randomisation (few distinct values)"),
            ("Forcing variable", running_label or self.running),
            ("Cutoff", f"{self.cutoff:g}"),
            ("Distinct values below / at or above", f"{self.n_values[0]} / {self.n_values[1]}"),
            ("Window compared", f"{self.main.window[0]:g} to {self.main.window[1]:g}"),
            (
                f"{unit_plural.capitalize()} in the window below / above",
                f"{self.main.n[0]:,} / {self.main.n[1]:,}",
            ),
            ("Binomial test of the split in the window", f"p = {self.binomial_p_value:.3f}"),
        ]
        return pd.DataFrame(rows, columns=["item", "value"])

    def summary_sentence(
        self,
        unit_plural: str = "units",
        outcome_label: str | None = None,
        program_label: str = "the program",
    ) -> str:
        """What was found, with the permutation p-value."""
        label = outcome_label or self.outcome
        est, p = self.main.estimate, self.main.p_value
        text = (
            f"{unit_plural[:1].upper() + unit_plural[1:]} at the nearest values at or above "
            f"the cutoff had {label} {abs(est):.3g} {'higher' if est > 0 else 'lower'} than "
            f"those at the nearest values below it (permutation {p_text(p)}, "
            f"{sum(self.main.n):,} {unit_plural} in the window)."
        )
        if p <= 0.05:
            return text + f" The data show that {program_label} changed {label} at the cutoff."
        return text + (
            f" A difference this size is within chance variation; the data do not "
            f"show that {program_label} changed {label}."
        )


def _window(x: np.ndarray, cutoff: float, k: int) -> tuple[float, float]:
    below = np.sort(np.unique(x[x < cutoff]))[::-1]
    above = np.sort(np.unique(x[x >= cutoff]))
    k = min(k, below.size, above.size)
    return float(below[k - 1]), float(above[k - 1])


def _lr(
    data: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    window: tuple[float, float],
    reps: int,
    seed: int,
) -> LocalRandomization:
    return local_randomization(
        data, outcome, running, cutoff, wl=window[0], wr=window[1], reps=reps, seed=seed
    )


def evaluate_discrete(
    rd: RDData, outcome: str | None = None, *, reps: int = 1000, seed: int = 666
) -> DiscreteEvaluation:
    """Local randomisation evaluation of a threshold design with few running values."""
    outcome = outcome or rd.spec.outcomes[0]
    running, cutoff = rd.spec.running, float(rd.spec.cutoff)
    data = rd.data.dropna(subset=[outcome, running])
    x = data[running].to_numpy(dtype=float)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in WINDOW_STEPS:
            window = _window(x, cutoff, k)
            if rows and window == (rows[-1]["window_low"], rows[-1]["window_high"]):
                break
            res = _lr(data, outcome, running, cutoff, window, reps, seed)
            rows.append({"values_each_side": k, **res.tidy().iloc[0].to_dict(), "n": sum(res.n)})
        main = _lr(data, outcome, running, cutoff, _window(x, cutoff, 1), reps, seed)
        balance = [
            {
                "covariate": c,
                **_lr(data.dropna(subset=[c]), c, running, cutoff, main.window, reps, seed)
                .tidy()
                .iloc[0]
                .to_dict(),
            }
            for c in rd.spec.covariates
        ]
    inside = (x >= main.window[0]) & (x <= main.window[1])
    n_above = int((inside & (x >= cutoff)).sum())
    binom = stats.binomtest(n_above, int(inside.sum()), 0.5).pvalue
    control = data.loc[inside & (x < cutoff), outcome]
    return DiscreteEvaluation(
        outcome=outcome,
        running=running,
        cutoff=cutoff,
        main=main,
        windows=pd.DataFrame(rows).drop(columns=["term"]),
        balance=pd.DataFrame(balance).drop(columns=["term"], errors="ignore"),
        binomial_p_value=float(binom),
        n_values=(int(np.unique(x[x < cutoff]).size), int(np.unique(x[x >= cutoff]).size)),
        comparison_sd=float(control.std(ddof=1)) if len(control) > 1 else float("nan"),
        comparison_n=int(len(control)),
    )


def discrete_key_findings(ev: DiscreteEvaluation, label: str, program: str) -> list[str]:
    """Headline items for the key-findings box."""
    return [
        f"Design: the forcing variable takes only {ev.n_values[0]} values below and "
        f"{ev.n_values[1]} at or above the cutoff, so units at the nearest values are compared "
        "as if assigned at random (local randomisation).",
        f"**{label[:1].upper() + label[1:]}**: difference {ev.main.estimate:.3g} in the "
        f"window {ev.main.window[0]:g} to {ev.main.window[1]:g} (permutation "
        f"{p_text(ev.main.p_value)}).",
        f"Split of units in the window: binomial p = {ev.binomial_p_value:.2f}.",
    ]


#: Why the local-polynomial sections are absent from a discrete design's report.
DISCRETE_NOTE = (
    "The forcing variable takes too few values for local-polynomial estimation, so this "
    "section does not apply; the comparison uses local randomisation (see Design)."
)
