"""Truths of the demo schools for grants that end: effects during and after funding.

The demo's non-renewed schools are funded two years and then lose the grant; their effect
fades by ``FADE_PER_YEAR`` a year. These truths use the periods a school is *observed*
(the gap year has no row), as the on/off estimators do:

* ``by_periods_since_start``: the mean effect ``Y(1) - Y(0)`` of funded schools ``l``
  observed periods after their treatment first changed (``l = 1`` is the first funded
  observed year), for all, renewed and not renewed schools: the estimand of
  ``did_multiplegt_dyn`` effects ``Effect_l``;
* ``exit_by_periods_since_end``: for non-renewed schools, ``k`` observed periods after the
  grant ended (``k = 1`` is the first unfunded observed year), the mean of the effect had
  the grant continued (same coaching dose) minus the effect they had: the estimand of
  ``exit_event_study``; and ``remaining_by_periods_since_end``, the effect they still had
  (against never being funded).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from improve.demo import schools as s

#: Outcomes whose effect is additive in the generator (scale scores).
TRUTH_OUTCOMES = ("math_ss", "reading_ss")


def _observed_index(df: pd.DataFrame) -> pd.DataFrame:
    """Per row: observed position since the first change and since the end of funding."""
    d = df.sort_values(["school_id", "school_year"]).copy()
    d["pos"] = d.groupby("school_id").cumcount()
    active = d["grant_active"].to_numpy()
    change = d.groupby("school_id")["grant_active"].diff().fillna(0).to_numpy() != 0
    d["changed"] = change
    first = d["pos"].where(d["changed"]).groupby(d["school_id"]).transform("min")
    d["since_start"] = d["pos"] - first + 1
    ended = (d["first_grant_year"] > 0) & (active == 0) & (d["school_year"] > d["first_grant_year"])
    end = d["pos"].where(ended).groupby(d["school_id"]).transform("min")
    d["since_end"] = d["pos"] - end + 1
    d["renewed"] = end.isna()
    return d


def _continued_effect(d: pd.DataFrame, name: str, effect_scale: float) -> np.ndarray:
    """The effect each row would have had with the grant still active, same dose."""
    t = d["school_year"].to_numpy()
    g = d["first_grant_year"].to_numpy()
    active = d["grant_active"].to_numpy() == 1
    fte = d["coach_fte_per_100"].to_numpy(dtype=float)
    codes, _ = pd.factorize(d["school_id"], sort=True)
    fte_sum = np.bincount(codes, weights=np.where(active, fte, 0.0))
    fte_n = np.bincount(codes, weights=active.astype(float))
    mean_fte = np.divide(
        fte_sum, fte_n, out=np.full(fte_sum.size, s.REFERENCE_FTE_PER_100), where=fte_n > 0
    )
    dose = np.clip(mean_fte / s.REFERENCE_FTE_PER_100, 0.5, 2.0) ** s.DOSE_ELASTICITY
    e = np.where((g > 0) & (t >= g), t - g, 0)
    mix = s._mix_factor(d["pct_econ_disadv"].to_numpy())
    return s._schedule(name, e) * dose[codes] * effect_scale * mix


def _means(key: pd.Series, values: np.ndarray, sd: float) -> list[dict[str, Any]]:
    frame = pd.DataFrame({"k": key.to_numpy(), "v": values}).dropna()
    frame = frame[frame["k"] >= 1]
    out = []
    for k, grp in frame.groupby("k"):
        mean = float(grp["v"].mean())
        out.append(
            {"periods": int(k), "effect": mean, "effect_sd": mean / sd, "n_schools": len(grp)}
        )
    return out


def after_funding_truth(
    df: pd.DataFrame, y0: dict[str, np.ndarray], y1: dict[str, np.ndarray], effect_scale: float
) -> dict[str, Any]:
    """The truths above for :data:`TRUTH_OUTCOMES` (JSON-ready)."""
    order = np.lexsort((df["school_year"].to_numpy(), df["school_id"].to_numpy()))
    d = _observed_index(df.iloc[order].reset_index(drop=True))
    funded = d["first_grant_year"] > 0
    out: dict[str, Any] = {
        "description": (
            "Effects of the SYNTHETIC grant by observed periods since the treatment first "
            "changed (all / renewed / not renewed funded schools; the estimand of "
            "did_multiplegt_dyn Effect_l) and, for non-renewed schools, by observed periods "
            "since the grant ended: the effect had the grant continued (same dose) minus "
            "the effect they had (the estimand of exit_event_study Effect_k), and the "
            "effect they still had against never being funded. Means over schools, equal "
            "weights; *_sd divide by sd_used."
        ),
        "n_renewed": int(d.loc[funded, "school_id"][d.loc[funded, "renewed"]].nunique()),
        "n_not_renewed": int(d.loc[funded, "school_id"][~d.loc[funded, "renewed"]].nunique()),
        "outcomes": {},
    }
    for name in TRUTH_OUTCOMES:
        sd = s.SD_USED[name]
        effect = (y1[name] - y0[name])[order]
        lost = _continued_effect(d, name, effect_scale) - effect
        ended = funded & ~d["renewed"]
        out["outcomes"][name] = {
            "by_periods_since_start": {
                "all": _means(d["since_start"].where(funded), effect, sd),
                "renewed": _means(d["since_start"].where(funded & d["renewed"]), effect, sd),
                "not_renewed": _means(d["since_start"].where(ended), effect, sd),
            },
            "exit_by_periods_since_end": _means(d["since_end"].where(ended), lost, sd),
            "remaining_by_periods_since_end": _means(d["since_end"].where(ended), effect, sd),
        }
    return out
