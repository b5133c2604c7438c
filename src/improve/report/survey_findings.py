"""Plain-language findings of a technical-assistance survey.

Every sentence is built from published (suppressed) tables, so a group hidden in a table
never appears in a sentence; the workbook passes the sentences through
``RunOutputs.clean_text`` as well. Free text is only ever counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from improve.report.numbers import format_number, format_p


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def response_sentence(
    summary: Any, rates: pd.DataFrame | None, labels: dict[str, str] | None = None
) -> str:
    """How many answered, overall and by group, and whether estimates are weighted."""
    labels = labels or {}
    n = summary.data.n
    if rates is None or rates.empty:
        survey = summary.data.survey_map.labels.get("survey", "survey")
        text = f"{format_number(n, 'count')} people answered the {survey}."
    else:
        total = rates[rates["term"] == "Total"].iloc[0]
        text = (
            f"{format_number(total['n'], 'count')} of {format_number(total['invited'], 'count')} "
            "people invited answered "
            f"({_pct(total['estimate'])})."
        )
        shown = rates[(rates["term"] != "Total") & rates["estimate"].notna()]
        for grouping, part in shown.groupby("grouping", sort=False):
            if len(part) >= 2:
                low, high = part.loc[part["estimate"].idxmin()], part.loc[part["estimate"].idxmax()]
                text += (
                    f" By {labels.get(grouping, grouping)}, response ranged from "
                    f"{_pct(low['estimate'])} "
                    f"({low['term']}) to {_pct(high['estimate'])} ({high['term']})."
                )
    if summary.raked is not None:
        text += (
            " Estimates are weighted so respondents match everyone invited by "
            f"{' and '.join(labels.get(m, m) for m in summary.raked.margins)}; intervals allow "
            "for the weighting."
        )
    return text.strip()


def satisfaction_sentence(
    scores: pd.DataFrame, level: float, reverse_worded: Sequence[str] = ()
) -> str:
    """The range of agreement across satisfaction items, and the highest and lowest.

    Reverse-worded items (where agreeing is the unfavourable answer) are left out."""
    top = scores[(scores["measure"] == "top_two_box") & scores["estimate"].notna()]
    top = top[~top["item"].isin(list(reverse_worded))]
    if top.empty:
        return ""
    best, worst = top.loc[top["estimate"].idxmax()], top.loc[top["estimate"].idxmin()]
    return (
        f"Between {_pct(worst['estimate'])} and {_pct(best['estimate'])} of respondents gave "
        "one of the two highest answers to each favourably worded statement. "
        f"Highest: \u201c{best['term']}\u201d "
        f"({_pct(best['estimate'])}, {level:.0%} CI {_pct(best['conf_low'])}\u2013"
        f"{_pct(best['conf_high'])}); lowest: \u201c{worst['term']}\u201d "
        f"({_pct(worst['estimate'])})."
    )


def change_sentences(change: pd.DataFrame, levels: int | None = None) -> list[str]:
    """One sentence per before/after pair."""
    out = []
    for _, row in change[change["estimate"].notna()].iterrows():
        direction = "rose" if row["estimate"] > 0 else "fell"
        scale = f" on a {levels}-point scale" if levels else ""
        text = (
            f"{row['term']} {direction} by {format_number(abs(row['estimate']), sentence=True)}"
            f" points{scale} (effect size {format_number(row['effect_size'])}; Wilcoxon "
            f"p {_p(row['wilcoxon_p'])}; {int(row['n'])} respondents answered both"
        )
        unmatched = int(row["before_only"] + row["after_only"])
        text += f", {unmatched} answered only one)." if unmatched else ")."
        out.append(text)
    return out


def _p(p: float) -> str:
    text = format_p(p)
    return text if text.startswith("<") else f"= {text}"


def needs_sentence(needs: pd.DataFrame, label: str, top: int = 3) -> str:
    """The most often chosen options."""
    shown = needs[needs["estimate"].notna()].head(top)
    if shown.empty:
        return ""
    listed = "; ".join(f"{r['term']} ({_pct(r['estimate'])})" for _, r in shown.iterrows())
    return f"{label}, most often chosen: {listed}."


def difference_sentences(
    tests: pd.DataFrame, by_group: dict[str, pd.DataFrame], labels: dict[str, str]
) -> list[str]:
    """Per grouping: items whose answers differ after false-discovery-rate control."""
    out = []
    for grouping, part in tests.groupby("grouping", sort=False):
        tested = part[part["p_value"].notna()]
        label = labels.get(grouping, grouping)
        if tested.empty:
            out.append(f"Too few respondents per {label} to compare groups.")
            continue
        hits = tested[tested["significant_bh"]]
        if hits.empty:
            out.append(
                f"Answers did not differ by {label} beyond what chance produces "
                f"({len(tested)} items compared, false discovery rate controlled)."
            )
            continue
        names = []
        for _, row in hits.iterrows():
            groups = by_group[grouping]
            rows = groups[(groups["item"] == row["item"]) & groups["estimate"].notna()]
            if rows.empty:
                continue
            high = rows.loc[rows["estimate"].idxmax()]
            names.append(f"\u201c{row['term']}\u201d (highest among {high['group']})")
        out.append(
            f"Answers differed by {label} on {len(hits)} of {len(tested)} items after "
            f"controlling the false discovery rate: {'; '.join(names)}."
        )
    return out


def privacy_sentence(summary: Any, min_cell_size: int | None) -> str:
    """What is never shown: small groups and free text."""
    text = ""
    if summary.data.free_text_answered:
        comments = int(np.sum(list(summary.data.free_text_answered.values())))
        text = (
            f"{format_number(comments, 'count')} free-text answers were given; they are "
            "counted, never reproduced in this report."
        )
    if min_cell_size:
        text += (
            f" Groups with fewer than {min_cell_size} respondents are not shown (nor the "
            "next-smallest group where a total would reveal them)."
        )
    return text.strip()
