"""The survey map: which columns are items, scales, groups, multi-select and free text.

A survey map is a small YAML file, like the column map of a panel, written once per survey
export::

    format: qualtrics              # qualtrics, surveymonkey or google_forms
    respondent_id: ResponseId      # used to find duplicates, dropped at load
    drop: [RecipientEmail, IPAddress]   # other identifying columns, dropped at load
    responses:                     # answer labels from lowest to highest
      agree5: [Strongly disagree, Disagree, Neither agree nor disagree, Agree,
               Strongly agree]
    no_answer: [N/A, Not applicable]    # labels that mean "no opinion" (treated as missing)
    items:
      Q1_1: {label: The session was useful, responses: agree5}
      Q1_4: {label: The pace was too fast, responses: agree5, reverse: true}
    scales:
      satisfaction: {label: Satisfaction, items: [Q1_1, Q1_2, Q1_3, Q1_4]}
    prepost:
      confidence_data: {label: Confidence using data, before: Q3_1, after: Q3_2}
    multiselect:
      needs: {label: Support still needed, options: {Q4_1: Data use, Q4_2: Coaching}}
    groups:
      ta_type: {column: Q5, label: type of technical assistance}
    free_text: [Q6]
    labels: {survey: post-event survey, program: the technical assistance}

Everything the map names is checked against the export when the survey is loaded
(:func:`improve.survey.load_survey`); mistakes come back as sentences naming the key and the
fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from improve.data.safe_yaml import load_yaml
from improve.errors import SpecError

#: Export formats the readers know.
FORMATS = ("qualtrics", "surveymonkey", "google_forms")

#: Words that mark the high end of a response scale; a scale that starts with one of them
#: is listed from high to low (a reversed scale).
_HIGH_WORDS = re.compile(
    r"^(strongly agree|very|extremely|excellent|always|completely|a great deal|highly)", re.I
)
_LOW_WORDS = re.compile(r"^(strongly disagree|not at all|never|poor|very poor|none|not)\b", re.I)


@dataclass(frozen=True)
class Item:
    """One rated question (a Likert or rating item)."""

    column: str
    label: str
    responses: str
    reverse: bool = False


@dataclass(frozen=True)
class Scale:
    """A composite of several items (their mean after reverse-coding)."""

    name: str
    label: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class PrePost:
    """A before/after pair of items (retrospective or matched)."""

    name: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class MultiSelect:
    """A check-all-that-apply question.

    ``options`` maps a column to an option label (one column per option, as SurveyMonkey
    and split Qualtrics exports write them); ``column`` names a single column whose
    answers join the chosen options with commas (Google Forms, unsplit Qualtrics).
    """

    name: str
    label: str
    options: Mapping[str, str]
    column: str | None = None


@dataclass(frozen=True)
class Group:
    """A respondent characteristic to compare by (TA type, region, role)."""

    name: str
    column: str
    label: str


@dataclass(frozen=True)
class SurveyMap:
    """A parsed survey map (see the module docstring for the YAML)."""

    format: str
    responses: Mapping[str, tuple[str, ...]]
    items: Mapping[str, Item]
    respondent_id: str | None = None
    drop: tuple[str, ...] = ()
    no_answer: tuple[str, ...] = ()
    scales: Mapping[str, Scale] = field(default_factory=dict)
    prepost: Mapping[str, PrePost] = field(default_factory=dict)
    multiselect: Mapping[str, MultiSelect] = field(default_factory=dict)
    groups: Mapping[str, Group] = field(default_factory=dict)
    free_text: tuple[str, ...] = ()
    weight: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    source: str = "survey map"

    def levels(self, item: str) -> tuple[str, ...]:
        """Answer labels of an item, lowest first."""
        return self.responses[self.items[item].responses]

    def item_label(self, item: str) -> str:
        """The item's words (its column name when the map gives none)."""
        return self.items[item].label if item in self.items else item

    def identifying_columns(self) -> tuple[str, ...]:
        """Columns removed at load: the respondent id and every ``drop`` column."""
        ids = (self.respondent_id,) if self.respondent_id else ()
        return ids + self.drop


def _as_list(value: Any, key: str, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise SpecError(f"{source}: '{key}' should be a list, got {type(value).__name__}")
    return tuple(str(v) for v in value)


def _section(raw: Mapping[str, Any], key: str, source: str) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise SpecError(f"{source}: '{key}' should be a mapping of names to entries")
    return value


def _check_order(name: str, labels: tuple[str, ...], source: str) -> None:
    """A scale listed high to low is almost always a mistake in the map."""
    if len(labels) >= 3 and _HIGH_WORDS.match(labels[0]) and _LOW_WORDS.match(labels[-1]):
        raise SpecError(
            f"{source}: response scale '{name}' starts with '{labels[0]}' and ends with "
            f"'{labels[-1]}'; list labels from lowest to highest (reverse the list), and mark "
            "negatively worded items with 'reverse: true' instead"
        )


def _items(raw: Mapping[str, Any], responses: Mapping[str, Any], source: str) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for column, entry in _section(raw, "items", source).items():
        entry = entry if isinstance(entry, dict) else {"responses": entry}
        scale = entry.get("responses")
        if scale not in responses:
            raise SpecError(
                f"{source}: item '{column}' uses responses '{scale}', which is not under "
                f"'responses:' (known: {', '.join(responses) or 'none'})"
            )
        items[str(column)] = Item(
            str(column), str(entry.get("label", column)), str(scale), bool(entry.get("reverse"))
        )
    if not items:
        raise SpecError(f"{source}: no 'items:' listed; name at least one rated question")
    return items


def _need_items(names: tuple[str, ...], items: Mapping[str, Item], what: str, source: str) -> None:
    missing = [n for n in names if n not in items]
    if missing:
        raise SpecError(
            f"{source}: {what} uses {', '.join(missing)}, which are not under 'items:'; "
            "list them there with their responses"
        )


def parse_survey_map(raw: Mapping[str, Any], source: str = "survey map") -> SurveyMap:
    """Check and parse a survey map given as a mapping (the YAML's contents).

    Raises
    ------
    improve.errors.SpecError
        A key is missing, misspelled or refers to something the map does not define.
    """
    if not isinstance(raw, Mapping):
        raise SpecError(f"{source}: a survey map is a YAML mapping of keys to values")
    fmt = str(raw.get("format", "qualtrics")).lower().replace(" ", "_")
    if fmt not in FORMATS:
        raise SpecError(f"{source}: format '{fmt}' is not known; use one of {', '.join(FORMATS)}")
    responses = {
        str(k): _as_list(v, f"responses.{k}", source)
        for k, v in _section(raw, "responses", source).items()
    }
    for name, labels in responses.items():
        _check_order(name, labels, source)
    items = _items(raw, responses, source)
    scales = {}
    for name, entry in _section(raw, "scales", source).items():
        members = _as_list(entry.get("items"), f"scales.{name}.items", source)
        _need_items(members, items, f"scale '{name}'", source)
        scales[name] = Scale(name, str(entry.get("label", name)), members)
    prepost = {}
    for name, entry in _section(raw, "prepost", source).items():
        pair = (str(entry.get("before")), str(entry.get("after")))
        _need_items(pair, items, f"pre/post pair '{name}'", source)
        prepost[name] = PrePost(name, str(entry.get("label", name)), *pair)
    multiselect = {}
    for name, entry in _section(raw, "multiselect", source).items():
        options = entry.get("options") or {}
        if isinstance(options, list):
            options = {str(o): str(o) for o in options}
        if not options:
            raise SpecError(f"{source}: multi-select '{name}' lists no options")
        multiselect[name] = MultiSelect(
            name,
            str(entry.get("label", name)),
            {str(k): str(v) for k, v in options.items()},
            str(entry["column"]) if entry.get("column") else None,
        )
    groups = {}
    for name, entry in _section(raw, "groups", source).items():
        entry = entry if isinstance(entry, dict) else {"column": entry}
        groups[name] = Group(name, str(entry.get("column", name)), str(entry.get("label", name)))
    return SurveyMap(
        format=fmt,
        responses=responses,
        items=items,
        respondent_id=str(raw["respondent_id"]) if raw.get("respondent_id") else None,
        drop=_as_list(raw.get("drop"), "drop", source),
        no_answer=_as_list(raw.get("no_answer"), "no_answer", source),
        scales=scales,
        prepost=prepost,
        multiselect=multiselect,
        groups=groups,
        free_text=_as_list(raw.get("free_text"), "free_text", source),
        weight=str(raw["weight"]) if raw.get("weight") else None,
        labels={str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
        source=source,
    )


def read_survey_map(path: str | Path | Mapping[str, Any] | SurveyMap) -> SurveyMap:
    """Read a survey map from a YAML file (or pass a mapping / parsed map through)."""
    if isinstance(path, SurveyMap):
        return path
    if isinstance(path, Mapping):
        return parse_survey_map(path)
    path = Path(path)
    if not path.exists():
        raise SpecError(f"survey map {path.name} not found; check the column_map path")
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"), f"survey map {path.name}")
    except yaml.YAMLError as exc:
        raise SpecError(f"survey map {path.name} is not valid YAML: {exc}") from None
    return parse_survey_map(raw or {}, source=f"survey map {path.name}")
