"""Output file names from any outcome or column name: slugged, unique, never refused."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from improve.report.names import FILE_NAME_RE, FileNames, slugify
from improve.report.outputs import RunOutputs


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Rate", "rate"),
        ("trends_Rate", "trends_rate"),
        ("Math Score (SS)", "math_score_ss"),
        ("Écoles", "ecoles"),
        ("trends_% proficient", "trends_proficient"),
        ("%", "output"),
        ("trends_math_ss", "trends_math_ss"),
        ("event-study__x", "event-study__x"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug
    assert FILE_NAME_RE.match(slugify(name))


def test_long_names_are_cut():
    assert len(slugify("Outcome " * 40)) <= 80


def test_colliding_names_get_a_suffix_in_order_and_keep_it():
    names = FileNames()
    assert names("Math Score") == "math_score"
    assert names("math score") == "math_score-2"
    assert names("MATH-SCORE!") == "math-score"
    assert names("Math  Score") == "math_score-3"
    assert names("Math Score") == "math_score"  # the same name keeps its file
    assert names("math_score") == "math_score-4"


def test_run_outputs_accept_any_name_and_keep_it_in_captions(tmp_path):
    out = RunOutputs(tmp_path)
    frame = pd.DataFrame({"year": [2019, 2020], "mean": [1.0, 2.0]})
    table = out.table("trends_Rate", frame, caption="Rate by year.")
    out.table("trends_rate", frame, caption="rate by year.")
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    shown = out.figure("trends_Math Score (SS)", fig, "Math Score (SS) by year.", alt="A line.")
    assert (tmp_path / "tables" / "trends_rate.csv").exists()
    assert (tmp_path / "tables" / "trends_rate-2.csv").exists()
    assert (tmp_path / "figures" / "trends_math_score_ss.png").exists()
    assert "Rate by year." in table._repr_html_()
    assert "Math Score (SS) by year." in shown._repr_html_()
