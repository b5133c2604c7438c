"""What the improvement-cycles workbook calls: every chart and summary for one measure.

:func:`evaluate_cycles` takes a loaded :class:`~improve.qi.series.QiSeries` and returns a
:class:`CycleEvaluation` with the network overview, a run chart and a phased control chart
per school, a funnel plot across schools in the latest phase, the shift table and the
plain-language summary, all with small subgroups suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from improve.errors import SpecError
from improve.qi.chart import qic
from improve.qi.choose import choose_chart
from improve.qi.funnel import FunnelResult, funnel
from improve.qi.result import QicResult
from improve.qi.series import MeasureSpec, QiSeries
from improve.qi.shifts import ShiftSummary, phase_shifts

PHASE = "phase"
BASELINE = "baseline"


@dataclass(frozen=True)
class CycleEvaluation:
    """All charts and summaries of one measure across a network of units."""

    measure: MeasureSpec
    chart: str
    chart_reason: str
    overview: QicResult
    run: QicResult
    control: QicResult
    funnel: FunnelResult | None
    shifts: ShiftSummary | None
    unit_label: str
    min_cell_size: int

    def summary_sentences(self) -> list[str]:
        """Plain sentences: what changed, where, and whether it is signal or noise."""
        out = []
        runs = self.run.parts()
        signals = int(runs["runs.signal"].sum())
        out.append(
            f"Over the whole period, {signals} of {len(runs)} {self.unit_label} show "
            f"non-random variation in {self.measure.label} on a run chart (Anhøj rules)."
        )
        if self.shifts is not None and len(self.shifts.table):
            out.extend(self.shifts.sentences())
        else:
            out.append("No change ideas (phases) were given, so no before/after comparison.")
        if self.funnel is not None:
            out.extend(self.funnel._notes())
        return out

    def shift_table(self) -> pd.DataFrame:
        """The shift table with readable column names (empty without phases)."""
        if self.shifts is None:
            return pd.DataFrame()
        table = self.shifts.tidy()
        scale = 100 if self.measure.type == "proportion" and self.measure.multiply == 1 else 1
        for col in ("cl_before", "cl_after", "change"):
            table[col] = table[col] * scale
        return table.rename(
            columns={
                "facet": self.unit_label[:-1] if self.unit_label.endswith("s") else "unit",
                "cl_before": "centre line before",
                "cl_after": "centre line after",
                "phase_before": "before",
                "phase_after": "after",
                "runs_signal": "runs signal",
                "sigma_signal": "outside limits",
                "signal": "signal",
                "points_after": "points after",
            }
        )


def phase_labels(times: pd.Series, starts: Sequence[str] | dict[str, str]) -> pd.Series:
    """Phase of each row from change start dates (``baseline`` before the first).

    ``starts`` is a list of dates (phases named "cycle 1", "cycle 2", ...) or a mapping of
    phase name to start date.
    """
    named = (
        dict(starts)
        if isinstance(starts, dict)
        else {f"cycle {i}": d for i, d in enumerate(sorted(starts), start=1)}
    )
    labels = pd.Series(BASELINE, index=times.index, dtype=object)
    for name, start in sorted(named.items(), key=lambda kv: pd.Timestamp(kv[1])):
        labels[times >= pd.Timestamp(start)] = name
    return labels


def pseudonyms(units: pd.Series, label: str) -> pd.Series:
    """Unit names replaced by "<label> 1", "<label> 2", ... in sorted order of the names
    (zero-padded when there are ten or more, so they sort in number order)."""
    names = sorted(pd.unique(units.dropna().astype(str)))
    width = len(str(len(names)))
    codes = {name: f"{label} {i:0{width}d}" for i, name in enumerate(names, start=1)}
    return units.astype(str).map(codes)


def _prepare(
    series: QiSeries, cycle_starts: Sequence[str] | dict[str, str] | None
) -> tuple[pd.DataFrame, str | None]:
    data = series.data.sort_values([c for c in (series.time, series.unit) if c], kind="stable")
    if series.unit and not series.public_units:
        label = str(series.labels.get("unit", "unit")).capitalize()
        data = data.assign(**{series.unit: pseudonyms(data[series.unit], label)})
    if cycle_starts:
        return data.assign(**{PHASE: phase_labels(data[series.time], cycle_starts)}), PHASE
    if series.phase:
        return data.assign(**{PHASE: data[series.phase].astype(str)}), PHASE
    return data, None


def _network_frame(
    data: pd.DataFrame, series: QiSeries, m: MeasureSpec, phase: str | None
) -> tuple[pd.DataFrame, str | None]:
    """Network totals per period (and group), the phase in force at each period."""
    keys = [k for k in (series.group, series.time) if k]
    cols = [c for c in (m.numerator, m.denominator) if c]
    total = data.groupby(keys, sort=True)[cols].sum().reset_index()
    if phase:
        first = data.groupby(keys, sort=True)[phase].agg(lambda s: s.mode().iloc[0])
        total[phase] = first.to_numpy()
    return total, series.group


def evaluate_cycles(
    series: QiSeries,
    measure: str | None = None,
    *,
    chart: str = "auto",
    cycle_starts: Sequence[str] | dict[str, str] | None = None,
    min_cell_size: int = 10,
) -> CycleEvaluation:
    """Charts and summaries of one measure for a network of units over time.

    Parameters
    ----------
    series : QiSeries
        From :func:`improve.qi.series.load_qi_series`.
    measure : str, optional
        A measure of the column map (the first when empty).
    chart : str
        ``"auto"`` (from the measure type, see :mod:`improve.qi.choose`) or a qic chart.
    cycle_starts : list of dates or mapping name -> date, optional
        When the change ideas started; overrides the map's phase column.
    min_cell_size : int
        Points with a smaller denominator are hidden in every chart and table.
    """
    m = series.measure(measure)
    data, phase = _prepare(series, cycle_starts)
    if chart == "auto":
        chart, reason = choose_chart(data, m, unit=series.unit, time=series.time)
    else:
        reason = f"{chart} chart chosen by the user."
    if chart in ("p", "pp", "u", "up") and m.denominator is None:
        raise SpecError(f"A {chart} chart needs a denominator; measure {m.name!r} has none.")
    common = {
        "y": m.numerator,
        "n": m.denominator if chart not in ("c", "i", "xbar", "run", "mr", "s", "t", "g") else None,
        "multiply": m.multiply,
    }
    ratio = {"y": m.numerator, "n": m.denominator, "multiply": m.multiply}
    net, group = _network_frame(data, series, m, phase)
    overview = qic(net, series.time, chart=chart, facets=group, part=phase, **common)
    run = qic(data, series.time, chart="run", facets=series.unit, **ratio)
    control = qic(data, series.time, chart=chart, facets=series.unit, part=phase, **common)
    found = None
    if series.unit and m.denominator and chart in ("p", "pp", "u", "up"):
        latest = data[data[phase] == data[phase].iloc[-1]] if phase else data
        found = funnel(
            latest,
            series.unit,
            m.numerator,
            m.denominator,
            chart=chart,
            multiply=m.multiply,
            min_cell_size=min_cell_size,
        )
    shifts = (
        phase_shifts(control, measure=m.label.capitalize(), unit_label=series.unit_label)
        if phase
        else None
    )
    return CycleEvaluation(
        measure=m,
        chart=chart,
        chart_reason=reason,
        overview=overview.suppress(min_cell_size),
        run=run.suppress(min_cell_size),
        control=control.suppress(min_cell_size),
        funnel=found,
        shifts=shifts,
        unit_label=series.unit_label,
        min_cell_size=min_cell_size,
    )
