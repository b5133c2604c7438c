"""A cross-section around a cutoff: its column map, loading, and the runner's input check.

A threshold design has no time column: one row per unit (school, application) with the
running variable, the outcome(s) and, optionally, the treatment actually received,
baseline covariates, a cluster and a per-row cutoff (several grant rounds). Its column map
is YAML like a panel's, with these keys::

    running: K5_ENROLLMENT        # the forcing variable (score, enrollment)
    cutoff: 800                   # units at or above it are assigned to the program
    cutoff_column: FUNDING_LINE   # or: each row's own cutoff (several rounds); pooled
    treatment: HAS_SECOND_COACH   # optional: received the program (fuzzy if imperfect)
    outcomes: [MATH_SCORE]
    covariates: [PCT_FRL, PRIOR_MATH]   # baseline covariates for the balance check
    cluster: DISTRICT_ID          # optional
    unit: SCHOOL_ID               # optional: never shown in reports
    labels: {...}                 # as in a panel map
    public_counts: [units]        # optional

Files are read with the same reader as panels (:func:`improve.data.read.read_table`: CSV,
Excel, Parquet, Stata, SPSS, DuckDB); numbers, missing and suppression markers ("NA",
"*", "n<10") are parsed, and labels read, by the same code.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from improve.data.labels import Labels
from improve.data.read import read_table
from improve.data.safe_yaml import load_yaml
from improve.data.spec import check_public_counts
from improve.data.suppression import parse_numeric
from improve.data.validate import check_extreme, check_numeric
from improve.errors import DataError, SpecError

SINGLE = ("running", "cutoff", "cutoff_column", "treatment", "cluster", "unit")
LISTS = ("outcomes", "covariates")
KNOWN = (*SINGLE, *LISTS, "labels", "public_counts")


@dataclass(frozen=True)
class RDMap:
    """The roles of a cross-section's columns (names as in the data file)."""

    running: str
    outcomes: list[str]
    cutoff: float | None = None
    cutoff_column: str | None = None
    treatment: str | None = None
    covariates: list[str] = field(default_factory=list)
    cluster: str | None = None
    unit: str | None = None
    labels: Labels = field(default_factory=Labels)
    public_counts: tuple[str, ...] = ()
    source: str = "<dict>"

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], source: str = "<dict>") -> RDMap:
        """Check and read a parsed column map."""
        if not isinstance(mapping, Mapping):
            raise SpecError(f"column map {source} must be a set of 'role: column' lines")
        for key in mapping:
            if key not in KNOWN:
                hint = difflib.get_close_matches(str(key), KNOWN, n=1)
                fix = f"did you mean '{hint[0]}'?" if hint else f"known keys: {', '.join(KNOWN)}"
                raise SpecError(f"column map {source} has an unknown key '{key}'; {fix}")
        if not mapping.get("running"):
            raise SpecError(
                f"column map {source} must name the running variable, e.g. 'running: K5_ENROLLMENT'"
            )
        if (mapping.get("cutoff") is None) == (not mapping.get("cutoff_column")):
            raise SpecError(
                f"column map {source} must give either 'cutoff: 800' (one cutoff) or "
                "'cutoff_column: FUNDING_LINE' (each row's own cutoff), not both or neither"
            )
        cutoff = mapping.get("cutoff")
        if cutoff is not None and not isinstance(cutoff, int | float):
            raise SpecError(f"column map {source}: cutoff must be a number, got {cutoff!r}")
        lists = {}
        for key in LISTS:
            value = mapping.get(key) or []
            lists[key] = [str(v) for v in ([value] if isinstance(value, str) else value)]
        if not lists["outcomes"]:
            raise SpecError(f"column map {source} must list the outcomes, e.g. 'outcomes: [MATH]'")
        singles = {
            k: (str(mapping[k]) if mapping.get(k) else None) for k in SINGLE if k != "cutoff"
        }
        labels = Labels.from_dict(mapping.get("labels"), source)
        labels.check_outcomes(lists["outcomes"], source)
        return cls(
            **singles,  # type: ignore[arg-type]
            cutoff=float(cutoff) if cutoff is not None else None,
            outcomes=lists["outcomes"],
            covariates=lists["covariates"],
            labels=labels,
            public_counts=check_public_counts(mapping.get("public_counts"), f"column map {source}"),
            source=source,
        )

    @classmethod
    def from_yaml(cls, path: str | Path) -> RDMap:
        """Read a column map file."""
        path = Path(path)
        if not path.is_file():
            raise SpecError(f"column map '{path.name}' does not exist; check --columns")
        try:
            content = load_yaml(path.read_text(encoding="utf-8-sig"), f"column map '{path.name}'")
        except yaml.YAMLError:
            raise SpecError(f"column map '{path.name}' is not valid YAML") from None
        return cls.from_dict(content or {}, source=path.name)

    @property
    def columns(self) -> list[str]:
        """Every column the map names."""
        named = [self.running, self.cutoff_column, self.treatment, self.cluster, self.unit]
        return [c for c in [*named, *self.outcomes, *self.covariates] if c]


@dataclass(frozen=True)
class RDData:
    """A loaded cross-section and its map (``spec`` is the map, as a panel's is)."""

    data: pd.DataFrame
    spec: RDMap
    source: str

    @property
    def n_rows(self) -> int:
        return len(self.data)

    @property
    def multiple_cutoffs(self) -> bool:
        return (
            self.spec.cutoff_column is not None and self.data[self.spec.cutoff_column].nunique() > 1
        )


def load_cross_section(source: str | Path | pd.DataFrame, columns: Any) -> RDData:
    """Read a data file and check it against its RD column map.

    Parameters
    ----------
    source : path or DataFrame
        Anything :func:`improve.data.read.read_table` reads.
    columns : path, mapping or RDMap
        The column map.
    """
    spec = (
        columns
        if isinstance(columns, RDMap)
        else (
            RDMap.from_dict(columns) if isinstance(columns, Mapping) else RDMap.from_yaml(columns)
        )
    )
    raw = read_table(source, required=spec.columns)
    frame = raw.frame
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        close = difflib.get_close_matches(missing[0], [str(c) for c in frame.columns], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise DataError(
            f"column '{missing[0]}' named in the column map is not in the data{hint}; "
            "fix the map or the file header"
        )
    frame = frame.copy()
    for col, role in _numeric_roles(spec).items():
        parsed = parse_numeric(frame[col])
        check_numeric(col, parsed.bad_values, parsed.n_bad, role)
        check_extreme(col, parsed.values, role)
        frame[col] = parsed.values.astype(float)
    if not np.isfinite(frame[spec.running].to_numpy(dtype=float)).any():
        raise DataError(f"the running variable '{spec.running}' has no values")
    return RDData(data=frame, spec=spec, source=raw.source)


def _numeric_roles(spec: RDMap) -> dict[str, str]:
    """Numeric columns and their roles, for messages."""
    roles = {spec.running: "running variable"}
    roles.update({c: "outcome" for c in spec.outcomes})
    roles.update({c: "covariate" for c in spec.covariates})
    for col, role in ((spec.treatment, "treatment"), (spec.cutoff_column, "cutoff")):
        if col:
            roles[col] = role
    return roles


def check_cross_section(
    data_path: Path | str, map_path: Path | None, params: Mapping[str, Any]
) -> str:
    """The runner's check of a cross-section input: load it, check named columns, summarise."""
    if map_path is None:
        raise SpecError("a threshold design needs a column map naming the running variable")
    rd = load_cross_section(data_path, map_path)
    for name in ("outcome", "covariates", "cluster"):
        value = params.get(name)
        for col in [value] if isinstance(value, str) else list(value or []):
            if col and col not in rd.data.columns:
                raise SpecError(
                    f"parameter '{name}' names column '{col}', which is not in the data"
                )
    x = rd.data[rd.spec.running]
    if rd.spec.cutoff_column:
        centred = x - rd.data[rd.spec.cutoff_column]
        below, above = int((centred < 0).sum()), int((centred >= 0).sum())
        where = f"cutoffs in '{rd.spec.cutoff_column}'"
    else:
        below = int((x < rd.spec.cutoff).sum())
        above = int((x >= rd.spec.cutoff).sum())
        where = f"cutoff {rd.spec.cutoff:g}"
    return (
        f"data ok: {rd.n_rows:,} rows; running variable '{rd.spec.running}', {where}: "
        f"{below:,} below and {above:,} at or above"
    )
