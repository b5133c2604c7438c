"""Every input format, the column map, ids, school years and derived cohorts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.data import ColumnMap, PanelSpec, load_panel
from improve.errors import DataError, SpecError

from sample_data import SCHOOL_MAP


def _assert_same_panel(panel, frame: pd.DataFrame) -> None:
    assert panel.report.n_rows == len(frame)
    assert panel.report.n_units == frame["school_id"].nunique()
    ids = set(panel.data["school_id"])
    assert ids == set(frame["school_id"].astype(str))
    assert all(len(i) == 12 and i.startswith("01") for i in ids)
    merged = panel.data.merge(frame, on=["school_id", "school_year"], suffixes=("", "_raw"))
    np.testing.assert_allclose(merged["math_ss"], merged["math_ss_raw"])


def test_csv_keeps_leading_zeros(school_csv, school_frame):
    panel = load_panel(school_csv, columns=SCHOOL_MAP)
    _assert_same_panel(panel, school_frame)
    assert panel.data["school_id"].dtype == "string"
    assert (
        panel.report.cohorts[0]
        == (school_frame.groupby("school_id")["first_grant_year"].first() == 0).sum()
    )


@pytest.mark.parametrize(
    ("sep", "encoding", "newline"),
    [
        (";", "utf-8", "\n"),
        ("\t", "utf-8", "\n"),
        ("|", "utf-8", "\n"),
        (",", "latin-1", "\n"),
        (",", "utf-8-sig", "\r\n"),
    ],
)
def test_text_variants(tmp_path, school_frame, sep, encoding, newline):
    frame = school_frame.copy()
    frame["district_name"] = "Condado Peñasco"
    path = tmp_path / "schools.txt"
    frame.to_csv(path, index=False, sep=sep, encoding=encoding, lineterminator=newline)
    panel = load_panel(path, columns=SCHOOL_MAP)
    _assert_same_panel(panel, school_frame)


def test_parquet_stata_spss_excel_duckdb(tmp_path, school_frame):
    import duckdb
    import pyreadstat

    frame = school_frame
    frame.to_parquet(tmp_path / "s.parquet", index=False)
    frame.to_stata(tmp_path / "s.dta", write_index=False, version=118)
    pyreadstat.write_sav(frame, str(tmp_path / "s.sav"))
    with pd.ExcelWriter(tmp_path / "s.xlsx") as writer:
        pd.DataFrame({"note": ["read me first"]}).to_excel(writer, sheet_name="About", index=False)
        frame.to_excel(writer, sheet_name="Schools", index=False)
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    con.register("frame_view", frame)
    con.execute("CREATE TABLE schools AS SELECT * FROM frame_view")
    con.close()
    for name in ("s.parquet", "s.dta", "s.sav", "s.xlsx", "s.duckdb"):
        panel = load_panel(tmp_path / name, columns=SCHOOL_MAP)
        _assert_same_panel(panel, frame)
    query = {**SCHOOL_MAP, "query": "SELECT * FROM schools WHERE school_year >= 2016"}
    _assert_same_panel(load_panel(tmp_path / "s.duckdb", columns=query), frame)
    sql = f"SELECT * FROM read_parquet('{tmp_path / 's.parquet'}') WHERE school_year >= 2016"
    with pytest.raises(DataError, match="SQL query is not accepted as the data source"):
        load_panel(sql, columns=SCHOOL_MAP)
    _assert_same_panel(load_panel(frame, columns=SCHOOL_MAP), frame)


def test_excel_sheet_choice(tmp_path, school_frame):
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as writer:
        school_frame.to_excel(writer, sheet_name="A", index=False)
        school_frame.to_excel(writer, sheet_name="B", index=False)
    with pytest.raises(DataError, match=r"2 sheets \(A, B\).*sheet: NAME"):
        load_panel(path, columns=SCHOOL_MAP)
    assert load_panel(path, columns=SCHOOL_MAP, sheet="B").report.n_rows == len(school_frame)
    with pytest.raises(DataError, match="no sheet 'C'; its sheets are A, B"):
        load_panel(path, columns=SCHOOL_MAP, sheet="C")


def test_numeric_ids_warn_and_id_width_restores_zeros(tmp_path, school_frame):
    frame = school_frame.assign(school_id=school_frame["school_id"].astype("int64"))
    frame.to_parquet(tmp_path / "n.parquet", index=False)
    panel = load_panel(tmp_path / "n.parquet", columns=SCHOOL_MAP)
    assert not panel.data["school_id"].str.startswith("0").any()
    padded = load_panel(tmp_path / "n.parquet", columns={**SCHOOL_MAP, "id_width": 12})
    assert padded.data["school_id"].str.len().eq(12).all()
    assert set(padded.data["school_id"]) == set(school_frame["school_id"])


def test_column_map_yaml_renames_and_recodes(tmp_path, school_frame):
    partner = school_frame.rename(
        columns={
            "school_id": "SCH_CD",
            "school_year": "SCHOOL_YEAR",
            "math_ss": "MATH_MEAN_SS",
            "district_id": "DIST_CD",
            "first_grant_year": "FIRST_GRANT",
        }
    )
    partner["SCHOOL_YEAR"] = partner["SCHOOL_YEAR"].map(lambda y: f"{y - 1}-{str(y)[2:]}")
    partner.loc[partner["SCHOOL_YEAR"] == "2020-21", "SCHOOL_YEAR"] = "SY2021"
    partner.to_csv(tmp_path / "partner.csv", index=False)
    (tmp_path / "map.yaml").write_text(
        "unit: {school_id: SCH_CD}\n"
        "time: {school_year: SCHOOL_YEAR}\n"
        "cohort: {first_grant_year: FIRST_GRANT}\n"
        "outcomes: {math_ss: MATH_MEAN_SS}\n"
        "cluster: {district_id: DIST_CD}\n"
        "recodes:\n  SCHOOL_YEAR: {SY2021: 2021}\n",
        encoding="utf-8",
    )
    panel = load_panel(tmp_path / "partner.csv", columns=tmp_path / "map.yaml")
    assert panel.spec.unit == "school_id" and panel.spec.outcomes == ("math_ss",)
    assert panel.periods == sorted(school_frame["school_year"].unique().tolist())
    assert any("spring year" in n for n in panel.report.notes)
    assert any("recoded" in n for n in panel.report.notes)
    _assert_same_panel(panel, school_frame)


def test_column_map_typo_gets_suggestion(tmp_path):
    with pytest.raises(SpecError, match="unknown key 'outcoms'; did you mean 'outcomes'"):
        ColumnMap.from_dict({"unit": "a", "time": "b", "outcoms": ["c"]})
    with pytest.raises(SpecError, match="must name the time column"):
        ColumnMap.from_dict({"unit": "a"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("unit: [a\n", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid YAML"):
        ColumnMap.from_yaml(bad)


def test_cohort_derived_from_treatment_column(school_frame):
    frame = school_frame.drop(columns="first_grant_year")
    cohorts = school_frame.groupby("school_id")["first_grant_year"].transform("first")
    frame["grant_active"] = ((cohorts > 0) & (frame["school_year"] >= cohorts)).astype(int)
    # one school is not renewed: its treatment switches off
    first = frame.loc[frame["grant_active"] == 1, "school_id"].iloc[0]
    frame.loc[(frame["school_id"] == first) & (frame["school_year"] == 2022), "grant_active"] = 0
    spec = PanelSpec(
        unit="school_id", time="school_year", treatment="grant_active", outcomes=("math_ss",)
    )
    panel = load_panel(frame, spec=spec)
    derived = panel.data.groupby("school_id")["first_treated"].first()
    expected = school_frame.groupby("school_id")["first_grant_year"].first()
    pd.testing.assert_series_equal(
        derived.sort_index(),
        expected.sort_index(),
        check_names=False,
        check_dtype=False,
        check_index_type=False,
    )
    assert any("switches off" in w for w in panel.report.warnings)


def test_markers_are_counted_and_bounds_kept(tmp_path, school_frame):
    frame = school_frame.astype({"math_ss": "string"})
    frame.loc[0, "math_ss"] = "*"
    frame.loc[1, "math_ss"] = "<10"
    frame.loc[2, "math_ss"] = "11-17"
    frame.to_csv(tmp_path / "m.csv", index=False)
    panel = load_panel(tmp_path / "m.csv", columns=SCHOOL_MAP)
    assert panel.report.markers["math_ss"] == {"range": 1, "suppressed": 2}
    row = panel.data.set_index(["school_id", "school_year"]).loc[
        (school_frame.loc[2, "school_id"], school_frame.loc[2, "school_year"])
    ]
    assert np.isnan(row["math_ss"]) and row["math_ss_lower"] == 11 and row["math_ss_upper"] == 17
    assert "Suppressed or missing cells" in panel.report.to_text()


def test_gap_year_and_unbalanced_are_warnings(school_frame):
    frame = school_frame.iloc[1:]  # drop one row: unbalanced
    panel = load_panel(frame, columns=SCHOOL_MAP)
    assert panel.report.gap_periods == [2020]
    assert not panel.report.balanced
    text = " ".join(panel.report.warnings)
    assert "no data for 2020" in text and "unbalanced panel" in text


def test_spec_required_when_no_map(school_frame):
    with pytest.raises(SpecError, match="say which columns are the unit and the time"):
        load_panel(school_frame)


def test_repr_and_html(school_frame):
    panel = load_panel(school_frame, columns=SCHOOL_MAP)
    assert "units" in repr(panel)
    assert "<table" in panel._repr_html_()


def test_nonexistent_and_unknown_format(tmp_path: Path):
    with pytest.raises(DataError, match="does not exist"):
        load_panel(tmp_path / "nope.csv", columns=SCHOOL_MAP)
    odd = tmp_path / "data.json"
    odd.write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match="extension improve does not read"):
        load_panel(odd, columns=SCHOOL_MAP)
