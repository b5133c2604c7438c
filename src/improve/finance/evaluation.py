"""Everything the resource-equity workbook shows, computed in one call.

``evaluate_equity`` reads a school finance file with its column map, computes spending per
pupil and per need-weighted pupil, every horizontal equity index with bootstrap intervals,
vertical equity and fiscal neutrality, the within/between decomposition, the same measures
by year and the district-by-year panel of a formula change, and writes the plain-language
summary. The workbook only lays these out (and runs the fixed-effects regression of the
formula change with ``improve.fe``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import SpecError
from improve.finance.decomposition import TheilDecomposition, decompose
from improve.finance.design import FinanceDesignCheck, check_finance_design
from improve.finance.formula import formula_panel
from improve.finance.horizontal import EquityIndices, Weighting, horizontal_equity
from improve.finance.indices import weighted_quantile
from improve.finance.perpupil import district_table, school_table
from improve.finance.spec import FinanceMap
from improve.finance.trends import EquityTrend, equity_trend
from improve.finance.vertical import VerticalEquity, quantile_table, vertical_equity
from improve.finance.weights import NeedWeights

#: Measures whose horizontal equity is reported, with their words.
MEASURE_WORDS = {
    "per_pupil": "spending per pupil",
    "per_weighted_pupil": "spending per need-weighted pupil",
}


@dataclass(frozen=True)
class EquityEvaluation:
    """Results of :func:`evaluate_equity` (one year in detail, every year in trends)."""

    fmap: FinanceMap
    weights: NeedWeights
    schools: pd.DataFrame
    year: Any
    group: str
    indices: dict[str, EquityIndices]
    district_indices: EquityIndices
    resources: dict[str, EquityIndices]
    decomposition: TheilDecomposition
    vertical: VerticalEquity | None
    vertical_weighted: VerticalEquity | None
    quantiles: pd.DataFrame | None
    trend: EquityTrend | None
    formula: pd.DataFrame | None
    change_year: Any

    @property
    def when(self) -> str:
        """``", 2023"`` for a file with years, empty for a file without a year column."""
        return f", {self.year}" if self.fmap.year else ""

    @property
    def current(self) -> pd.DataFrame:
        """The school rows of the analysed year."""
        return self.schools.loc[self.schools["year"] == self.year]

    def design_check(self) -> FinanceDesignCheck:
        """What this file supports (:func:`improve.finance.design.check_finance_design`)."""
        return check_finance_design(self.schools, self.year, self.change_year)

    def districts(self) -> pd.DataFrame:
        """District totals and per-pupil amounts of the analysed year."""
        return district_table(self.current)

    def distribution_table(self) -> pd.DataFrame:
        """Pupil-weighted percentiles of each measure (no school identified)."""
        rows = []
        frame = self.current
        for measure, words in MEASURE_WORDS.items():
            x, w = frame[measure].to_numpy(float), frame["enrollment"].to_numpy(float)
            row: dict[str, Any] = {"measure": words, "schools": len(frame)}
            for p in (0.05, 0.25, 0.5, 0.75, 0.95):
                row[f"p{round(p * 100)}"] = weighted_quantile(x, w, p)
            rows.append(row)
        return pd.DataFrame(rows)

    def outliers(self, measure: str = "per_weighted_pupil") -> pd.DataFrame:
        """Schools below the 5th or above the 95th pupil-weighted percentile.

        Named only when the column map declares ``public_names: [units]``; otherwise an empty
        table (the figures and the counts in the text still show how many there are).
        """
        frame = self.current
        x, w = frame[measure].to_numpy(float), frame["enrollment"].to_numpy(float)
        low, high = weighted_quantile(x, w, 0.05), weighted_quantile(x, w, 0.95)
        out = frame.loc[(frame[measure] < low) | (frame[measure] > high)]
        if not self.fmap.units_public:
            return pd.DataFrame(columns=["school", "district", measure])
        name = "school_name" if "school_name" in out.columns else "school"
        district = "district_name" if "district_name" in out.columns else "district"
        shown = out[[name, district, "enrollment", "per_pupil", measure]].copy()
        shown["position"] = np.where(
            out[measure] < low, "below 5th percentile", "above 95th percentile"
        )
        shown = shown.rename(columns={name: "school", district: "district"})
        return shown.sort_values(measure).reset_index(drop=True)

    def indices_table(self) -> pd.DataFrame:
        """Each index for both measures side by side, with intervals."""
        parts = []
        for measure, result in self.indices.items():
            t = result.tidy()[["term", "index", "estimate", "conf_low", "conf_high", "reading"]]
            parts.append(t.assign(measure=MEASURE_WORDS[measure]))
        t = self.district_indices.tidy()
        t = t[["term", "index", "estimate", "conf_low", "conf_high", "reading"]]
        parts.append(t.assign(measure="spending per pupil across districts"))
        return pd.concat(parts, ignore_index=True)

    def intervals_note(self) -> str:
        """How the intervals of :meth:`indices_table` were computed."""
        schools = self.indices["per_pupil"].tidy()["ci_method"].iloc[0]
        districts = self.district_indices.tidy()["ci_method"].iloc[0]
        return (
            f"Intervals: {schools}; rows across districts: {districts}. The range has no "
            "interval (a resample cannot go beyond the sample's extremes)."
        )

    def resources_table(self) -> pd.DataFrame:
        """Coefficient of variation, McLoone and Gini of each non-dollar resource (staff per
        100 pupils and staff averages such as teacher experience), across pupils."""
        rows = []
        for name, result in self.resources.items():
            t = result.tidy().set_index("term")
            rows.append(
                {
                    "resource": name,
                    "mean": t.loc["mean", "estimate"],
                    **{
                        k: t.loc[k, "estimate"]
                        for k in ("coefficient_of_variation", "mcloone", "gini")
                    },
                }
            )
        return pd.DataFrame(rows)

    def resource_slopes(self) -> pd.DataFrame:
        """Slope of each non-dollar resource on the poverty share (per 10 points), with its
        interval: do poorer schools get fewer experienced teachers?"""
        if self.vertical is None or not self.resources:
            return pd.DataFrame()
        rows = []
        for name in self.resources:
            fit = vertical_equity(self.current, name, confidence_level=self.confidence_level)
            row = fit.tidy().iloc[0]
            rows.append(
                {
                    "resource": name,
                    "mean": self.resources[name].value("mean"),
                    **{k: row[k] for k in ("estimate", "conf_low", "conf_high", "p_value")},
                }
            )
        return pd.DataFrame(rows)

    @property
    def confidence_level(self) -> float:
        return self.indices["per_pupil"].confidence_level

    def _need_sentence(self) -> str:
        row = self.vertical_weighted.tidy().iloc[0]
        low, high = row["conf_low"], row["conf_high"]
        if low > 0:
            verdict = "high-poverty schools get more than these weights call for"
        elif high < 0:
            verdict = "high-poverty schools get less than these weights call for"
        else:
            verdict = "the data are consistent with money following need at these weights"
        return (
            f"Per need-weighted pupil, spending changed by ${row['estimate']:+,.0f} with 10 "
            f"percentage points more poverty (CI ${low:,.0f} to ${high:,.0f}): {verdict}."
        )

    def summary_sentences(self) -> list[str]:
        """What the numbers say, in words (no school named)."""
        pp, wp = self.indices["per_pupil"], self.indices["per_weighted_pupil"]
        cv, cv_weighted = pp.value("coefficient_of_variation"), wp.value("coefficient_of_variation")
        ratio_districts = self.district_indices.value("federal_range_ratio")
        says = [
            f"{f'In {self.year}, t' if self.fmap.year else 'T'}he pupil-weighted mean spending "
            f"was ${pp.value('mean'):,.0f} per pupil. The federal range ratio was "
            f"{pp.value('federal_range_ratio'):.2f} across schools and {ratio_districts:.2f} "
            "across districts (the federal disparity standard, set for districts, is at most "
            f"0.25) and the coefficient of variation {cv:.3f}; per need-weighted pupil the "
            f"coefficient of variation was {cv_weighted:.3f}.",
        ]
        share = self.decomposition.estimate[3]
        says.append(
            f"{share:.0%} of the inequality in spending per pupil lies between "
            f"{self.group}s and {1 - share:.0%} within them (Theil decomposition)."
        )
        if self.vertical is not None:
            row = self.vertical.tidy().iloc[0]
            direction = "more" if row["estimate"] > 0 else "less"
            sure = (
                "the interval excludes zero"
                if row["conf_low"] > 0 or row["conf_high"] < 0
                else "the interval includes zero, so the data do not show a clear tilt"
            )
            says.append(
                f"Schools with 10 percentage points more students in poverty spent "
                f"${abs(row['estimate']):,.0f} per pupil {direction} on average "
                f"({self.vertical.confidence_level:.0%} CI ${row['conf_low']:,.0f} to "
                f"${row['conf_high']:,.0f}; {sure})."
            )
        if self.vertical_weighted is not None:
            says.append(self._need_sentence())
        if self.trend is not None and len(self.trend.years) > 1:
            wide = self.trend.wide()
            first, last = wide.iloc[0], wide.iloc[-1]
            says.append(
                f"From {int(first['year'])} to {int(last['year'])} the coefficient of "
                f"variation went from {first['coefficient_of_variation']:.3f} to "
                f"{last['coefficient_of_variation']:.3f}."
            )
        return says


def _resolve_year(schools: pd.DataFrame, year: Any) -> Any:
    years = sorted(schools["year"].unique())
    if not year:
        return years[-1]
    if year not in years:
        raise SpecError(
            f"year {year} is not in the data; years present: {', '.join(map(str, years))}"
        )
    return year


def evaluate_equity(
    source: str | Path | pd.DataFrame,
    column_map: str | Path | FinanceMap,
    *,
    need_weights: Mapping[str, float] | None = None,
    year: Any = None,
    group: str = "district",
    weighting: Weighting = "pupils",
    bootstrap_draws: int = 200,
    seed: int = 20240601,
    confidence_level: float = 0.95,
    change_year: Any = None,
) -> EquityEvaluation:
    """Read, check and analyse a school finance file (see the module notes).

    Parameters
    ----------
    source, column_map
        The file (path, ``dataset:`` source or DataFrame) and its column map.
    need_weights : mapping, optional
        Extra weight per student with each need (empty: the documented default set).
    year : optional
        Year analysed in detail (default: the latest).
    group : {"district", "region"}
        Grouping of the within/between decomposition.
    weighting : {"pupils", "schools"}
        Weighting of the horizontal indices.
    bootstrap_draws, seed, confidence_level
        Bootstrap over schools for the intervals.
    change_year : optional
        First year under a new formula (default: the map's ``formula_change_year``).
    """
    fmap = column_map if isinstance(column_map, FinanceMap) else FinanceMap.from_yaml(column_map)
    weights = NeedWeights.from_parameter(need_weights)
    schools = school_table(source, fmap, weights)
    if group not in ("district", "region") or group not in schools.columns:
        raise SpecError(f"group '{group}' is not available: use district, or map a region")
    year = _resolve_year(schools, year)
    current = schools.loc[schools["year"] == year]
    boot = {"bootstrap": bootstrap_draws, "seed": seed, "confidence_level": confidence_level}
    trend_boot = {**boot, "bootstrap": min(bootstrap_draws, 100)}
    has_need = "poverty_share" in current.columns
    change_year = change_year or fmap.formula_change_year
    several = schools["year"].nunique() > 1
    return EquityEvaluation(
        fmap=fmap,
        weights=weights,
        schools=schools,
        year=year,
        group=group,
        indices={
            m: horizontal_equity(current, m, weighting=weighting, **boot) for m in MEASURE_WORDS
        },
        district_indices=horizontal_equity(
            district_table(current), "per_pupil", weighting=weighting, unit_label="district", **boot
        ),
        resources=_resources(current, fmap, weighting, seed),
        decomposition=decompose(current, "per_pupil", group, **boot),
        vertical=vertical_equity(current, confidence_level=confidence_level) if has_need else None,
        vertical_weighted=vertical_equity(
            current, "per_weighted_pupil", confidence_level=confidence_level
        )
        if has_need
        else None,
        quantiles=quantile_table(current) if has_need else None,
        trend=equity_trend(schools, group=group, change_year=change_year, **trend_boot)
        if several
        else None,
        formula=formula_panel(schools, fmap.outcomes)
        if several and "formula_per_pupil" in schools.columns
        else None,
        change_year=change_year,
    )


def _resources(
    current: pd.DataFrame, fmap: FinanceMap, weighting: Weighting, seed: int
) -> dict[str, EquityIndices]:
    """Indices (no intervals) of staff per 100 pupils and of staff averages."""
    staff = [c for c in current.columns if c.endswith("_per_100")] + list(fmap.staff_averages)
    return {
        c: horizontal_equity(current, c, weighting=weighting, bootstrap=0, seed=seed)
        for c in staff
        if current[c].notna().all()
    }
