"""improve._deprecation: every renamed result field, spec field and keyword still works for
one release, warns, and gives the same value as its new name."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from improve.data import PanelSpec, load_panel
from improve.data.balance import balanced_panel_losses
from improve.data.spec import ColumnMap
from improve.did import aggregate, att_gt, sunab, twfe, two_stage
from improve.did.imputation import imputation
from improve.did.jackknife import with_jackknife_se
from improve.errors import SpecError
from improve.fe import panel_regression
from improve.report.privacy import (
    publishable_load_report,
    suppress_counts,
    suppress_small_cells,
    suppress_table,
    suppression_note,
)

from sample_data import SCHOOL_MAP

MPDTA = Path(__file__).resolve().parent / "reference" / "mpdta.csv"
KEYS = dict(unit="countyreal", time="year", cohort="first_treat")


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(MPDTA).assign(state=lambda d: d["countyreal"] // 1000)


@pytest.fixture(scope="module")
def cells(mpdta: pd.DataFrame):
    return att_gt(mpdta, "lemp", **KEYS)


def _old_equals_new(result: object, old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"{old}' is deprecated.*use '{new}'"):
        value = getattr(result, old)
    assert value is getattr(result, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("att", "estimate"),
        ("se", "std_error"),
        ("wald_stat", "pretrend_stat"),
        ("wald_pvalue", "pretrend_p_value"),
        ("wald_df", "pretrend_df"),
    ],
)
def test_attgt_old_names(cells, old: str, new: str) -> None:
    _old_equals_new(cells, old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [("overall_att", "estimate"), ("overall_se", "std_error"), ("df_overall", "df")],
)
def test_aggregate_old_names(cells, old: str, new: str) -> None:
    _old_equals_new(aggregate(cells, "dynamic"), old, new)


def test_aggregate_interval_is_the_first_tidy_row(mpdta: pd.DataFrame) -> None:
    clustered = att_gt(mpdta, "lemp", cluster="state", **KEYS)
    for result in (clustered, att_gt(mpdta, "lemp", **KEYS)):
        agg = aggregate(result, "group")
        row = agg.tidy().iloc[0]
        assert (agg.conf_low, agg.conf_high) == (row["conf_low"], row["conf_high"])
        assert agg.conf_low < agg.estimate < agg.conf_high
    # with CR2 the interval uses the t critical value, wider than the normal one
    agg = aggregate(clustered, "simple")
    assert agg.df < np.inf
    assert agg.conf_high - agg.estimate > 1.96 * agg.std_error


def test_vcov_type_says_which_inference(mpdta: pd.DataFrame) -> None:
    plain = att_gt(mpdta, "lemp", **KEYS)
    cr2 = att_gt(mpdta, "lemp", cluster="state", **KEYS)
    summed = att_gt(mpdta, "lemp", cluster="state", cluster_correction="none", **KEYS)
    boot = att_gt(mpdta, "lemp", bootstrap=True, n_boot=99, seed=1, **KEYS)
    assert [r.vcov_type for r in (plain, cr2, summed, boot)] == [
        "analytic",
        "CR2",
        "cluster-robust",
        "bootstrap",
    ]
    assert aggregate(plain, "simple").vcov_type == "analytic"
    assert aggregate(cr2, "simple").vcov_type == "CR2"
    assert aggregate(summed, "simple").vcov_type == "cluster-robust"
    assert aggregate(boot, "dynamic").vcov_type == "bootstrap"
    assert aggregate(plain, "dynamic", bootstrap=True, n_boot=99, seed=1).vcov_type == ("bootstrap")
    band_only = aggregate(plain, "dynamic", bootstrap=True, bootstrap_se=False, n_boot=99)
    assert band_only.vcov_type == "analytic"
    agg = aggregate(plain, "simple")
    jack = with_jackknife_se(agg, np.array([]), np.array([0.5]))
    assert jack.vcov_type == "jackknife" and jack.std_error == 0.5
    assert imputation(mpdta, "lemp", **KEYS).vcov_type == "cluster-robust"


@pytest.mark.parametrize(
    ("old", "new"), [("pretrend_wald", "pretrend_stat"), ("pretrend_pvalue", "pretrend_p_value")]
)
def test_event_study_old_names(mpdta: pd.DataFrame, old: str, new: str) -> None:
    res = imputation(mpdta, "lemp", **KEYS, min_e=-2)
    assert res.pretrend_stat is not None and res.pretrend_df == 2
    _old_equals_new(res, old, new)


@pytest.mark.parametrize(("old", "new"), [("se", "vcov_type"), ("se_label", "vcov_label")])
def test_fe_old_names(mpdta: pd.DataFrame, old: str, new: str) -> None:
    frame = mpdta.assign(
        dose=((mpdta["first_treat"] > 0) & (mpdta["year"] >= mpdta["first_treat"])).astype(float)
    )
    res = panel_regression(frame, "lemp", "dose", unit="countyreal", time="year", se="cr2")
    assert res.vcov_type == "cr2" and "Satterthwaite" in res.vcov_label
    _old_equals_new(res, old, new)


def test_panel_spec_weights() -> None:
    with pytest.warns(DeprecationWarning, match="'weight' is deprecated.*'weights'"):
        old = PanelSpec(unit="u", time="t", weight="w")
    new = PanelSpec(unit="u", time="t", weights="w")
    assert old == new and new.weights == "w"
    _old_equals_new(new, "weight", "weights")
    with pytest.raises(TypeError, match="give 'weights' only"):
        PanelSpec(unit="u", time="t", weight="w", weights="w")
    with pytest.warns(DeprecationWarning, match="'weight' is deprecated"):
        assert PanelSpec(unit="u", time="t").with_overrides(weight="w") == new
    assert new.with_overrides(weights="v").weights == "v"
    # manifests keep the key they always had
    assert new.to_dict()["weight"] == "w" and "weights" not in new.to_dict()
    assert new.required_columns() == ["u", "t", "w"]


def test_column_map_accepts_weight_and_weights() -> None:
    base = {"unit": "SCH", "time": "YR"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = ColumnMap.from_dict({**base, "weight": "W"}).spec
        other = ColumnMap.from_dict({**base, "weights": {"w": "W"}})
    assert one.weights == "W"
    assert other.spec.weights == "w" and other.renames == {"W": "w"}
    with pytest.raises(SpecError, match="names the weights column twice"):
        ColumnMap.from_dict({**base, "weight": "W", "weights": "W"})


def test_privacy_min_n_keyword() -> None:
    table = pd.DataFrame({"cohort": [1, 2, 3], "n": [3, 12, 40], "mean": [1.0, 2.0, 3.0]})
    counts = {0: 40, 2017: 3, 2018: 4}
    grid = pd.DataFrame({"a": [3, 20], "b": [30, 40]}, index=["x", "y"])
    calls = [
        (lambda **k: suppress_small_cells(table, "n", **k)),
        (lambda **k: suppress_counts(counts, **k)),
        (lambda **k: suppression_note(**k)),
        (lambda **k: suppress_table(grid, **k).table),
    ]
    for call in calls:
        with pytest.warns(DeprecationWarning, match="'min_n' is deprecated.*'min_cell_size'"):
            old = call(min_n=5)
        new = call(min_cell_size=5)
        if isinstance(new, pd.DataFrame):
            pd.testing.assert_frame_equal(old, new)
        else:
            assert old == new
        with pytest.raises(TypeError, match="give 'min_cell_size' only"):
            call(min_n=5, min_cell_size=5)
    assert suppression_note(min_cell_size=5) != suppression_note()
    assert suppress_counts(counts, min_cell_size=3) == {0: 40, 2017: 3, 2018: 4}
    _old_equals_new(suppress_table(grid, min_cell_size=5), "min_n", "min_cell_size")


def test_publishable_load_report_and_balance_min_n(school_frame: pd.DataFrame) -> None:
    panel = load_panel(school_frame, columns=SCHOOL_MAP, validate_timing=False)
    with pytest.warns(DeprecationWarning, match="'min_n' is deprecated"):
        old = publishable_load_report(panel.report, min_n=50)
    assert old == publishable_load_report(panel.report, min_cell_size=50)
    losses = balanced_panel_losses(panel, SCHOOL_MAP["outcomes"][0])
    with pytest.warns(DeprecationWarning, match="'min_n' is deprecated"):
        text = losses.sentence(min_n=50)
    assert text == losses.sentence(min_cell_size=50)


def test_improve_code_using_an_old_name_fails_the_tests(cells) -> None:
    """The pytest configuration turns a deprecated name read *inside improve* into an error
    (a warning attributed to a test module, as above, is only recorded)."""
    inside_improve = {"__name__": "improve.some_module", "result": cells}
    with pytest.raises(DeprecationWarning, match="'ATTGTResult.att' is deprecated"):
        exec("result.att", inside_improve)


def test_spec_like_object_with_weight_still_weights(mpdta: pd.DataFrame) -> None:
    frame = mpdta.assign(w=0.5 + (mpdta["countyreal"] % 7) / 6.0)
    spec = SimpleNamespace(**KEYS, outcomes=("lemp",), covariates=(), cluster=None, weight="w")
    from_old_spec = att_gt(SimpleNamespace(data=frame, spec=spec))
    direct = att_gt(frame, "lemp", weights="w", **KEYS)
    np.testing.assert_array_equal(from_old_spec.estimate, direct.estimate)
    assert from_old_spec.weights == "w"


def test_event_study_regressions_say_cr1(mpdta: pd.DataFrame) -> None:
    assert twfe(mpdta, "lemp", **KEYS).vcov_type == "CR1"
    assert sunab(mpdta, "lemp", **KEYS).vcov_type == "CR1"
    assert two_stage(mpdta, "lemp", **KEYS).vcov_type == "cluster-robust"


MOVED_MODULES = [
    ("improve.did.compare", "improve.did.robustness", ["robustness_table"]),
    (
        "improve.did.event_compare",
        "improve.did.event_study_comparison",
        ["compare_event_studies", "event_time_spread"],
    ),
    (
        "improve.fe.compare",
        "improve.fe.inference_comparison",
        ["DEFAULT_METHODS", "compare_inference", "subsample_clusters"],
    ),
    ("improve.fe.plot", "improve.report.fe_figures", ["dose_response"]),
]


@pytest.mark.parametrize(("old", "new", "names"), MOVED_MODULES)
def test_moved_module_still_imports_with_a_warning(old: str, new: str, names: list[str]) -> None:
    import importlib
    import sys

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"'{old}' is deprecated.*import from '{new}'"):
        old_module = importlib.import_module(old)
    new_module = importlib.import_module(new)
    for name in names:
        assert getattr(old_module, name) is getattr(new_module, name)


@pytest.mark.parametrize(("old", "new", "names"), MOVED_MODULES)
def test_nothing_shipped_imports_a_moved_module(old: str, new: str, names: list[str]) -> None:
    root = Path(__file__).resolve().parents[1]
    shim = root / "src" / Path(*old.split(".")).with_suffix(".py")
    users = [
        str(path.relative_to(root))
        for folder in ("src", "notebooks")
        for path in sorted((root / folder).rglob("*.py")) + sorted((root / folder).rglob("*.ipynb"))
        if path != shim and f"{old} import" in path.read_text(encoding="utf-8")
    ]
    assert not users, users


@pytest.mark.parametrize(
    ("old", "new"), [("att", "overall_estimate"), ("att_se", "overall_std_error")]
)
def test_sunab_old_names(mpdta: pd.DataFrame, old: str, new: str) -> None:
    _old_equals_new(sunab(mpdta, "lemp", **KEYS), old, new)


def test_robustness_table_alpha_keyword(school_frame: pd.DataFrame) -> None:
    from improve.did.robustness import robustness_table

    panel = load_panel(school_frame, columns=SCHOOL_MAP, validate_timing=False)
    base = {"control_group": "notyettreated", "covariates": []}
    new = robustness_table(panel, "math_ss", base, {}, include_twfe=False, confidence_level=0.9)
    with pytest.warns(DeprecationWarning, match="'alpha' is deprecated.*'confidence_level'"):
        old = robustness_table(panel, "math_ss", base, {}, include_twfe=False, alpha=1 - 0.9)
    pd.testing.assert_frame_equal(old, new)


def test_evidence_summary_alpha_keyword(school_frame: pd.DataFrame) -> None:
    from improve.did.evaluation import evaluate
    from improve.effects.evidence import evidence_summary

    panel = load_panel(school_frame, columns=SCHOOL_MAP, validate_timing=False)
    overall = {"math_ss": evaluate(panel, "math_ss", covariates=[]).simple.tidy().iloc[0]}
    options = dict(domains={"math_ss": "achievement"}, better={})
    new = evidence_summary(panel, overall, confidence_level=0.95, **options)
    with pytest.warns(DeprecationWarning, match="'alpha' is deprecated.*'confidence_level'"):
        old = evidence_summary(panel, overall, alpha=0.05, **options)
    pd.testing.assert_frame_equal(old.table, new.table)
