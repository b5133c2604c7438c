"""The panel specification and the partner column map.

A :class:`PanelSpec` names the columns an analysis needs (unit, time, treatment timing,
outcomes, covariates, cluster, weights, subgroups). A :class:`ColumnMap` is what a partner
agency writes in YAML to put *their* column names onto that spec, e.g.::

    unit: SCH_CD                    # keep the partner's name
    time: {school_year: SCHOOL_YEAR}  # or rename it
    cohort: FIRST_GRANT_YR
    outcomes: {math_ss: MATH_MEAN_SS, reading_ss: READ_MEAN_SS}
    covariates: [ENROLLMENT, PCT_FRL]
    cluster: {district_id: DIST_CD}
    recodes:
      SCHOOL_YEAR: {"2018-19": 2019, "2020-21": 2021}
    id_width: 12                    # zero-pad ids that a spreadsheet turned into numbers
    sheet: Schools                  # Excel only
    header_row: 3                   # CSV/Excel: column names in row 3 (notes above them)
    query: SELECT * FROM schools    # DuckDB files only: one SELECT on that file
    mover_timing: first             # student files: timing of each unit's first observed row
    public_counts: [units]          # counts of units are public (states): never suppressed
    public_names: [units]           # names of units may appear in reports (states)
    labels:                         # words for reports (see improve.data.labels)
      unit: school
      program: the math-coach grant
      outcomes: {math_ss: math scale score}

``header_row`` (1-based, as a spreadsheet numbers rows) or ``skip_rows`` (rows to skip)
says where the column names are when notes or a title sit above them in a CSV file or an
Excel sheet.

``public_counts`` declares counts that are public, so small-cell suppression leaves them
shown: ``units`` (e.g. "never treated: 26 states" when the units are states, or districts
listed in a public file) and ``clusters``. It does not make values computed from few units
public. ``labels`` gives the words reports use (outcome labels and scales, the unit, the
program, the treatment); see :class:`improve.data.labels.Labels`.

``mover_timing`` says what to do when the treatment timing of a unit changes over time,
as it does for students who change schools in a student-level file: ``error`` (the
default) stops the load with a message; ``first`` gives every unit the timing of its first
observed period (intention to treat by the school where the student was first observed,
the same rule :func:`improve.did.att_gt` uses for the cluster of a unit that moves).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from improve._deprecation import DeprecatedAttribute, renamed_keyword
from improve.data.labels import Labels
from improve.data.safe_yaml import load_yaml
from improve.errors import SpecError

#: Spec fields that name exactly one column.
SINGLE_FIELDS: tuple[str, ...] = ("unit", "time", "cohort", "treatment", "cluster", "weights")
#: Other column-map keys for a spec field (``weight:`` and ``weights:`` name the same column).
FIELD_ALIASES: dict[str, str] = {"weight": "weights"}
#: Column-map keys naming exactly one column, in the order they are read.
SINGLE_KEYS: tuple[str, ...] = (
    "unit",
    "time",
    "cohort",
    "treatment",
    "cluster",
    "weight",
    "weights",
)
#: Spec fields that name a list of columns.
LIST_FIELDS: tuple[str, ...] = ("outcomes", "covariates", "doses", "subgroups")
#: Other keys a column map may hold.
OPTION_KEYS: tuple[str, ...] = (
    "recodes",
    "id_width",
    "sheet",
    "query",
    "table",
    "missing_markers",
    "negative_missing_codes",
    "encoding",
    "delimiter",
    "mover_timing",
    "skip_rows",
    "header_row",
)
#: Values of the ``mover_timing`` option (timing that changes within a unit).
MOVER_TIMING_RULES: tuple[str, ...] = ("error", "first")
#: Keys of a column map that describe the data rather than name columns or read options.
DESCRIPTION_KEYS: tuple[str, ...] = ("labels", "public_counts", "public_names")
#: Counts a column map can declare public (never suppressed as small cells).
PUBLIC_COUNT_KINDS: tuple[str, ...] = ("units", "clusters")


@dataclass(frozen=True)
class PanelSpec:
    """Which columns of a table play which role in an evaluation.

    Parameters
    ----------
    unit : str
        Column identifying the unit followed over time (school, district, student).
        Read as text so leading zeros survive.
    time : str
        Column with the period (school year as its spring year, e.g. 2019 for 2018-19).
    cohort : str, optional
        First period in which the unit was treated; 0 or empty means never treated.
    treatment : str, optional
        A 0/1 treatment indicator; when ``cohort`` is not given, the first period with a 1
        becomes the cohort (column ``first_treated``).
    outcomes, covariates, subgroups : tuple of str
        Outcome, covariate and subgroup columns.
    doses : tuple of str
        Continuous treatment intensities (e.g. coach FTE per 100 students, spending per
        pupil) for fixed-effects dose-response analyses. Never used as covariates.
    cluster : str, optional
        Cluster for inference above the unit (e.g. district).
    weights : str, optional
        Sampling or analytic weight column (values must be positive). ``weight`` is its
        deprecated name (as a keyword and an attribute); a column map may write either
        ``weight:`` or ``weights:``.
    labels : Labels
        Words for reports (outcome labels and scales, the unit, the program); neutral
        wording when the map has no ``labels:`` section. A dict is read as that section.
    public_counts : tuple of str
        Counts that are public and never suppressed as small cells: ``"units"`` (how many
        states or districts are in each cohort, when the units themselves are public) and
        ``"clusters"``. Values computed from few units are still suppressed.
    public_names : tuple of str
        Whose names may appear in reports (``"units"``, ``"clusters"``): states or districts
        listed in a public file. Without it, reports name no unit; comparison units are
        numbered ("comparison state 1").
    """

    unit: str = "unit_id"
    time: str = "year"
    cohort: str | None = None
    treatment: str | None = None
    outcomes: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    doses: tuple[str, ...] = ()
    cluster: str | None = None
    weights: str | None = None
    subgroups: tuple[str, ...] = ()
    labels: Labels = field(default_factory=Labels)
    public_counts: tuple[str, ...] = ()
    public_names: tuple[str, ...] = ()

    weight = DeprecatedAttribute("weights")

    def __post_init__(self) -> None:
        if self.labels is None or isinstance(self.labels, Mapping):
            object.__setattr__(self, "labels", Labels.from_dict(self.labels))
        object.__setattr__(self, "public_counts", check_public_counts(self.public_counts))
        object.__setattr__(
            self, "public_names", check_public_counts(self.public_names, key="public_names")
        )
        for name in LIST_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            elif value is None:
                object.__setattr__(self, name, ())
            else:
                object.__setattr__(self, name, tuple(value))
        for name in SINGLE_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise SpecError(
                    f"panel spec field '{name}' must be one column name, got {value!r}; "
                    "write a single name such as 'SCH_CD'"
                )

    @property
    def timing_column(self) -> str | None:
        """The column holding the first-treated period once the panel is loaded."""
        if self.cohort is not None:
            return self.cohort
        if self.treatment is not None:
            return "first_treated"
        return None

    def required_columns(self) -> list[str]:
        """Every column the spec refers to in the raw (mapped) table, in spec order."""
        cols: list[str] = [self.unit, self.time]
        for name in ("cohort", "treatment", "cluster", "weights"):
            value = getattr(self, name)
            if value is not None:
                cols.append(value)
        for name in LIST_FIELDS:
            cols.extend(getattr(self, name))
        seen: dict[str, None] = {}
        for col in cols:
            seen.setdefault(col, None)
        return list(seen)

    def numeric_columns(self) -> list[str]:
        """Columns that must hold numbers (outcomes, covariates, doses, weights, timing)."""
        cols = [*self.outcomes, *self.covariates, *self.doses]
        for name in ("weights", "cohort", "treatment"):
            value = getattr(self, name)
            if value is not None:
                cols.append(value)
        return list(dict.fromkeys(cols))

    def names_public(self, kind: str = "units") -> bool:
        """True when the map declares the names of ``kind`` (units, clusters) public."""
        return kind in self.public_names

    def counts_public(self, kind: str = "units") -> bool:
        """True when the map declares counts of ``kind`` (units, clusters) public."""
        return kind in self.public_counts

    def with_overrides(self, **changes: Any) -> PanelSpec:
        """Return a copy with the given fields replaced (``None`` values are ignored).

        ``weight=`` is the deprecated name of ``weights=``.
        """
        if "weight" in changes:
            changes["weights"] = renamed_keyword(
                changes.get("weights"), changes.pop("weight"), "weight", "weights"
            )
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for manifests.

        The weight column keeps the key ``weight`` (the column-map key), so manifests
        written before the field was named ``weights`` compare equal.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "weights":
                out["weight"] = value
                continue
            if f.name == "labels":
                if not value.is_empty():  # only when the map declares them
                    out[f.name] = value.to_dict()
                continue
            if f.name in ("public_counts", "public_names"):
                if value:
                    out[f.name] = list(value)
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


_UNSET: Any = object()
_panel_spec_fields_init = PanelSpec.__init__


def _panel_spec_init(self: PanelSpec, *args: Any, weight: Any = _UNSET, **kwargs: Any) -> None:
    """The dataclass constructor, also accepting the deprecated keyword ``weight=``."""
    if weight is not _UNSET:
        kwargs["weights"] = renamed_keyword(
            kwargs.get("weights", _UNSET), weight, "weight", "weights", unset=_UNSET
        )
    _panel_spec_fields_init(self, *args, **kwargs)


PanelSpec.__init__ = _panel_spec_init  # type: ignore[method-assign]


@dataclass(frozen=True)
class ColumnMap:
    """A partner's column names mapped onto a :class:`PanelSpec`, plus read options.

    Attributes
    ----------
    spec : PanelSpec
        The spec expressed in the *mapped* (renamed) column names.
    renames : dict
        Source column name -> name used in the panel.
    recodes : dict
        Column (source or mapped name) -> {raw value: replacement}.
    options : dict
        Read options: ``id_width``, ``sheet``, ``query``, ``table``, ``missing_markers``,
        ``negative_missing_codes``, ``encoding``, ``delimiter``, ``mover_timing``,
        ``skip_rows``, ``header_row``.
    source : str
        Where the map came from (file path or ``"<dict>"``), for messages.

    Notes
    -----
    ``labels:`` and ``public_counts:`` describe the data and are stored on the spec
    (``spec.labels``, ``spec.public_counts``), so a loaded panel carries them.
    """

    spec: PanelSpec
    renames: dict[str, str] = field(default_factory=dict)
    recodes: dict[str, dict[Any, Any]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    source: str = "<dict>"

    @classmethod
    def from_yaml(cls, path: str | Path) -> ColumnMap:
        """Read a column map from a YAML file."""
        path = Path(path)
        if not path.exists():
            raise SpecError(
                f"column map '{path}' does not exist; check the path given to --columns"
            )
        if path.is_dir():
            raise SpecError(
                f"column map '{path}' is a folder; give --columns the YAML file inside it"
            )
        try:
            content = load_yaml(path.read_text(encoding="utf-8-sig"), f"column map '{path.name}'")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise SpecError(
                f"column map '{path}' is not valid YAML{where}; "
                "each line should look like 'unit: SCH_CD'"
            ) from None
        except UnicodeDecodeError:
            raise SpecError(
                f"column map '{path}' is not a text file; save it as UTF-8 YAML"
            ) from None
        if content is None:
            content = {}
        return cls.from_dict(content, source=str(path))

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], source: str = "<dict>") -> ColumnMap:
        """Build a column map from a dict (the parsed YAML)."""
        if not isinstance(mapping, Mapping):
            raise SpecError(
                f"column map {source} must be a set of 'field: column' lines, "
                f"got a {type(mapping).__name__}"
            )
        known = (*SINGLE_KEYS, *LIST_FIELDS, *OPTION_KEYS, *DESCRIPTION_KEYS)
        for key in mapping:
            if key not in known:
                hint = difflib.get_close_matches(str(key), known, n=1)
                fix = f"did you mean '{hint[0]}'?" if hint else f"known keys: {', '.join(known)}"
                raise SpecError(f"column map {source} has an unknown key '{key}'; {fix}")
        renames: dict[str, str] = {}
        spec_kwargs: dict[str, Any] = {}
        for key in SINGLE_KEYS:
            if key in mapping and mapping[key] is not None:
                name = FIELD_ALIASES.get(key, key)
                if name in spec_kwargs:
                    raise SpecError(
                        f"column map {source} names the {name} column twice "
                        f"('{key}' and '{name}'); keep one line"
                    )
                spec_kwargs[name] = _single_entry(key, mapping[key], renames, source)
        for key in LIST_FIELDS:
            if key in mapping and mapping[key] is not None:
                spec_kwargs[key] = _list_entry(key, mapping[key], renames, source)
        spec_kwargs = _one_name_per_column(spec_kwargs, renames)
        if "unit" not in spec_kwargs or "time" not in spec_kwargs:
            missing = [k for k in ("unit", "time") if k not in spec_kwargs]
            raise SpecError(
                f"column map {source} must name the {' and '.join(missing)} column; "
                "add a line such as 'unit: SCH_CD' and 'time: SCHOOL_YEAR'"
            )
        recodes = mapping.get("recodes") or {}
        if not isinstance(recodes, Mapping) or not all(
            isinstance(v, Mapping) for v in recodes.values()
        ):
            raise SpecError(
                f"column map {source}: 'recodes' must map a column to {{old value: new value}}, "
                "e.g. recodes: {SCHOOL_YEAR: {'2018-19': 2019}}"
            )
        options = {k: mapping[k] for k in OPTION_KEYS if k in mapping and k != "recodes"}
        if "id_width" in options and not (
            isinstance(options["id_width"], int) and options["id_width"] > 0
        ):
            raise SpecError(
                f"column map {source}: id_width must be a positive whole number such as 12"
            )
        header_skip(options, f"column map {source}")
        if "mover_timing" in options:
            options["mover_timing"] = check_mover_timing(
                options["mover_timing"], f"column map {source}"
            )
        labels = Labels.from_dict(mapping.get("labels"), source).renamed(renames)
        if spec_kwargs.get("outcomes"):
            labels.check_outcomes([*spec_kwargs["outcomes"], *spec_kwargs.get("doses", [])], source)
        spec_kwargs["labels"] = labels
        spec_kwargs["public_counts"] = check_public_counts(
            mapping.get("public_counts"), f"column map {source}"
        )
        spec_kwargs["public_names"] = check_public_counts(
            mapping.get("public_names"), f"column map {source}", key="public_names"
        )
        return cls(
            spec=PanelSpec(**spec_kwargs),
            renames=renames,
            recodes={str(k): dict(v) for k, v in recodes.items()},
            options=options,
            source=source,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for manifests."""
        return {
            "spec": self.spec.to_dict(),
            "renames": dict(self.renames),
            "recodes": {k: {str(a): b for a, b in v.items()} for k, v in self.recodes.items()},
            "options": dict(self.options),
            "source": self.source,
        }


def header_skip(options: dict[str, Any], source: str = "column map") -> int:
    """Rows to skip above the header, from the column map's ``skip_rows`` or ``header_row``.

    Parameters
    ----------
    options : dict
        Read options of a column map; ``skip_rows: N`` skips the first N rows of the file,
        ``header_row: K`` says the column names are in row K (1-based, as a spreadsheet
        numbers rows), i.e. skips K - 1 rows. Both may be given if they agree.
    source : str
        Where the options came from, for messages.

    Returns
    -------
    int
        Number of rows to skip (0 when neither key is set).
    """
    skip = options.get("skip_rows")
    header = options.get("header_row")
    for key, value, low in (("skip_rows", skip, 0), ("header_row", header, 1)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < low
        ):
            example = "skip_rows: 2" if key == "skip_rows" else "header_row: 3"
            raise SpecError(
                f"{source}: {key} must be a whole number of at least {low} (e.g. {example}), "
                f"got {value!r}"
            )
    if skip is not None and header is not None and header != skip + 1:
        raise SpecError(
            f"{source}: skip_rows: {skip} and header_row: {header} disagree (skipping {skip} "
            f"rows puts the header in row {skip + 1}); keep one of them"
        )
    if header is not None:
        return int(header) - 1
    return int(skip or 0)


def check_public_counts(
    value: Any, source: str = "panel spec", key: str = "public_counts"
) -> tuple[str, ...]:
    """Validate ``public_counts`` or ``public_names`` (``units``, ``clusters`` or a list).

    Raises
    ------
    SpecError
        A value that is not a kind of count (the message suggests the closest one).
    """
    if value is None or value is False:
        return ()
    items = [value] if isinstance(value, str) else value
    if isinstance(items, Mapping):
        items = [k for k, v in items.items() if v]
    if not isinstance(items, Iterable):
        raise SpecError(f"{source}: {key} must list units and/or clusters, got {value!r}")
    out: list[str] = []
    for item in items:
        text = str(item).strip().lower()
        if text not in PUBLIC_COUNT_KINDS:
            hint = difflib.get_close_matches(text, PUBLIC_COUNT_KINDS, n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else "use units and/or clusters"
            raise SpecError(f"{source}: {key} has '{item}', which is not units or clusters; {fix}")
        out.append(text)
    return tuple(dict.fromkeys(out))


def check_mover_timing(value: Any, source: str = "load_panel") -> str:
    """Validate a ``mover_timing`` value (``"error"`` or ``"first"``) and return it.

    Parameters
    ----------
    value : Any
        The value given in the column map or to :func:`improve.data.load_panel`.
    source : str
        Where it came from, for the message.

    Returns
    -------
    str
        The rule, lower-cased.

    Raises
    ------
    SpecError
        The value is not a known rule (the message suggests the closest one).
    """
    text = str(value).strip().lower() if value is not None else "error"
    aliases = {"first_observed": "first", "first-observed": "first", "itt": "first"}
    text = aliases.get(text, text)
    if text not in MOVER_TIMING_RULES:
        hint = difflib.get_close_matches(text, MOVER_TIMING_RULES, n=1)
        fix = f"did you mean '{hint[0]}'?" if hint else "use 'first' or 'error'"
        raise SpecError(
            f"{source}: mover_timing is {value!r}; {fix} ('first' gives each unit "
            "the treatment timing of its first observed period, 'error' stops the load)"
        )
    return text


def _one_name_per_column(spec_kwargs: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """Give every role that names the same file column the same panel name.

    A column can play two roles (the unit is also the cluster, e.g. ``unit: State`` and
    ``cluster: State``). When one role renames it (``unit: {state: State}``), a role naming
    the file column (``State``) refers to the renamed column ``state``; when two roles
    rename it differently, the first rename wins and both roles name it.
    """
    new_names = set(renames.values())

    def resolve(name: str) -> str:
        if name in renames and name not in new_names:
            return renames[name]
        return name

    out: dict[str, Any] = {}
    for key, value in spec_kwargs.items():
        if isinstance(value, str):
            out[key] = resolve(value)
        else:
            out[key] = [resolve(v) for v in value]
    return out


def _add_rename(renames: dict[str, str], old: str, new: str) -> str:
    """Record ``old -> new`` and return the panel name (the first rename of ``old`` wins)."""
    return renames.setdefault(old, new)


def _single_entry(key: str, value: Any, renames: dict[str, str], source: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((new, old),) = value.items()
        if not isinstance(old, str):
            raise SpecError(
                f"column map {source}: '{key}' should map a new name to a column name, "
                f"got {value!r}"
            )
        return _add_rename(renames, old, str(new))
    raise SpecError(
        f"column map {source}: '{key}' must be one column name (e.g. '{key}: SCH_CD') "
        f"or one rename (e.g. '{key}: {{school_id: SCH_CD}}'), got {value!r}"
    )


def _list_entry(key: str, value: Any, renames: dict[str, str], source: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        out = []
        for new, old in value.items():
            if not isinstance(old, str):
                raise SpecError(
                    f"column map {source}: under '{key}', '{new}' must map to a column name, "
                    f"got {old!r}"
                )
            out.append(_add_rename(renames, old, str(new)))
        return out
    if isinstance(value, Iterable):
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, Mapping):
                out.extend(_list_entry(key, item, renames, source))
            else:
                raise SpecError(
                    f"column map {source}: '{key}' lists {item!r}, which is not a column name"
                )
        return out
    raise SpecError(f"column map {source}: '{key}' must be a list of column names, got {value!r}")


def as_column_map(columns: ColumnMap | Mapping[str, Any] | str | Path | None) -> ColumnMap | None:
    """Accept a :class:`ColumnMap`, a dict, or a path to a YAML file."""
    if columns is None or isinstance(columns, ColumnMap):
        return columns
    if isinstance(columns, Mapping):
        return ColumnMap.from_dict(columns)
    return ColumnMap.from_yaml(columns)
