"""Phase shifts: the schools that really shifted are found, with the sentence."""

from __future__ import annotations

from improve.qi import phase_shifts, qic


def test_phase_shifts_find_the_shifted_schools(network) -> None:
    res = qic(network, "week", "y", "n", chart="p", facets="school", part="cycle")
    summary = phase_shifts(res, measure="Attendance")
    table = summary.tidy()
    assert len(table) == 6
    assert table.loc[table["facet"].isin(["S0", "S1", "S2"]), "signal"].all()
    sentence = summary.sentences()[0]
    assert sentence.startswith("Attendance shifted up after cycle 1 in")
    assert "the shift is a signal in 3" in sentence
