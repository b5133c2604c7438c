"""Multiple comparisons: Benjamini-Hochberg across outcomes within a domain (WWC convention).

The WWC applies the Benjamini-Hochberg (1995) false-discovery-rate correction to the
findings within one outcome domain when a study reports several (WWC Procedures and
Standards Handbook v5.0; v4.1 Appendix G). A finding is significant after the correction
when its p-value is at or below ``rank * alpha / m`` for some rank at or above its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from improve.effects import _rules
from improve.errors import SpecError


@dataclass(frozen=True)
class BHResult:
    """Benjamini-Hochberg adjusted p-values and decisions for one family of findings.

    Attributes
    ----------
    terms : tuple of str
        Labels of the findings, in input order.
    p_values : numpy.ndarray
        Unadjusted p-values.
    p_adjusted : numpy.ndarray
        BH adjusted p-values (identical to statsmodels ``multipletests(method="fdr_bh")``).
    critical : numpy.ndarray
        The BH critical value ``rank * alpha / m`` for each finding.
    reject : numpy.ndarray of bool
        Significant after the correction.
    alpha : float
    """

    terms: tuple[str, ...]
    p_values: np.ndarray
    p_adjusted: np.ndarray
    critical: np.ndarray
    reject: np.ndarray
    alpha: float
    handbook: str = ""

    def tidy(self) -> pd.DataFrame:
        """One row per finding with ``p_value``, ``rank``, ``critical``, ``p_adjusted``,
        ``significant``."""
        order = np.argsort(self.p_values, kind="mergesort")
        rank = np.empty(len(order), dtype="int64")
        rank[order] = np.arange(1, len(order) + 1)
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "p_value": self.p_values,
                "rank": rank,
                "critical": self.critical,
                "p_adjusted": self.p_adjusted,
                "significant": self.reject,
            }
        )


def benjamini_hochberg(
    p_values: Sequence[float] | np.ndarray | pd.Series,
    alpha: float | None = None,
    *,
    terms: Sequence[str] | None = None,
) -> BHResult:
    """Benjamini-Hochberg false-discovery-rate correction.

    Parameters
    ----------
    p_values : array-like
        P-values of the findings in one family (one outcome domain).
    alpha : float, optional
        False discovery rate; the WWC's 0.05 by default.
    terms : sequence of str, optional
        Labels; default the index of a Series or ``finding_1``, ``finding_2``, ...

    Returns
    -------
    BHResult
    """
    if alpha is None:
        alpha = float(_rules.wwc()["multiple_comparisons"]["alpha"])
    if not 0 < alpha < 1:
        raise SpecError(f"alpha must be between 0 and 1, got {alpha}")
    if terms is None:
        if isinstance(p_values, pd.Series):
            terms = [str(i) for i in p_values.index]
        else:
            terms = [f"finding_{i + 1}" for i in range(len(p_values))]
    p = np.asarray(p_values, dtype="float64")
    if p.ndim != 1 or p.size == 0:
        raise SpecError("give a non-empty one-dimensional list of p-values")
    if len(terms) != p.size:
        raise SpecError(f"{len(terms)} terms for {p.size} p-values; give one label per p-value")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise SpecError("p-values must be numbers in [0, 1]; drop findings without a p-value first")
    m = p.size
    order = np.argsort(p, kind="mergesort")
    ranked = p[order]
    ranks = np.arange(1, m + 1)
    # step-up: adjusted p = min over k >= i of m p_(k) / k, capped at 1
    adj_sorted = np.minimum.accumulate((m * ranked / ranks)[::-1])[::-1]
    adj_sorted = np.minimum(adj_sorted, 1.0)
    adjusted = np.empty(m)
    adjusted[order] = adj_sorted
    critical = np.empty(m)
    critical[order] = ranks * alpha / m
    passed = ranked <= ranks * alpha / m
    reject_sorted = np.zeros(m, dtype=bool)
    if passed.any():
        k = int(np.max(np.nonzero(passed)[0]))
        reject_sorted[: k + 1] = True
    reject = np.empty(m, dtype=bool)
    reject[order] = reject_sorted
    return BHResult(
        terms=tuple(str(t) for t in terms),
        p_values=p,
        p_adjusted=adjusted,
        critical=critical,
        reject=reject,
        alpha=float(alpha),
        handbook=_rules.wwc()["short"],
    )


def bh_within_domains(
    tidy: pd.DataFrame,
    domain: str = "domain",
    p_value: str = "p_value",
    alpha: float | None = None,
) -> pd.DataFrame:
    """Apply Benjamini-Hochberg separately within each outcome domain of a tidy table.

    Parameters
    ----------
    tidy : pandas.DataFrame
        One row per finding, with a domain column and a p-value column.
    domain, p_value : str
        Column names.
    alpha : float, optional
        Default 0.05 (WWC).

    Returns
    -------
    pandas.DataFrame
        A copy with ``p_adjusted`` and ``significant_bh`` added; rows without a p-value
        are left out of the correction (NaN / False).
    """
    for col in (domain, p_value):
        if col not in tidy.columns:
            raise SpecError(f"column {col!r} is not in the table; name it with {col}=...")
    out = tidy.copy()
    out["p_adjusted"] = np.nan
    out["significant_bh"] = False
    for _, rows in out.groupby(domain, observed=True, sort=False):
        rows = rows[rows[p_value].notna()]
        if rows.empty:
            continue
        res = benjamini_hochberg(rows[p_value].to_numpy(), alpha)
        out.loc[rows.index, "p_adjusted"] = res.p_adjusted
        out.loc[rows.index, "significant_bh"] = res.reject
    return out
