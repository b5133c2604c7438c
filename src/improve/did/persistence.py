"""Everything the persistence-after-funding workbook shows, computed in one call.

``evaluate_persistence`` takes a panel whose treatment switches on and, for some units,
off again (grants that are not renewed) and returns: the treatment histories (units
funded, not yet funded, whose funding ended, never funded, by period), the
de Chaisemartin--D'Haultfoeuille effects by periods since the treatment started (all,
renewed and not renewed units), the exit event study by periods since it ended (the
switchers-out design) with uniform bands and the verdict persist / fade / reverse, the
placebo and equality tests, and the plain-language summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.data.columns import panel_columns
from improve.did.multiplegt import (
    MultiplegtResult,
    did_multiplegt_dyn,
    exit_event_study,
    persistence_verdict,
)
from improve.errors import DataError, EstimationError, SpecError

STATES = ("never", "not yet", "funded", "ended")


@dataclass(frozen=True)
class PersistenceEvaluation:
    """Results of :func:`evaluate_persistence` for one outcome."""

    outcome: str
    treatment: str
    histories: pd.DataFrame
    entry: MultiplegtResult
    by_renewal: dict[str, MultiplegtResult]
    exit: MultiplegtResult | None
    verdict: str | None
    persistence: pd.DataFrame | None
    effect_during: float
    funded_periods: int = 0
    pre_sd: float = float("nan")
    pre_sd_n: int = 0

    @property
    def pre_sd_description(self) -> str:
        """What :attr:`pre_sd` is: the outcome's SD across all units before any treatment
        changed."""
        return f"SD of {self.outcome} across all units before any treatment changed"

    def effects_table(self) -> pd.DataFrame:
        """Effects and placebos of every design, one row each (``design`` column)."""
        parts = [_design_rows("all switchers", self.entry)]
        parts += [_design_rows(name, res) for name, res in self.by_renewal.items()]
        if self.exit is not None:
            parts.append(_design_rows("after the end", self.exit))
        return pd.concat(parts, ignore_index=True)

    def tests_table(self) -> pd.DataFrame:
        """Joint placebo test and test that all effects are equal, per design."""
        rows = []
        designs = {"all switchers": self.entry, **self.by_renewal}
        if self.exit is not None:
            designs["after the end"] = self.exit
        for name, res in designs.items():
            for test, (stat, df, p) in (
                ("placebos are all zero", res.placebo_test),
                ("effects are all equal", res.equality_test),
            ):
                if df:
                    rows.append(
                        {"design": name, "test": test, "statistic": stat, "df": df, "p_value": p}
                    )
        return pd.DataFrame(rows, columns=["design", "test", "statistic", "df", "p_value"])

    def summary_sentence(
        self,
        *,
        unit_label: str = "units",
        outcome_label: str | None = None,
        program_label: str = "the program",
    ) -> str:
        """One paragraph in plain words: the effect during funding and what is left after."""
        label = outcome_label or self.outcome
        eff = self.entry.effects()
        eff = eff[eff["horizon"] > 0]
        first = eff.iloc[0]
        text = (
            f"While {program_label} was in place, {label} of {unit_label} changed by "
            f"{first['estimate']:.3g} in the first period (95% CI {first['conf_low']:.3g} to "
            f"{first['conf_high']:.3g}) compared with {unit_label} whose treatment had not "
            "changed."
        )
        if self.verdict is None or self.persistence is None:
            return text + f" No {unit_label} lost {program_label}, so persistence is not measured."
        last = self.persistence.iloc[-1]
        words = {
            "persist": "the gains persisted after funding ended",
            "fade": "the gains faded after funding ended",
            "reverse": "outcomes fell below where they would have been without funding",
        }[self.verdict]
        return (
            f"{text} For {unit_label} whose funding ended, {words}: the effect was "
            f"{self.effect_during:.3g} at the end of funding and "
            f"{last['effect']:.3g} {int(last['periods_since_end'])} periods later (uniform "
            f"band {last['conf_low_uniform']:.3g} to {last['conf_high_uniform']:.3g}; about "
            f"{100 * last['share_remaining']:.0f}% of the effect at the end of funding)."
        )


def _design_rows(name: str, res: MultiplegtResult) -> pd.DataFrame:
    t = res.effects()
    t.insert(0, "design", name)
    return t


def treatment_histories(frame: pd.DataFrame, unit: str, time: str, treatment: str) -> pd.DataFrame:
    """Units in each state by period: never treated, not yet, treated, treatment ended."""
    d = frame[[unit, time, treatment]].dropna().sort_values([unit, time])
    on = d[treatment] > 0
    ever = on.groupby(d[unit]).transform("any")
    started = on.groupby(d[unit]).cummax()
    state = np.select([~ever, ~started, on], ["never", "not yet", "funded"], "ended")
    counts = pd.crosstab(d[time], state).reindex(columns=list(STATES), fill_value=0)
    long = counts.stack().rename("n_units").reset_index()
    long.columns = ["period", "state", "n_units"]
    return long


def evaluate_persistence(
    panel: Any,
    outcome: str | None = None,
    treatment: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    effects: int = 4,
    placebo: int = 2,
    exit_effects: int = 3,
    cluster: str | None = None,
    weight: str | None = None,
    confidence_level: float = 0.95,
    small_sample: str = "R",
) -> PersistenceEvaluation:
    """Effects during funding and after it ends, with tests and the verdict.

    Parameters
    ----------
    panel : Panel or DataFrame
    outcome, treatment : str, optional
        Outcome (default: the map's first) and the numeric treatment that switches on and
        off (default: the map's 0/1 treatment, else its first dose column).
    effects, placebo : int
        Effects by periods since the treatment started, and placebos.
    exit_effects : int
        Effects by periods since the treatment ended.
    unit, time, cluster, weight : str, optional
        Columns (from the column map when ``panel`` is a Panel).
    small_sample : {"R", "CR2"}
        Small-sample factor of every variance (:func:`improve.did.did_multiplegt_dyn`):
        ``"CR2"`` covers better with few or very unequal clusters.
    """
    frame, cols = panel_columns(
        panel,
        "evaluate_persistence",
        outcome=outcome,
        unit=unit,
        time=time,
        cluster=cluster,
        weights=weight,
        covariates=[],
        required=("outcome", "unit", "time"),
    )
    spec = getattr(panel, "spec", None)
    doses = list(getattr(spec, "doses", ()) or ())
    treatment = treatment or getattr(spec, "treatment", None) or (doses[0] if doses else None)
    if not treatment:
        raise SpecError(
            "evaluate_persistence needs the treatment column that switches on and off "
            "(e.g. treatment='grant_active'); the column map names none"
        )
    if treatment not in frame.columns:
        raise SpecError(f"evaluate_persistence: treatment column {treatment!r} is not in the data")
    common = dict(
        cluster=cols.cluster,
        weight=cols.weights,
        confidence_level=confidence_level,
        small_sample=small_sample,
    )
    args = (frame, cols.outcome, cols.unit, cols.time, treatment)
    entry = did_multiplegt_dyn(
        *args, effects=effects, placebo=placebo, effects_equal=effects > 1, **common
    )
    funded = _funded_periods(frame, cols, treatment)
    pre = _pre_change_sd(frame, cols, treatment)
    by_renewal = _by_renewal(
        frame, cols, treatment, max(effects, funded + exit_effects), placebo, common
    )
    exit_res = _exit(frame, cols, treatment, exit_effects, common)
    verdict = table = None
    during = float("nan")
    if "not renewed" in by_renewal:
        try:
            verdict, table = persistence_verdict(by_renewal["not renewed"], funded)
            during = float(by_renewal["not renewed"].estimate[funded - 1])
        except EstimationError:
            verdict = table = None
    return PersistenceEvaluation(
        outcome=str(cols.outcome),
        treatment=treatment,
        histories=treatment_histories(frame, cols.unit, cols.time, treatment),
        entry=entry,
        by_renewal=by_renewal,
        exit=exit_res,
        verdict=verdict,
        persistence=table,
        effect_during=during,
        funded_periods=funded,
        pre_sd=pre[0],
        pre_sd_n=pre[1],
    )


def _ended_units(frame: pd.DataFrame, unit: str, time: str, treatment: str) -> pd.Series:
    """True for units whose treatment was on and later off."""
    d = frame.sort_values([unit, time])
    on = d[treatment].fillna(0) > 0
    started = on.groupby(d[unit]).cummax()
    return (started & ~on).groupby(d[unit]).any()


def _by_renewal(frame, cols, treatment, effects, placebo, common) -> dict[str, MultiplegtResult]:
    """Effects for units still treated and units whose treatment ended (with the
    never-treated), when both kinds exist."""
    ended = _ended_units(frame, cols.unit, cols.time, treatment)
    ever = (frame[treatment].fillna(0) > 0).groupby(frame[cols.unit]).any()
    out: dict[str, MultiplegtResult] = {}
    if not ended.any() or not (ever & ~ended).any():
        return out
    for name, members in (("renewed", ever & ~ended), ("not renewed", ended)):
        keep = frame[cols.unit].map(~ever | members).fillna(False).astype(bool)
        try:
            out[name] = did_multiplegt_dyn(
                frame[keep],
                cols.outcome,
                cols.unit,
                cols.time,
                treatment,
                effects=effects,
                placebo=placebo,
                effects_equal=effects > 1,
                **common,
            )
        except (EstimationError, DataError):
            continue
    return out


def _exit(frame, cols, treatment, exit_effects, common) -> MultiplegtResult | None:
    """The switchers-out event study, or None when no unit's treatment ended."""
    if not _ended_units(frame, cols.unit, cols.time, treatment).any():
        return None
    try:
        return exit_event_study(
            frame, cols.outcome, cols.unit, cols.time, treatment, effects=exit_effects, **common
        )
    except EstimationError:
        return None


def _funded_periods(frame, cols, treatment) -> int:
    """Most common number of observed treated periods of units whose treatment ended."""
    d = frame.sort_values([cols.unit, cols.time])
    length = (d[treatment].fillna(0) > 0).groupby(d[cols.unit]).sum()
    ended = _ended_units(frame, cols.unit, cols.time, treatment)
    return int(length[ended].mode().iloc[0]) if ended.any() else 0


def _pre_change_sd(frame, cols, treatment) -> tuple[float, int]:
    """SD of the outcome over all cells before the first period any treatment changed."""
    d = frame.sort_values([cols.unit, cols.time])
    changed = d.groupby(cols.unit)[treatment].diff().fillna(0) != 0
    first = d.loc[changed, cols.time].min() if changed.any() else d[cols.time].max() + 1
    values = d.loc[d[cols.time] < first, cols.outcome].dropna()
    if len(values) < 2:
        return float("nan"), int(len(values))
    return float(values.std(ddof=1)), int(len(values))
