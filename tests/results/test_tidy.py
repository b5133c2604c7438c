"""The shared tidy table and the result base class."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from improve.results import TIDY_COLUMNS, Result, tidy_frame


def test_tidy_frame_has_the_house_columns_and_normal_or_t_intervals():
    normal = tidy_frame(["a"], np.array([1.0]), np.array([0.5]), confidence_level=0.9)
    assert list(normal.columns) == TIDY_COLUMNS
    z = stats.norm.ppf(0.95)
    assert normal["conf_low"].iloc[0] == pytest.approx(1.0 - z * 0.5, abs=1e-12)
    t = tidy_frame(["a"], np.array([1.0]), np.array([0.5]), df=4.0)
    assert t["conf_high"].iloc[0] == pytest.approx(1.0 + stats.t.ppf(0.975, 4) * 0.5)
    assert t["p_value"].iloc[0] == pytest.approx(2 * stats.t.sf(2.0, 4))


@dataclass(frozen=True)
class _Toy(Result):
    outcome: str

    def tidy(self) -> pd.DataFrame:
        return tidy_frame([self.outcome], np.array([2.0]), np.array([1.0]))

    def _title(self) -> str:
        return f"Toy estimate for {self.outcome}"


def test_a_result_gets_text_and_escaped_rich_display():
    toy = _Toy("<script>alert(1)</script>")
    assert str(toy).startswith("Toy estimate for <script>")
    shown = toy._repr_html_()
    assert "<script>" not in shown and "&lt;script&gt;" in shown


def test_every_public_result_class_derives_from_result():
    from improve.did import ATTGTResult
    from improve.fe import FEResult
    from improve.synth import SynthResult

    for cls in (ATTGTResult, FEResult, SynthResult):
        assert issubclass(cls, Result)
