"""Goodman-Bacon (2021) decomposition of the static two-way fixed-effects DiD coefficient.

In a balanced panel with staggered, absorbing treatment and no covariates, the TWFE
coefficient on the treatment dummy is exactly a weighted average of every 2x2 DiD between two
timing groups (Goodman-Bacon 2021, Theorem 1):

* **treated vs never treated** -- a cohort against the units never treated in the data
  (cohort 0, empty, ``inf``, or first treated after the last period);
* **earlier vs later treated** -- an earlier cohort, against a later one before the later one
  is treated;
* **later vs earlier treated** -- a later cohort against an *already treated* earlier one (the
  "forbidden" comparison: when effects change over time, the earlier cohort's changing effect
  enters with a negative sign);
* **later vs always treated** -- a cohort against units treated at or before the first
  period (only when there are such units; their treatment never changes, so like the
  never-treated they act only as a comparison group).

The weights are Goodman-Bacon's equations 10e-g (group sizes times the variance of the
treatment dummy within each 2x2), divided by the variance of the two-way demeaned treatment
dummy, so they sum to one and the weighted sum of the 2x2 estimates equals the TWFE coefficient
up to rounding. Everything is computed from the cohort x period outcome means: a 2x2 estimate
is a difference of period-averaged cohort means.

Cohorts that start treatment in the same *observed* period (e.g. the 2020 and 2021 cohorts of
a panel with no 2020 rows) have identical treatment paths: the 2x2 between them has no
variation and zero weight, and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.data.columns import check_unique_keys, panel_columns
from improve.errors import EstimationError
from improve.results import Result, text_table

FloatArray = NDArray[np.float64]

TREATED_VS_NEVER = "treated vs never treated"
EARLIER_VS_LATER = "earlier vs later treated"
LATER_VS_EARLIER = "later vs earlier treated"
LATER_VS_ALWAYS = "later vs always treated"
#: Comparison types in the order tables list them.
TYPES: tuple[str, ...] = (TREATED_VS_NEVER, EARLIER_VS_LATER, LATER_VS_EARLIER, LATER_VS_ALWAYS)


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:g}"


@dataclass(frozen=True, eq=False)
class BaconResult(Result):
    """Goodman-Bacon decomposition: one 2x2 DiD per pair of timing groups.

    Attributes
    ----------
    treated, control : tuple of str
        Label of the treated and the comparison group of each 2x2 (a cohort, ``"never
        treated"`` or ``"always treated"``).
    treated_cohort, control_cohort : numpy.ndarray
        The cohorts as numbers (NaN for never treated; the first period for always treated).
    types : tuple of str
        Comparison type of each 2x2 (see :data:`TYPES`).
    estimate, weight : numpy.ndarray
        2x2 DiD estimate and its weight in the TWFE coefficient (weights sum to one).
    twfe_estimate : float
        The static TWFE coefficient, computed directly from the two-way demeaned data.
    n_units, n_periods : int
    group_sizes : dict
        Units per group label.
    outcome : str
    """

    treated: tuple[str, ...]
    control: tuple[str, ...]
    treated_cohort: FloatArray = field(repr=False)
    control_cohort: FloatArray = field(repr=False)
    types: tuple[str, ...] = field(repr=False)
    estimate: FloatArray = field(repr=False)
    weight: FloatArray = field(repr=False)
    twfe_estimate: float = float("nan")
    n_units: int = 0
    n_periods: int = 0
    group_sizes: dict[str, int] = field(default_factory=dict, repr=False)
    outcome: str = ""
    notes: tuple[str, ...] = ()

    @property
    def weighted_sum(self) -> float:
        """Sum of weight x estimate over the 2x2s (equals :attr:`twfe_estimate`)."""
        return float(np.sum(self.weight * self.estimate))

    def tidy(self) -> pd.DataFrame:
        """One row per 2x2 comparison.

        Columns ``term``, ``type``, ``treated``, ``control``, ``estimate``, ``weight`` and
        the usual ``std_error``, ``statistic``, ``p_value``, ``conf_low``, ``conf_high`` (NaN:
        the decomposition is descriptive, the 2x2 pieces have no standard errors here).
        """
        terms = [f"{t} vs {c}" for t, c in zip(self.treated, self.control, strict=True)]
        nan = np.full(len(terms), np.nan)
        return pd.DataFrame(
            {
                "term": terms,
                "type": list(self.types),
                "treated": list(self.treated),
                "control": list(self.control),
                "estimate": self.estimate,
                "weight": self.weight,
                "std_error": nan,
                "statistic": nan,
                "p_value": nan,
                "conf_low": nan,
                "conf_high": nan,
            }
        )

    def by_type(self) -> pd.DataFrame:
        """Total weight and weighted-average estimate of each comparison type.

        Columns ``type``, ``n_comparisons``, ``weight`` (share of the TWFE coefficient),
        ``estimate`` (weighted average of the type's 2x2s) and ``contribution``
        (``weight * estimate``; the contributions add up to the TWFE coefficient).
        """
        rows = []
        types = np.array(self.types, dtype=object)
        for kind in TYPES:
            m = types == kind
            if not m.any():
                continue
            w = float(self.weight[m].sum())
            contrib = float(np.sum(self.weight[m] * self.estimate[m]))
            rows.append(
                {
                    "type": kind,
                    "n_comparisons": int(m.sum()),
                    "weight": w,
                    "estimate": contrib / w if w > 0 else float("nan"),
                    "contribution": contrib,
                }
            )
        return pd.DataFrame(
            rows, columns=["type", "n_comparisons", "weight", "estimate", "contribution"]
        )

    def _notes(self) -> list[str]:
        forbidden = float(self.weight[np.array(self.types, dtype=object) == LATER_VS_EARLIER].sum())
        out = [
            f"TWFE coefficient {self.twfe_estimate:.4f} = weighted sum of {len(self.types)} 2x2 "
            f"comparisons ({self.weighted_sum:.4f}); {self.n_units:,} units x "
            f"{self.n_periods} periods.",
            f"{forbidden:.1%} of the weight is on later-vs-earlier comparisons, which use "
            "already-treated units as controls and are biased when effects change over time.",
        ]
        return out + list(self.notes)

    def summary(self) -> str:
        """Text summary: weights and averages by comparison type, then every 2x2."""
        comps = self.tidy()[["term", "type", "estimate", "weight"]]
        return "\n".join(
            [
                f"Goodman-Bacon decomposition of the TWFE estimate for {self.outcome}",
                "",
                text_table(self.by_type()),
                "",
                text_table(comps),
                "",
                *self._notes(),
            ]
        )

    def _repr_html_(self) -> str:
        from improve.report.display import html_table

        return html_table(
            f"Goodman-Bacon decomposition for {self.outcome}", self.by_type(), self._notes()
        )

    def plot(self, title: str | None = None) -> Any:
        """Scatter of 2x2 estimates against their weights (see ``plot_bacon``)."""
        from improve.report.bacon_figures import plot_bacon

        return plot_bacon(
            self.tidy(), twfe_estimate=self.twfe_estimate, outcome_label=self.outcome, title=title
        )


def bacon(
    data: Any,
    outcome: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
) -> BaconResult:
    """Goodman-Bacon decomposition of the static TWFE DiD coefficient.

    Parameters
    ----------
    data : Panel or DataFrame
        A balanced panel (every unit observed, with an outcome, in every period present in the
        data), as a :class:`improve.data.Panel` or a long DataFrame.
    outcome : str, optional
        Outcome column (default: the Panel's first outcome).
    unit, time, cohort : str
        Unit id, period (numeric) and first treated period (0, empty or ``inf`` = never
        treated; constant within a unit).

    Returns
    -------
    BaconResult
        ``.tidy()`` one row per 2x2 comparison (estimate, weight, type), ``.by_type()`` and
        ``.summary()`` the weighted averages by type, ``.twfe_estimate`` the coefficient they
        add up to (the ``post`` coefficient of :func:`improve.did.twfe.twfe`).

    Raises
    ------
    SpecError
        Missing or non-numeric columns, duplicated unit-period rows.
    EstimationError
        Unbalanced panel, a cohort that varies within a unit, or no variation in treatment
        timing to decompose.

    Examples
    --------
    >>> res = bacon(df, "lemp", unit="countyreal", time="year", cohort="first_treat")
    ... # doctest: +SKIP
    >>> res.by_type()  # doctest: +SKIP
    """
    frame, names = panel_columns(
        data,
        "bacon",
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        covariates=(),
        required=("outcome", "unit", "time", "cohort"),
        numeric=("outcome", "time", "cohort"),
    )
    y_col, u_col, t_col, g_col = (
        str(getattr(names, k)) for k in ("outcome", "unit", "time", "cohort")
    )
    panel = _balanced_panel(frame, y_col, u_col, t_col, g_col)
    y, periods, g_first = panel.y, panel.periods, panel.g_first
    n_units, n_periods = y.shape
    t_min, t_max = periods[0], periods[-1]
    never = ~np.isfinite(g_first) | (g_first == 0) | (g_first > t_max)
    always = ~never & (g_first <= t_min)
    timing = ~never & ~always

    # treatment dummy and the TWFE coefficient from the two-way demeaned (balanced) data
    d = np.zeros((n_units, n_periods))
    d[~never] = periods[None, :] >= g_first[~never, None]
    d_tilde = d - d.mean(axis=1, keepdims=True) - d.mean(axis=0, keepdims=True) + d.mean()
    var_d = float(np.mean(d_tilde**2))
    if var_d <= 1e-14 or not timing.any():
        raise EstimationError(
            "bacon: the treatment dummy does not vary beyond the unit and period effects (no "
            f"cohort in {g_col!r} starts treatment inside the panel, or every unit starts at "
            "the same time); there is no TWFE DiD coefficient to decompose"
        )
    twfe_estimate = float(np.sum(d_tilde * y) / np.sum(d_tilde**2))

    groups = _group_means(y, periods, g_first, never, always, timing)
    rows, skipped = _comparisons(groups, n_periods)
    weights = np.array([r[4] for r in rows]) / var_d
    total = float(weights.sum())
    if abs(total - 1.0) > 1e-8:  # pragma: no cover - would be a bug in the weights
        raise EstimationError(
            f"bacon: the 2x2 weights add up to {total:.10f}, not 1; please report this data set"
        )
    notes = []
    if skipped:
        notes.append(
            "Cohorts first treated in the same observed period ("
            + "; ".join(skipped)
            + ") have identical treatment paths; their 2x2s have zero weight and are omitted."
        )
    if always.any():
        notes.append(
            f"{int(always.sum())} units treated at or before the first period ({_num(t_min)}) "
            "serve only as comparisons (later vs always treated)."
        )
    labels = groups.labels
    return BaconResult(
        treated=tuple(r[0] for r in rows),
        control=tuple(r[1] for r in rows),
        treated_cohort=np.array([labels[r[0]] for r in rows]),
        control_cohort=np.array([labels[r[1]] for r in rows]),
        types=tuple(r[2] for r in rows),
        estimate=np.array([r[3] for r in rows]),
        weight=weights,
        twfe_estimate=twfe_estimate,
        n_units=int(n_units),
        n_periods=int(n_periods),
        group_sizes=groups.sizes,
        outcome=y_col,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class _BalancedPanel:
    """Outcomes as a units x periods matrix, the sorted periods and each unit's cohort."""

    y: FloatArray
    periods: FloatArray
    g_first: FloatArray


def _balanced_panel(
    frame: pd.DataFrame, y_col: str, u_col: str, t_col: str, g_col: str
) -> _BalancedPanel:
    """The outcome matrix of a balanced panel with one cohort per unit (else an error that
    says how to get there)."""
    df = frame.loc[:, list(dict.fromkeys([u_col, t_col, g_col, y_col]))]
    check_unique_keys(df, u_col, t_col, "bacon")
    if df[t_col].isna().any():
        raise EstimationError(f"bacon: {int(df[t_col].isna().sum())} rows have no {t_col!r}")
    missing_y = df[y_col].isna()
    if missing_y.any():
        raise EstimationError(
            f"bacon needs a balanced panel, but {int(missing_y.sum())} rows have no {y_col!r}; "
            f"drop the units with a missing outcome (e.g. df.groupby({u_col!r}).filter(lambda d: "
            f"d[{y_col!r}].notna().all())) or impute it first"
        )
    unit_codes, unit_levels = pd.factorize(df[u_col], sort=False)
    periods, time_codes = np.unique(df[t_col].to_numpy(dtype=float), return_inverse=True)
    n_units, n_periods = unit_levels.size, periods.size
    if len(df) != n_units * n_periods:
        counts = np.bincount(unit_codes, minlength=n_units)
        short = unit_levels[counts < n_periods][:5].tolist()
        raise EstimationError(
            f"bacon needs a balanced panel: {int(np.sum(counts < n_periods))} of {n_units} units "
            f"are not observed in all {n_periods} periods (e.g. {short}); keep the units "
            f"observed every period, e.g. df.groupby({u_col!r}).filter(lambda d: len(d) == "
            f"{n_periods})"
        )
    if n_periods < 2:
        raise EstimationError("bacon: the panel has a single period; nothing to decompose")

    g_rows = df[g_col].to_numpy(dtype=float)
    g_first = np.full(n_units, np.nan)
    g_first[unit_codes] = g_rows
    varies = np.bincount(
        unit_codes,
        weights=(g_rows != g_first[unit_codes])
        & ~(np.isnan(g_rows) & np.isnan(g_first[unit_codes])),
    )
    if np.any(varies > 0):
        bad = unit_levels[varies > 0][:5].tolist()
        raise EstimationError(
            f"bacon: {g_col!r} changes within unit(s) {bad}; the first treated period must be "
            "the same in every row of a unit (treatment is assumed to be absorbing)"
        )
    y = np.empty((n_units, n_periods))
    y[unit_codes, time_codes] = df[y_col].to_numpy(dtype=float)
    return _BalancedPanel(y, periods, g_first)


@dataclass(frozen=True)
class _Groups:
    """Timing cohorts, never treated (U) and always treated (A): mean outcome paths, shares
    of the units, cohort labels and sizes by group name."""

    cohorts: FloatArray
    dbar: dict[float, float]  # share of periods treated, by cohort
    first_period: dict[float, int]  # index of the first treated period, by cohort
    means: dict[str, FloatArray]
    share: dict[str, float]
    labels: dict[str, float]
    sizes: dict[str, int]


def _group_means(
    y: FloatArray,
    periods: FloatArray,
    g_first: FloatArray,
    never: NDArray[np.bool_],
    always: NDArray[np.bool_],
    timing: NDArray[np.bool_],
) -> _Groups:
    n_units = y.shape[0]
    cohorts = np.unique(g_first[timing])
    dbar = {float(c): float(np.mean(periods >= c)) for c in cohorts}
    first_period = {float(c): int(np.argmax(periods >= c)) for c in cohorts}
    means: dict[str, FloatArray] = {}
    share: dict[str, float] = {}
    labels: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for c in cohorts:
        m = timing & (g_first == c)
        key = _num(c)
        means[key], share[key], labels[key], sizes[key] = (
            y[m].mean(axis=0),
            m.sum() / n_units,
            float(c),
            int(m.sum()),
        )
    t_min = periods[0]
    for key, m, num in (("never treated", never, np.nan), ("always treated", always, t_min)):
        if m.any():
            means[key], share[key], labels[key], sizes[key] = (
                y[m].mean(axis=0),
                m.sum() / n_units,
                float(num),
                int(m.sum()),
            )
    return _Groups(cohorts, dbar, first_period, means, share, labels, sizes)


def _comparisons(
    groups: _Groups, n_periods: int
) -> tuple[list[tuple[str, str, str, float, float]], list[str]]:
    """Every 2x2 comparison ``(treated, control, type, estimate, unnormalised weight)`` and
    the pairs of cohorts skipped because they start in the same observed period."""
    means, share, dbar, first_period = (
        groups.means,
        groups.share,
        groups.dbar,
        groups.first_period,
    )
    cohorts = groups.cohorts

    def window_diff(key: str, after: NDArray[np.bool_], before: NDArray[np.bool_]) -> float:
        return float(means[key][after].mean() - means[key][before].mean())

    rows: list[tuple[str, str, str, float, float]] = []
    idx = np.arange(n_periods)
    for c in cohorts:
        k = _num(c)
        post, pre = idx >= first_period[float(c)], idx < first_period[float(c)]
        dk = dbar[float(c)]
        for ctrl, kind in (
            ("never treated", TREATED_VS_NEVER),
            ("always treated", LATER_VS_ALWAYS),
        ):
            if ctrl not in means:
                continue
            est = window_diff(k, post, pre) - window_diff(ctrl, post, pre)
            s = share[k] * share[ctrl] * dk * (1 - dk)
            rows.append((k, ctrl, kind, est, s))
    skipped = []
    for i, c_early in enumerate(cohorts):
        for c_late in cohorts[i + 1 :]:
            k, ell = _num(c_early), _num(c_late)
            fk, fl = first_period[float(c_early)], first_period[float(c_late)]
            if fk == fl:
                skipped.append(f"{k} and {ell}")
                continue
            dk, dl = dbar[float(c_early)], dbar[float(c_late)]
            nk, nl = share[k], share[ell]
            n_kl = nk / (nk + nl)
            pre, mid, post = idx < fk, (idx >= fk) & (idx < fl), idx >= fl
            # earlier k treated, later l as control, periods before l starts
            est = window_diff(k, mid, pre) - window_diff(ell, mid, pre)
            s = (
                ((nk + nl) * (1 - dl)) ** 2
                * n_kl
                * (1 - n_kl)
                * ((dk - dl) / (1 - dl) * (1 - dk) / (1 - dl))
            )
            rows.append((k, ell, EARLIER_VS_LATER, est, s))
            # later l treated, already-treated k as control, periods from k's start
            est = window_diff(ell, post, mid) - window_diff(k, post, mid)
            s = ((nk + nl) * dk) ** 2 * n_kl * (1 - n_kl) * (dl / dk * (dk - dl) / dk)
            rows.append((ell, k, LATER_VS_EARLIER, est, s))
    return rows, skipped
