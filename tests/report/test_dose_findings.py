"""Plain-language findings of a dose-response evaluation."""

from __future__ import annotations

from dataclasses import replace

from improve.report.dose_findings import DoseFacts, dose_response_sentences

FACTS = DoseFacts(
    n_treated=120,
    n_comparison=80,
    unit_plural="schools",
    outcome="math score",
    dose="coach FTE",
    dose_low=0.1,
    dose_high=0.5,
    dose_p25=0.2,
    dose_p75=0.3,
    att=3.0,
    att_low=2.0,
    att_high=4.0,
    acrt=10.0,
    acrt_low=-1.0,
    acrt_high=21.0,
    band_above_zero=False,
    band_below_zero=False,
    band_excludes_zero=(0.15, 0.4),
    pre_band_covers_zero=False,
    confidence_level=0.95,
)


def test_sentences_say_what_the_evidence_supports() -> None:
    text = " ".join(dose_response_sentences(FACTS))
    assert "{" not in text and "}" not in text
    assert "cannot tell whether larger doses did more" in text
    assert "by about 1.0" in text  # slope 10 times the interquartile range 0.1
    assert "excludes zero for doses from 0.150 to 0.400" in text
    assert "may have been diverging" in text
    more = " ".join(dose_response_sentences(replace(FACTS, acrt_low=1.0, band_above_zero=True)))
    assert "Larger doses did more." in more and "above zero at every dose" in more
    less = " ".join(dose_response_sentences(replace(FACTS, acrt=-5.0, acrt_high=-1.0)))
    assert "Larger doses did less." in less
