"""Everything the cost-effectiveness workbook shows, computed in one call.

``evaluate_cost`` reads the ingredients file, prices it, reads the effects of the
evaluation run(s) it is priced against, and computes the ratio for each effect with its
intervals and the sensitivity table. The workbook only lays these out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from scipy import stats

from improve.cost.costing import RANGE_COVERAGE, CostOptions, ProgramCost, cost_program
from improve.cost.effectiveness import CostEffectiveness, cost_effectiveness
from improve.cost.ingredients import Ingredients, read_ingredients
from improve.cost.prices import PriceIndex, read_price_index
from improve.cost.ratio import format_money
from improve.cost.runs import EffectRecord, run_effects
from improve.cost.sensitivity import sensitivity_table
from improve.errors import SpecError

#: How each payer is named in sentences.
PAYER_WORDS = {
    "state": "the state",
    "district": "districts",
    "school": "schools",
    "in-kind": "in-kind contributions (time and space given, not paid for)",
    "family": "families",
    "other": "other payers",
    "not stated": "payers not stated in the file",
}


@dataclass(frozen=True)
class CostEvaluation:
    """Results of :func:`evaluate_cost`."""

    ingredients: Ingredients
    cost: ProgramCost
    effects: list[EffectRecord]
    ratios: list[CostEffectiveness]
    sensitivity: pd.DataFrame
    index: PriceIndex
    natural: list[CostEffectiveness] = field(default_factory=list)

    @property
    def main(self) -> CostEffectiveness | None:
        """The ratio of the first effect priced (the headline)."""
        return self.ratios[0] if self.ratios else None

    def ratio_table(self) -> pd.DataFrame:
        """One row per effect: effect, its interval, cost per student, ratio and the three
        intervals."""
        rows = []
        for record, ce in zip(self.effects, self.ratios, strict=True):
            row = {
                "outcome": record.outcome,
                "run": record.run_id,
                "effect_sd": record.estimate_sd,
                "effect_conf_low": record.conf_low_sd,
                "effect_conf_high": record.conf_high_sd,
                "cost_per_student": ce.cost,
                "cost_per_gain": ce.ratio,
            }
            for name, interval in ce.intervals.items():
                row[f"{name}_low"] = interval.low
                row[f"{name}_high"] = interval.high
                row[f"{name}_interval"] = interval.kind
            rows.append(row)
        return pd.DataFrame(rows)

    def ratio_words_table(self) -> pd.DataFrame:
        """The ratios with each interval in words (what the report shows)."""
        rows = []
        for ce in self.ratios:
            row = {
                "outcome": ce.outcome,
                "effect_sd": ce.effect,
                "cost_per_student": ce.cost,
                "cost_per_gain": ce.ratio,
            }
            for name, interval in ce.intervals.items():
                row[name] = interval.words(format_money)
            rows.append(row)
        return pd.DataFrame(rows)

    def natural_table(self) -> pd.DataFrame:
        """Cost per natural unit of outcome (e.g. per additional proficient student)."""
        rows = []
        for ce in self.natural:
            fieller = ce.intervals["fieller"]
            rows.append(
                {
                    "outcome": ce.outcome,
                    "unit": ce.unit,
                    "units_per_student": ce.effect,
                    "cost_per_student": ce.cost,
                    "cost_per_unit": ce.ratio,
                    "fieller_low": fieller.low,
                    "fieller_high": fieller.high,
                    "fieller_interval": fieller.kind,
                }
            )
        return pd.DataFrame(rows)

    def provenance_table(self) -> pd.DataFrame:
        """The runs priced: id, workbook, finish time and content hashes."""
        rows = []
        for r in self.effects:
            rows.append(
                {
                    "outcome": r.outcome,
                    "run": r.run_id,
                    "workbook": r.workbook,
                    "finished": r.finished,
                    "sd_used": r.sd,
                    "inference": r.inference,
                    "results_sha256": r.provenance.get("results_sha256", ""),
                    "workbook_sha256": r.provenance.get("workbook_sha256") or "",
                    "inputs": "; ".join(
                        f"{i['path']} {i['sha256']}" for i in r.provenance.get("inputs", [])
                    ),
                    "demo_copy": r.demo,
                }
            )
        return pd.DataFrame(rows)

    def records(self, program: str = "") -> list[dict[str, object]]:
        """One entry per priced effect for ``results.json`` (read by the portfolio index):
        the evaluation run and outcome priced, cost per student and per 0.1 SD, intervals."""
        o = self.cost.options
        out = []
        for r, ce in zip(self.effects, self.ratios, strict=True):
            fieller = ce.intervals["fieller"]
            out.append(
                {
                    "program": program or r.program,
                    "outcome": r.outcome,
                    "run_id": r.run_id,
                    "workbook": r.workbook,
                    "results_sha256": r.provenance.get("results_sha256"),
                    "demo_copy": r.demo,
                    "effect_sd": r.estimate_sd,
                    "effect_conf_low": r.conf_low_sd,
                    "effect_conf_high": r.conf_high_sd,
                    "cost_per_student": ce.cost,
                    "cost_per_gain": ce.ratio,
                    "per_sd": ce.per,
                    "fieller_low": fieller.low,
                    "fieller_high": fieller.high,
                    "fieller_interval": fieller.kind,
                    "base_year": o.base_year,
                    "discount_rate": o.discount_rate,
                    "students": o.students_served,
                }
            )
        return out

    def plane_points(self, program: str = "") -> pd.DataFrame:
        """Points of the cost-effectiveness plane for this run's priced effects."""
        z = stats.norm.ppf(0.5 + RANGE_COVERAGE / 2)
        rows = [
            {
                "label": f"{program or r.program or 'program'}: {r.outcome}",
                "effect_sd": r.estimate_sd,
                "effect_conf_low": r.conf_low_sd,
                "effect_conf_high": r.conf_high_sd,
                "cost_per_student": ce.cost,
                "cost_low": ce.cost - z * ce.cost_se,
                "cost_high": ce.cost + z * ce.cost_se,
            }
            for r, ce in zip(self.effects, self.ratios, strict=True)
        ]
        return pd.DataFrame(rows)

    def key_findings(
        self, program: str = "the program", outcome_labels: Mapping[str, str] | None = None
    ) -> list[str]:
        """Short plain-language findings for the report's key-findings box."""
        o = self.cost.options
        items = [
            f"**Cost:** {format_money(self.cost.per_student)} per student served beyond "
            f"business as usual ({format_money(self.cost.per_site)} per site; {o.base_year} "
            f"dollars, present value at {o.discount_rate:.0%})."
        ]
        labels = outcome_labels or {}
        items += [
            f"**{labels.get(ce.outcome, ce.outcome)}:** {ce.sentence(labels.get(ce.outcome))}"
            for ce in self.ratios
        ]
        top = self.cost.by("payer").sort_values("present_value").iloc[-1]
        items.append(
            f"**Who pays:** the largest share ({top['share']:.0%}) falls on "
            f"{PAYER_WORDS.get(top['payer'], top['payer'])}."
        )
        return items

    def summary_sentence(
        self, program: str = "the program", outcome_labels: Mapping[str, str] | None = None
    ) -> str:
        """Cost per student and, for the headline effect, the cost per 0.1 SD, in words."""
        o = self.cost.options
        text = (
            f"{program[:1].upper() + program[1:]} cost {format_money(self.cost.per_student)} "
            f"per student served beyond business as usual ({o.base_year} dollars, present value at "
            f"{o.discount_rate:.0%}, {o.students_served:,.0f} students)."
        )
        if self.main is not None:
            label = (outcome_labels or {}).get(self.main.outcome, self.main.outcome)
            text += " " + self.main.sentence(label)
        return text


def _options(
    ingredients: Ingredients,
    base_year: int,
    discount_rate: float,
    students: float,
    sites: float,
    take_up: float,
) -> CostOptions:
    year = int(base_year) if base_year else max(ingredients.price_years)
    return CostOptions(
        base_year=year, discount_rate=discount_rate, students=students, sites=sites, take_up=take_up
    )


def evaluate_cost(
    ingredients_path: str | Path,
    *,
    column_map: str | Path | Mapping[str, str] | None = None,
    run_folders: Sequence[str | Path] = (),
    outcomes: Sequence[str] = (),
    base_year: int = 0,
    discount_rate: float = 0.03,
    students: float = 1.0,
    sites: float = 1.0,
    take_up: float = 1.0,
    price_index: str | Path | None = None,
    per: float = 0.1,
    natural_units: Mapping[str, Sequence[object]] | None = None,
    draws: int = 100_000,
    seed: int = 20240601,
) -> CostEvaluation:
    """Price an ingredients file against the effects of finished evaluation runs.

    Parameters
    ----------
    ingredients_path : str or Path
        Ingredients file (CSV or Excel, template columns).
    column_map : optional
        ``template_name: your_column`` map for a file with other headers.
    run_folders : sequence of path
        Run folders whose effects to price (none: costs only).
    outcomes : sequence of str
        Outcomes to price (empty: every outcome the runs hold).
    base_year : int, default 0
        Dollars of this year (0: the latest price year in the file).
    discount_rate : float, default 0.03
    students, sites : float
        Students served and sites.
    take_up : float, default 1
        Share of planned students actually served.
    price_index : str or Path, optional
        A ``year,index`` CSV replacing the shipped CPI-U table.
    per : float, default 0.1
        Effect unit priced (SD).
    natural_units : mapping, optional
        ``outcome -> (units per outcome point, unit words)`` to price an outcome in natural
        units too, e.g. ``{"math_pct_prof": (0.01, "additional proficient student")}`` (a
        percentage point is 0.01 proficient students per student) or
        ``{"attendance_rate": (1.8, "additional day of attendance")}`` (a percentage point of
        a 180-day year).
    draws, seed : int
        Monte Carlo draws and seed.
    """
    ingredients = read_ingredients(ingredients_path, column_map)
    index = read_price_index(price_index)
    options = _options(ingredients, base_year, discount_rate, students, sites, take_up)
    program = cost_program(ingredients, options, index)
    effects = [r for folder in run_folders for r in run_effects(folder)]
    if outcomes:
        effects = [r for r in effects if r.outcome in set(outcomes)]
        if not effects:
            raise SpecError(f"the runs given hold no effect on {list(outcomes)}")
    ratios = _ratios(effects, program, per, draws, seed)
    natural = _natural_ratios(effects, program, natural_units or {}, draws, seed)
    first = effects[0] if effects else None
    sensitivity = sensitivity_table(
        ingredients,
        options,
        index,
        effect=None if first is None else first.estimate_sd,
        effect_interval=None if first is None else (first.conf_low_sd, first.conf_high_sd),
        per=per,
    )
    return CostEvaluation(ingredients, program, effects, ratios, sensitivity, index, natural)


def _ratios(
    effects: Sequence[EffectRecord], program: ProgramCost, per: float, draws: int, seed: int
) -> list[CostEffectiveness]:
    """Cost per student per ``per`` SD for each effect, at the run's own critical value."""
    return [
        cost_effectiveness(
            program.per_student,
            r.estimate_sd,
            r.std_error_sd,
            cost_se=program.per_student_se,
            outcome=r.outcome,
            confidence_level=r.confidence_level,
            critical=r.critical,
            per=per,
            draws=draws,
            seed=seed,
        )
        for r in effects
    ]


def _natural_ratios(
    effects: Sequence[EffectRecord],
    program: ProgramCost,
    natural_units: Mapping[str, Sequence[object]],
    draws: int,
    seed: int,
) -> list[CostEffectiveness]:
    """Cost per natural unit for the outcomes ``natural_units`` names."""
    out = []
    for r in effects:
        if r.outcome not in natural_units:
            continue
        entry = list(natural_units[r.outcome])
        if len(entry) != 2:
            raise SpecError(
                f"natural_units for '{r.outcome}' must be [units per outcome point, words], "
                'e.g. [0.01, "additional proficient student"]'
            )
        scale, words = float(entry[0]), str(entry[1])
        out.append(
            cost_effectiveness(
                program.per_student,
                r.estimate_sd * r.sd * scale,
                r.std_error_sd * r.sd * scale,
                cost_se=program.per_student_se,
                outcome=r.outcome,
                confidence_level=r.confidence_level,
                critical=r.critical,
                per=1.0,
                draws=draws,
                seed=seed,
                unit=words,
            )
        )
    return out
