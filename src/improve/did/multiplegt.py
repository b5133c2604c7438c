"""Treatment that switches on and off, of any intensity: de Chaisemartin & D'Haultfoeuille.

:func:`did_multiplegt_dyn` follows R ``DIDmultiplegtDYN`` (``did_multiplegt_dyn``) and keeps
its option names: ``effects``, ``placebo``, ``normalized``, ``switchers`` ("in", "out" or
both), ``only_never_switchers``, ``same_switchers``, ``trends_lin``, ``weight``, ``cluster``,
``effects_equal`` and the average total effect per unit of treatment. Effect ``l`` compares
the outcome change from ``F_g-1`` to ``F_g-1+l`` of groups whose treatment first changed at
``F_g`` with that of groups with the same first-period treatment that have not changed yet
(de Chaisemartin & D'Haultfoeuille 2024, *Review of Economics and Statistics*). Point
estimates and unclustered standard errors equal moderndid's ``did_multiplegt`` to 1e-15 on
R's ``favara_imbs`` example (switchers out: up to the sign, which follows R and diff-diff),
and every option, ``controls`` included, equals R ``did_multiplegt_dyn`` itself to 1e-8. See
``tests/reference/multiplegt_README.md``.

:func:`exit_event_study` is the same estimator on the units whose treatment stops: each
treated unit from its first treated period on, so the status quo is "still treated", the
comparison units are those still treated, and effect ``k`` is the effect of having stopped
``k`` periods earlier. As in R, effects are those of a *higher* treatment: for units whose
treatment stops, ``Effect_k`` is the outcome had treatment continued minus the outcome
after it stopped (positive when the gains fade).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from improve.data.columns import check_unique_keys, panel_columns
from improve.did._multiplegt_controls import (
    ControlFit,
    control_array,
    first_difference_controls,
    fit_controls,
)
from improve.did._multiplegt_core import (
    HorizonFit,
    clustered_vcov,
    horizon_fit,
    same_switchers_mask,
)
from improve.did._multiplegt_jackknife import jackknife_covariance
from improve.did._multiplegt_prepare import SwitchPanel, build_switch_panel, first_difference
from improve.did._multiplegt_tests import (
    average_total_effect,
    equality_test,
    sup_t_critical,
    wald_test,
)
from improve.errors import DataError, EstimationError, SpecError
from improve.results import Result, tidy_frame

Switchers = Literal["both", "in", "out"]
SmallSample = Literal["R", "CR2", "jackknife"]

#: A unit whose treatment changes this many times or more is reported as switching often.
MANY_SWITCHES = 3


@dataclass(frozen=True)
class MultiplegtResult(Result):
    """Dynamic effects, placebos and tests of the dCDH estimator.

    Attributes
    ----------
    outcome, treatment : str
    horizons : ndarray
        ``1..L`` for effects, ``-1..-P`` for placebos (rows of ``estimate``).
    estimate, std_error : ndarray
        One per horizon (NaN where not identified).
    n_switchers, n_obs : ndarray
        Switchers and cells used by each horizon.
    n_switcher_clusters : ndarray
        Clusters (groups when unclustered) holding the switchers of each horizon: how many
        independent units the horizon's comparison really rests on.
    vcov_effects, vcov_placebos : ndarray
        Covariance of the effects (of the placebos), clustered as the standard errors.
    av_tot_eff, av_tot_eff_se : float
        Average total effect per unit of treatment and its standard error.
    placebo_test, equality_test : tuple
        ``(statistic, df, p_value)`` of the joint test that placebos are zero and that all
        effects are equal (NaN when not computed).
    uniform_crit : float
        Critical value of the uniform (sup-t) band over the effects.
    small_sample : str
        ``"R"``, ``"CR2"`` or ``"jackknife"``: the variance (see :func:`did_multiplegt_dyn`).
    df : float
        Degrees of freedom of the intervals' t critical values: clusters minus one with the
        jackknife, ``inf`` (normal) otherwise.
    notes : tuple of str
        Plain sentences on the sample (dropped or frequently switching units, effects not
        identified).
    """

    outcome: str
    treatment: str
    horizons: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    n_switchers: np.ndarray
    n_obs: np.ndarray
    vcov_effects: np.ndarray
    vcov_placebos: np.ndarray
    av_tot_eff: float
    av_tot_eff_se: float
    placebo_test: tuple[float, int, float]
    equality_test: tuple[float, int, float]
    uniform_crit: float
    n_groups: int
    n_switching_groups: int
    normalized: bool
    switchers: str
    design: str = "entry"
    confidence_level: float = 0.95
    vcov_type: str = "group"
    small_sample: str = "R"
    df: float = float("inf")
    notes: tuple[str, ...] = field(default_factory=tuple)
    n_switcher_clusters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    def tidy(self) -> pd.DataFrame:
        """Rows ``Effect_1..``, ``Placebo_1..`` and ``Av_tot_eff`` (R's row names), with
        ``horizon``, ``n_switchers`` and, for the effects, a uniform band."""
        eff = self.horizons > 0
        terms = [f"Effect_{h}" if h > 0 else f"Placebo_{-h}" for h in self.horizons]
        crit = np.where(eff, self.uniform_crit, np.nan)
        est = np.r_[self.estimate, self.av_tot_eff]
        se = np.r_[self.std_error, self.av_tot_eff_se]
        return tidy_frame(
            [*terms, "Av_tot_eff"],
            est,
            se,
            confidence_level=self.confidence_level,
            extra={
                "horizon": np.r_[self.horizons.astype(float), np.nan],
                "n_switchers": np.r_[self.n_switchers.astype(float), np.nan],
            },
            uniform_crit=np.r_[crit, np.nan],
            df=self.df,
        )

    def effects(self) -> pd.DataFrame:
        """The effect and placebo rows only, ordered by horizon (placebos first)."""
        t = self.tidy()
        t = t[t["term"] != "Av_tot_eff"]
        return t.sort_values("horizon", kind="stable").reset_index(drop=True)

    def _title(self) -> str:
        kind = "after treatment stops" if self.design == "exit" else "of switching treatment"
        return f"de Chaisemartin-D'Haultfoeuille effects {kind}: {self.outcome} ({self.treatment})"

    def _notes(self) -> list[str]:
        lines = [
            f"{self.n_switching_groups} switching groups of {self.n_groups}; switchers: "
            f"{self.switchers}; {'normalized; ' if self.normalized else ''}"
            f"standard errors clustered by {self.vcov_type}"
            + {
                "CR2": " with CR2 small-sample factors.",
                "jackknife": f" (leave-one-out jackknife; t intervals with {self.df:g} df).",
            }.get(self.small_sample, ".")
        ]
        stat, df, p = self.placebo_test
        if df and np.isfinite(p):
            lines.append(
                f"Joint test that the {df} placebos are zero: chi2 = {stat:.3f}, p = {p:.4f}."
            )
        stat, df, p = self.equality_test
        if df and np.isfinite(p):
            lines.append(
                f"Test that all effects are equal: chi2 = {stat:.3f} ({df} df), p = {p:.4f}."
            )
        return [*lines, *self.notes]

    def plot(self, **kwargs: Any) -> Any:
        """Effects and placebos by horizon with pointwise and uniform bands."""
        from improve.report.onoff_figures import plot_switch_event_study

        return plot_switch_event_study(self.effects(), design=self.design, **kwargs)


def _frame(
    data: Any,
    outcome: str | None,
    group: str | None,
    time: str | None,
    treatment: str | None,
    cluster: str | None,
    weight: str | None,
    caller: str,
    controls: list[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, str | None]]:
    frame, cols = panel_columns(
        data,
        caller,
        outcome=outcome,
        unit=group,
        time=time,
        cohort=None,
        cluster=cluster,
        weights=weight,
        covariates=list(controls or []),
        required=("outcome", "unit", "time"),
        numeric=("outcome", "time"),
    )
    if treatment is None:
        spec = getattr(data, "spec", None)
        treatment = getattr(spec, "treatment", None)
    if treatment is None or treatment not in frame.columns:
        raise SpecError(
            f"{caller} needs the treatment column (numeric, may switch on and off), e.g. "
            f"{caller}(df, 'score', group='school', time='year', treatment='grant_active'); "
            f"got {treatment!r}"
        )
    if not pd.api.types.is_numeric_dtype(frame[treatment]):
        raise DataError(
            f"{caller}: the treatment column {treatment!r} must be numeric (0/1 or an "
            f"intensity), got {frame[treatment].dtype} with values such as "
            f"{list(frame[treatment].dropna().unique()[:3])}; recode it to numbers"
        )
    bad = [c for c in controls or [] if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise DataError(
            f"{caller}: control(s) {bad} must be numeric, got "
            f"{[str(frame[c].dtype) for c in bad]}; recode them to numbers"
        )
    if controls:
        # R drops the rows with a missing control before anything else
        frame = frame.dropna(subset=list(controls))
    check_unique_keys(frame, cols.unit, cols.time, caller)
    names = {
        "outcome": cols.outcome,
        "group": cols.unit,
        "time": cols.time,
        "treatment": treatment,
        "cluster": cols.cluster,
        "weight": cols.weights,
    }
    return frame, names


def did_multiplegt_dyn(
    data: Any,
    outcome: str | None = None,
    group: str | None = None,
    time: str | None = None,
    treatment: str | None = None,
    *,
    effects: int = 1,
    placebo: int = 0,
    normalized: bool = False,
    switchers: Switchers = "both",
    controls: list[str] | None = None,
    trends_lin: bool = False,
    trends_nonparam: str | None = None,
    weight: str | None = None,
    cluster: str | None = None,
    only_never_switchers: bool = False,
    same_switchers: bool = False,
    effects_equal: bool = False,
    confidence_level: float = 0.95,
    small_sample: SmallSample = "R",
) -> MultiplegtResult:
    """Dynamic effects of a treatment that may switch on and off and take several values.

    Parameters
    ----------
    data : Panel or DataFrame
        One row per group and period.
    outcome, group, time, treatment : str, optional
        Columns (from the column map when ``data`` is a Panel).
    effects, placebo : int
        Number of dynamic effects ``l = 1..effects`` and placebos.
    normalized : bool
        Divide effect ``l`` by the switchers' mean cumulative treatment change.
    switchers : {"both", "in", "out"}
        Groups whose treatment first increases, decreases, or both.
    controls : list of str, optional
        Time-varying numeric controls: outcome changes are residualised on their changes
        among not-yet-switched groups with the same baseline treatment, as R (rows with a
        missing control are dropped).
    trends_lin : bool
        Group-specific linear trends (outcome in first differences, effects cumulated).
    trends_nonparam : str, optional
        A time-invariant column: switchers are compared only with groups sharing its value
        (e.g. the same region, or the same start year).
    weight, cluster : str, optional
        Cell weights; cluster of the standard errors (default: the group).
    only_never_switchers : bool
        Compare with never-switchers only (not with not-yet switchers).
    same_switchers : bool
        Use the same switchers for every effect (those observed ``effects`` periods).
    effects_equal : bool
        Test that all effects are equal.
    confidence_level : float
    small_sample : {"R", "CR2"}
        Small-sample factor of the variance's cohort demeaning: ``"R"`` (default, as R)
        ``sqrt(n/(n-1))`` with ``n`` the clusters of the cohort; ``"CR2"`` the
        bias-reduced linearization factor ``(1 - h)^{-1/2}`` with ``h`` the cluster's share
        of the cohort's weight, the same when clusters have equal weight and larger for a
        large cluster; ``"jackknife"`` re-estimates every effect leaving out each cluster in
        turn (CV3 covariance, t intervals with clusters - 1 degrees of freedom). Point
        estimates are the same. With few or very unequal clusters the analytic variance is
        too small: on the demo design (60 districts of very unequal size) the 95% intervals
        cover 90% with ``"R"``, 92% with ``"CR2"`` (200 draws) and 93-96% for every effect
        with ``"jackknife"`` (500 draws; ``benchmarks/montecarlo_results/``).

    Returns
    -------
    MultiplegtResult
    """
    caller = "did_multiplegt_dyn"
    _check_small_sample(small_sample, caller)
    controls = [controls] if isinstance(controls, str) else list(controls or [])
    if switchers not in ("both", "in", "out"):
        raise SpecError(f"{caller}: switchers must be 'both', 'in' or 'out', got {switchers!r}")
    if effects < 1 or placebo < 0:
        raise SpecError(f"{caller}: effects must be >= 1 and placebo >= 0")
    frame, names = _frame(data, outcome, group, time, treatment, cluster, weight, caller, controls)
    panel = build_switch_panel(
        frame,
        outcome=names["outcome"],
        group=names["group"],
        time=names["time"],
        treatment=names["treatment"],
        weights=names["weight"],
        cluster=names["cluster"],
        switchers=switchers,
        trends_nonparam=trends_nonparam,
    )
    x = control_array(frame, panel, names, controls) if controls else None
    return _estimate(
        panel,
        names,
        x=x,
        effects=effects,
        placebo=placebo,
        normalized=normalized,
        switchers=switchers,
        trends_lin=trends_lin,
        only_never_switchers=only_never_switchers,
        same_switchers=same_switchers,
        effects_equal=effects_equal,
        confidence_level=confidence_level,
        small_sample=small_sample,
    )


def _check_small_sample(small_sample: str, caller: str) -> None:
    if small_sample not in ("R", "CR2", "jackknife"):
        raise SpecError(
            f"{caller}: small_sample must be 'R', 'CR2' or 'jackknife', got {small_sample!r}"
        )


def _estimate(panel: SwitchPanel, names: dict[str, str | None], **opt: Any) -> MultiplegtResult:
    if panel.n_groups == 0 or not np.any(np.isfinite(panel.f)):
        raise EstimationError(
            f"did_multiplegt_dyn: no group's {names['treatment']!r} changes while a group "
            "with the same first-period value keeps it unchanged; there is nothing to "
            "compare (every effect is not identified)"
        )
    x = opt.pop("x", None)
    if opt["trends_lin"]:
        if x is not None:
            x = first_difference_controls(x, panel)
        panel = first_difference(panel)
    ctrl, eff, pl, est_e, u_e, est_p, u_p = _fit_all(panel, x, opt)
    vc_e = clustered_vcov(u_e, panel.n_groups, panel.cluster)
    vc_p = clustered_vcov(u_p, panel.n_groups, panel.cluster) if pl else np.zeros((0, 0))
    valid = [f for f in eff if f is not None]
    ate, ate_se = average_total_effect(valid, panel) if not opt["trends_lin"] else (np.nan, np.nan)
    df = float("inf")
    if opt["small_sample"] == "jackknife":
        vc_e, vc_p, ate_se, n_clusters = _jackknife(panel, x, opt, len(est_e), len(est_p))
        df = float(n_clusters - 1)
    pl_test = wald_test(est_p, vc_p) if opt["placebo"] > 1 else (np.nan, 0, np.nan)
    eq_test = equality_test(est_e, vc_e) if opt["effects_equal"] else (np.nan, 0, np.nan)
    fits = [*eff, *pl]
    horizons = np.r_[np.arange(1, len(eff) + 1), -np.arange(1, len(pl) + 1)]
    se = np.sqrt(np.r_[np.diag(vc_e), np.diag(vc_p)])
    est = np.r_[est_e, est_p]
    se = np.where(np.isfinite(est), se, np.nan)
    return MultiplegtResult(
        outcome=str(names["outcome"]),
        treatment=str(names["treatment"]),
        horizons=horizons,
        estimate=est,
        std_error=se,
        n_switchers=np.array([0 if f is None else f.n_switchers for f in fits]),
        n_switcher_clusters=np.array([0 if f is None else f.n_switcher_clusters for f in fits]),
        n_obs=np.array([0 if f is None else f.n_obs for f in fits]),
        vcov_effects=vc_e,
        vcov_placebos=vc_p,
        av_tot_eff=ate,
        av_tot_eff_se=ate_se,
        placebo_test=pl_test,
        equality_test=eq_test,
        uniform_crit=sup_t_critical(vc_e, opt["confidence_level"], df=df),
        n_groups=panel.n_groups,
        n_switching_groups=int(np.isfinite(panel.f).sum()),
        normalized=opt["normalized"],
        switchers=opt["switchers"],
        confidence_level=opt["confidence_level"],
        vcov_type=str(names["cluster"] or names["group"]),
        small_sample=opt["small_sample"],
        df=df,
        notes=tuple(_sample_notes(panel, eff, pl, names, ctrl)),
    )


def _fit_all(panel: SwitchPanel, x: np.ndarray | None, opt: dict[str, Any]) -> tuple:
    """Controls' first stage, effect and placebo fits, their estimates and influence
    functions."""
    ctrl = fit_controls(panel, x) if x is not None else None
    mask = (
        same_switchers_mask(panel, opt["effects"], opt["only_never_switchers"])
        if opt["same_switchers"]
        else None
    )
    common = dict(
        switchers=opt["switchers"],
        only_never_switchers=opt["only_never_switchers"],
        same_mask=mask,
        controls=ctrl,
        small_sample="R" if opt["small_sample"] == "jackknife" else opt["small_sample"],
        variance=opt.get("variance", True),
    )
    eff = [horizon_fit(panel, h, placebo=False, **common) for h in range(1, opt["effects"] + 1)]
    pl = [horizon_fit(panel, h, placebo=True, **common) for h in range(1, opt["placebo"] + 1)]
    est_e, u_e = _horizon_arrays(eff, panel, opt["normalized"])
    est_p, u_p = _horizon_arrays(pl, panel, opt["normalized"])
    if opt["trends_lin"]:
        eff, est_e, u_e = _trends_lin_effects(panel, opt, ctrl)
    return ctrl, eff, pl, est_e, u_e, est_p, u_p


def _jackknife(
    panel: SwitchPanel, x: np.ndarray | None, opt: dict[str, Any], n_eff: int, n_pl: int
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Jackknife covariances of effects and placebos, the average total effect's SE and the
    number of clusters."""

    refit = {**opt, "small_sample": "R", "variance": False}

    def estimates(sub: SwitchPanel, sub_x: np.ndarray | None) -> np.ndarray:
        try:
            _, eff, _, est_e, _, est_p, _ = _fit_all(sub, sub_x, refit)
        except (ValueError, IndexError, np.linalg.LinAlgError):
            return np.full(n_eff + n_pl + 1, np.nan)
        valid = [f for f in eff if f is not None]
        ate = average_total_effect(valid, sub)[0] if valid and not opt["trends_lin"] else np.nan
        return np.r_[est_e, est_p, ate]

    cov, n_clusters = jackknife_covariance(panel, x, estimates)
    vc_e = cov[:n_eff, :n_eff]
    vc_p = cov[n_eff : n_eff + n_pl, n_eff : n_eff + n_pl] if n_pl else np.zeros((0, 0))
    return vc_e, vc_p, float(np.sqrt(cov[-1, -1])), n_clusters


def _trends_lin_effects(
    panel: SwitchPanel, opt: dict[str, Any], ctrl: ControlFit | None
) -> tuple[list[HorizonFit | None], np.ndarray, np.ndarray]:
    """Effects with group-specific linear trends, as R: effect ``l`` sums the first-difference
    effects ``1..l`` of the same switchers (those with an outcome change and a comparison
    group at every horizon ``1..l``, R's ``same_switchers`` with ``effects = l``), so each
    cumulated effect is that of one set of groups."""
    fits: list[HorizonFit | None] = []
    est = np.full(opt["effects"], np.nan)
    u = np.zeros((panel.n_groups, opt["effects"]))
    for h in range(1, opt["effects"] + 1):
        mask = same_switchers_mask(panel, h, opt["only_never_switchers"])
        parts = [
            horizon_fit(
                panel,
                k,
                placebo=False,
                switchers=opt["switchers"],
                only_never_switchers=opt["only_never_switchers"],
                same_mask=mask,
                controls=ctrl,
                small_sample=opt["small_sample"],
                variance=opt.get("variance", True),
            )
            for k in range(1, h + 1)
        ]
        if any(f is None for f in parts):
            fits.append(None)
            continue
        part_est, part_u = _horizon_arrays(parts, panel, opt["normalized"])
        est[h - 1] = part_est.sum()
        u[:, h - 1] = part_u.sum(axis=1)
        fits.append(parts[-1])
    return fits, est, u


def _horizon_arrays(
    fits: list[HorizonFit | None], panel: SwitchPanel, normalized: bool
) -> tuple[np.ndarray, np.ndarray]:
    est = np.full(len(fits), np.nan)
    u = np.zeros((panel.n_groups, len(fits)))
    for j, f in enumerate(fits):
        if f is None:
            continue
        scale = f.delta_d if normalized and np.isfinite(f.delta_d) and f.delta_d != 0 else 1.0
        est[j] = f.estimate / scale
        u[:, j] = f.influence / scale
    return est, u


def _sample_notes(
    panel: SwitchPanel,
    eff: list[HorizonFit | None],
    pl: list[HorizonFit | None],
    names: dict[str, str | None],
    ctrl: ControlFit | None = None,
) -> list[str]:
    notes = []
    if ctrl is not None and ctrl.singular:
        notes.append(
            "The controls' changes are collinear among not-yet-switched groups with baseline "
            f"treatment {', '.join(f'{v:g}' for v in ctrl.singular)}; a pseudo-inverse was "
            "used for them (as R)."
        )
    if panel.dropped_bidirectional:
        notes.append(
            f"{len(panel.dropped_bidirectional)} groups were left out because their treatment "
            "went both above and below its first value (their effects could change sign)."
        )
    many = int(np.sum(panel.n_switches >= MANY_SWITCHES))
    if many:
        notes.append(
            f"{many} groups change treatment {MANY_SWITCHES} or more times; they are kept, "
            "and each effect counts periods from their first change."
        )
    if panel.no_control_cells:
        cells = ", ".join(
            f"{t} (first-period treatment {b:g})" for t, b in panel.no_control_cells[:8]
        )
        more = (
            ""
            if len(panel.no_control_cells) <= 8
            else f" and {len(panel.no_control_cells) - 8} more"
        )
        notes.append(
            f"No group had kept its first-period treatment in {cells}{more}: groups with that "
            "treatment are not compared in those periods, and effects that would need them "
            "are not identified."
        )
    missing = [f"Effect_{j + 1}" for j, f in enumerate(eff) if f is None]
    missing += [f"Placebo_{j + 1}" for j, f in enumerate(pl) if f is None]
    if missing:
        notes.append(
            f"Not identified: {', '.join(missing)} (no switcher is observed that many periods "
            "from its first change while a group with the same first-period treatment has "
            "not changed yet)."
        )
    return notes


def exit_event_study(
    data: Any,
    outcome: str | None = None,
    group: str | None = None,
    time: str | None = None,
    treatment: str | None = None,
    *,
    effects: int = 3,
    placebo: int = 0,
    weight: str | None = None,
    cluster: str | None = None,
    confidence_level: float = 0.95,
    small_sample: SmallSample = "R",
) -> MultiplegtResult:
    """Effects by periods since treatment ended (the dCDH switchers-out design).

    Every unit ever treated is kept from its first treated period on, so its status quo is
    "treated"; units whose treatment stops are the switchers out and units still treated
    are the comparison, among units that started treatment in the same period (R's
    ``trends_nonparam`` on the start period, so effects that grow with time since the start
    do not bias the comparison). ``Effect_k`` is, as in R, what the outcome would have been ``k``
    periods after treatment ended had it continued minus what it was: zero if the effect
    persists after treatment ends, between zero and the effect during treatment if it
    fades, above it if it reverses.
    """
    caller = "exit_event_study"
    _check_small_sample(small_sample, caller)
    frame, names = _frame(data, outcome, group, time, treatment, cluster, weight, caller)
    d = frame[names["treatment"]]
    t = frame[names["time"]]
    first = t.where(d > 0).groupby(frame[names["group"]]).transform("min")
    kept = frame[first.notna() & (t >= first)].assign(_start_period=first)
    if kept.empty:
        raise EstimationError(f"{caller}: no unit is ever treated ({names['treatment']!r} > 0)")
    panel = build_switch_panel(
        kept,
        outcome=names["outcome"],
        group=names["group"],
        time=names["time"],
        treatment=names["treatment"],
        weights=names["weight"],
        cluster=names["cluster"],
        switchers="out",
        trends_nonparam="_start_period",
    )
    if not np.any(panel.s == -1):
        raise EstimationError(
            f"{caller}: no unit's treatment stops while another unit with the same treatment "
            "continues, so effects after treatment ends are not identified"
        )
    res = _estimate(
        panel,
        names,
        effects=effects,
        placebo=placebo,
        normalized=False,
        switchers="out",
        trends_lin=False,
        only_never_switchers=False,
        same_switchers=False,
        effects_equal=effects > 1,
        confidence_level=confidence_level,
        small_sample=small_sample,
    )
    from dataclasses import replace

    return replace(res, design="exit")


def persistence_verdict(result: MultiplegtResult, funded_periods: int) -> tuple[str, pd.DataFrame]:
    """Whether the effect persists, fades or reverses after treatment ends.

    ``result`` is :func:`did_multiplegt_dyn` on the units whose treatment ended (and the
    never-treated), ``funded_periods`` how long they were treated: ``Effect_l`` for
    ``l > funded_periods`` is their effect ``l - funded_periods`` periods after the end,
    against never being treated, and ``Effect_{funded_periods}`` the effect at the end of
    treatment. With the uniform band: "reverse" if a band after the end lies wholly below
    zero (for a positive effect), "persist" if every band after the end reaches the effect
    at the end of treatment, otherwise "fade".
    """
    eff = result.effects()
    eff = eff[eff["horizon"] > 0].reset_index(drop=True)
    if funded_periods < 1 or funded_periods >= len(eff):
        raise EstimationError(
            f"persistence_verdict needs effects beyond the {funded_periods} treated periods; "
            f"only {len(eff)} effects were estimated"
        )
    during = float(eff.loc[funded_periods - 1, "estimate"])
    after = eff.iloc[funded_periods:]
    after = after[np.isfinite(after["estimate"])]
    low = after["conf_low_uniform"].to_numpy()
    high = after["conf_high_uniform"].to_numpy()
    sign = 1.0 if during >= 0 else -1.0
    if np.any(sign * np.where(sign > 0, high, low) < 0):
        verdict = "reverse"
    elif np.all((low <= during) & (high >= during)):
        verdict = "persist"
    else:
        verdict = "fade"
    table = pd.DataFrame(
        {
            "periods_since_end": after["horizon"].to_numpy() - funded_periods,
            "effect": after["estimate"].to_numpy(),
            "share_remaining": after["estimate"].to_numpy() / during,
            "conf_low_uniform": low,
            "conf_high_uniform": high,
            "n_switchers": after["n_switchers"].to_numpy(),
        }
    )
    return verdict, table
