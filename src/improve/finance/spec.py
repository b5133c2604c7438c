"""The column map of a school finance file, and reading the file with it.

A school finance file has one row per school (and year). Its column map names::

    school: SCH_ID                  # school id (required)
    school_name: SCH_NAME           # shown only when public_names lists units
    district: DIST_ID               # district id (required: equity within and between)
    year: FISCAL_YEAR               # optional: several years give trends
    region: REGION                  # optional second grouping
    enrollment: ENROLL              # pupils (required)
    spending: {local: EXP_LOCAL, state: EXP_STATE, federal: EXP_FED}  # or one column
    functions: {instruction: EXP_INSTR, support: EXP_SUPPORT}  # optional breakdown
    dollars: dollars                # or thousands: the scale of spending columns
    needs: {poverty: N_ECON_DIS, english_learners: N_EL, disabilities: N_SWD}  # counts
    need_shares: {poverty: PCT_FRL} # or shares instead of counts
    need_share_scale: percent       # shares in percent (0-100) or fraction (0-1)
    property_wealth: PROP_VAL_PP    # district property wealth per pupil (fiscal neutrality)
    formula_funding: FORMULA_AID    # state formula aid (dollars; per pupil is computed)
    district_total: DIST_EXP_TOTAL  # the district's reported total, checked against schools
    staff: {teacher_fte: TCH_FTE}   # staff counts, reported per 100 pupils
    staff_averages: {teacher_experience: AVG_YRS}  # school averages, pupil-weighted
    outcomes: [MATH_PROF]           # outcomes for the formula-change analysis
    formula_change_year: 2020       # first year under a new funding formula (optional)
    public_names: [units]           # school names may appear in reports
    labels: {unit: school}

``spending`` columns are added up to the total per school; ``functions`` is a second view
of the same money.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from improve.data.labels import Labels
from improve.data.safe_yaml import load_yaml
from improve.data.spec import check_public_counts
from improve.errors import DataError, SpecError

#: Keys naming one column.
SINGLE_KEYS = (
    "school",
    "school_name",
    "district",
    "district_name",
    "year",
    "region",
    "enrollment",
    "property_wealth",
    "formula_funding",
    "district_total",
)
#: Keys naming several columns (``name: column``).
GROUP_KEYS = ("spending", "functions", "needs", "need_shares", "staff", "staff_averages")
OTHER_KEYS = (
    "dollars",
    "need_share_scale",
    "outcomes",
    "public_names",
    "formula_change_year",
    "labels",
)
REQUIRED_KEYS = ("school", "district", "enrollment", "spending")
DOLLAR_SCALES = {"dollars": 1.0, "thousands": 1000.0}


def _group(value: Any, key: str, source: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"total": value} if key == "spending" else {value: value}
    if isinstance(value, list):
        return {str(v): str(v) for v in value}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    raise SpecError(f"column map {source}: '{key}' must name columns, e.g. {key}: {{name: COLUMN}}")


def _year(value: Any, source: str) -> int | None:
    if value in (None, "", 0):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SpecError(
            f"column map {source}: formula_change_year must be a year (e.g. 2020), got {value!r}"
        ) from None


@dataclass(frozen=True)
class FinanceMap:
    """Which columns of a school finance file hold what (see the module notes)."""

    school: str
    district: str
    enrollment: str
    spending: dict[str, str]
    school_name: str | None = None
    district_name: str | None = None
    year: str | None = None
    region: str | None = None
    property_wealth: str | None = None
    formula_funding: str | None = None
    district_total: str | None = None
    functions: dict[str, str] = field(default_factory=dict)
    needs: dict[str, str] = field(default_factory=dict)
    need_shares: dict[str, str] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)
    staff_averages: dict[str, str] = field(default_factory=dict)
    outcomes: tuple[str, ...] = ()
    dollars: str = "dollars"
    need_share_scale: str = "fraction"
    units_public: bool = False
    formula_change_year: int | None = None
    labels: Labels = field(default_factory=Labels)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], source: str = "<dict>") -> FinanceMap:
        """Check a parsed column map and build the spec.

        Raises
        ------
        improve.errors.SpecError
            An unknown key (with the closest known one), a missing required key or a bad
            value.
        """
        known = SINGLE_KEYS + GROUP_KEYS + OTHER_KEYS
        for key in mapping:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise SpecError(f"column map {source}: unknown key '{key}'{hint}")
        missing = [k for k in REQUIRED_KEYS if not mapping.get(k)]
        if missing:
            raise SpecError(
                f"column map {source}: a school finance map needs {', '.join(missing)} "
                "(the school id, district id, enrollment and spending columns)"
            )
        dollars = str(mapping.get("dollars", "dollars"))
        if dollars not in DOLLAR_SCALES:
            raise SpecError(f"column map {source}: dollars must be 'dollars' or 'thousands'")
        scale = str(mapping.get("need_share_scale", "fraction"))
        if scale not in ("fraction", "percent"):
            raise SpecError(
                f"column map {source}: need_share_scale must be 'fraction' (0-1) or 'percent'"
            )
        outcomes = mapping.get("outcomes") or []
        outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
        return cls(
            **{k: str(mapping[k]) for k in SINGLE_KEYS if mapping.get(k)},
            **{k: _group(mapping.get(k), k, source) for k in GROUP_KEYS},
            outcomes=tuple(str(o) for o in outcomes),
            dollars=dollars,
            need_share_scale=scale,
            units_public="units"
            in check_public_counts(mapping.get("public_names"), key="public_names"),
            formula_change_year=_year(mapping.get("formula_change_year"), source),
            labels=Labels.from_dict(mapping.get("labels"), source),
        )

    @classmethod
    def from_yaml(cls, path: str | Path) -> FinanceMap:
        """Read a YAML column map."""
        path = Path(path)
        if not path.is_file():
            raise SpecError(f"column map '{path}' does not exist")
        try:
            mapping = load_yaml(path.read_text(encoding="utf-8"), f"column map '{path.name}'") or {}
        except yaml.YAMLError as exc:
            raise SpecError(f"column map '{path.name}' is not valid YAML: {exc}") from None
        if not isinstance(mapping, Mapping):
            raise SpecError(f"column map '{path.name}' must be a set of 'key: column' lines")
        return cls.from_mapping(mapping, path.name)

    def columns(self) -> list[str]:
        """Every column the map names."""
        named = [getattr(self, k) for k in SINGLE_KEYS if getattr(self, k)]
        for key in GROUP_KEYS:
            named += list(getattr(self, key).values())
        return list(dict.fromkeys(named + list(self.outcomes)))


def read_finance_table(source: str | Path | pd.DataFrame, fmap: FinanceMap) -> pd.DataFrame:
    """The raw table, with every column the map names present.

    Raises
    ------
    improve.errors.DataError
        A named column is missing (with the closest column of the file).
    """
    from improve.data.read import is_dataset, read_dataset, read_table

    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    elif is_dataset(source):
        frame = read_dataset(str(source))
    else:
        frame = read_table(source, required=fmap.columns()).frame
    have = [str(c) for c in frame.columns]
    for column in fmap.columns():
        if column not in have:
            close = difflib.get_close_matches(column, have, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise DataError(
                f"column '{column}' named in the column map is not in the data{hint}; "
                "fix the column map or the file"
            )
    return frame
