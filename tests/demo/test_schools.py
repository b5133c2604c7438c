"""The seeded grant-program simulator: reproducible files, realistic shape, known truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from improve.demo import schools as sim

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
DEMO_FILES = ("schools.csv", "subgroups.csv", "truth.json", "codebook.md")
ID_DTYPES = {"district_id": str, "school_id": str}


# ---------------------------------------------------------------------------- helpers
def cluster_diff(y: np.ndarray, d: np.ndarray, cluster: np.ndarray) -> tuple[float, float]:
    """OLS of y on (1, d): coefficient on d and its district-clustered (CR1) SE."""
    X = np.column_stack([np.ones_like(y, dtype=float), d.astype(float)])
    bread = np.linalg.inv(X.T @ X)
    b = bread @ X.T @ y
    u = y - X @ b
    groups = pd.factorize(cluster)[0]
    scores = np.zeros((groups.max() + 1, 2))
    np.add.at(scores, groups, X * u[:, None])
    meat = scores.T @ scores
    n, g = len(y), groups.max() + 1
    V = bread @ meat @ bread * g / (g - 1) * (n - 1) / (n - 2)
    return float(b[1]), float(np.sqrt(V[1, 1]))


def pre_slope_tstat(df: pd.DataFrame, years: tuple[int, ...] = (2014, 2015, 2016)) -> float:
    """t-statistic of (mean pre-period slope of cohorts 2017-2019) - (never funded)."""
    pre = df[df["school_year"].isin(years)]
    x = pre["school_year"] - np.mean(years)
    sxx = float(np.sum((np.asarray(years) - np.mean(years)) ** 2))
    slope = (x * pre["math_ss"]).groupby(pre["school_id"]).sum() / sxx
    info = pre.groupby("school_id")[["first_grant_year", "district_id"]].first()
    info = info.assign(slope=slope)
    info = info[(info["first_grant_year"] == 0) | (info["first_grant_year"] <= 2019)]
    b, se = cluster_diff(
        info["slope"].to_numpy(),
        (info["first_grant_year"] > 0).to_numpy(),
        info["district_id"].to_numpy(),
    )
    return b / se


@pytest.fixture(scope="module")
def schools() -> pd.DataFrame:
    return sim.simulate_schools()


@pytest.fixture(scope="module")
def truth() -> dict:
    return sim.true_effects()


@pytest.fixture(scope="module")
def demo_schools() -> pd.DataFrame:
    return pd.read_csv(DEMO / "schools.csv", dtype=ID_DTYPES)


@pytest.fixture(scope="module")
def demo_subgroups() -> pd.DataFrame:
    frame = pd.read_csv(DEMO / "subgroups.csv", dtype=str, keep_default_na=False)
    return frame.astype({"school_year": int})


# ---------------------------------------------------------------------------- demo files
def test_regenerated_demo_files_are_byte_identical(tmp_path: Path, capsys) -> None:
    assert sim.main([str(tmp_path)]) == 0
    assert "schools.csv" in capsys.readouterr().out
    for name in DEMO_FILES:
        new, committed = (tmp_path / name).read_bytes(), (DEMO / name).read_bytes()
        assert new == committed, f"{name} differs from data/demo/{name}; rerun write_demo"
        assert b"\r\n" not in new
    assert (DEMO / "schools.csv").stat().st_size < 1_500_000
    assert (DEMO / "subgroups.csv").stat().st_size < 6_000_000


def test_demo_csv_matches_simulated_frame(schools, demo_schools) -> None:
    assert list(demo_schools.columns) == list(schools.columns)
    pd.testing.assert_frame_equal(
        demo_schools, schools, check_dtype=False, check_exact=False, atol=1e-9
    )


def test_codebook_documents_every_column(demo_schools, demo_subgroups) -> None:
    text = (DEMO / "codebook.md").read_text(encoding="utf-8")
    assert "synthetic" in text.lower()
    for col in [*demo_schools.columns, *demo_subgroups.columns]:
        assert f"`{col}`" in text
    for marker in ("<10", "n<10", "*", "--", "N/A", ">95%", "<5%"):
        assert f"`{marker}`" in text


# ---------------------------------------------------------------------------- structure
def test_ids_are_strings_with_leading_zeros(schools, demo_schools) -> None:
    for frame in (schools, demo_schools):
        assert frame["district_id"].str.len().eq(7).all()
        assert frame["school_id"].str.len().eq(12).all()
        assert frame["district_id"].str.startswith("0").all()
        assert (frame["school_id"].str[:7] == frame["district_id"]).all()
        assert frame["school_id"].str.fullmatch(r"\d{12}").all()
    assert schools["district_id"].nunique() == 60
    assert schools["school_id"].nunique() == 700
    sizes = schools.groupby("district_id")["school_id"].nunique()
    assert sizes.max() >= 10 * sizes.min()  # districts of very different sizes


def test_panel_years_cohorts_and_grants(schools) -> None:
    assert 2020 not in set(schools["school_year"])
    assert sorted(schools["school_year"].unique()) == [y for y in range(2014, 2025) if y != 2020]
    assert not schools.duplicated(["school_id", "school_year"]).any()
    assert len(schools) == 700 * 10
    first = schools.groupby("school_id")["first_grant_year"].first()
    assert set(first.unique()) <= {0, *range(2017, 2023)}
    assert set(first[first > 0].unique()) == set(range(2017, 2023))
    assert 0.35 <= (first == 0).mean() <= 0.45

    g, t, active = schools["first_grant_year"], schools["school_year"], schools["grant_active"]
    assert set(active.unique()) == {0, 1}
    assert not ((active == 1) & ((g == 0) | (t < g))).any()
    assert (active[(g > 0) & (t >= g) & (t <= g + 1)] == 1).all()  # two-year grant
    assert (schools.loc[active == 0, "coach_fte_per_100"] == 0).all()
    assert (schools.loc[active == 1, "coach_fte_per_100"] > 0).all()
    # some grants are not renewed: inactive two or more years after the first grant year
    later = schools[(g > 0) & (t >= g + 2)]
    switched_off = later.groupby("school_id")["grant_active"].max().eq(0)
    assert 0.2 <= switched_off.mean() <= 0.4
    # once off, stays off
    off = later[later["school_id"].isin(switched_off[switched_off].index)]
    assert off["grant_active"].eq(0).all()


def test_outcome_ranges(schools) -> None:
    for col in (
        "pct_econ_disadv",
        "pct_english_learner",
        "math_pct_prof",
        "reading_pct_prof",
        "attendance_rate",
        "chronic_absent_pct",
    ):
        assert schools[col].between(0, 100).all(), col
    assert (schools["discipline_per_100"] >= 0).all()
    assert (schools["enrollment"] > 0).all()
    pre = schools[schools["school_year"] <= 2019]
    assert 490 < pre["math_ss"].mean() < 510
    assert 18 < pre.groupby("school_year")["math_ss"].std().mean() < 26


# ---------------------------------------------------------------------------- design
def test_selection_on_levels(schools) -> None:
    pre = schools[schools["school_year"] < 2017]
    by_school = pre.groupby("school_id").agg(
        g=("first_grant_year", "first"), math=("math_ss", "mean"), pov=("pct_econ_disadv", "mean")
    )
    by_cohort = by_school.groupby("g")[["math", "pov"]].mean()
    assert by_cohort.loc[2017, "math"] < by_cohort.loc[2019, "math"] < by_cohort.loc[0, "math"]
    assert by_cohort.loc[[2017, 2018], "math"].max() < by_cohort.loc[0, "math"] - 15
    assert by_cohort.loc[[2017, 2018], "pov"].min() > by_cohort.loc[0, "pov"] + 10


def test_parallel_pretrends_hold_only_without_violation(schools) -> None:
    assert abs(pre_slope_tstat(schools)) < 2.5
    violated = sim.simulate_schools(pretrend_violation=0.15)
    assert pre_slope_tstat(violated) < -4
    # the violation moves untreated outcomes only: additive effects are unchanged
    moved = sim.true_effects(pretrend_violation=0.15)["outcomes"]
    base = sim.true_effects()["outcomes"]
    for name in ("math_ss", "reading_ss"):
        assert moved[name] == base[name]


def test_no_effect_truth_is_zero_and_same_assignment(schools) -> None:
    null = sim.simulate_schools(effect_scale=0.0)
    cols = ["school_id", "school_year", "first_grant_year", "grant_active", "enrollment"]
    pd.testing.assert_frame_equal(null[cols], schools[cols])
    t0 = sim.true_effects(effect_scale=0.0)
    for name, agg in t0["outcomes"].items():
        assert agg["simple"] == 0.0, name
        assert all(c["att"] == 0.0 for c in agg["att_gt"])
        assert all(d["att"] == 0.0 for d in agg["dynamic"])
    for sub in t0["subgroups"].values():
        assert sub["math_ss"]["simple"] == 0.0


def test_truth_structure_and_dynamics(truth) -> None:
    params = truth["parameters"]
    assert params["seed"] == sim.DEFAULT_SEED
    assert params["sd_used"]["math_ss"] == 22.0
    assert params["effect_schedule"]["math_ss"]["sd_units"] == [0.10, 0.17, 0.24, 0.30]
    math = truth["outcomes"]["math_ss"]
    dyn = {d["event_time"]: d["att"] for d in math["dynamic"]}
    assert all(dyn[e] == 0.0 for e in dyn if e < 0)
    assert dyn[0] < dyn[1] < dyn[2] < dyn[3]
    assert min(dyn[e] for e in dyn if e >= 3) > dyn[1]
    assert 0.07 * 22 < dyn[0] < 0.13 * 22
    # reading about half of math; attendance up, absence and discipline down
    assert 0.35 < truth["outcomes"]["reading_ss"]["simple"] / math["simple"] < 0.65
    assert truth["outcomes"]["attendance_rate"]["simple"] > 0
    assert truth["outcomes"]["chronic_absent_pct"]["simple"] < 0
    assert truth["outcomes"]["discipline_per_100"]["simple"] < 0
    assert truth["outcomes"]["math_pct_prof"]["simple"] > 0
    # cohort 2018 has no 2020 cell; every cohort-year cell is post-treatment
    cells = {(c["cohort"], c["year"]) for c in math["att_gt"]}
    assert (2018, 2020) not in cells and (2018, 2021) in cells
    assert all(c["year"] >= c["cohort"] for c in math["att_gt"])
    # aggte(type="simple"): cohort-size weighted mean over post cells
    sizes = {int(k): v for k, v in params["cohort_sizes"].items()}
    w = np.array([sizes[c["cohort"]] for c in math["att_gt"]], dtype=float)
    att = np.array([c["att"] for c in math["att_gt"]])
    assert math["simple"] == pytest.approx(np.average(att, weights=w), abs=1e-5)
    # subgroups: larger for economically disadvantaged students
    subs = truth["subgroups"]
    assert (
        subs["econ_disadv"]["math_ss"]["simple"]
        > subs["all_students"]["math_ss"]["simple"]
        > subs["not_econ_disadv"]["math_ss"]["simple"]
    )
    assert subs["all_students"]["math_ss"]["simple"] == pytest.approx(math["simple"], abs=1e-5)


def test_truth_is_sample_att_of_simulated_effects(schools, truth) -> None:
    doubled = sim.true_effects(effect_scale=2.0)
    assert doubled["outcomes"]["math_ss"]["simple"] == pytest.approx(
        2 * truth["outcomes"]["math_ss"]["simple"], rel=1e-5
    )
    null = sim.simulate_schools(effect_scale=0.0)
    diff = schools["math_ss"] - null["math_ss"]
    cell = diff[(schools["first_grant_year"] == 2017) & (schools["school_year"] == 2019)].mean()
    true_cell = next(
        c["att"]
        for c in truth["outcomes"]["math_ss"]["att_gt"]
        if c["cohort"] == 2017 and c["year"] == 2019
    )
    assert cell == pytest.approx(true_cell, abs=0.02)  # up to rounding to 0.1 points


@pytest.mark.parametrize(
    ("cohort", "pre", "post"),
    [(2017, (2014, 2015, 2016), (2017, 2018, 2019)), (2021, (2017, 2018, 2019), (2021, 2022))],
)
@pytest.mark.parametrize("outcome", ["math_ss", "reading_ss"])
def test_naive_two_by_two_did_recovers_truth(schools, truth, cohort, pre, post, outcome) -> None:
    d = schools[schools["first_grant_year"].isin([0, cohort])]
    diff = (
        d[d["school_year"].isin(post)].groupby("school_id")[outcome].mean()
        - d[d["school_year"].isin(pre)].groupby("school_id")[outcome].mean()
    )
    info = d.groupby("school_id")[["first_grant_year", "district_id"]].first().loc[diff.index]
    est, se = cluster_diff(
        diff.to_numpy(), (info["first_grant_year"] > 0).to_numpy(), info["district_id"].to_numpy()
    )
    target = np.mean(
        [
            c["att"]
            for c in truth["outcomes"][outcome]["att_gt"]
            if c["cohort"] == cohort and c["year"] in post
        ]
    )
    assert target > 0
    assert abs(est - target) < 3 * se, (est, se, target)


# ---------------------------------------------------------------------------- subgroups
def test_subgroup_file_masks_small_counts(demo_subgroups, demo_schools) -> None:
    sg = demo_subgroups
    assert list(sg.columns) == [
        "district_id",
        "school_id",
        "school_year",
        "subgroup",
        "n_tested",
        "math_ss",
        "math_pct_prof",
        "reading_ss",
        "reading_pct_prof",
    ]
    assert set(sg["subgroup"]) == set(sim.SUBGROUPS)
    assert sg["school_id"].str.len().eq(12).all()
    outcome_cols = ["math_ss", "math_pct_prof", "reading_ss", "reading_pct_prof"]
    n = pd.to_numeric(sg["n_tested"], errors="coerce")
    assert (n.dropna() >= 10).all()  # every published count is at least 10
    assert set(sg.loc[n.isna(), "n_tested"]) == {"<10", "n<10", "--"}
    small = sg["n_tested"].isin(["<10", "n<10"])
    assert (sg.loc[small, outcome_cols] == "*").all().all()
    assert (sg.loc[sg["n_tested"] == "--", outcome_cols] == "--").all().all()
    values = set(sg[outcome_cols].to_numpy().ravel())
    assert {"*", "--", "N/A", ">95%", "<5%"} <= values
    # the numbers otherwise have fixed decimals
    shown = sg.loc[n.notna(), "math_ss"]
    shown = shown[shown != "N/A"]
    assert shown.str.fullmatch(r"\d+\.\d").all()
    pct = sg.loc[n.notna(), "math_pct_prof"]
    assert pct[~pct.isin(["N/A", ">95%", "<5%"])].str.fullmatch(r"\d+\.\d").all()


def test_all_students_rows_match_school_file(demo_subgroups, demo_schools) -> None:
    alls = demo_subgroups[demo_subgroups["subgroup"] == "all_students"].merge(
        demo_schools, on=["school_id", "school_year"], suffixes=("", "_school")
    )
    assert len(alls) == len(demo_schools)
    ratio = pd.to_numeric(alls["n_tested"]) / alls["enrollment"]
    assert ratio.between(0.35, 0.6).all()  # grades 3-5 of a K-5 enrollment
    assert 0.45 < ratio.median() < 0.52
    assert np.allclose(pd.to_numeric(alls["math_ss"]), alls["math_ss_school"])
    # subgroup counts add up: econ + not econ = all
    wide = demo_subgroups.pivot_table(
        index=["school_id", "school_year"], columns="subgroup", values="n_tested", aggfunc="first"
    )
    nums = wide.apply(pd.to_numeric, errors="coerce")
    both = nums[["econ_disadv", "not_econ_disadv", "all_students"]].dropna()
    assert (both["econ_disadv"] + both["not_econ_disadv"] == both["all_students"]).all()


def test_subgroup_generator_returns_strings_and_effect_gaps(schools) -> None:
    sg = sim.simulate_subgroups(schools)
    for col in ("n_tested", "math_ss", "math_pct_prof", "reading_ss", "reading_pct_prof"):
        assert pd.api.types.is_string_dtype(sg[col]), col
    null = sim.simulate_subgroups(sim.simulate_schools(effect_scale=0.0))
    assert null.shape == sg.shape
    # same draws; only the effects differ: ED gains exceed non-ED gains post-treatment
    post = (schools["first_grant_year"] > 0) & (schools["school_year"] >= 2021)
    keys = schools.loc[post, ["school_id", "school_year"]]
    gains = {}
    for sub in ("econ_disadv", "not_econ_disadv"):
        a = sg[sg["subgroup"] == sub].merge(keys)
        b = null[null["subgroup"] == sub].merge(keys)
        gains[sub] = (
            pd.to_numeric(a["math_ss"], errors="coerce")
            - pd.to_numeric(b["math_ss"], errors="coerce")
        ).mean()
    assert gains["econ_disadv"] > 1.5 * gains["not_econ_disadv"] > 0


# ---------------------------------------------------------------------------- students
def test_student_panel_rows_and_mobility(schools) -> None:
    # Speed is measured by benchmarks/did_speed.py (student settings), not by a timed test.
    st = sim.simulate_students(schools, n_rows=200_000)
    assert len(st) == 200_000
    assert list(st.columns) == [
        "student_id",
        "school_id",
        "district_id",
        "school_year",
        "grade",
        "econ_disadv",
        "english_learner",
        "swd",
        "math_ss",
        "reading_ss",
        "first_grant_year",
    ]
    assert st["student_id"].str.len().eq(10).all()
    assert st["student_id"].str.startswith("0").any()  # leading zeros kept
    assert set(st["grade"].unique()) == {3, 4, 5}
    assert 2020 not in set(st["school_year"])
    assert not st.duplicated(["student_id", "school_year"]).any()
    for col in ("econ_disadv", "english_learner", "swd"):
        assert set(st[col].unique()) <= {0, 1}
    # students advance one grade per calendar year
    s = st.sort_values(["student_id", "school_year"])
    same = s["student_id"].eq(s["student_id"].shift())
    steps = (s["school_year"] - s["school_year"].shift())[same]
    grade_steps = (s["grade"] - s["grade"].shift())[same]
    assert (steps == grade_steps).all()
    consecutive = same & (s["school_year"] - s["school_year"].shift()).eq(1)
    mobility = s["school_id"].ne(s["school_id"].shift())[consecutive].mean()
    assert 0.03 < mobility < 0.05
    # school attributes come from the school attended
    lookup = schools.groupby("school_id")[["district_id", "first_grant_year"]].first()
    joined = st.merge(lookup, on="school_id", suffixes=("", "_school"))
    assert (joined["district_id"] == joined["district_id_school"]).all()
    assert (joined["first_grant_year"] == joined["first_grant_year_school"]).all()
    # student means track school means
    means = st.groupby(["school_id", "school_year"])["math_ss"].mean().rename("students")
    merged = schools.set_index(["school_id", "school_year"])[["math_ss"]].join(means, how="inner")
    assert np.corrcoef(merged["math_ss"], merged["students"])[0, 1] > 0.9


def test_student_panel_default_size_and_seed(schools) -> None:
    a = sim.simulate_students(schools.iloc[:300], students_per_school=30, seed=5)
    b = sim.simulate_students(schools.iloc[:300], students_per_school=30, seed=5)
    pd.testing.assert_frame_equal(a, b)
    per_school_year = a.groupby(["school_id", "school_year"]).size()
    assert 20 <= per_school_year.median() <= 40
