"""Plain-language findings of a dose-response evaluation (continuous-treatment DiD)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from improve.report.numbers import decimals_for, format_number


@dataclass(frozen=True)
class DoseFacts:
    """The numbers the sentences use (estimates already rounded by nobody)."""

    n_treated: int
    n_comparison: int
    unit_plural: str
    outcome: str
    dose: str
    dose_low: float
    dose_high: float
    dose_p25: float
    dose_p75: float
    att: float
    att_low: float
    att_high: float
    acrt: float
    acrt_low: float
    acrt_high: float
    band_above_zero: bool
    band_below_zero: bool
    #: smallest and largest dose at which the uniform band lies above (or below) zero
    band_excludes_zero: tuple[float, float] | None
    pre_band_covers_zero: bool | None
    confidence_level: float


def _n(value: float, like: float | None = None) -> str:
    """A number for prose; ``like``: use the decimals that number gets (interval bounds)."""
    decimals = None if like is None else decimals_for(like)
    return format_number(value, decimals=decimals, sentence=True)


def dose_response_sentences(f: DoseFacts) -> list[str]:
    """Sentences for the workbook: average effect, whether larger doses did more, bands,
    pre-treatment check and the assumption behind comparing doses."""
    pct = f"{100 * f.confidence_level:.0f}%"
    iqr = f.dose_p75 - f.dose_p25
    step = [f.acrt * iqr, f.acrt_low * iqr, f.acrt_high * iqr]
    out = [
        f"Across the {f.n_treated:,d} treated {f.unit_plural} (compared with the "
        f"{f.n_comparison:,d} never-treated {f.unit_plural} and {f.unit_plural} not yet "
        f"treated), whose {f.dose} ranged from "
        f"{_n(f.dose_low)} to {_n(f.dose_high)} (10th to 99th percentile), the average effect "
        f"on {f.outcome} was {_n(f.att)} ({pct} CI {_n(f.att_low, f.att)} to "
        f"{_n(f.att_high, f.att)})."
    ]
    move = (
        f"Moving from the 25th to the 75th percentile of {f.dose} ({_n(f.dose_p25)} to "
        f"{_n(f.dose_p75)}) changes the effect by about {_n(step[0])} "
        f"({pct} CI {_n(step[1], step[0])} to {_n(step[2], step[0])}; "
        f"average slope ACRT^o {_n(f.acrt)})."
    )
    if f.acrt_low > 0:
        out.append(f"Larger doses did more. {move}")
    elif f.acrt_high < 0:
        out.append(f"Larger doses did less. {move}")
    else:
        out.append(f"The data cannot tell whether larger doses did more. {move}")
    if f.band_above_zero:
        out.append(f"The {pct} uniform band for the effect lies above zero at every dose shown.")
    elif f.band_below_zero:
        out.append(f"The {pct} uniform band for the effect lies below zero at every dose shown.")
    else:
        where = f.band_excludes_zero
        tail = (
            ""
            if where is None
            else f"; it excludes zero for doses from {_n(where[0])} to {_n(where[1])}"
        )
        out.append(f"The {pct} uniform band for the effect includes zero at some doses{tail}.")
    if f.pre_band_covers_zero is True:
        out.append(
            "Before treatment the event-time estimates stay within a band around zero "
            "(no sign that treated and comparison units were already diverging)."
        )
    elif f.pre_band_covers_zero is False:
        out.append(
            "Before treatment some event-time estimates differ from zero beyond their "
            "uniform band: treated and comparison units may have been diverging, so read "
            "the effects with caution."
        )
    out.append(
        "Each point of the curve compares units that got that dose with untreated units; "
        "reading differences between doses as the effect of more dose also assumes that "
        f"{f.unit_plural} given different doses would have responded alike to the same dose "
        "(Callaway, Goodman-Bacon and Sant'Anna 2024, 'strong parallel trends')."
    )
    return out


def band_sign(low: np.ndarray, high: np.ndarray) -> tuple[bool, bool]:
    """Whether a band lies entirely above, or entirely below, zero."""
    lo, hi = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return False, False
    return bool(np.all(lo[ok] > 0)), bool(np.all(hi[ok] < 0))
