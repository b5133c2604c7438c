"""Design-based standard errors of weighted means and proportions (Taylor linearisation).

The variance of a weighted mean ``Σ w y / Σ w`` is the variance of the sum of its
linearised values ``z = w (y - ȳ) / Σ w`` between primary sampling units within strata, with
replacement (Binder 1983; Lumley 2010, ch. 2), times ``1 - m/N`` when the population size is
given (finite-population correction). With raked weights the linearised values are
first reduced to their residuals on the raking margins, as R ``survey`` does for a design
returned by ``rake`` (ten passes over the margins, each removing the weighted category
means), which credits the raking with the precision the known margins bring. The numbers
equal R ``survey`` (``svydesign`` / ``svymean`` / ``svyciprop(method = "xlogit")`` /
``rake``); ``tests/reference/survey_README.md`` lists the stored comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from improve.errors import EstimationError

#: Passes over the raking margins when residualising (as R survey's svyrecvar).
CALIBRATION_PASSES = 10


@dataclass(frozen=True)
class SurveyDesign:
    """Weights and sampling structure of the respondents.

    Attributes
    ----------
    weights : ndarray
    strata, clusters : ndarray or None
        Stratum and primary sampling unit of each respondent (None: one stratum,
        each respondent its own unit).
    raked_margins : dict of str to ndarray
        Categories of the margins the weights were raked to (empty: not raked).
    fpc : ndarray or None
        Population size (number of primary units) of each respondent's stratum, for the
        finite-population correction ``1 - m/N`` (R ``svydesign(fpc = ~N)``); None: none.
    """

    weights: np.ndarray
    strata: np.ndarray | None = None
    clusters: np.ndarray | None = None
    raked_margins: Mapping[str, np.ndarray] = field(default_factory=dict)
    fpc: np.ndarray | None = None

    @classmethod
    def simple(cls, n: int) -> SurveyDesign:
        """Equal weights, no strata or clusters (each respondent counts once)."""
        return cls(np.ones(n))

    @property
    def df(self) -> int:
        """Degrees of freedom: primary units minus strata (R ``degf``)."""
        n = self.weights.size
        psu = n if self.clusters is None else _n_psu(self.strata, self.clusters)
        strata = 1 if self.strata is None else np.unique(self.strata).size
        return int(psu - strata)

    def subset(self, keep: np.ndarray) -> SurveyDesign:
        """Design of a subset of respondents (used for respondents with an answer)."""
        return SurveyDesign(
            self.weights[keep],
            None if self.strata is None else self.strata[keep],
            None if self.clusters is None else self.clusters[keep],
            {k: v[keep] for k, v in self.raked_margins.items()},
            None if self.fpc is None else self.fpc[keep],
        )


def _n_psu(strata: np.ndarray | None, clusters: np.ndarray) -> int:
    frame = pd.DataFrame({"psu": clusters, "stratum": 0 if strata is None else strata})
    return int(len(frame.drop_duplicates()))


def _calibrate(z: np.ndarray, design: SurveyDesign) -> np.ndarray:
    if not design.raked_margins:
        return z
    w = design.weights
    for _ in range(CALIBRATION_PASSES):
        for cats in design.raked_margins.values():
            means = pd.DataFrame(z / w[:, None]).groupby(np.asarray(cats)).transform("mean")
            z = z - w[:, None] * means.to_numpy()
    return z


def linearised_variance(z: np.ndarray, design: SurveyDesign) -> np.ndarray:
    """Covariance of the totals of linearised values ``z`` (n × k) under the design."""
    z = _calibrate(np.asarray(z, dtype=float).reshape(len(design.weights), -1), design)
    strata = np.zeros(z.shape[0]) if design.strata is None else design.strata
    psu = np.arange(z.shape[0]) if design.clusters is None else design.clusters
    total = np.zeros((z.shape[1], z.shape[1]))
    for stratum in pd.unique(strata):
        rows = strata == stratum
        sums = pd.DataFrame(z[rows]).groupby(np.asarray(psu)[rows], sort=False).sum().to_numpy()
        m = sums.shape[0]
        if m < 2:
            continue  # a lonely unit adds nothing (R's lonely.psu = "certainty")
        centred = sums - sums.mean(axis=0)
        finite = 1.0 if design.fpc is None else (design.fpc[rows][0] - m) / design.fpc[rows][0]
        total += finite * m / (m - 1) * centred.T @ centred
    return total


def weighted_mean(y: np.ndarray, design: SurveyDesign) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of the columns of ``y`` (n × k) and their covariance matrix."""
    y = np.asarray(y, dtype=float).reshape(len(design.weights), -1)
    if np.isnan(y).any():
        raise EstimationError("weighted_mean: drop respondents without an answer first")
    w = design.weights
    mean = w @ y / w.sum()
    z = w[:, None] * (y - mean) / w.sum()
    return mean, linearised_variance(z, design)


def domain_mean(y: np.ndarray, design: SurveyDesign) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of ``y`` (n × k) over the respondents who answered every column.

    Respondents without an answer stay in the design with linearised value 0 (domain
    estimation), as R ``svymean(..., na.rm = TRUE)`` does.
    """
    y = np.asarray(y, dtype=float).reshape(len(design.weights), -1)
    keep = ~np.isnan(y).any(axis=1)
    if not keep.any():
        raise EstimationError("no respondent answered; nothing to average")
    w = np.where(keep, design.weights, 0.0)
    filled = np.where(keep[:, None], y, 0.0)
    mean = w @ filled / w.sum()
    z = w[:, None] * (filled - mean) / w.sum()
    return mean, linearised_variance(z, design)


def domain_means(
    y: np.ndarray, groups: np.ndarray, design: SurveyDesign
) -> tuple[list, np.ndarray, np.ndarray]:
    """Weighted mean of ``y`` in each group and their joint covariance (R ``svyby`` with
    ``covmat = TRUE``); respondents without ``y`` or group are left out as domains are.

    Returns
    -------
    (groups, means, covariance)
    """
    y = np.asarray(y, dtype=float)
    labels = pd.Series(groups, dtype="object")
    keep = ~np.isnan(y) & labels.notna().to_numpy()
    names = sorted(labels[keep].unique(), key=str)
    w = design.weights
    means, columns = [], []
    for name in names:
        inside = keep & (labels == name).to_numpy()
        total = w[inside].sum()
        mean = float(w[inside] @ y[inside] / total)
        means.append(mean)
        columns.append(np.where(inside, w * (np.where(inside, y, 0.0) - mean) / total, 0.0))
    return names, np.asarray(means), linearised_variance(np.column_stack(columns), design)


def wald_equal_means(means: np.ndarray, vcov: np.ndarray) -> tuple[float, int, float]:
    """Wald test that all group means are equal: ``(chi-square, df, p-value)``."""
    k = means.size
    if k < 2:
        return np.nan, 0, np.nan
    contrast = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
    diff = contrast @ means
    stat = float(diff @ np.linalg.pinv(contrast @ vcov @ contrast.T) @ diff)
    return stat, k - 1, float(stats.chi2.sf(stat, k - 1))


def proportion_interval(
    p: float, se: float, df: float, confidence_level: float = 0.95
) -> tuple[float, float]:
    """Logit interval for a proportion (R ``svyciprop(method = "xlogit")``).

    ``logit(p) ± t(df) · se / (p (1 - p))``, transformed back. Returns ``(p, p)`` when
    ``p`` is 0 or 1 (no variation to build an interval from).
    """
    if not 0 < p < 1:
        return float(p), float(p)
    crit = stats.t.ppf(0.5 + confidence_level / 2, df)
    centre = np.log(p / (1 - p))
    half = crit * se / (p * (1 - p))
    return float(1 / (1 + np.exp(-(centre - half)))), float(1 / (1 + np.exp(-(centre + half))))
