"""Column headers in words for published tables (the CSV keeps the variable names)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["HEADERS", "header_labels"]

#: Variable name → header shown in reports, Markdown, LaTeX and Excel.
HEADERS: dict[str, str] = {
    "term": "Term",
    "summary": "Summary",
    "label": "",
    "outcome": "Outcome",
    "domain": "Domain",
    "group": "Cohort",
    "cohort": "Cohort",
    "time": "Period",
    "period": "Period",
    "year": "Year",
    "event_time": "Periods since start",
    "estimate": "Estimate",
    "std_error": "Std. error",
    "statistic": "Test statistic",
    "p_value": "p-value",
    "p_adjusted": "Adjusted p-value",
    "conf_low": "CI lower",
    "conf_high": "CI upper",
    "conf_low_uniform": "Uniform band lower",
    "conf_high_uniform": "Uniform band upper",
    "df": "Degrees of freedom",
    "n": "N",
    "n_obs": "Observations",
    "n_units": "Units",
    "units": "Units",
    "n_treated": "Treated units",
    "n_comparison": "Comparison units",
    "comparison_units": "Comparison units",
    "n_clusters": "Clusters",
    "n_tested": "Tested",
    "periods_before": "Periods before",
    "periods_after": "Periods after",
    "method": "Method",
    "specification": "Specification",
    "effect_size": "Effect size (SD)",
    "es_conf_low": "Effect size CI lower",
    "es_conf_high": "Effect size CI upper",
    "improvement_index": "Improvement index",
    "baseline_equivalence": "Baseline equivalence",
    "attrition_level": "Attrition",
    "mean": "Mean",
    "sd": "SD",
    "subgroup": "Group",
    "variable": "Variable",
    "parameter": "Parameter",
    "value": "Value",
}


def header_labels(
    columns: Iterable[object], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Headers for ``columns``: ``extra`` first, then :data:`HEADERS`, else the name with
    underscores as spaces and a capital first letter (``mean_math`` → "Mean math")."""
    extra = dict(extra or {})
    out: dict[str, str] = {}
    for column in columns:
        name = str(column)
        if name in extra:
            out[name] = extra[name]
        elif name in HEADERS:
            out[name] = HEADERS[name]
        elif name:
            words = name.replace("_", " ")
            out[name] = words[:1].upper() + words[1:]
    return out
