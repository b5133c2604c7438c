"""Placebo-in-space (permutation) inference for one or a few treated clusters.

With one or a few treated clusters, cluster-robust standard errors (CR1, CR2) and the wild
cluster bootstrap do not give valid tests (MacKinnon & Webb 2017, 2018; Conley & Taber 2011).
What remains is a comparison of the actual estimate with the estimates obtained when the
treatment is moved, in turn, to comparison clusters that were never treated (Abadie,
Diamond & Hainmueller 2010's "placebo in space"): if the program had no effect, the treated
clusters' estimate is one draw among the placebo estimates and its rank gives an exact
p-value under exchangeability of the clusters.

:func:`placebo_in_space` takes any estimator, a callable ``estimator(data, timing)`` that
returns one number, so the same test serves staggered DiD (:func:`improve.did.placebo.placebo_att`),
fixed-effects regressions (:func:`improve.fe.placebo.placebo_fe`) and anything else.

References
----------
Abadie, A., Diamond, A. & Hainmueller, J. (2010). Synthetic control methods for comparative
case studies. *Journal of the American Statistical Association* 105(490), 493-505.
Conley, T. G. & Taber, C. R. (2011). Inference with "difference in differences" with a small
number of policy changes. *Review of Economics and Statistics* 93(1), 113-125.
MacKinnon, J. G. & Webb, M. D. (2017). Wild bootstrap inference for wildly different cluster
sizes. *Journal of Applied Econometrics* 32(2), 233-254.
MacKinnon, J. G. & Webb, M. D. (2018). The wild bootstrap for few (treated) clusters.
*The Econometrics Journal* 21(2), 114-135.
Phipson, B. & Smyth, G. K. (2010). Permutation p-values should never be zero.
*Statistical Applications in Genetics and Molecular Biology* 9(1), article 39.
"""

from __future__ import annotations

import html
import itertools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from improve.data.columns import panel_frame
from improve.errors import EstimationError, ImproveError, SpecError

#: Largest number of placebo assignments computed one by one. When the comparison clusters
#: can be chosen in more ways than this, this many sets are drawn at random (with ``seed``);
#: the rank p-value ``(1 + b) / (1 + B)`` stays valid for a random sample of assignments
#: (Phipson & Smyth 2010).
MAX_PLACEBOS = 1000

#: Relative tolerance under which a placebo estimate counts as a tie with the actual one
#: (ties count against the actual estimate, so the p-value is never too small because of
#: rounding in the estimator).
TIE_TOLERANCE = 1e-10

#: Most distinct estimator warnings kept in :attr:`PermutationResult.notes` (placebo fits
#: repeat the same warning with different counts).
MAX_NOTES = 10

#: The callable re-estimating the effect: ``estimator(data, timing) -> float``, where ``data``
#: is a DataFrame or Panel (the kind passed to :func:`placebo_in_space`, restricted to the
#: rows used) and ``timing`` the first-treated period of each of its rows (0 = never).
Estimator = Callable[[Any, pd.Series], float]


@dataclass(frozen=True)
class PermutationResult:
    """The actual estimate, its placebo distribution and the rank p-values.

    Attributes
    ----------
    estimate : float
        The estimate with the actual treatment timing.
    placebo_estimates : tuple of float
        One estimate per placebo assignment that could be estimated.
    placebo_clusters : tuple of tuple of str
        The comparison clusters given the treated clusters' timing in each placebo (same
        order as ``placebo_estimates``).
    treated_clusters : tuple of str
        The clusters holding treated units.
    p_value : float
        Two-sided: ``(1 + #{|placebo| >= |estimate|}) / (1 + n_placebos)``.
    p_value_greater, p_value_less : float
        One-sided: ``(1 + #{placebo >= estimate}) / (1 + n_placebos)`` and the same with
        ``<=``.
    rank : int
        Position of ``|estimate|`` among all estimates (actual and placebos) sorted from the
        largest magnitude, ties counted against the actual estimate (1 = most extreme).
    n_failed : int
        Placebo assignments the estimator could not estimate (left out of the p-values).
    exact : bool
        True when every possible assignment was estimated; False when ``MAX_PLACEBOS`` sets
        were drawn at random.
    seed : int or None
        Seed of the random draw of assignments (unused when ``exact``).
    cluster : str
        The column whose values were permuted (the cluster, or the unit).
    notes : tuple of str
        Warnings the estimator raised while re-estimating, once each, and failures.
    """

    estimate: float
    placebo_estimates: tuple[float, ...]
    placebo_clusters: tuple[tuple[str, ...], ...]
    treated_clusters: tuple[str, ...]
    p_value: float
    p_value_greater: float
    p_value_less: float
    rank: int
    n_failed: int
    exact: bool
    seed: int | None
    cluster: str
    notes: tuple[str, ...] = ()

    @property
    def n_placebos(self) -> int:
        """Number of placebo estimates in the reference distribution."""
        return len(self.placebo_estimates)

    @property
    def n_estimates(self) -> int:
        """Placebos plus the actual estimate."""
        return self.n_placebos + 1

    @property
    def min_p_value(self) -> float:
        """The smallest p-value this number of placebos can give, ``1 / (n_placebos + 1)``."""
        return 1.0 / self.n_estimates

    def tidy(self, with_clusters: bool = False) -> pd.DataFrame:
        """The actual estimate and every placebo: one row each.

        Parameters
        ----------
        with_clusters : bool
            Add a ``clusters`` column naming the clusters given the treatment (joined by
            ", "). Off by default: cluster ids may be school or district ids, which a
            published table must not show; turn it on for public units such as states.

        Returns
        -------
        pandas.DataFrame
            ``term`` ("actual" or "placebo"), ``estimate`` and ``abs_rank`` (1 = largest
            magnitude; ties share the smaller rank, the actual estimate takes the larger).
        """
        estimates = np.array([self.estimate, *self.placebo_estimates], dtype="float64")
        magnitudes = pd.Series(np.abs(estimates))
        ranks = np.array(magnitudes.rank(method="min", ascending=False), dtype="int64")
        ranks[0] = self.rank
        table = pd.DataFrame(
            {
                "term": ["actual"] + ["placebo"] * self.n_placebos,
                "estimate": estimates,
                "abs_rank": ranks,
            }
        )
        if with_clusters:
            labels = [", ".join(self.treated_clusters)]
            labels += [", ".join(c) for c in self.placebo_clusters]
            table.insert(1, "clusters", labels)
        return table

    def summary_frame(self) -> pd.DataFrame:
        """One row: the estimate with its permutation p-values and rank."""
        return pd.DataFrame(
            {
                "term": ["placebo-in-space"],
                "estimate": [self.estimate],
                "p_value": [self.p_value],
                "p_value_greater": [self.p_value_greater],
                "p_value_less": [self.p_value_less],
                "rank": [self.rank],
                "n_estimates": [self.n_estimates],
                "exact": [self.exact],
            }
        )

    def sentence(self) -> str:
        """The result in one plain-English sentence."""
        k = len(self.treated_clusters)
        what = "the treated cluster's" if k == 1 else f"the {k} treated clusters'"
        sets = "comparison cluster" if k == 1 else f"set of {k} comparison clusters"
        how = "each" if self.exact else f"{self.n_placebos:,} randomly drawn (seed {self.seed})"
        return (
            f"Giving {how} {sets} {what} treatment timing, the actual estimate "
            f"({self.estimate:.4g}) ranks {_ordinal(self.rank)} of {self.n_estimates:,} by "
            f"size: permutation p = {self.p_value:.3g} (two-sided); the smallest p-value "
            f"{self.n_placebos:,} placebos can give is 1/{self.n_estimates:,} = "
            f"{self.min_p_value:.3g}."
        )

    def to_dict(self, with_clusters: bool = False) -> dict[str, Any]:
        """Plain-dict form for ``results.json``.

        Parameters
        ----------
        with_clusters : bool
            Include the ids of the treated and placebo clusters (off by default, as in
            :meth:`tidy`).
        """
        out: dict[str, Any] = {
            "method": "placebo_in_space",
            "estimate": self.estimate,
            "p_value": self.p_value,
            "p_value_greater": self.p_value_greater,
            "p_value_less": self.p_value_less,
            "rank": self.rank,
            "n_estimates": self.n_estimates,
            "n_placebos": self.n_placebos,
            "n_failed": self.n_failed,
            "exact": self.exact,
            "seed": self.seed,
            "cluster": self.cluster,
            "n_treated_clusters": len(self.treated_clusters),
            "placebo_estimates": list(self.placebo_estimates),
            "notes": list(self.notes),
        }
        if with_clusters:
            out["treated_clusters"] = list(self.treated_clusters)
            out["placebo_clusters"] = [list(c) for c in self.placebo_clusters]
        return out

    def __repr__(self) -> str:
        return (
            f"PermutationResult(estimate={self.estimate:.4g}, p_value={self.p_value:.3g}, "
            f"rank={self.rank} of {self.n_estimates}, exact={self.exact})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("Estimate", f"{self.estimate:.4g}"),
            ("Rank by size", f"{self.rank} of {self.n_estimates:,}"),
            ("Permutation p (two-sided)", f"{self.p_value:.3g}"),
            ("p (effect > 0)", f"{self.p_value_greater:.3g}"),
            ("p (effect < 0)", f"{self.p_value_less:.3g}"),
            ("Smallest possible p", f"{self.min_p_value:.3g}"),
            ("Assignments", "all" if self.exact else f"{self.n_placebos:,} drawn at random"),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return (
            f"<table class='improve-permutation'>{body}</table>"
            f"<p>{html.escape(self.sentence())}</p>"
        )


def _placebo_columns(
    frame: pd.DataFrame,
    spec: Any,
    unit: str | None,
    timing: str | None,
    cluster: str | None,
) -> tuple[str, str, str]:
    """Unit, first-treated and cluster columns, from the arguments or the panel's spec."""
    if spec is not None:
        unit = unit or spec.unit
        timing = timing or spec.timing_column
        cluster = cluster or spec.cluster
    if unit is None or timing is None:
        raise SpecError(
            "placebo_in_space needs the unit and the first-treated column: pass "
            "unit='...' and timing='...', or a Panel whose column map names them"
        )
    cluster = cluster or unit
    absent = [c for c in dict.fromkeys([unit, timing, cluster]) if c not in frame.columns]
    if absent:
        raise SpecError(f"placebo_in_space: column(s) {absent} are not in the data")
    return unit, timing, cluster


def _treated_and_comparison(
    row_timing: pd.Series, row_cluster: pd.Series, timing: str, cluster: str
) -> tuple[pd.Series, list[str]]:
    """Treated clusters with their timing (ordered by timing, then label) and the
    never-treated clusters, checking there are enough comparison clusters."""
    treated_rows = row_timing > 0
    cluster_timing = row_timing.where(treated_rows).groupby(row_cluster, sort=True).min()
    treated = cluster_timing.dropna()
    order = sorted(treated.index, key=lambda label: (treated[label], label))
    treated = treated.loc[order]
    comparison = sorted(set(row_cluster.dropna()) - set(treated.index))
    k, n = len(treated), len(comparison)
    if k == 0:
        raise EstimationError(
            f"placebo_in_space: no treated unit in '{timing}' (every value is 0 or missing)"
        )
    if n < k:
        raise EstimationError(
            f"placebo_in_space: {k} treated clusters but only {n} never-treated clusters in "
            f"'{cluster}'; a placebo needs as many comparison clusters as treated ones"
        )
    return treated, comparison


def _kept_notes(notes: dict[str, None], failed: int, n_sets: int) -> list[str]:
    """The estimator's notes (at most MAX_NOTES), after how many placebos failed."""
    kept_notes = list(notes)
    if len(kept_notes) > MAX_NOTES:
        extra = len(kept_notes) - MAX_NOTES
        kept_notes = kept_notes[:MAX_NOTES] + [f"{extra:,} further estimator warnings not shown"]
    if failed:
        kept_notes.insert(
            0,
            f"{failed:,} of {n_sets:,} placebo assignments could not be estimated and are "
            "left out of the p-values",
        )
    return kept_notes


def placebo_in_space(
    data: Any,
    estimator: Estimator,
    *,
    unit: str | None = None,
    timing: str | None = None,
    cluster: str | None = None,
    max_placebos: int = MAX_PLACEBOS,
    seed: int | None = 0,
) -> PermutationResult:
    """Permutation p-value of an estimate by moving the treatment to comparison clusters.

    The effect is estimated once with the actual timing, then once per placebo assignment:
    the units of the treated clusters are left out, a set of as many never-treated clusters
    as there are treated clusters is given the treated clusters' timing (the earliest
    first-treated period of each treated cluster, matched in the order of the treated
    clusters' timing and labels), and every other unit stays untreated. With ``k`` treated
    clusters among ``n`` comparison clusters there are ``C(n, k)`` assignments; all are
    used when there are at most ``max_placebos``, else ``max_placebos`` sets are drawn at
    random with ``seed``.

    Parameters
    ----------
    data : Panel or pandas.DataFrame
        One row per unit and period. A Panel fills ``unit``, ``timing`` and ``cluster`` from
        its spec.
    estimator : callable
        ``estimator(data, timing) -> float``: ``data`` is of the kind passed here (a Panel
        keeps its spec and load report; its ``.data`` holds the rows used), ``timing`` a
        Series aligned with those rows holding the first-treated period (0 = never). It
        should raise :class:`improve.errors.ImproveError` (or return NaN) when it cannot
        estimate; such placebos are counted in ``n_failed`` and left out.
    unit : str, optional
        Unit column.
    timing : str, optional
        First-treated period column (0 or missing = never treated).
    cluster : str, optional
        Column of the clusters treatment was assigned to (a state, a district). Default:
        the spec's cluster, else the unit.
    max_placebos : int
        Largest number of placebo assignments (see above).
    seed : int, optional
        Seed of the random draw of assignments; the result is the same for the same seed.

    Returns
    -------
    PermutationResult

    Raises
    ------
    SpecError
        Columns missing or not named.
    EstimationError
        No treated cluster, fewer never-treated clusters than treated ones, or an actual
        estimate that is not a finite number.
    """
    frame, spec = panel_frame(data, "placebo_in_space")
    unit, timing, cluster = _placebo_columns(frame, spec, unit, timing, cluster)
    if max_placebos < 1:
        raise SpecError("placebo_in_space: max_placebos must be at least 1")
    row_timing = pd.to_numeric(frame[timing], errors="coerce").fillna(0.0)
    row_cluster = frame[cluster].astype("string")
    treated, comparison = _treated_and_comparison(row_timing, row_cluster, timing, cluster)
    k, n = len(treated), len(comparison)

    notes: dict[str, None] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        actual = _call(estimator, data, frame, frame.index, row_timing, timing, notes)
        if not math.isfinite(actual):
            raise EstimationError(
                "placebo_in_space: the estimator gave no finite estimate with the actual "
                "timing" + (f" ({next(iter(notes))})" if notes else "")
            )
        keep_index = frame.index[~row_cluster.isin(list(treated.index)).fillna(False)]
        kept_cluster = row_cluster.loc[keep_index]
        sets, exact = _assignments(n, k, max_placebos, seed)
        estimates: list[float] = []
        labels: list[tuple[str, ...]] = []
        failed = 0
        treated_timings = treated.to_numpy()
        for chosen in sets:
            names = [comparison[i] for i in chosen]
            given = dict(zip(names, treated_timings, strict=True))
            placebo = kept_cluster.map(given).astype("float64").fillna(0.0)
            value = _call(estimator, data, frame, keep_index, placebo, timing, notes)
            if math.isfinite(value):
                estimates.append(value)
                labels.append(tuple(names))
            else:
                failed += 1
    for item in caught:
        notes.setdefault(str(item.message), None)
    if not estimates:
        raise EstimationError("placebo_in_space: no placebo assignment could be estimated")
    kept_notes = _kept_notes(notes, failed, len(sets))
    placebos = np.asarray(estimates, dtype="float64")
    p_two, p_greater, p_less, rank = rank_p_values(actual, placebos)
    return PermutationResult(
        estimate=actual,
        placebo_estimates=tuple(float(v) for v in placebos),
        placebo_clusters=tuple(labels),
        treated_clusters=tuple(str(c) for c in treated.index),
        p_value=p_two,
        p_value_greater=p_greater,
        p_value_less=p_less,
        rank=rank,
        n_failed=failed,
        exact=exact,
        seed=None if exact else seed,
        cluster=cluster,
        notes=tuple(kept_notes),
    )


def rank_p_values(actual: float, placebos: np.ndarray) -> tuple[float, float, float, int]:
    """Rank p-values of ``actual`` among ``placebos`` (the actual estimate counts as one draw).

    Parameters
    ----------
    actual : float
        The estimate with the actual treatment.
    placebos : numpy.ndarray
        Placebo estimates (finite).

    Returns
    -------
    p_two_sided, p_greater, p_less : float
        ``(1 + #{placebos at least as extreme}) / (1 + len(placebos))`` for ``|.|``, ``>=``
        and ``<=``; values within :data:`TIE_TOLERANCE` (relative) of the actual count as
        at least as extreme.
    rank : int
        ``1 + #{|placebo| >= |actual|}``: the actual estimate's position by magnitude.
    """
    placebos = np.asarray(placebos, dtype="float64")
    tol = TIE_TOLERANCE * max(1.0, abs(actual))
    n = placebos.size + 1
    as_large = int(np.sum(np.abs(placebos) >= abs(actual) - tol))
    greater = int(np.sum(placebos >= actual - tol))
    less = int(np.sum(placebos <= actual + tol))
    return (1 + as_large) / n, (1 + greater) / n, (1 + less) / n, 1 + as_large


def _assignments(
    n: int, k: int, max_placebos: int, seed: int | None
) -> tuple[list[tuple[int, ...]], bool]:
    """All ``k``-subsets of ``range(n)`` when few enough, else ``max_placebos`` random ones."""
    if math.comb(n, k) <= max_placebos:
        return list(itertools.combinations(range(n), k)), True
    rng = np.random.default_rng(seed)
    draws = [tuple(sorted(int(i) for i in rng.choice(n, size=k, replace=False)))]
    while len(draws) < max_placebos:
        draws.append(tuple(sorted(int(i) for i in rng.choice(n, size=k, replace=False))))
    return draws, False


def _call(
    estimator: Estimator,
    data: Any,
    frame: pd.DataFrame,
    rows: pd.Index,
    timing_values: pd.Series,
    timing: str,
    notes: dict[str, None],
) -> float:
    """Run the estimator on ``rows`` with ``timing_values``; NaN (and a note) if it fails."""
    subset = frame if len(rows) == len(frame) else frame.loc[rows]
    values = timing_values.loc[subset.index].rename(timing)
    argument = subset if isinstance(data, pd.DataFrame) else replace(data, data=subset)
    try:
        return float(estimator(argument, values))
    except ImproveError as exc:
        notes.setdefault(f"an assignment could not be estimated: {exc}", None)
        return math.nan


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
