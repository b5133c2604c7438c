"""Checks of a school finance file, each failing with a sentence that names the fix.

Zero or negative enrollment, spending columns in thousands read as dollars (or the other
way round), missing need counts and district totals that do not match their school rows
are the mistakes a finance file most often holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import DataError

#: Median spending per pupil (dollars) outside this range is implausible for a US school
#: (NCES Digest of Education Statistics table 236.75: state medians of current expenditure
#: per pupil lie roughly between $8,000 and $30,000 in 2019-20; the range is kept wide).
PLAUSIBLE_PER_PUPIL = (1_000.0, 100_000.0)
#: District totals may differ from the sum of their school rows by this share (rounding).
TOTAL_TOLERANCE = 0.01
#: Rows listed by name in an error message.
_SHOWN = 5


def _listing(ids: Sequence[Any]) -> str:
    shown = ", ".join(str(i) for i in list(ids)[:_SHOWN])
    more = len(ids) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def numeric_column(frame: pd.DataFrame, column: str, role: str) -> pd.Series:
    """``frame[column]`` as numbers; text that is not a number is an error naming rows."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        examples = _listing(list(dict.fromkeys(raw[bad].astype(str))))
        raise DataError(
            f"column '{column}' ({role}) holds text that is not a number in {int(bad.sum())} "
            f"rows (e.g. {examples}); fix those cells or mark them missing"
        )
    return values.astype(float)


def check_enrollment(enrollment: pd.Series, schools: pd.Series, column: str) -> None:
    """Every school has a positive enrollment.

    Raises
    ------
    improve.errors.DataError
        Missing, zero or negative enrollment, naming the schools.
    """
    for problem, mask in (
        ("missing", enrollment.isna()),
        ("negative", enrollment < 0),
        ("zero", enrollment == 0),
    ):
        if mask.any():
            ids = list(dict.fromkeys(schools[mask].astype(str)))
            fix = (
                "drop schools that were closed or had no pupils that year"
                if problem == "zero"
                else "correct the enrollment count"
            )
            raise DataError(
                f"{int(mask.sum())} rows have {problem} enrollment in '{column}' "
                f"(schools {_listing(ids)}); spending per pupil cannot be computed: {fix}"
            )


def pupil_weighted_median(per_pupil: pd.Series, enrollment: pd.Series) -> float:
    """The per-pupil amount of the median pupil (schools weighted by enrollment)."""
    order = np.argsort(per_pupil.to_numpy(dtype=float))
    values = per_pupil.to_numpy(dtype=float)[order]
    cumulative = np.cumsum(enrollment.to_numpy(dtype=float)[order])
    return float(values[np.searchsorted(cumulative, cumulative[-1] / 2.0)])


def check_scale(per_pupil: pd.Series, enrollment: pd.Series, dollars: str) -> None:
    """Median spending per pupil is plausible for the declared scale.

    Raises
    ------
    improve.errors.DataError
        The median looks like thousands read as dollars (or dollars declared as thousands),
        with the numbers and the key to change.
    """
    median = pupil_weighted_median(per_pupil, enrollment)
    low, high = PLAUSIBLE_PER_PUPIL
    if low <= median <= high:
        return
    if median < low and median * 1000 >= low and dollars == "dollars":
        raise DataError(
            f"median spending per pupil is ${median:,.2f}, implausibly low for dollars; the "
            "spending columns look like thousands of dollars: add 'dollars: thousands' to "
            "the column map"
        )
    if median > high and median / 1000 <= high and dollars == "thousands":
        raise DataError(
            f"median spending per pupil is ${median:,.0f} with 'dollars: thousands', "
            "implausibly high; the spending columns look like dollars already: remove "
            "'dollars: thousands' from the column map"
        )
    raise DataError(
        f"median spending per pupil is ${median:,.2f}, outside the plausible range "
        f"${low:,.0f}-${high:,.0f}; check that the spending columns are totals per school "
        "(not per pupil or in cents) and that enrollment counts pupils"
    )


def check_need_counts(
    counts: pd.DataFrame, enrollment: pd.Series, schools: pd.Series, columns: Mapping[str, str]
) -> None:
    """Need counts are present, not negative and not above enrollment.

    Raises
    ------
    improve.errors.DataError
        Naming the need, its column and the schools.
    """
    for need, column in columns.items():
        values = counts[need]
        for problem, mask, fix in (
            (
                "missing",
                values.isna(),
                f"fill them (0 when a school has none), or leave '{need}' out of the map's needs",
            ),
            ("negative", values < 0, "correct them"),
            (
                "above enrollment",
                values > enrollment * (1 + 1e-9),
                "check that the count and the enrollment are for the same school and year",
            ),
        ):
            if mask.any():
                ids = list(dict.fromkeys(schools[mask].astype(str)))
                raise DataError(
                    f"{int(mask.sum())} schools have {problem} {need} counts in '{column}' "
                    f"(schools {_listing(ids)}); need-weighted pupils cannot be computed: {fix}"
                )


def check_district_totals(
    table: pd.DataFrame, reported: pd.Series, column: str, keys: list[str]
) -> None:
    """The district total reported on each row matches the sum of the district's schools.

    ``table`` has the ``spending`` column and the grouping ``keys`` (district, year).

    Raises
    ------
    improve.errors.DataError
        A district whose reported total differs from its school rows by more than
        :data:`TOTAL_TOLERANCE`, or whose reported total differs between its rows.
    """
    frame = table[keys + ["spending"]].assign(_reported=reported.to_numpy())
    grouped = frame.groupby(keys, sort=True)
    spread = grouped["_reported"].nunique()
    if (spread > 1).any():
        bad = [" ".join(map(str, np.atleast_1d(k))) for k in spread.index[spread > 1]]
        raise DataError(
            f"'{column}' differs between rows of the same district in {_listing(bad)}; "
            "the district total must repeat on each of its school rows"
        )
    sums = grouped.agg(schools=("spending", "sum"), reported=("_reported", "first"))
    gap = (sums["schools"] - sums["reported"]).abs() / sums["reported"].abs()
    off = gap > TOTAL_TOLERANCE
    if off.any():
        bad = [
            f"{' '.join(map(str, np.atleast_1d(k)))} (schools ${row.schools:,.0f}, "
            f"reported ${row.reported:,.0f})"
            for k, row in sums[off].iterrows()
        ]
        raise DataError(
            f"{int(off.sum())} district totals in '{column}' do not match the sum of their "
            f"school rows (more than {TOTAL_TOLERANCE:.0%} apart): {_listing(bad)}; a school "
            "may be missing from the file or counted twice. If the reported totals include "
            "central spending not assigned to schools, leave district_total out of the map"
        )


def check_school_finance_input(
    data_path: Path | str, map_path: Path | None, params: Mapping[str, Any]
) -> str:
    """The runner's check of a school finance file: read, check, summarise in one line."""
    from improve.errors import SpecError
    from improve.finance.perpupil import school_table
    from improve.finance.spec import FinanceMap
    from improve.finance.weights import NeedWeights

    if map_path is None:
        raise SpecError("a school finance workbook needs a column map: pass --columns MAP")
    fmap = FinanceMap.from_yaml(map_path)
    outcome = params.get("outcome")
    if outcome and outcome not in fmap.outcomes:
        raise SpecError(
            f"parameter 'outcome' names '{outcome}', which is not among the column map's "
            f"outcomes ({', '.join(fmap.outcomes) or 'none'}); add it under outcomes:"
        )
    if params.get("group") == "region" and not fmap.region:
        raise SpecError("group 'region' needs a region column: add region: COLUMN to the map")
    weights = NeedWeights.from_parameter(params.get("need_weights"))
    table = school_table(data_path, fmap, weights)
    year = params.get("year")
    if year and year not in set(table["year"]):
        raise SpecError(
            f"parameter 'year' is {year}, which is not in the data; years present: "
            f"{', '.join(map(str, sorted(table['year'].unique())))}"
        )
    years = table["year"].nunique()
    return (
        f"data ok: {len(table):,} school rows, {table['school'].nunique():,} schools, "
        f"{table['district'].nunique():,} districts, {years} year{'s' if years != 1 else ''}"
    )
