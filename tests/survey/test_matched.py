"""Matched pre/post surveys: two waves paired on e-mail inside the load step."""

from __future__ import annotations

import numpy as np
import pytest

from improve.survey import paired_change
from improve.survey.matched import load_matched

MAP = {
    "format": "google_forms",
    "respondent_id": "Email Address",
    "responses": {"conf": ["Low", "Medium", "High"]},
    "items": {"Confidence": {"responses": "conf"}},
    "groups": {"role": {"column": "Role", "label": "role"}},
}


@pytest.fixture()
def waves(tmp_path):
    before = tmp_path / "before.csv"
    after = tmp_path / "after.csv"
    before.write_text(
        "Email Address,Confidence,Role\n"
        "a@x.org,Low,Teacher\nb@x.org,Medium,Teacher\nc@x.org,Low,Principal\n"
        "d@x.org,High,Teacher\n"
    )
    after.write_text(
        "Email Address,Confidence,Role\n"
        "A@X.org ,High,Teacher\nb@x.org,High,Teacher\nc@x.org,Medium,Principal\n"
        "e@x.org,Medium,Teacher\n"
    )
    return load_matched(before, after, MAP)


def test_waves_pair_on_email_and_unmatched_are_counted(waves):
    row = paired_change(waves).tidy().iloc[0]
    # a: Low -> High (+2), b: Medium -> High (+1), c: Low -> Medium (+1); d before only,
    # e after only
    assert row["n"] == 3 and row["before_only"] == 1 and row["after_only"] == 1
    assert row["estimate"] == pytest.approx(4 / 3)
    assert "3 respondents matched" in " ".join(waves.notes)


def test_no_ids_leave_the_load_step(waves):
    text = " ".join(
        map(
            str, np.concatenate([waves.answers.to_numpy().ravel(), waves.groups.to_numpy().ravel()])
        )
    )
    assert "@" not in text and "x.org" not in text
    assert set(waves.groups["role"].dropna()) == {"Teacher", "Principal"}
