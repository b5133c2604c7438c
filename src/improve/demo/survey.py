"""Simulated technical-assistance surveys with known true proportions (SYNTHETIC data).

A population of participants in a state's technical assistance (TA) is simulated with a
role, a region and the kind of TA they received. Every participant has answers to a
post-event survey (satisfaction and usefulness, retrospective before/after confidence,
support still needed); only some respond, and district staff respond far more often than
teachers, so unweighted summaries are biased and raking to the known role and region
margins corrects them. The truth (each share over all participants) is written to
``truth.json``. A needs assessment of district staff is simulated the same way.

Files are written in the layouts of real exports: the post-event survey as a Qualtrics
choice-text CSV (three header rows), the needs assessment as a SurveyMonkey CSV (two header
rows, one column per ticked option). Names, e-mails and comments are invented.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

AGREE = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
CONFIDENCE = (
    "Not at all confident",
    "Slightly confident",
    "Moderately confident",
    "Very confident",
)
ROLES = {"Teacher": 0.55, "Principal": 0.25, "District staff": 0.20}
RESPONSE_PROPENSITY = {"Teacher": 0.30, "Principal": 0.50, "District staff": 0.75}
REGIONS = ("North", "Central", "South")
TA_TYPES = ("Coaching", "Workshop", "Webinar")
SATISFACTION_ITEMS = {
    "Q1_1": "The session met its stated objectives",
    "Q1_2": "The content was useful for my work",
    "Q1_3": "The presenters were knowledgeable",
    "Q1_4": "The pace was too fast",
    "Q1_5": "I would recommend this assistance to a colleague",
}
CONFIDENCE_ITEMS = {
    "Q2_1": "Using student data to plan instruction - before",
    "Q2_2": "Using student data to plan instruction - now",
    "Q2_3": "Leading a team through an improvement cycle - before",
    "Q2_4": "Leading a team through an improvement cycle - now",
}
NEEDS = {
    "Q3_1": ("Data use", 0.45),
    "Q3_2": ("Coaching for teachers", 0.35),
    "Q3_3": ("Family, community engagement", 0.25),
    "Q3_4": ("Scheduling and staffing", 0.20),
    "Q3_5": ("Evaluating programs", 0.30),
}
COMMENTS = (
    "More time for practice would help.",
    "Very useful examples.",
    "Please share the slides.",
    "The second half felt rushed.",
)


@dataclass(frozen=True)
class SurveyPopulation:
    """Every participant's answers (the truth) and who responded."""

    answers: pd.DataFrame
    responded: np.ndarray


def _ordinal(latent: np.ndarray, cuts: tuple[float, ...]) -> np.ndarray:
    """Codes 1..len(cuts)+1 from a latent score."""
    return 1 + np.searchsorted(np.asarray(cuts), latent)


def simulate_post_event(n: int = 600, seed: int = 2026) -> SurveyPopulation:
    """Participants of a TA program with their post-event answers (codes) and response."""
    rng = np.random.default_rng(seed)
    role = rng.choice(list(ROLES), n, p=list(ROLES.values()))
    region = rng.choice(REGIONS, n, p=[0.4, 0.35, 0.25])
    ta = np.where(
        region == "North",
        rng.choice(TA_TYPES, n, p=[0.5, 0.3, 0.2]),
        rng.choice(TA_TYPES, n, p=[0.25, 0.4, 0.35]),
    )
    trait = (
        0.7 * (ta == "Coaching")
        - 0.4 * (ta == "Webinar")
        + 0.4 * (role == "Teacher")
        - 0.3 * (role == "District staff")
        + rng.normal(0, 1, n)
    )
    frame = pd.DataFrame({"role": role, "region": region, "ta_type": ta})
    cuts5 = (-1.6, -0.8, 0.0, 1.2)
    for col in SATISFACTION_ITEMS:
        sign = -1 if col == "Q1_4" else 1
        frame[col] = _ordinal(sign * trait + rng.normal(0, 0.8, n) + 0.4, cuts5)
    gain = 0.6 + 0.6 * (ta == "Coaching") + 0.3 * rng.normal(0, 1, n)
    for before, after in (("Q2_1", "Q2_2"), ("Q2_3", "Q2_4")):
        base = rng.normal(-0.2, 1, n) - 0.4 * (role == "Teacher")
        frame[before] = _ordinal(base, (-0.6, 0.3, 1.2))
        frame[after] = _ordinal(base + gain + rng.normal(0, 0.4, n), (-0.6, 0.3, 1.2))
    for col, (_, rate) in NEEDS.items():
        shift = 0.15 * (role == "Teacher") if col == "Q3_2" else 0.0
        frame[col] = rng.random(n) < rate + shift
    frame["comment"] = np.where(rng.random(n) < 0.3, rng.choice(COMMENTS, n), "")
    responded = rng.random(n) < frame["role"].map(RESPONSE_PROPENSITY).to_numpy()
    # a few answer "N/A" to the presenters item and a few skip the pace item
    frame["na_presenters"] = rng.random(n) < 0.04
    frame["skip_pace"] = rng.random(n) < 0.05
    return SurveyPopulation(frame, responded)


def _label(codes: pd.Series, levels: tuple[str, ...]) -> list[str]:
    return [levels[int(c) - 1] for c in codes]


def _qualtrics_header() -> list[list[str]]:
    """The three Qualtrics header rows: names, question text, import ids."""
    cols = [
        "StartDate",
        "EndDate",
        "Status",
        "Progress",
        "Finished",
        "ResponseId",
        "RecipientEmail",
        *SATISFACTION_ITEMS,
        *CONFIDENCE_ITEMS,
        *NEEDS,
        "Q4",
        "Q5",
        "Q6",
        "Q7",
    ]
    text = [
        "Start Date",
        "End Date",
        "Response Type",
        "Progress",
        "Finished",
        "Response ID",
        "Recipient Email",
    ]
    text += [
        f"How much do you agree with each statement? - {v}" for v in SATISFACTION_ITEMS.values()
    ]
    text += [
        f"How confident are you in each of the following? - {v}" for v in CONFIDENCE_ITEMS.values()
    ]
    text += [
        f"Where would more support help? (select all that apply) - {v[0]}" for v in NEEDS.values()
    ]
    text += [
        "What kind of technical assistance did you take part in?",
        "Region",
        "What is your role?",
        "Any other comments?",
    ]
    imports = [
        json.dumps({"ImportId": c}, separators=(",", ":"))
        for c in [
            "startDate",
            "endDate",
            "status",
            "progress",
            "finished",
            "_recordId",
            "recipientEmail",
        ]
    ]
    imports += [json.dumps({"ImportId": "QID" + c[1:]}, separators=(",", ":")) for c in cols[7:]]
    return [cols, text, imports]


def qualtrics_rows(pop: SurveyPopulation) -> list[list[str]]:
    """The respondents as a Qualtrics choice-text export (three header rows)."""
    rows = _qualtrics_header()
    data = pop.answers[pop.responded]
    for i, (idx, r) in enumerate(data.iterrows()):
        sat = _label(r[list(SATISFACTION_ITEMS)], AGREE)
        if r["na_presenters"]:
            sat[2] = "N/A"
        if r["skip_pace"]:
            sat[3] = ""
        minute = f"{(i * 7) % 60:02d}"
        rows.append(
            [
                f"2026-04-{1 + i % 28:02d} 09:{minute}:00",
                f"2026-04-{1 + i % 28:02d} 09:{minute}:00",
                "IP Address",
                "100",
                "True",
                f"R_{idx:05d}demo",
                f"participant{idx:04d}@example.org",
                *sat,
                *_label(r[list(CONFIDENCE_ITEMS)], CONFIDENCE),
                *[NEEDS[c][0] if r[c] else "" for c in NEEDS],
                r["ta_type"],
                r["region"],
                r["role"],
                r["comment"],
            ]
        )
    return rows


POST_EVENT_MAP = """\
# Survey map for the SIMULATED post-event survey (post_event_qualtrics.csv).
format: qualtrics
respondent_id: ResponseId
drop: [RecipientEmail, StartDate, EndDate, Status, Progress, Finished]
responses:
  agree5: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]
  confidence4: [Not at all confident, Slightly confident, Moderately confident, Very confident]
no_answer: [N/A]
items:
  Q1_1: {label: The session met its stated objectives, responses: agree5}
  Q1_2: {label: The content was useful for my work, responses: agree5}
  Q1_3: {label: The presenters were knowledgeable, responses: agree5}
  Q1_4: {label: The pace was too fast, responses: agree5, reverse: true}
  Q1_5: {label: I would recommend this assistance to a colleague, responses: agree5}
  Q2_1: {label: Using student data to plan instruction (before), responses: confidence4}
  Q2_2: {label: Using student data to plan instruction (now), responses: confidence4}
  Q2_3: {label: Leading an improvement cycle (before), responses: confidence4}
  Q2_4: {label: Leading an improvement cycle (now), responses: confidence4}
scales:
  satisfaction:
    label: Satisfaction with the assistance
    items: [Q1_1, Q1_2, Q1_3, Q1_4, Q1_5]
prepost:
  data_use: {label: Confidence using student data, before: Q2_1, after: Q2_2}
  improvement: {label: Confidence leading an improvement cycle, before: Q2_3, after: Q2_4}
multiselect:
  needs:
    label: Where more support would help
    options:
      Q3_1: Data use
      Q3_2: Coaching for teachers
      Q3_3: Family, community engagement
      Q3_4: Scheduling and staffing
      Q3_5: Evaluating programs
groups:
  ta_type: {column: Q4, label: type of technical assistance}
  region: {column: Q5, label: region}
  role: {column: Q6, label: role}
free_text: [Q7]
labels:
  survey: post-event survey
  program: the technical assistance
"""

CAPACITY_ITEMS = (
    "Our district uses data to decide where to focus",
    "Our schools have time set aside for teacher collaboration",
    "We can evaluate whether a new program works",
    "Families are partners in our improvement plans",
)
PRIORITIES = (
    "Data use",
    "Coaching for teachers",
    "Family, community engagement",
    "Scheduling and staffing",
    "Evaluating programs",
    "Attendance",
)
PRIORITY_RATES = (0.40, 0.50, 0.30, 0.25, 0.45, 0.35)
NEEDS_ROLES = {"Superintendent": 0.3, "Principal": 0.4, "Coordinator": 0.3}


def simulate_needs_assessment(n: int = 240, seed: int = 2027) -> SurveyPopulation:
    """District and school leaders' answers to a needs assessment, and who responded."""
    rng = np.random.default_rng(seed)
    role = rng.choice(list(NEEDS_ROLES), n, p=list(NEEDS_ROLES.values()))
    region = rng.choice(REGIONS, n, p=[0.4, 0.35, 0.25])
    capacity = rng.normal(0, 1, n) - 0.4 * (region == "South")
    frame = pd.DataFrame({"role": role, "region": region})
    for j in range(len(CAPACITY_ITEMS)):
        frame[f"cap{j}"] = _ordinal(capacity + rng.normal(0, 0.9, n), (-1.4, -0.5, 0.3, 1.3))
    for j, rate in enumerate(PRIORITY_RATES):
        frame[f"need{j}"] = rng.random(n) < rate
    frame["comment"] = np.where(rng.random(n) < 0.25, rng.choice(COMMENTS, n), "")
    responded = rng.random(n) < np.where(role == "Coordinator", 0.7, 0.5)
    return SurveyPopulation(frame, responded)


def surveymonkey_rows(pop: SurveyPopulation) -> list[list[str]]:
    """The respondents as a SurveyMonkey export (two header rows)."""
    grid = "How much do you agree with each statement about your district?"
    need = "Where does your district most need support? (check all that apply)"
    first = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        grid,
        *[""] * (len(CAPACITY_ITEMS) - 1),
        need,
        *[""] * (len(PRIORITIES) - 1),
        "What is your role?",
        "Region",
        "What else should we know?",
    ]
    second = [
        "",
        "",
        "",
        "",
        "",
        "",
        *CAPACITY_ITEMS,
        *PRIORITIES,
        "Response",
        "Response",
        "Open-Ended Response",
    ]
    rows = [first, second]
    data = pop.answers[pop.responded]
    for i, (idx, r) in enumerate(data.iterrows()):
        rows.append(
            [
                str(11800000000 + idx * 37),
                "405123456",
                f"03/{1 + i % 28:02d}/2026 10:00:00 AM",
                f"03/{1 + i % 28:02d}/2026 10:12:00 AM",
                f"192.0.2.{idx % 250}",
                f"leader{idx:04d}@example.org",
                *[AGREE[int(r[f"cap{j}"]) - 1] for j in range(len(CAPACITY_ITEMS))],
                *[p if r[f"need{j}"] else "" for j, p in enumerate(PRIORITIES)],
                r["role"],
                r["region"],
                r["comment"],
            ]
        )
    return rows


def needs_map() -> str:
    """Survey map of the needs-assessment export."""
    grid = "How much do you agree with each statement about your district?"
    need = "Where does your district most need support? (check all that apply)"
    items = "\n".join(
        f'  "{grid} | {t}": {{label: {t}, responses: agree5}}' for t in CAPACITY_ITEMS
    )
    options = "\n".join(f'      "{need} | {p}": "{p}"' for p in PRIORITIES)
    return (
        "# Survey map for the SIMULATED needs assessment (needs_assessment_surveymonkey.csv).\n"
        "format: surveymonkey\nrespondent_id: Respondent ID\n"
        "drop: [Collector ID, Start Date, End Date, IP Address, Email Address]\n"
        "responses:\n  agree5: [Strongly disagree, Disagree, Neither agree nor disagree, "
        "Agree, Strongly agree]\n"
        f"items:\n{items}\n"
        f"multiselect:\n  needs:\n    label: Where support is most needed\n    options:\n"
        f"{options}\n"
        'groups:\n  role: {column: "What is your role?", label: role}\n'
        "  region: {column: Region, label: region}\n"
        'free_text: ["What else should we know?"]\n'
        "labels:\n  survey: needs assessment\n  program: the technical assistance\n"
    )


def _truth(post: SurveyPopulation, needs: SurveyPopulation, seeds: tuple[int, int]) -> dict:
    a = post.answers
    top_two = {c: round(float(np.mean(a[c] >= 4)), 6) for c in SATISFACTION_ITEMS}
    by_ta = {t: round(float(np.mean(a.loc[a["ta_type"] == t, "Q1_2"] >= 4)), 6) for t in TA_TYPES}
    change = {
        name: round(float(np.mean(a[after] - a[before])), 6)
        for name, (before, after) in {
            "data_use": ("Q2_1", "Q2_2"),
            "improvement": ("Q2_3", "Q2_4"),
        }.items()
    }
    n = needs.answers
    return {
        "simulated": True,
        "seeds": {"post_event": seeds[0], "needs_assessment": seeds[1]},
        "post_event": {
            "invited": len(a),
            "responded": int(post.responded.sum()),
            "response_propensity_by_role": RESPONSE_PROPENSITY,
            "true_top_two_box": top_two,
            "true_top_two_box_useful_by_ta_type": by_ta,
            "true_share_needing": {NEEDS[c][0]: round(float(a[c].mean()), 6) for c in NEEDS},
            "true_mean_change": change,
            "note": "true values are shares over every invited participant (respondents "
            "and non-respondents); Q1_4 (pace too fast) is reverse-worded",
        },
        "needs_assessment": {
            "invited": len(n),
            "responded": int(needs.responded.sum()),
            "true_share_needing": {
                p: round(float(n[f"need{j}"].mean()), 6) for j, p in enumerate(PRIORITIES)
            },
            "true_top_two_box": {
                t: round(float(np.mean(n[f"cap{j}"] >= 4)), 6) for j, t in enumerate(CAPACITY_ITEMS)
            },
        },
    }


def _population_rows(post: SurveyPopulation) -> list[list[str]]:
    rows = [["group", "category", "count"]]
    for group, values in (
        ("role", list(ROLES)),
        ("region", list(REGIONS)),
        ("ta_type", list(TA_TYPES)),
    ):
        counts = post.answers[group].value_counts()
        rows += [[group, v, str(int(counts.get(v, 0)))] for v in values]
    return rows


README = """\
# SYNTHETIC technical-assistance surveys (not real data)

Everything here is simulated by `improve.demo.survey` (seeds {seeds}); names, e-mail
addresses, ids and comments are invented.

* `post_event_qualtrics.csv`: a post-event survey of {post_n} participants (of {post_invited}
  invited) as a Qualtrics choice-text export (three header rows). District staff answer far
  more often than teachers, so unweighted shares are biased; raking to `population.csv`
  corrects them. Map: `post_event.yaml`.
* `needs_assessment_surveymonkey.csv`: a needs assessment of {needs_n} district and school
  leaders (of {needs_invited} invited) as a SurveyMonkey export (two header rows, one column
  per ticked option). Map: `needs_assessment.yaml`.
* `population.csv`: everyone invited to the post-event survey, by role, region and TA type
  (`group, category, count`): the raking margins and response-rate denominators.
* `truth.json`: the true shares over everyone invited (the numbers a good analysis recovers).

Regenerate with `python -m improve.demo.survey data/demo_survey` (byte-identical).
"""


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def write_survey_demo(directory: str | Path, seeds: tuple[int, int] = (2026, 2027)) -> dict:
    """Write both simulated exports, their survey maps, margins, truth and README."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    post, needs = simulate_post_event(seed=seeds[0]), simulate_needs_assessment(seed=seeds[1])
    paths = {
        "post_event": folder / "post_event_qualtrics.csv",
        "post_event_map": folder / "post_event.yaml",
        "needs": folder / "needs_assessment_surveymonkey.csv",
        "needs_map": folder / "needs_assessment.yaml",
        "population": folder / "population.csv",
        "truth": folder / "truth.json",
        "readme": folder / "README.md",
    }
    _write_csv(paths["post_event"], qualtrics_rows(post))
    paths["post_event_map"].write_text(POST_EVENT_MAP, encoding="utf-8")
    _write_csv(paths["needs"], surveymonkey_rows(needs))
    paths["needs_map"].write_text(needs_map(), encoding="utf-8")
    _write_csv(paths["population"], _population_rows(post))
    truth = _truth(post, needs, seeds)
    paths["truth"].write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    paths["readme"].write_text(
        README.format(
            seeds=f"{seeds[0]} and {seeds[1]}",
            post_n=truth["post_event"]["responded"],
            post_invited=truth["post_event"]["invited"],
            needs_n=truth["needs_assessment"]["responded"],
            needs_invited=truth["needs_assessment"]["invited"],
        ),
        encoding="utf-8",
    )
    return paths


if __name__ == "__main__":
    import sys

    write_survey_demo(sys.argv[1] if len(sys.argv) > 1 else "data/demo_survey")
