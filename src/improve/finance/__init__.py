"""Resource equity and school finance: where the money goes, and what a formula change did.

Per-pupil and need-weighted per-pupil amounts by school and district
(:func:`school_table`, :class:`NeedWeights`), horizontal equity indices with bootstrap
intervals (:func:`horizontal_equity`), vertical equity and fiscal neutrality
(:func:`vertical_equity`, :func:`quantile_table`), the Theil within/between decomposition
(:func:`decompose`), the same measures by year (:func:`equity_trend`) and the district panel
of a formula change (:func:`formula_panel`, :func:`formula_doses`; the dose-response DiD on
it is :func:`improve.formula_change.formula_dose_response`). :func:`evaluate_equity` runs
them all for the
resource-equity workbook. The index functions themselves are in
:mod:`improve.finance.indices` and :mod:`improve.finance.inequality`.
"""

from improve.finance.decomposition import TheilDecomposition, decompose
from improve.finance.evaluation import EquityEvaluation, evaluate_equity
from improve.finance.formula import (
    dose_panel,
    formula_change_groups,
    formula_doses,
    formula_panel,
)
from improve.finance.horizontal import INDICES, EquityIndices, horizontal_equity
from improve.finance.perpupil import district_table, school_table
from improve.finance.spec import FinanceMap
from improve.finance.trends import EquityTrend, equity_trend
from improve.finance.vertical import VerticalEquity, quantile_table, vertical_equity
from improve.finance.weights import DEFAULT_NEED_WEIGHTS, NeedWeights

__all__ = [
    "DEFAULT_NEED_WEIGHTS",
    "INDICES",
    "EquityEvaluation",
    "EquityIndices",
    "EquityTrend",
    "FinanceMap",
    "NeedWeights",
    "TheilDecomposition",
    "VerticalEquity",
    "decompose",
    "dose_panel",
    "district_table",
    "equity_trend",
    "evaluate_equity",
    "formula_change_groups",
    "formula_doses",
    "formula_panel",
    "horizontal_equity",
    "quantile_table",
    "school_table",
    "vertical_equity",
]
