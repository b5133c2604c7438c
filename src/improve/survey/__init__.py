"""Technical-assistance surveys: needs assessments and post-event feedback.

Load a Qualtrics, SurveyMonkey or Google Forms export with a survey map
(:func:`load_survey`, or :func:`load_matched` for two waves paired on respondent ids: ids,
e-mails and free text never leave the load step), then summarise:
rated items (:func:`summarise_items`), check-all-that-apply questions
(:func:`summarise_selections`), groups (:func:`compare_groups`), scales
(:func:`scale_reliability`), before/after change (:func:`paired_change`), response rates
(:func:`response_rates`), and weights raked to population margins (:func:`rake`) with
design-based standard errors (:mod:`improve.survey.design`; jackknife replicate weights in
:mod:`improve.survey.replicate`).
"""

from improve.survey.change import ChangeSummary, paired_change
from improve.survey.design import SurveyDesign, domain_mean, proportion_interval, weighted_mean
from improve.survey.groups import GroupComparison, compare_groups
from improve.survey.items import ItemSummary, summarise_items
from improve.survey.load import SurveyData, check_survey_input, load_survey
from improve.survey.matched import load_matched
from improve.survey.response import ResponseRates, read_population, response_rates
from improve.survey.scales import (
    ScaleReliability,
    composite_scores,
    cronbach_alpha,
    omega_total,
    scale_reliability,
)
from improve.survey.selections import SelectionSummary, summarise_selections
from improve.survey.spec import SurveyMap, parse_survey_map, read_survey_map
from improve.survey.weights import RakedWeights, rake

__all__ = [
    "ChangeSummary",
    "GroupComparison",
    "ItemSummary",
    "RakedWeights",
    "ResponseRates",
    "ScaleReliability",
    "SelectionSummary",
    "SurveyData",
    "SurveyDesign",
    "SurveyMap",
    "check_survey_input",
    "compare_groups",
    "composite_scores",
    "cronbach_alpha",
    "domain_mean",
    "load_matched",
    "load_survey",
    "omega_total",
    "paired_change",
    "parse_survey_map",
    "proportion_interval",
    "rake",
    "read_population",
    "read_survey_map",
    "response_rates",
    "scale_reliability",
    "summarise_items",
    "summarise_selections",
    "weighted_mean",
]
