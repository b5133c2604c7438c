"""Everything the TA survey workbook shows, computed in one call.

``summarise_ta_survey`` rakes respondents to the population margins (when given), then
summarises response, the satisfaction and usefulness items (with their scale's
reliability), before/after change, needs (ranked) and differences between groups. The
workbook lays these out; wording and suppression live in ``improve.report``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from improve.errors import SpecError
from improve.survey.change import ChangeSummary, paired_change
from improve.survey.design import SurveyDesign
from improve.survey.groups import GroupComparison, compare_groups
from improve.survey.items import ItemSummary, summarise_items
from improve.survey.load import SurveyData
from improve.survey.response import ResponseRates, response_rates
from improve.survey.scales import ScaleReliability, scale_reliability
from improve.survey.selections import SelectionSummary, summarise_selections
from improve.survey.weights import RakedWeights, rake


@dataclass(frozen=True)
class TASurveySummary:
    """Results of :func:`summarise_ta_survey`."""

    data: SurveyData
    design: SurveyDesign
    raked: RakedWeights | None
    response: ResponseRates | None
    items: ItemSummary
    scales: dict[str, ScaleReliability]
    change: ChangeSummary | None
    needs: dict[str, SelectionSummary]
    groups: dict[str, GroupComparison]
    min_cell_size: int | None
    confidence_level: float

    @property
    def weighted(self) -> bool:
        return self.raked is not None or self.data.weights is not None

    def who_answered(self) -> pd.DataFrame:
        """Respondents per category of each group (``grouping, term, n, percent``)."""
        rows = []
        for name in self.data.groups.columns:
            counts = self.data.groups[name].fillna("Not answered").value_counts(sort=False)
            rows += [
                {"grouping": name, "term": str(k), "n": int(v), "percent": 100 * v / self.data.n}
                for k, v in counts.items()
            ]
            rows.append({"grouping": name, "term": "Total", "n": self.data.n, "percent": 100.0})
        return pd.DataFrame(rows)

    def group_tests(self) -> pd.DataFrame:
        """Every group comparison's test per item, one family per grouping."""
        frames = [g.tests for g in self.groups.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def data_notes(self) -> list[str]:
        """What loading found, plus the free-text counts (never the text)."""
        notes = list(self.data.notes)
        for column, count in self.data.free_text_answered.items():
            notes.append(f"{column}: {count} free-text answers (not reproduced in reports)")
        if self.raked is not None:
            notes.append(
                f"Weights raked to {', '.join(self.raked.margins)} in "
                f"{self.raked.iterations} passes; design effect of weighting "
                f"{self.raked.design_effect():.2f}"
            )
        if self.design.fpc is not None:
            notes.append(
                f"Standard errors use the finite-population correction: the "
                f"{int(self.design.fpc[0]):,} people invited are the whole population reported on"
            )
        return notes


def _satisfaction_items(data: SurveyData, items: Sequence[str] | None) -> list[str]:
    if items:
        unknown = [i for i in items if i not in data.answers.columns]
        if unknown:
            raise SpecError(f"satisfaction_items {', '.join(unknown)} are not under 'items:'")
        return list(items)
    paired = {c for p in data.survey_map.prepost.values() for c in (p.before, p.after)}
    return [c for c in data.answers.columns if c not in paired]


def _change(data: SurveyData, matched: SurveyData | None, level: float) -> ChangeSummary | None:
    if matched is not None:
        return paired_change(matched, confidence_level=level)
    return paired_change(data, confidence_level=level) if data.survey_map.prepost else None


def summarise_ta_survey(
    data: SurveyData,
    *,
    population: Mapping[str, Mapping[str, float]] | None = None,
    weight_by: Sequence[str] = (),
    compare_by: Sequence[str] = (),
    satisfaction_items: Sequence[str] | None = None,
    min_cell_size: int | None = None,
    confidence_level: float = 0.95,
    finite_population: bool = False,
    matched: SurveyData | None = None,
    bootstrap: int = 500,
    seed: int = 0,
) -> TASurveySummary:
    """Summarise a technical-assistance survey for the workbook.

    Parameters
    ----------
    data : SurveyData
    population : mapping of group to {category: count}, optional
        Everyone invited, by group (response-rate denominators and raking margins).
    weight_by : sequence of str
        Groups to rake to (each must be in ``population``); empty: no raking.
    compare_by : sequence of str
        Groups to compare items across.
    satisfaction_items : sequence of str, optional
        Items in the satisfaction section (default: every item not in a pre/post pair).
    min_cell_size : int, optional
        Groups smaller than this are left out of comparisons.
    finite_population : bool
        With raking: the people invited are the whole population reported on, so standard
        errors use the finite-population correction ``1 - n/N`` (N = everyone invited).
    matched : SurveyData, optional
        Two waves paired on respondent ids (:func:`improve.survey.load_matched`): the
        change section compares them instead of the before/after items of ``data``.
    bootstrap, seed : int
        Bootstrap draws and seed of omega's interval.
    """
    missing = [g for g in weight_by if not population or g not in population]
    if missing:
        raise SpecError(
            f"weight_by names {', '.join(missing)}, which the population margins "
            "do not give; add them to the population file or drop them"
        )
    raked = None
    if weight_by:
        raked = rake(data.groups, {g: population[g] for g in weight_by}, base_weights=data.weights)
        size = float(sum(population[weight_by[0]].values()))
        design = SurveyDesign(
            raked.weights.to_numpy(),
            raked_margins={k: v.to_numpy() for k, v in raked.margins.items()},
            fpc=np.full(data.n, size) if finite_population else None,
        )
    elif data.weights is not None:
        design = SurveyDesign(data.weights.to_numpy(float))
    else:
        design = SurveyDesign.simple(data.n)
    items = _satisfaction_items(data, satisfaction_items)
    level = confidence_level
    return TASurveySummary(
        data=data,
        design=design,
        raked=raked,
        response=response_rates(data, population) if population else None,
        items=summarise_items(data, items, weights=design, confidence_level=level),
        scales={
            s: scale_reliability(data, s, confidence_level=level, bootstrap=bootstrap, seed=seed)
            for s in data.survey_map.scales
        },
        change=_change(data, matched, level),
        needs={
            q: summarise_selections(data, q, weights=design, confidence_level=level)
            for q in data.selections
        },
        groups={
            g: compare_groups(
                data, g, items, weights=design, min_cell_size=min_cell_size, confidence_level=level
            )
            for g in compare_by
        },
        min_cell_size=min_cell_size,
        confidence_level=level,
    )
