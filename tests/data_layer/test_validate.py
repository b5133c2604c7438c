"""Validation at the door: each message names the column, shows examples and says how to fix."""

from __future__ import annotations

import pandas as pd
import pytest

from improve.data import load_panel
from improve.errors import DataError, SpecError

from sample_data import SCHOOL_MAP


def test_missing_column_suggests_close_name(school_frame):
    frame = school_frame.rename(columns={"math_ss": "math_scale_score"})
    with pytest.raises(SpecError) as info:
        load_panel(frame, columns=SCHOOL_MAP)
    message = str(info.value)
    assert "no column 'math_ss' (outcome)" in message
    assert "did you mean 'math_scale_score'" in message
    assert "Fix the column map" in message


def test_missing_source_column_in_rename(school_frame):
    with pytest.raises(SpecError, match="no column 'SCH_CD'"):
        load_panel(school_frame, columns={**SCHOOL_MAP, "unit": {"school_id": "SCH_CD"}})


def test_duplicated_keys_show_examples(school_frame):
    frame = pd.concat([school_frame, school_frame.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError) as info:
        load_panel(frame, columns=SCHOOL_MAP)
    message = str(info.value)
    first = school_frame.iloc[0]
    assert "1 school_id–school_year combinations appear more than once" in message
    assert f"school_id={first['school_id']}" in message
    assert "remove duplicates" in message


def test_non_numeric_outcome_shows_values(school_frame):
    frame = school_frame.astype({"math_ss": "string"})
    frame.loc[[3, 4], "math_ss"] = "pending"
    frame.loc[5, "math_ss"] = "see note"
    with pytest.raises(DataError) as info:
        load_panel(frame, columns=SCHOOL_MAP)
    message = str(info.value)
    assert "outcome column 'math_ss' holds 3 values that are not numbers" in message
    assert "'pending'" in message and "'see note'" in message
    assert "missing_markers" in message


def test_all_suppressed_outcome(school_frame):
    frame = school_frame.assign(reading_ss="*")
    with pytest.raises(DataError, match="'reading_ss' has no usable value"):
        load_panel(frame, columns=SCHOOL_MAP)


def test_timing_outside_panel(school_frame):
    frame = school_frame.copy()
    frame.loc[frame["first_grant_year"] == 2021, "first_grant_year"] = 2030
    with pytest.raises(DataError, match=r"outside the data's 2016–2022 \(e.g. 2030\).*coded 0"):
        load_panel(frame, columns=SCHOOL_MAP)


def test_timing_varying_within_unit(school_frame):
    frame = school_frame.copy()
    unit = frame["school_id"].iloc[0]
    frame.loc[frame.index[0], "first_grant_year"] = 2018
    frame.loc[frame.index[1], "first_grant_year"] = 2021
    with pytest.raises(DataError, match=rf"changes within 1 units \(e.g. school_id '{unit}'\)"):
        load_panel(frame, columns=SCHOOL_MAP)


def test_no_comparison_units(school_frame):
    frame = school_frame.assign(first_grant_year=2018)
    with pytest.raises(DataError, match="no comparison units"):
        load_panel(frame, columns=SCHOOL_MAP)
    staggered = school_frame.assign(
        first_grant_year=school_frame["first_grant_year"].replace(0, 2021)
    )
    panel = load_panel(staggered, columns=SCHOOL_MAP)
    assert any("notyettreated" in w for w in panel.report.warnings)


def test_cluster_rules(school_frame):
    one = school_frame.assign(district_id="0100001")
    with pytest.raises(DataError, match="holds a single cluster"):
        load_panel(one, columns=SCHOOL_MAP)
    per_unit = school_frame.assign(district_id=school_frame["school_id"])
    with pytest.raises(DataError, match="every cluster in 'district_id' holds a single school_id"):
        load_panel(per_unit, columns=SCHOOL_MAP)
    missing = school_frame.astype({"district_id": "string"})
    missing.loc[0, "district_id"] = None
    with pytest.raises(DataError, match="cluster column 'district_id' is empty for 1 rows"):
        load_panel(missing, columns=SCHOOL_MAP)
    panel = load_panel(school_frame, columns=SCHOOL_MAP)
    assert any("only 12 clusters" in w for w in panel.report.warnings)


def test_weights_must_be_positive(school_frame):
    frame = school_frame.assign(w=1.0)
    frame.loc[2, "w"] = 0.0
    frame.loc[3, "w"] = -1.0
    with pytest.raises(DataError, match="weight column 'w' has 2 missing, zero or negative"):
        load_panel(frame, columns={**SCHOOL_MAP, "weight": "w"})


def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="is empty"):
        load_panel(empty, columns=SCHOOL_MAP)
    header = tmp_path / "header.csv"
    header.write_text("school_id,school_year,math_ss\n", encoding="utf-8")
    with pytest.raises(DataError, match="has a header but no data rows"):
        load_panel(header, columns=SCHOOL_MAP)


def test_unreadable_file(tmp_path):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"this is not parquet at all")
    with pytest.raises(DataError, match="could not read .*broken.parquet.* as parquet"):
        load_panel(bad, columns=SCHOOL_MAP)


def test_wrong_delimiter_is_named(tmp_path, school_frame):
    path = tmp_path / "semi.csv"
    school_frame.to_csv(path, index=False, sep=";")
    with pytest.raises(DataError, match="delimiter"):
        load_panel(path, columns={**SCHOOL_MAP, "delimiter": ","})


def test_text_time_values(school_frame):
    frame = school_frame.astype({"school_year": "string"})
    frame.loc[0, "school_year"] = "Fall"
    with pytest.raises(DataError, match="'school_year' holds values that are not years"):
        load_panel(frame, columns=SCHOOL_MAP)


def test_units_observed_once_warns(school_frame):
    one_row = school_frame[school_frame["school_id"] == school_frame["school_id"].iloc[0]].iloc[[0]]
    rest = school_frame[school_frame["school_id"] != school_frame["school_id"].iloc[0]]
    panel = load_panel(pd.concat([one_row, rest]), columns=SCHOOL_MAP)
    assert any("observed in only one period" in w for w in panel.report.warnings)
