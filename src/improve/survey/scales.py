"""Composite scales: scores, Cronbach's alpha and omega with intervals, item-total links.

* Composite score: the mean of a respondent's item codes after reverse-coding, when at
  least half the items were answered.
* Cronbach's alpha ``k/(k-1) (1 - Σ var_i / var_total)`` on respondents who answered every
  item, with Feldt's (1965) F-distribution interval.
* McDonald's omega (total) from a one-factor fit of the item correlations (iterated
  principal axis, i.e. minimum residual): ``(Σλ)² / ((Σλ)² + Σ(1 - λ²))``, with a seeded
  percentile bootstrap interval over respondents.
* Corrected item-total correlation (item against the sum of the other items) and alpha if
  the item is dropped. A negative item-total correlation usually means an item is worded
  the other way round and needs ``reverse: true`` in the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from improve.errors import EstimationError, SpecError
from improve.results import Result
from improve.survey.load import SurveyData


def cronbach_alpha(x: np.ndarray) -> float:
    """Cronbach's alpha of complete rows of ``x`` (respondents × items)."""
    x = np.asarray(x, dtype=float)
    k = x.shape[1]
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_var / total_var))


def feldt_interval(alpha: float, n: int, k: int, level: float) -> tuple[float, float]:
    """Feldt (1965) interval for alpha: ``1 - (1 - α) F`` with F on (n-1, (n-1)(k-1)) df."""
    a = 1 - level
    d1, d2 = n - 1, (n - 1) * (k - 1)
    return (
        float(1 - (1 - alpha) * stats.f.ppf(1 - a / 2, d1, d2)),
        float(1 - (1 - alpha) * stats.f.ppf(a / 2, d1, d2)),
    )


def one_factor_loadings(corr: np.ndarray, max_iter: int = 500, tol: float = 1e-9) -> np.ndarray:
    """Loadings of one factor by iterated principal axis (minimum residual)."""
    try:
        h2 = 1 - 1 / np.diag(np.linalg.inv(corr))
    except np.linalg.LinAlgError:
        h2 = np.full(corr.shape[0], 0.5)
    loadings = np.sqrt(np.clip(h2, 0, 1))
    for _ in range(max_iter):
        reduced = corr.copy()
        np.fill_diagonal(reduced, h2)
        values, vectors = np.linalg.eigh(reduced)
        loadings = vectors[:, -1] * np.sqrt(max(values[-1], 0.0))
        new = np.clip(loadings**2, 0, 0.995)
        if np.max(np.abs(new - h2)) < tol:
            break
        h2 = new
    return loadings if loadings.sum() >= 0 else -loadings


def omega_total(x: np.ndarray) -> float:
    """McDonald's omega (total) of standardised items from a one-factor fit."""
    lam = one_factor_loadings(np.corrcoef(np.asarray(x, dtype=float), rowvar=False))
    common = lam.sum() ** 2
    return float(common / (common + np.sum(1 - lam**2)))


@dataclass(frozen=True)
class ScaleReliability(Result):
    """Reliability of one composite scale.

    Attributes
    ----------
    reliability : DataFrame
        Tidy rows ``alpha`` and ``omega`` with intervals and ``n`` (complete respondents).
    item_total : DataFrame
        ``item, label, item_total_r, alpha_if_dropped, reverse``.
    scores : Series
        Composite score per respondent (NaN when fewer than half the items answered).
    """

    scale: str
    label: str
    reliability: pd.DataFrame
    item_total: pd.DataFrame
    scores: pd.Series
    confidence_level: float

    def tidy(self) -> pd.DataFrame:
        return self.reliability.copy()

    @property
    def alpha(self) -> float:
        return float(self.reliability.loc[self.reliability["term"] == "alpha", "estimate"].iloc[0])

    def flagged_items(self) -> list[str]:
        """Items whose answers run against the rest of the scale (negative item-total r)."""
        return self.item_total.loc[self.item_total["item_total_r"] < 0, "item"].tolist()

    def summary(self) -> str:
        lines = [
            f"Reliability of the scale '{self.label}'",
            "alpha: Feldt interval; omega: percentile bootstrap over respondents.",
        ]
        flagged = self.flagged_items()
        if flagged:
            lines.append(
                f"Items {', '.join(flagged)} run against the rest of the scale (negative "
                "item-total correlation): if they are worded the other way round, mark them "
                "'reverse: true' in the survey map."
            )
        return "\n".join(lines)


def composite_scores(data: SurveyData, scale: str) -> pd.Series:
    """Mean of reverse-coded item codes per respondent (at least half the items answered)."""
    spec = data.survey_map.scales.get(scale)
    if spec is None:
        raise SpecError(
            f"'{scale}' is not under 'scales:' in the survey map "
            f"(known: {', '.join(data.survey_map.scales) or 'none'})"
        )
    codes = data.codes(list(spec.items), reverse=True)
    enough = codes.notna().sum(axis=1) >= len(spec.items) / 2
    return codes.mean(axis=1).where(enough).rename(scale)


def _item_total(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = x.sum(axis=1)
    r = np.array([np.corrcoef(x[:, j], total - x[:, j])[0, 1] for j in range(x.shape[1])])
    dropped = np.array(
        [
            cronbach_alpha(np.delete(x, j, axis=1)) if x.shape[1] > 2 else np.nan
            for j in range(x.shape[1])
        ]
    )
    return r, dropped


def scale_reliability(
    data: SurveyData,
    scale: str,
    *,
    confidence_level: float = 0.95,
    bootstrap: int = 1000,
    seed: int = 0,
) -> ScaleReliability:
    """Composite scores, alpha and omega with intervals, and item-total correlations."""
    scores = composite_scores(data, scale)
    spec = data.survey_map.scales[scale]
    x = data.codes(list(spec.items), reverse=True).dropna().to_numpy(float)
    n, k = x.shape
    if k < 2 or n < 3 or np.any(x.var(axis=0) == 0):
        raise EstimationError(
            f"scale '{scale}': reliability needs at least 2 items that vary and 3 respondents "
            f"who answered all of them (have {k} items, {n} complete respondents)"
        )
    alpha, omega = cronbach_alpha(x), omega_total(x)
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(bootstrap):
        sample = x[rng.integers(0, n, n)]
        if np.all(sample.var(axis=0) > 0):
            boot.append(omega_total(sample))
    a = 1 - confidence_level
    omega_ci = (np.quantile(boot, a / 2), np.quantile(boot, 1 - a / 2)) if boot else (np.nan,) * 2
    reliability = pd.DataFrame(
        {
            "term": ["alpha", "omega"],
            "estimate": [alpha, omega],
            "std_error": [np.nan, float(np.std(boot, ddof=1)) if len(boot) > 1 else np.nan],
            "conf_low": [feldt_interval(alpha, n, k, confidence_level)[0], omega_ci[0]],
            "conf_high": [feldt_interval(alpha, n, k, confidence_level)[1], omega_ci[1]],
            "n": n,
            "items": k,
        }
    )
    r, dropped = _item_total(x)
    item_total = pd.DataFrame(
        {
            "item": list(spec.items),
            "label": [data.survey_map.item_label(i) for i in spec.items],
            "item_total_r": r,
            "alpha_if_dropped": dropped,
            "reverse": [data.survey_map.items[i].reverse for i in spec.items],
        }
    )
    return ScaleReliability(scale, spec.label, reliability, item_total, scores, confidence_level)
