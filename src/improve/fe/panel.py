"""Fixed-effects panel regression with small-cluster inference, in linearmodels' conventions.

``panel_regression`` fits ``outcome ~ treatment (+ lags/leads) + covariates | absorbed effects``
as the model of :class:`linearmodels.PanelOLS` (unit and time effects, plus at most one
further effect) or :class:`linearmodels.iv.absorbing.AbsorbingLS` (any number of
high-dimensional effects, e.g. student and school-by-year), with their estimates and
covariances, computed here (:mod:`improve.fe.within`): the effects are partialled out from
factorized ids with numpy group sums (exact for one effect; the largest effect exactly and
the reduced normal equations of the others for several), then least squares on the within
design. Only HC1 with AbsorbingLS' model still calls linearmodels, which counts the absorbed
degrees of freedom by the rank of the dummies. CR2 (Bell–McCaffrey, Satterthwaite degrees of
freedom) and the restricted wild cluster bootstrap are computed in :mod:`improve.inference`
on the same partialled design. The stored references (tests/reference) compare the results
with linearmodels, pyfixest, R clubSandwich and wildboottest.

Small-sample conventions (stated in every result's ``vcov_label``):

* ``"hc1"``: ``n / (n - k - k_fe)`` times the White covariance (linearmodels ``robust``,
  ``debiased=True``; every absorbed level counted), t with ``n - k - k_fe`` df;
* ``"cr1"``: ``G/(G-1) * (n-1)/(n-k)`` (Stata / fixest ``ssc(fixef.K = "none")``; k counts the
  regressors only), t with ``G - 1`` df;
* ``"twoway"``: Cameron–Gelbach–Miller ``V_1 + V_2 - V_12``, each with its own ``G/(G-1)``,
  times ``(n-1)/(n-k)``, t with ``min(G_1, G_2) - 1`` df;
* ``"cr2"``: no further factor; t with Satterthwaite df per coefficient (clubSandwich);
* ``"wild"``: CR1 standard errors; p-values and intervals from the restricted wild cluster
  bootstrap-t (intervals by test inversion).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from improve import inference
from improve._deprecation import DeprecatedAttribute
from improve._maketables import MaketablesHooks
from improve.data.columns import panel_columns, panel_frame
from improve.errors import EstimationError, SpecError
from improve.fe.within import within_fit
from improve.results import Result

SE_TYPES = ("hc1", "cr1", "twoway", "cr2", "wild")
#: Fewer clusters than this and CR1 is requested: the result warns.
FEW_CLUSTERS = 40

_SE_LABELS = {
    "hc1": "heteroskedasticity-robust (HC1)",
    "cr1": "cluster-robust CR1 (G/(G-1)·(n-1)/(n-k)), t(G-1)",
    "twoway": "two-way cluster-robust CR1 (Cameron–Gelbach–Miller), t(min G - 1)",
    "cr2": "cluster-robust CR2 (Bell–McCaffrey) with Satterthwaite df",
    "wild": "wild cluster bootstrap-t (restricted, WCR); SE shown is CR1",
}


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FEResult(MaketablesHooks, Result):
    """Estimates of one fixed-effects regression (one outcome).

    Attributes
    ----------
    outcome : str
        Dependent variable.
    terms : tuple of str
        Regressor names (treatment, its lags ``_lag1`` … and leads ``_lead1`` …, covariates).
    estimate, std_error, statistic, p_value, conf_low, conf_high : numpy.ndarray
        One value per term. ``statistic`` is the t statistic (estimate / std_error).
    df : numpy.ndarray
        Degrees of freedom of each t reference distribution (NaN for the bootstrap).
    vcov : numpy.ndarray
        Covariance of the estimates under ``vcov_type``.
    vcov_type : str
        Inference requested (the ``se=`` argument): ``"hc1"``, ``"cr1"``, ``"twoway"``,
        ``"cr2"`` or ``"wild"``. ``se`` is its deprecated name.
    vcov_label : str
        What was computed, in words (used in table notes). ``se_label`` is its deprecated
        name.
    n_obs : int
    n_clusters : tuple of int
        Clusters per clustering dimension (empty for HC1).
    cluster : tuple of str
        Clustering column(s).
    absorbed : tuple of str
        Absorbed effects, e.g. ``("school_id", "school_year")`` or ``("district_id×school_year",)``.
    r2_within : float
        R-squared of the model after the absorbed effects are partialled out.
    weights : str or None
    engine : str
        ``"PanelOLS"`` or ``"AbsorbingLS"``: the linearmodels model whose conventions the
        estimates follow.
    alpha : float
    lag : numpy.ndarray
        Relative period of each term: 1 for ``_lag1``, -1 for ``_lead1``, 0 for the
        contemporaneous treatment, NaN for covariates.
    bootstrap : dict
        Draws, weights, seed and whether the draws were enumerated (wild bootstrap only).
    warnings : tuple of str
        Warnings raised while fitting (e.g. few clusters with CR1).
    """

    outcome: str
    terms: tuple[str, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    df: np.ndarray
    vcov: np.ndarray = field(repr=False)
    vcov_type: str
    vcov_label: str
    n_obs: int
    n_clusters: tuple[int, ...]
    cluster: tuple[str, ...]
    absorbed: tuple[str, ...]
    r2_within: float
    weights: str | None
    engine: str
    alpha: float
    lag: np.ndarray = field(repr=False)
    bootstrap: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    se = DeprecatedAttribute("vcov_type")
    se_label = DeprecatedAttribute("vcov_label")

    def tidy(self) -> pd.DataFrame:
        """One row per term: outcome, term, estimate, std_error, statistic, p_value, CI."""
        return pd.DataFrame(
            {
                "outcome": self.outcome,
                "term": list(self.terms),
                "estimate": self.estimate,
                "std_error": self.std_error,
                "statistic": self.statistic,
                "p_value": self.p_value,
                "conf_low": self.conf_low,
                "conf_high": self.conf_high,
            }
        )

    def summary(self) -> str:
        """Readable summary: model, inference used, warnings and the coefficient table."""
        clusters = ", ".join(
            f"{c} ({g} clusters)" for c, g in zip(self.cluster, self.n_clusters, strict=True)
        )
        lines = [
            f"Fixed-effects regression of {self.outcome} ({self.engine}): {self.n_obs:,} rows",
            f"Absorbed effects: {', '.join(self.absorbed) or 'none'}"
            + (f"; weights: {self.weights}" if self.weights else ""),
            f"Inference: {self.vcov_label}" + (f"; clustered by {clusters}" if clusters else ""),
            f"R-squared (within): {self.r2_within:.4f}; {100 * (1 - self.alpha):g}% intervals",
        ]
        if self.bootstrap:
            b = self.bootstrap
            how = "all sign vectors enumerated" if b["enumerated"] else f"seed {b['seed']}"
            lines.append(f"Bootstrap: {b['draws']:,} draws, {b['weights']} weights ({how})")
        lines += [f"Warning: {w}" for w in self.warnings]
        table = self.tidy().drop(columns="outcome")
        return "\n".join(lines) + "\n" + table.to_string(index=False, float_format=_fmt)

    def _notes(self) -> list[str]:
        return self.summary().split("\n")[1 : 4 + bool(self.bootstrap) + len(self.warnings)]

    def _display_table(self) -> pd.DataFrame:
        return self.tidy().drop(columns="outcome")

    # -- maketables: absorbed effects, the chosen inference, within R-squared -------------
    maketables_stat_keys = ("N", "n_clusters", "se_type", "r2_within")

    def _maketables_fixef(self) -> str | None:
        return "+".join(self.absorbed) or None

    def _maketables_vcov(self) -> dict[str, Any]:
        return {"vcov_type": self.vcov_type.upper(), "clustervar": "+".join(self.cluster) or None}

    def _maketables_stats(self) -> dict[str, Any]:
        clusters: Any = None
        if len(self.n_clusters) == 1:
            clusters = self.n_clusters[0]
        elif self.n_clusters:
            clusters = ", ".join(f"{g:,}" for g in self.n_clusters)
        by = f" by: {'+'.join(self.cluster)}" if self.cluster else ""
        stats = {
            "N": self.n_obs,
            "n_clusters": clusters,
            "se_type": self.vcov_type.upper() + by,
            "r2_within": self.r2_within,
        }
        return stats


def _fmt(value: float) -> str:
    return f"{value:.4f}"


@dataclass(frozen=True)
class FEResults:
    """Results for several outcomes fitted in one call (a read-only mapping outcome → result)."""

    results: Mapping[str, FEResult]

    def __getitem__(self, outcome: str) -> FEResult:
        return self.results[outcome]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def items(self) -> Iterator[tuple[str, FEResult]]:
        """(outcome, result) pairs."""
        return iter(self.results.items())

    def tidy(self) -> pd.DataFrame:
        """All outcomes stacked (first column ``outcome``)."""
        return pd.concat([r.tidy() for r in self.results.values()], ignore_index=True)

    def summary(self) -> str:
        """Each outcome's summary."""
        return "\n\n".join(r.summary() for r in self.results.values())

    def _repr_html_(self) -> str:
        return "".join(r._repr_html_() for r in self.results.values())

    def to_list(self) -> list[FEResult]:
        """The results, one per outcome (``maketables.ETable`` expands containers with it)."""
        return list(self.results.values())


# ----------------------------------------------------------------------------- estimator


def panel_regression(
    data: Any,
    outcomes: str | Sequence[str] | None = None,
    treatment: str | Sequence[str] | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    unit_effects: bool = True,
    time_effects: bool = True,
    absorb: str | Sequence[str | Sequence[str]] | None = None,
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | Sequence[str] | None = None,
    lags: int = 0,
    leads: int = 0,
    se: str = "cr1",
    n_boot: int = 9999,
    boot_weights: str = "rademacher",
    seed: int | None = None,
    alpha: float = 0.05,
    engine: str = "auto",
) -> FEResult | FEResults:
    """Panel regression with unit, time and further absorbed fixed effects.

    Parameters
    ----------
    data : Panel or DataFrame
        A :class:`improve.data.Panel` (unit, time, cluster, weight and outcomes default from
        its spec) or a DataFrame with one row per unit × period (× subgroup).
    outcomes : str or list of str, optional
        Dependent variable(s); several give an :class:`FEResults`. Default: the spec's outcomes.
    treatment : str or list of str
        Treatment or dose column(s) (e.g. ``"coach_fte_per_100"``); lags and leads are
        built for these.
    unit, time : str, optional
        Unit and period columns.
    unit_effects, time_effects : bool
        Absorb unit and period effects (default both).
    absorb : str, tuple or list, optional
        Further effects. A string is one factor; a tuple of columns is their interaction, e.g.
        ``absorb=[("district_id", "school_year")]`` for district-by-year effects.
    covariates : list of str, optional
        Further regressors (no lags or leads).
    weights : str, optional
        Regression (analytic) weights column. Default: the spec's ``weights``.
    cluster : str or list of str, optional
        Clustering column (two for ``se="twoway"``). Default: the spec's cluster, else the unit.
    lags, leads : int
        Lags ``treatment_lag1..lag{lags}`` and leads ``treatment_lead1..lead{leads}``, by the
        ordering of the periods present in the data (so with 2020 missing, the lag of 2021 is
        2019). Rows whose lags or leads fall outside the panel are dropped.
    se : {"cr1", "hc1", "twoway", "cr2", "wild"}
        Inference; see the module notes for the exact small-sample factors.
    n_boot : int
        Wild bootstrap draws (all ``2**G`` Rademacher sign vectors when that is fewer).
    boot_weights : {"rademacher", "webb"}
        Wild bootstrap weights (use Webb with fewer than about 12 clusters).
    seed : int, optional
        Seed for the bootstrap draws (numpy ``Generator``).
    alpha : float
        1 − confidence level.
    engine : {"auto", "panelols", "absorbing"}
        Whose model and conventions (linearmodels'): ``"panelols"`` needs one row per unit
        and period; ``"absorbing"`` takes any rows. ``"auto"``: PanelOLS when at most two
        effects are absorbed
        (unit, time, or one further factor), else AbsorbingLS.

    Returns
    -------
    FEResult or FEResults
        One result for a single outcome (string), a collection for a list of outcomes.

    Raises
    ------
    SpecError
        A column is missing or an option is not one of the allowed values.
    EstimationError
        The model cannot be estimated (e.g. the treatment is absorbed by the effects).

    Examples
    --------
    >>> panel = improve.data.load_panel("data/demo/schools.csv", columns="data/demo/columns.yaml")
    >>> res = panel_regression(panel, "math_ss", "coach_fte_per_100", lags=1, se="cr2")
    >>> res.tidy()
    """
    frame, spec = panel_frame(data, "panel_regression")
    if outcomes is None and spec is not None:
        outcomes = list(spec.outcomes)
    single = isinstance(outcomes, str)
    outcome_list = [outcomes] if single else list(outcomes or [])
    treat_list = [treatment] if isinstance(treatment, str) else list(treatment or [])
    if not outcome_list:
        raise SpecError("panel_regression: name the outcome(s), e.g. outcomes='math_ss'")
    if not treat_list and not covariates:
        raise SpecError(
            "panel_regression: name the treatment or dose, e.g. treatment='coach_fte_per_100'"
        )
    _, names = panel_columns(
        data,
        "panel_regression",
        outcome=outcome_list[0],
        unit=unit,
        time=time,
        covariates=(),
        cluster=cluster if isinstance(cluster, str) else None,
        weights=weights,
        required=(),
    )
    unit, time, weights = names.unit, names.time, names.weights
    se = str(se).lower()
    _check_options(se, boot_weights, engine, lags, leads)
    if cluster is None:
        cluster = names.cluster or unit
    cluster_list = [cluster] if isinstance(cluster, str) else list(cluster or [])
    _check_roles(se, cluster_list, unit, time, unit_effects, time_effects, lags, leads)
    effects = _absorbed_effects(unit, time, unit_effects, time_effects, absorb)

    needed = [*outcome_list, *treat_list, *(covariates or [])]
    needed += [c for eff in effects for c in eff] + cluster_list
    needed += [c for c in (unit, time, weights) if c]
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise SpecError(
            f"panel_regression: column(s) {missing} are not in the data; columns are "
            f"{list(frame.columns)[:20]}"
            + (
                "; a Panel keeps only mapped columns: list them under 'covariates:' in the "
                "column map (or pass the DataFrame)"
                if spec is not None
                else ""
            )
        )
    work = frame.loc[:, list(dict.fromkeys(needed))]
    terms, lag_of = _regressors(work, treat_list, covariates or [], unit, time, lags, leads)
    if lags or leads:
        new = [c for c in terms.columns if c not in work.columns]
        work = pd.concat([work, terms[new]], axis=1)
    regressors = list(terms.columns)

    results: dict[str, FEResult] = {}
    for outcome in outcome_list:
        results[outcome] = _fit_one(
            work,
            outcome,
            regressors,
            lag_of,
            unit=unit,
            time=time,
            effects=effects,
            weights=weights,
            cluster_list=cluster_list,
            se=se,
            n_boot=n_boot,
            boot_weights=boot_weights,
            seed=seed,
            alpha=alpha,
            engine=engine,
            unit_effects=unit_effects,
            time_effects=time_effects,
        )
    return results[outcome_list[0]] if single else FEResults(results)


def _check_options(se: str, boot_weights: str, engine: str, lags: int, leads: int) -> None:
    if se not in SE_TYPES:
        raise SpecError(f"se must be one of {', '.join(SE_TYPES)}; got {se!r}")
    if boot_weights not in ("rademacher", "webb"):
        raise SpecError(f"boot_weights must be 'rademacher' or 'webb'; got {boot_weights!r}")
    if engine not in ("auto", "panelols", "absorbing"):
        raise SpecError(f"engine must be 'auto', 'panelols' or 'absorbing'; got {engine!r}")
    if lags < 0 or leads < 0:
        raise SpecError("lags and leads are counts of periods and must be 0 or more")


def _check_roles(
    se: str,
    cluster_list: list[str],
    unit: str | None,
    time: str | None,
    unit_effects: bool,
    time_effects: bool,
    lags: int,
    leads: int,
) -> None:
    """The clustering columns fit ``se``; unit and time columns exist where needed."""
    if se == "twoway" and len(cluster_list) != 2:
        raise SpecError("se='twoway' needs two clustering columns: cluster=['district_id', ...]")
    if se != "twoway" and len(cluster_list) > 1:
        raise SpecError("several cluster columns are only used with se='twoway'")
    if se in ("cr1", "cr2", "wild") and not cluster_list:
        raise SpecError(f"se='{se}' needs a cluster column: pass cluster=... or unit=...")
    if (unit_effects or lags or leads) and not unit:
        raise SpecError("unit effects, lags and leads need the unit column: pass unit=...")
    if (time_effects or lags or leads) and not time:
        raise SpecError("time effects, lags and leads need the time column: pass time=...")


def _absorbed_effects(
    unit: str | None,
    time: str | None,
    unit_effects: bool,
    time_effects: bool,
    absorb: str | Sequence[str | Sequence[str]] | None,
) -> list[tuple[str, ...]]:
    """The absorbed effects as column tuples (unit, time, then ``absorb``; no duplicates)."""
    effects: list[tuple[str, ...]] = []
    if unit_effects:
        effects.append((unit,))
    if time_effects:
        effects.append((time,))
    for item in [absorb] if isinstance(absorb, str) else list(absorb or []):
        key = (item,) if isinstance(item, str) else tuple(item)
        if key not in effects:
            effects.append(key)
    if not effects:
        raise SpecError("panel_regression absorbs no effects: keep unit/time effects or absorb=")
    return effects


def _regressors(
    frame: pd.DataFrame,
    treatments: list[str],
    covariates: Sequence[str],
    unit: str | None,
    time: str | None,
    lags: int,
    leads: int,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Treatment, its lags and leads (by period position within unit), covariates."""
    cols: dict[str, pd.Series] = {}
    lag_of: dict[str, float] = {}
    if lags or leads:
        periods = np.sort(pd.unique(frame[time].dropna()))
        position = np.searchsorted(periods, frame[time].to_numpy())
        ucode = pd.factorize(frame[unit])[0].astype(np.int64)
        key = ucode * (periods.size + lags + leads + 2) + position
        lookup = pd.Series(np.arange(len(frame)), index=key)
        if lookup.index.has_duplicates:
            raise EstimationError(
                "lags/leads need one row per unit and period; the data has duplicated "
                f"({unit}, {time}) rows (subgroups?) — aggregate or filter them first"
            )
    for col in treatments:
        values = frame[col].to_numpy(dtype=float)
        cols[col] = pd.Series(values, index=frame.index)
        lag_of[col] = 0.0
        for k in [*range(1, lags + 1), *(-k for k in range(1, leads + 1))]:
            pos = lookup.reindex(key - k).to_numpy()
            shifted = np.full(len(frame), np.nan)
            ok = ~np.isnan(pos)
            shifted[ok] = values[pos[ok].astype(np.int64)]
            name = f"{col}_lag{k}" if k > 0 else f"{col}_lead{-k}"
            cols[name] = pd.Series(shifted, index=frame.index)
            lag_of[name] = float(k)
    for col in covariates:
        cols[col] = pd.Series(frame[col].to_numpy(dtype=float), index=frame.index)
        lag_of[col] = np.nan
    return pd.DataFrame(cols, index=frame.index), lag_of


def _effect_codes(frame: pd.DataFrame, effect: tuple[str, ...]) -> np.ndarray:
    if len(effect) == 1:
        return pd.factorize(frame[effect[0]])[0].astype(np.int64)
    codes = np.zeros(len(frame), dtype=np.int64)
    for col in effect:
        c = pd.factorize(frame[col])[0].astype(np.int64)
        codes = codes * (int(c.max()) + 1) + c
    return pd.factorize(codes)[0].astype(np.int64)


def _fit_one(
    work: pd.DataFrame,
    outcome: str,
    regressors: list[str],
    lag_of: dict[str, float],
    *,
    unit: str | None,
    time: str | None,
    effects: list[tuple[str, ...]],
    weights: str | None,
    cluster_list: list[str],
    se: str,
    n_boot: int,
    boot_weights: str,
    seed: int | None,
    alpha: float,
    engine: str,
    unit_effects: bool,
    time_effects: bool,
) -> FEResult:
    df, y, X, w = _complete_rows(work, outcome, regressors, weights, cluster_list)
    n = len(df)
    codes = [_effect_codes(df, eff) for eff in effects]
    clusters = [pd.factorize(df[c])[0].astype(np.int64) for c in cluster_list]
    n_clusters = tuple(int(c.max()) + 1 for c in clusters)
    use_panel = engine == "panelols" or (
        engine == "auto" and unit is not None and time is not None and _panel_ok(effects, unit)
    )
    if use_panel:
        _check_one_row_per_period(df, unit, time)
    name = "PanelOLS" if use_panel else "AbsorbingLS"
    if se == "hc1" and not use_panel:
        # AbsorbingLS counts the absorbed degrees of freedom by the rank of the dummies
        beta, cov, df_resid, r2 = _fit_absorbing_hc1(y, X, w, regressors, codes)
        partialled = None
    else:
        own = within_fit(y, X, codes, clusters, w, regressors, se)
        beta, cov, df_resid, r2 = own.params, own.cov, own.df_resid, own.r2_within
        partialled = own.partialled
    absorbed = tuple("×".join(e) for e in effects)
    inf = _coefficient_inference(
        se,
        beta,
        cov,
        df_resid,
        n_clusters,
        _WithinInputs(y, X, codes, clusters, w, partialled),
        n_boot=n_boot,
        boot_weights=boot_weights,
        seed=seed,
        alpha=alpha,
    )
    for note in inf.notes:
        warnings.warn(f"{outcome}: {note}", UserWarning, stacklevel=3)
    return FEResult(
        outcome=outcome,
        terms=tuple(regressors),
        estimate=beta,
        std_error=inf.std,
        statistic=inf.tstat,
        p_value=np.asarray(inf.p_value, dtype=float),
        conf_low=np.asarray(inf.conf_low, dtype=float),
        conf_high=np.asarray(inf.conf_high, dtype=float),
        df=np.asarray(inf.df, dtype=float),
        vcov=inf.vcov,
        vcov_type=se,
        vcov_label=_SE_LABELS[se],
        n_obs=n,
        n_clusters=n_clusters if se != "hc1" else (),
        cluster=tuple(cluster_list) if se != "hc1" else (),
        absorbed=absorbed,
        r2_within=float(r2),
        weights=weights,
        engine=name,
        alpha=alpha,
        lag=np.array([lag_of[t] for t in regressors], dtype=float),
        bootstrap=inf.bootstrap,
        warnings=tuple(inf.notes),
    )


def _complete_rows(
    work: pd.DataFrame,
    outcome: str,
    regressors: list[str],
    weights: str | None,
    cluster_list: list[str],
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray | None]:
    """Rows with the outcome, every regressor, the weight and the clusters observed; the
    outcome vector, regressor matrix and weights of those rows."""
    cols = [outcome, *regressors, *([weights] if weights else [])]
    values = work[cols].to_numpy(dtype=float)
    ok = ~np.isnan(values).any(axis=1)
    for c in cluster_list:
        ok &= work[c].notna().to_numpy()
    df = work.loc[ok] if not ok.all() else work
    if len(df) == 0:
        raise EstimationError(f"no rows with {outcome} and all regressors observed")
    y = df[outcome].to_numpy(dtype=float)
    X = df[regressors].to_numpy(dtype=float)
    w = df[weights].to_numpy(dtype=float) if weights else None
    if w is not None and (w <= 0).any():
        raise EstimationError(f"weights column '{weights}' must be positive in every used row")
    return df, y, X, w


@dataclass(frozen=True)
class _WithinInputs:
    """What CR2 and the wild bootstrap partial the effects out of."""

    y: np.ndarray
    X: np.ndarray
    codes: list[np.ndarray]  # integer codes of each absorbed effect
    clusters: list[np.ndarray]  # integer codes of each clustering column
    w: np.ndarray | None
    partialled: np.ndarray | None = None  # [y, X] with the effects partialled out


@dataclass(frozen=True)
class _CoefficientInference:
    vcov: np.ndarray
    std: np.ndarray
    tstat: np.ndarray
    df: np.ndarray
    p_value: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    notes: list[str]
    bootstrap: dict[str, Any]


def _coefficient_inference(
    se: str,
    beta: np.ndarray,
    vcov: np.ndarray,
    df_resid: float,
    n_clusters: tuple[int, ...],
    within: _WithinInputs,
    *,
    n_boot: int,
    boot_weights: str,
    seed: int | None,
    alpha: float,
) -> _CoefficientInference:
    """Covariance, degrees of freedom, p-values and intervals of one fit for ``se`` (from
    covariance ``vcov`` of the within fit; CR2 and the wild bootstrap on the within design)."""
    n, k = within.X.shape
    notes: list[str] = []
    extra: dict[str, Any] = {}
    if se in ("cr1", "twoway"):
        vcov = vcov * (n - 1) / (n - k)
        dfree = np.full(k, float(max(min(n_clusters) - 1, 1)))
    elif se == "hc1":
        dfree = np.full(k, df_resid)
    if se in ("cr1", "twoway") and min(n_clusters) < FEW_CLUSTERS:
        notes.append(
            f"only {min(n_clusters)} clusters: CR1 standard errors are too small with fewer "
            f"than about {FEW_CLUSTERS} clusters; use se='cr2' or se='wild'"
        )
    std = np.sqrt(np.diag(vcov))
    tstat = beta / std
    if se in ("cr2", "wild"):
        design = inference.within_design(
            within.y,
            within.X,
            within.codes,
            within.clusters[0],
            within.w,
            partialled=within.partialled,
        )
        if se == "cr2":
            out = inference.cr2(design)
            vcov = out.vcov
            std = np.sqrt(np.diag(vcov))
            tstat = beta / std
            dfree = out.df
        else:
            vcov = vcov * (n - 1) / (n - k)
            std = np.sqrt(np.diag(vcov))
            tstat = beta / std
            boot = inference.wild_bootstrap(
                design, n_boot=n_boot, weights=boot_weights, seed=seed, alpha=alpha
            )
            dfree = np.full(k, np.nan)
            extra = {
                "draws": boot.n_draws,
                "weights": boot_weights,
                "seed": seed,
                "enumerated": boot.enumerated,
            }
            if boot_weights == "rademacher" and n_clusters[0] < 12 and not boot.enumerated:
                notes.append("fewer than 12 clusters: Webb weights are more reliable")
    if se == "wild":
        pval, lo, hi = boot.p_value, boot.conf_low, boot.conf_high
    else:
        pval = 2 * stats.t.sf(np.abs(tstat), dfree)
        crit = stats.t.ppf(1 - alpha / 2, dfree)
        lo, hi = beta - crit * std, beta + crit * std
    return _CoefficientInference(vcov, std, tstat, dfree, pval, lo, hi, notes, extra)


def _check_one_row_per_period(df: pd.DataFrame, unit: str | None, time: str | None) -> None:
    """PanelOLS' model: one row per (unit, period)."""
    if unit is None or time is None:
        return
    ucode, units = pd.factorize(df[unit])
    tcode, periods = pd.factorize(df[time])
    key = ucode.astype(np.int64) * (len(periods) + 1) + tcode
    if len(units) * (len(periods) + 1) <= 8 * len(key):
        duplicated = bool(np.bincount(key[key >= 0]).max(initial=0) > 1)
    else:
        duplicated = bool(pd.Series(key).duplicated().any())
    if duplicated:
        raise EstimationError(
            f"PanelOLS needs one row per ({unit}, {time}); use engine='absorbing' for data with "
            "several rows per unit and period (e.g. subgroups)"
        )


def _panel_ok(effects: list[tuple[str, ...]], unit: str) -> bool:
    """PanelOLS takes entity and time effects plus one more, at most two in all."""
    return len(effects) <= 2


def _fit_absorbing_hc1(
    y: np.ndarray,
    X: np.ndarray,
    w: np.ndarray | None,
    regressors: list[str],
    codes: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Coefficients, HC1 covariance, residual df and within R-squared from linearmodels'
    AbsorbingLS (its absorbed degrees of freedom are the rank of the effects' dummies)."""
    from linearmodels.iv.absorbing import AbsorbingLS

    index = pd.RangeIndex(len(y))
    absorb = pd.DataFrame({f"fe{i}": pd.Categorical(c) for i, c in enumerate(codes)}, index=index)
    model = AbsorbingLS(
        pd.Series(y, index=index, name="y"),
        pd.DataFrame(X, index=index, columns=regressors),
        absorb=absorb,
        weights=pd.Series(w, index=index) if w is not None else None,
        drop_absorbed=True,
    )
    try:
        fit = model.fit(cov_type="robust", debiased=True)
    except ValueError as exc:
        if "absorbed" not in str(exc):
            raise
        fit = None
    params = fit.params.reindex(regressors) if fit is not None else pd.Series(index=regressors)
    if params.isna().any():
        raise EstimationError(
            f"{list(params.index[params.isna()])} are absorbed by the fixed effects (constant "
            "within an absorbed group) and cannot be estimated; drop them or absorb fewer effects"
        )
    cov = fit.cov.loc[regressors, regressors].to_numpy()
    return params.to_numpy(), cov, float(fit.df_resid), float(fit.absorbed_rsquared)
