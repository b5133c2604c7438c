"""Seeded simulation of a statewide math-coach grant program with known truth.

The generator produces data that look like what a state education agency publishes or
shares with evaluators -- NCES-style string identifiers with leading zeros, a missing
assessment year (2020), staggered grant cohorts, school-level outcome files, suppressed
subgroup report files and a student-level panel -- while keeping the *true* treatment
effects, so estimators can be checked against them.

Design (school level, see :func:`simulate_schools`):

* districts of very different sizes (log-normal weights) in one state (FIPS ``01``);
* grant cohorts 2017--2022 (``first_grant_year``), about 40% of schools never funded;
  lower-scoring, higher-poverty schools are selected into *earlier* cohorts (selection on
  levels only: untreated potential outcomes share common trends, so parallel trends hold
  unconditionally unless ``pretrend_violation > 0``, except for percent proficient, a
  nonlinear function of scale scores);
* untreated outcome = school level + statewide year shock (including a 2021 COVID drop)
  + district-by-year shock + AR(1) school noise + sampling noise;
* two-year renewable grants, about 30% of funded schools are not renewed, so
  ``grant_active`` switches off after two years and their effect fades;
* dynamic effects that grow with exposure (event time ``e = year - first_grant_year`` in
  calendar years), are larger for economically disadvantaged students and scale mildly
  with coaching intensity (``coach_fte_per_100``).

The truth (:func:`true_effects`) is the sample ATT(g, t) -- the mean over schools of the
simulated ``Y(1) - Y(0)`` -- and its aggregations as R ``did::aggte`` computes them.

All data are synthetic. Running ``python -m improve.demo.schools [directory]`` writes the
demo files (see :func:`write_demo`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

__all__ = [
    "COHORTS",
    "DEFAULT_SEED",
    "EFFECT_SCHEDULE_SD",
    "OUTCOMES",
    "SD_USED",
    "SUBGROUPS",
    "SUBGROUP_MULTIPLIERS",
    "simulate_schools",
    "simulate_students",
    "simulate_subgroups",
    "true_effects",
    "write_demo",
]

DEFAULT_SEED = 20240601
STATE_FIPS = "01"

#: Grant cohorts (spring school year of the first funded year) and their shares of
#: funded schools; earlier cohorts are filled with the most disadvantaged schools.
COHORTS: tuple[int, ...] = (2017, 2018, 2019, 2020, 2021, 2022)
COHORT_SHARES: tuple[float, ...] = (0.19, 0.20, 0.17, 0.13, 0.16, 0.15)
NEVER_FUNDED_SHARE = 0.40
NONRENEWAL_SHARE = 0.30
#: Cohorts that get the differential trend when ``pretrend_violation > 0``.
EARLY_COHORT_MAX = 2019
#: Share of the effect that remains each year after a non-renewed grant ends.
FADE_PER_YEAR = 0.5
#: Reference coaching intensity (FTE per 100 students) at which the dose factor is 1.
REFERENCE_FTE_PER_100 = 0.25
DOSE_ELASTICITY = 0.25

#: School-level outcome columns, in output order.
OUTCOMES: tuple[str, ...] = (
    "math_ss",
    "reading_ss",
    "math_pct_prof",
    "reading_pct_prof",
    "attendance_rate",
    "chronic_absent_pct",
    "discipline_per_100",
)

#: Nominal school-level standard deviations used to express effects in SD units
#: (cross-school SD of the outcome, calibrated to the simulated pre-period 2014--2019).
SD_USED: dict[str, float] = {
    "math_ss": 22.0,
    "reading_ss": 21.0,
    "math_pct_prof": 20.0,
    "reading_pct_prof": 20.0,
    "attendance_rate": 1.6,
    "chronic_absent_pct": 5.3,
    "discipline_per_100": 2.5,
}

#: Effect schedule in SD units by event time e = 0, 1, 2, >=3 while the grant is active,
#: for a reference school (dose factor 1, subgroup mix factor 1). Proficiency effects are
#: not scheduled directly: they follow from the scale-score effects.
EFFECT_SCHEDULE_SD: dict[str, tuple[float, float, float, float]] = {
    "math_ss": (0.10, 0.17, 0.24, 0.30),
    "reading_ss": (0.05, 0.085, 0.12, 0.15),
    "attendance_rate": (0.10, 0.15, 0.20, 0.25),
    "chronic_absent_pct": (-0.06, -0.10, -0.13, -0.15),
    "discipline_per_100": (-0.05, -0.08, -0.10, -0.12),
}

#: Reported subgroups, in file order.
SUBGROUPS: tuple[str, ...] = (
    "all_students",
    "econ_disadv",
    "not_econ_disadv",
    "english_learner",
    "students_with_disabilities",
    "black",
    "hispanic",
    "white",
    "asian",
    "two_or_more",
)

#: Effect multipliers by subgroup relative to the schedule. A school's all-students effect
#: uses the mix ``p * 1.3 + (1 - p) * 0.7`` with ``p`` the economically disadvantaged share.
SUBGROUP_MULTIPLIERS: dict[str, float] = {
    "econ_disadv": 1.3,
    "not_econ_disadv": 0.7,
    "english_learner": 1.2,
    "students_with_disabilities": 0.9,
    "black": 1.0,
    "hispanic": 1.0,
    "white": 1.0,
    "asian": 1.0,
    "two_or_more": 1.0,
}

#: Within-school scale-score gaps (points) used for subgroup and student outcomes.
_GAPS: dict[str, tuple[float, float]] = {  # (math, reading)
    "econ_disadv": (22.0, 24.0),
    "english_learner": (-16.0, -24.0),
    "students_with_disabilities": (-34.0, -37.0),
    "black": (-9.0, -8.0),
    "hispanic": (-6.0, -7.0),
    "white": (5.0, 5.0),
    "asian": (12.0, 9.0),
    "two_or_more": (0.0, 1.0),
}
#: Proficiency cut scores and within-school student SD of scale scores.
_CUT = {"math": 515.0, "reading": 508.0}
_SD_WITHIN = {"math": 36.0, "reading": 35.0}

_COVID = {  # statewide shocks by spring year: (math, reading, attendance, log discipline)
    2021: (-10.0, -6.0, -3.2, -0.45),
    2022: (-6.5, -4.0, -2.4, 0.12),
    2023: (-4.5, -3.0, -1.5, 0.08),
    2024: (-3.5, -2.5, -1.1, 0.05),
}

_SCHOOL_COLUMNS: tuple[str, ...] = (
    "district_id",
    "school_id",
    "school_year",
    "first_grant_year",
    "grant_active",
    "coach_fte_per_100",
    "enrollment",
    "pct_econ_disadv",
    "pct_english_learner",
    *OUTCOMES,
)
_DECIMALS: dict[str, int] = {
    "coach_fte_per_100": 3,
    "pct_econ_disadv": 1,
    "pct_english_learner": 1,
    "math_ss": 1,
    "reading_ss": 1,
    "math_pct_prof": 1,
    "reading_pct_prof": 1,
    "attendance_rate": 1,
    "chronic_absent_pct": 1,
    "discipline_per_100": 2,
}
_ATTRS_KEY = "improve.simulate"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _streams(seed: int, tag: int, n: int) -> list[np.random.Generator]:
    """Independent named random streams, so one component never shifts another."""
    seq = np.random.SeedSequence([int(seed), int(tag)])
    return [np.random.default_rng(s) for s in seq.spawn(n)]


def _zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def _largest_remainder(total: int, shares: Sequence[float]) -> np.ndarray:
    raw = np.asarray(shares, dtype=float) / float(np.sum(shares)) * total
    out = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return out


def _check_years(years: Iterable[int], gap_years: Iterable[int]) -> tuple[list[int], list[int]]:
    yrs = sorted({int(y) for y in years})
    gaps = {int(y) for y in gap_years}
    observed = [y for y in yrs if y not in gaps]
    if len(observed) < 2:
        raise ValueError(
            f"years={yrs} minus gap_years={sorted(gaps)} leaves {observed}; "
            "pass at least two observed school years"
        )
    return yrs, observed


def _schedule(outcome: str, event_time: np.ndarray) -> np.ndarray:
    sched = np.asarray(EFFECT_SCHEDULE_SD[outcome]) * SD_USED[outcome]
    return sched[np.clip(event_time, 0, len(sched) - 1)]


def _mix_factor(pct_econ_disadv: np.ndarray) -> np.ndarray:
    """All-students effect multiplier from the economically disadvantaged share."""
    p = np.asarray(pct_econ_disadv, dtype=float) / 100.0
    m_ed = SUBGROUP_MULTIPLIERS["econ_disadv"]
    m_ned = SUBGROUP_MULTIPLIERS["not_econ_disadv"]
    return p * m_ed + (1.0 - p) * m_ned


def _base_effects(schools: pd.DataFrame, effect_scale: float) -> dict[str, np.ndarray]:
    """Effect per row before the subgroup mix factor, for each scheduled outcome.

    Deterministic in the observable columns (``school_id``, ``school_year``,
    ``first_grant_year``, ``grant_active``, ``coach_fte_per_100``), so subgroup and
    student generators can rebuild it from a schools table.
    """
    g = schools["first_grant_year"].to_numpy(dtype=np.int64)
    t = schools["school_year"].to_numpy(dtype=np.int64)
    active = schools["grant_active"].to_numpy(dtype=np.int64) == 1
    fte = schools["coach_fte_per_100"].to_numpy(dtype=float)
    codes, _ = pd.factorize(schools["school_id"], sort=True)
    n_codes = int(codes.max()) + 1 if len(codes) else 0
    fte_sum = np.bincount(codes, weights=np.where(active, fte, 0.0), minlength=n_codes)
    fte_n = np.bincount(codes, weights=active.astype(float), minlength=n_codes)
    mean_fte = np.divide(
        fte_sum, fte_n, out=np.full(n_codes, REFERENCE_FTE_PER_100), where=fte_n > 0
    )
    ratio = np.clip(mean_fte / REFERENCE_FTE_PER_100, 0.5, 2.0)
    dose = (ratio**DOSE_ELASTICITY)[codes] if n_codes else np.ones(0)
    treated = (g > 0) & (t >= g)
    e = np.where(treated, t - g, 0)
    out: dict[str, np.ndarray] = {}
    for outcome in EFFECT_SCHEDULE_SD:
        while_active = _schedule(outcome, e)
        faded = _schedule(outcome, np.ones_like(e)) * FADE_PER_YEAR ** np.maximum(e - 1, 0)
        eff = np.where(active, while_active, faded)
        out[outcome] = np.where(treated, eff * dose * effect_scale, 0.0)
    return out


def _round_frame(df: pd.DataFrame) -> pd.DataFrame:
    for col, dec in _DECIMALS.items():
        if col in df.columns:
            df[col] = df[col].round(dec)
    return df


# --------------------------------------------------------------------------------------
# school panel
# --------------------------------------------------------------------------------------
def _simulate_panel(
    seed: int,
    n_districts: int,
    n_schools: int,
    years: Iterable[int],
    gap_years: Iterable[int],
    pretrend_violation: float,
    effect_scale: float,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Simulate the school panel; return it with unrounded Y(0) and Y(1) per outcome."""
    years_list, observed = _check_years(years, gap_years)
    if n_districts < 1 or n_schools < n_districts:
        raise ValueError(
            f"n_districts={n_districts}, n_schools={n_schools}: need 1 <= n_districts <= "
            "n_schools (every district has at least one school)"
        )
    if effect_scale < 0 or pretrend_violation < 0:
        raise ValueError("effect_scale and pretrend_violation must be >= 0")
    r_dist, r_school, r_assign, r_grant, r_year, r_noise, r_cov = _streams(seed, 0, 7)

    cal = np.arange(years_list[0], years_list[-1] + 1)
    n_t = len(cal)
    t0 = cal[0]

    # ---- districts -----------------------------------------------------------------
    weights = r_dist.lognormal(0.0, 1.4, n_districts)
    n_per_district = 1 + r_dist.multinomial(n_schools - n_districts, weights / weights.sum())
    lea = np.sort(r_dist.choice(np.arange(5, 3500), n_districts, replace=False))
    district_ids = np.array([f"{STATE_FIPS}{x:05d}" for x in lea])
    size_z = _zscore(np.log(n_per_district)) if n_districts > 1 else np.zeros(1)
    d_pov = r_dist.normal(0.0, 0.6, n_districts) + 0.25 * size_z
    d_el = r_dist.normal(0.0, 0.6, n_districts) + 0.3 * size_z
    d_math = r_dist.normal(0.0, 9.5, n_districts)
    d_att = r_dist.normal(0.0, 0.5, n_districts)
    d_disc = r_dist.normal(0.0, 0.25, n_districts)
    d_enr = 0.12 * size_z

    dist = np.repeat(np.arange(n_districts), n_per_district)
    school_ids = []
    for d in range(n_districts):
        nums = np.sort(r_dist.choice(np.arange(10, 3000), n_per_district[d], replace=False))
        school_ids.extend(f"{district_ids[d]}{x:05d}" for x in nums)
    school_ids_arr = np.array(school_ids)

    # ---- school characteristics ----------------------------------------------------
    pov_logit = d_pov[dist] + r_school.normal(0.0, 0.65, n_schools)
    pov_z = _zscore(pov_logit)
    el_logit = -2.5 + 0.45 * pov_z + d_el[dist] + r_school.normal(0.0, 0.5, n_schools)
    enr_base = np.exp(np.log(430.0) + d_enr[dist] + r_school.normal(0.0, 0.38, n_schools))
    enr_base = np.clip(enr_base, 90.0, 1400.0)
    enr_trend = r_school.normal(-0.006, 0.015, n_schools)
    s_math = r_school.normal(0.0, 15.5, n_schools)
    alpha_math = -13.0 * pov_z + d_math[dist] + s_math
    alpha_read = -13.5 * pov_z + 0.85 * (d_math[dist] + s_math) + r_school.normal(0, 7, n_schools)
    alpha_att = -1.0 * pov_z + d_att[dist] + r_school.normal(0.0, 0.8, n_schools)
    alpha_disc = 0.3 * pov_z + d_disc[dist] + r_school.normal(0.0, 0.3, n_schools)

    # ---- grant assignment: selection on levels -------------------------------------
    level_z = _zscore(alpha_math)
    need = -0.8 * level_z + 0.6 * pov_z + r_assign.normal(0.0, 0.8, n_schools)
    cohorts = [c for c in COHORTS if years_list[0] < c <= years_list[-1]]
    shares = [s for c, s in zip(COHORTS, COHORT_SHARES, strict=True) if c in cohorts]
    first = np.zeros(n_schools, dtype=np.int64)
    if cohorts:
        n_treat = round((1.0 - NEVER_FUNDED_SHARE) * n_schools)
        treated_idx = np.argsort(-need, kind="stable")[:n_treat]
        order = treated_idx[
            np.argsort(-(need[treated_idx] + r_assign.normal(0.0, 0.6, n_treat)), kind="stable")
        ]
        sizes = _largest_remainder(n_treat, shares)
        first[order] = np.repeat(np.asarray(cohorts), sizes)
    funded = np.flatnonzero(first > 0)
    n_nonrenew = round(NONRENEWAL_SHARE * len(funded))
    renewed = np.ones(n_schools, dtype=bool)
    renewed[r_grant.choice(funded, n_nonrenew, replace=False)] = False

    tt = cal[None, :]
    gg = first[:, None]
    active = (gg > 0) & (tt >= gg) & ((tt <= gg + 1) | renewed[:, None])

    # ---- time-varying covariates ---------------------------------------------------
    def ar1(rng: np.random.Generator, sd: float, rho: float) -> np.ndarray:
        x = np.empty((n_schools, n_t))
        x[:, 0] = rng.normal(0.0, sd, n_schools)
        innov = sd * np.sqrt(1.0 - rho**2)
        for j in range(1, n_t):
            x[:, j] = rho * x[:, j - 1] + rng.normal(0.0, innov, n_schools)
        return x

    covid_enr = np.array([-0.03 if y == 2021 else (-0.015 if y > 2021 else 0.0) for y in cal])
    log_enr = (
        np.log(enr_base)[:, None]
        + enr_trend[:, None] * (tt - t0)
        + covid_enr[None, :]
        + ar1(r_cov, 0.03, 0.6)
    )
    enrollment = np.maximum(np.rint(np.exp(log_enr)), 40).astype(np.int64)
    ed_shift = np.where(cal >= 2016, -0.15, 0.0) + 0.01 * (cal - t0)  # direct-cert. change
    pct_ed = 100.0 * expit(pov_logit[:, None] + ed_shift[None, :] + ar1(r_cov, 0.12, 0.5))
    pct_el = 100.0 * expit(el_logit[:, None] + 0.03 * (tt - t0) + ar1(r_cov, 0.12, 0.5))
    pct_ed = np.round(pct_ed, 1)
    pct_el = np.round(pct_el, 1)

    nominal_fte = np.where(enr_base < 260, 0.5, np.where(enr_base >= 680, 2.0, 1.0))
    vacancy = r_grant.random((n_schools, n_t)) < 0.08
    fte = nominal_fte[:, None] * np.where(vacancy, r_grant.uniform(0.4, 0.9, (n_schools, n_t)), 1)
    coach = np.where(active, np.round(100.0 * fte / enrollment, 3), 0.0)

    # ---- untreated potential outcomes ----------------------------------------------
    def yearly(sd: float, slope: float, k: int) -> np.ndarray:
        covid = np.array([_COVID.get(int(y), (0.0, 0.0, 0.0, 0.0))[k] for y in cal])
        return slope * (cal - t0) + covid + r_year.normal(0.0, sd, n_t)

    g_math, g_read = yearly(1.2, 0.8, 0), yearly(1.0, 0.5, 1)
    g_att, g_disc = yearly(0.15, 0.03, 2), yearly(0.05, -0.01, 3)
    z1 = r_year.normal(0.0, 1.0, (n_districts, n_t))
    z2 = r_year.normal(0.0, 1.0, (n_districts, n_t))
    dy_math = 3.5 * z1
    dy_read = 3.0 * (0.6 * z1 + 0.8 * z2)
    dy_att = r_year.normal(0.0, 0.45, (n_districts, n_t))
    dy_disc = r_year.normal(0.0, 0.12, (n_districts, n_t))

    n_tested = np.maximum(enrollment * 0.49, 20.0)
    samp = 1.0 / np.sqrt(n_tested)
    math0 = (
        500.0
        + alpha_math[:, None]
        + g_math[None, :]
        + dy_math[dist]
        + ar1(r_noise, 4.0, 0.5)
        + _SD_WITHIN["math"] * samp * r_noise.normal(size=samp.shape)
    )
    read0 = (
        500.0
        + alpha_read[:, None]
        + g_read[None, :]
        + dy_read[dist]
        + ar1(r_noise, 3.5, 0.5)
        + _SD_WITHIN["reading"] * samp * r_noise.normal(size=samp.shape)
    )
    att0 = 94.3 + alpha_att[:, None] + g_att[None, :] + dy_att[dist] + ar1(r_noise, 0.35, 0.4)
    chronic_noise = r_noise.normal(0.0, 0.15, (n_schools, n_t))
    log_disc0 = (
        np.log(3.2)
        + alpha_disc[:, None]
        + g_disc[None, :]
        + dy_disc[dist]
        + ar1(r_noise, 0.15, 0.4)
    )
    prof_noise_m = r_noise.normal(0.0, 1.5, (n_schools, n_t))
    prof_noise_r = r_noise.normal(0.0, 1.5, (n_schools, n_t))

    if pretrend_violation > 0:
        early = ((first > 0) & (first <= EARLY_COHORT_MAX))[:, None]
        drift = np.where(early, pretrend_violation * (tt - gg), 0.0)
        math0 = math0 - drift * SD_USED["math_ss"]
        read0 = read0 - drift * SD_USED["reading_ss"]
        att0 = att0 - drift * SD_USED["attendance_rate"]
        chronic_drift = drift * SD_USED["chronic_absent_pct"]
        disc_drift = drift * SD_USED["discipline_per_100"]
    else:
        chronic_drift = disc_drift = np.zeros((n_schools, n_t))
    att0 = np.clip(att0, 75.0, 99.5)
    # Chronic absence and discipline are additive in the school, year and district-year
    # terms (linear in attendance; the log-scale discipline model linearised around 3.2
    # per 100), so parallel trends hold in levels for every published outcome except the
    # percent-proficient rates, which are a nonlinear function of scale scores.
    chronic0 = 15.0 - 2.5 * (att0 - 94.0) + 11.75 * chronic_noise + chronic_drift
    disc0 = 3.2 * (1.0 + log_disc0 - np.log(3.2)) + disc_drift

    # ---- observed rows ---------------------------------------------------------------
    keep = np.isin(cal, observed)
    cols = np.flatnonzero(keep)
    n_obs = len(cols)
    df = pd.DataFrame(
        {
            "district_id": np.repeat(district_ids[dist], n_obs),
            "school_id": np.repeat(school_ids_arr, n_obs),
            "school_year": np.tile(cal[cols], n_schools).astype(np.int64),
            "first_grant_year": np.repeat(first, n_obs),
            "grant_active": active[:, cols].ravel().astype(np.int64),
            "coach_fte_per_100": coach[:, cols].ravel(),
            "enrollment": enrollment[:, cols].ravel(),
            "pct_econ_disadv": pct_ed[:, cols].ravel(),
            "pct_english_learner": pct_el[:, cols].ravel(),
        }
    )
    base = _base_effects(df, effect_scale)
    mix = _mix_factor(df["pct_econ_disadv"].to_numpy())

    def obs(a: np.ndarray) -> np.ndarray:
        return a[:, cols].ravel()

    y0: dict[str, np.ndarray] = {}
    y1: dict[str, np.ndarray] = {}
    for name, arr in (("math_ss", math0), ("reading_ss", read0)):
        y0[name] = obs(arr)
        y1[name] = y0[name] + base[name] * mix
    for subj, noise in (("math", prof_noise_m), ("reading", prof_noise_r)):
        for y in (y0, y1):
            z = (y[f"{subj}_ss"] - _CUT[subj]) / _SD_WITHIN[subj]
            y[f"{subj}_pct_prof"] = np.clip(100.0 * ndtr(z) + obs(noise), 0.0, 100.0)
    y0["attendance_rate"] = obs(att0)
    y1["attendance_rate"] = np.clip(y0["attendance_rate"] + base["attendance_rate"] * mix, 0, 100)
    y0["chronic_absent_pct"] = np.clip(obs(chronic0), 0.0, 100.0)
    y1["chronic_absent_pct"] = np.clip(obs(chronic0) + base["chronic_absent_pct"] * mix, 0.0, 100.0)
    y0["discipline_per_100"] = np.maximum(obs(disc0), 0.0)
    y1["discipline_per_100"] = np.maximum(obs(disc0) + base["discipline_per_100"] * mix, 0.0)
    for name in OUTCOMES:
        df[name] = y1[name]
    df = _round_frame(df)
    df = df.loc[:, list(_SCHOOL_COLUMNS)]
    df.attrs[_ATTRS_KEY] = {
        "seed": int(seed),
        "n_districts": int(n_districts),
        "n_schools": int(n_schools),
        "years": [int(y) for y in years_list],
        "gap_years": sorted(int(y) for y in set(years_list) - set(observed)),
        "pretrend_violation": float(pretrend_violation),
        "effect_scale": float(effect_scale),
    }
    return df, y0, y1


def simulate_schools(
    seed: int = DEFAULT_SEED,
    n_districts: int = 60,
    n_schools: int = 700,
    years: Iterable[int] = range(2014, 2025),
    gap_years: Iterable[int] = (2020,),
    pretrend_violation: float = 0.0,
    effect_scale: float = 1.0,
) -> pd.DataFrame:
    """Simulate the school-by-year panel of the math-coach grant program.

    Parameters
    ----------
    seed : int
        Seed of every random draw; the same arguments always give the same frame.
    n_districts : int
        Number of districts (log-normal sizes, each with at least one school).
    n_schools : int
        Number of schools.
    years : iterable of int
        Spring school years covered (e.g. 2014 = school year 2013-14).
    gap_years : iterable of int
        Years with no assessment data; they are simulated (grants run, noise evolves) but
        no rows are returned for them.
    pretrend_violation : float
        Differential linear trend, in SD units per year, in the untreated outcomes of
        cohorts 2017--2019 (worsening over time, continuing after adoption). 0 means
        parallel trends hold.
    effect_scale : float
        Multiplies every treatment effect; 0 gives no effect.

    Returns
    -------
    pandas.DataFrame
        One row per school and observed year with columns ``district_id``, ``school_id``
        (strings with leading zeros), ``school_year``, ``first_grant_year`` (0 = never
        funded), ``grant_active``, ``coach_fte_per_100``, ``enrollment``,
        ``pct_econ_disadv``, ``pct_english_learner``, ``math_ss``, ``reading_ss``,
        ``math_pct_prof``, ``reading_pct_prof``, ``attendance_rate``,
        ``chronic_absent_pct`` and ``discipline_per_100``. Sorted by school and year. The
        simulation parameters are kept in ``frame.attrs["improve.simulate"]``.
    """
    df, _, _ = _simulate_panel(
        seed, n_districts, n_schools, years, gap_years, pretrend_violation, effect_scale
    )
    return df


# --------------------------------------------------------------------------------------
# truth
# --------------------------------------------------------------------------------------
def _aggregate(
    g: np.ndarray, t: np.ndarray, effect: np.ndarray, cohort_size: dict[int, int]
) -> dict[str, Any]:
    """ATT(g,t) cells and their ``did::aggte`` aggregations for one effect vector."""
    frame = pd.DataFrame({"g": g, "t": t, "eff": effect})
    frame = frame[frame["g"] > 0]
    cells = frame.groupby(["g", "t"], sort=True)["eff"].agg(["mean", "size"]).reset_index()
    cells["e"] = cells["t"] - cells["g"]
    cells["w"] = cells["g"].map(cohort_size).astype(float)
    post = cells[cells["e"] >= 0]
    att_gt = [
        {
            "cohort": int(r.g),
            "year": int(r.t),
            "event_time": int(r.e),
            "att": float(r.mean),
            "n_schools": int(r.size),
        }
        for r in post.itertuples(index=False)
    ]
    dynamic = []
    for e, grp in cells.groupby("e", sort=True):
        att = float(np.average(grp["mean"], weights=grp["w"])) if e >= 0 else 0.0
        dynamic.append({"event_time": int(e), "att": att, "cohorts": [int(c) for c in grp["g"]]})
    simple = float(np.average(post["mean"], weights=post["w"])) if len(post) else 0.0
    group = []
    for c, grp in post.groupby("g", sort=True):
        group.append({"cohort": int(c), "att": float(grp["mean"].mean())})
    if group:
        theta = np.array([x["att"] for x in group])
        w = np.array([cohort_size[x["cohort"]] for x in group], dtype=float)
        group_overall = float(np.average(theta, weights=w))
    else:
        group_overall = 0.0
    return {
        "att_gt": att_gt,
        "dynamic": dynamic,
        "simple": simple,
        "group": group,
        "group_overall": group_overall,
    }


def _round_floats(obj: Any, digits: int = 6) -> Any:
    if isinstance(obj, float):
        return round(obj, digits) + 0.0
    if isinstance(obj, dict):
        return {k: _round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round_floats(v, digits) for v in obj]
    return obj


def _truth_from(
    df: pd.DataFrame, y0: dict[str, np.ndarray], y1: dict[str, np.ndarray]
) -> dict[str, Any]:
    params = dict(df.attrs[_ATTRS_KEY])
    g = df["first_grant_year"].to_numpy()
    t = df["school_year"].to_numpy()
    firsts = df.groupby("school_id", sort=True)["first_grant_year"].first()
    cohort_size = {int(k): int(v) for k, v in firsts[firsts > 0].value_counts().items()}
    outcomes: dict[str, Any] = {}
    for name in OUTCOMES:
        agg = _aggregate(g, t, y1[name] - y0[name], cohort_size)
        sd = SD_USED[name]
        agg["simple_sd"] = agg["simple"] / sd
        agg["dynamic_sd"] = [
            {"event_time": d["event_time"], "att": d["att"] / sd} for d in agg["dynamic"]
        ]
        outcomes[name] = agg
    base = _base_effects(df, params["effect_scale"])
    mix = _mix_factor(df["pct_econ_disadv"].to_numpy())
    subgroups: dict[str, Any] = {}
    for sub in SUBGROUPS:
        subgroups[sub] = {}
        for name in ("math_ss", "reading_ss"):
            mult = mix if sub == "all_students" else SUBGROUP_MULTIPLIERS[sub]
            agg = _aggregate(g, t, base[name] * mult, cohort_size)
            subgroups[sub][name] = {
                "simple": agg["simple"],
                "simple_sd": agg["simple"] / SD_USED[name],
                "dynamic": [
                    {"event_time": d["event_time"], "att": d["att"]} for d in agg["dynamic"]
                ],
            }
    schedule = {
        name: {
            "event_time": ["0", "1", "2", ">=3"],
            "sd_units": list(sched),
            "points": [v * SD_USED[name] for v in sched],
        }
        for name, sched in EFFECT_SCHEDULE_SD.items()
    }
    first_by_school = firsts.to_numpy()
    truth = {
        "description": (
            "True effects of the SYNTHETIC math-coach grant simulation. att_gt is the sample "
            "ATT(g,t): the mean over schools in cohort g of the simulated Y(1)-Y(0) in year "
            "t (post-treatment cells only; pre-treatment effects are 0). dynamic, simple, "
            "group and group_overall aggregate att_gt as R did::aggte(type='dynamic', "
            "'simple', 'group') does, with weights proportional to cohort size (number of "
            "schools). Units are the outcome's units; *_sd divide by sd_used."
        ),
        "parameters": {
            **params,
            "observed_years": sorted(int(y) for y in np.unique(t)),
            "cohorts": list(COHORTS),
            "cohort_sizes": {str(k): v for k, v in sorted(cohort_size.items())},
            "n_never_funded": int((first_by_school == 0).sum()),
            "never_funded_share_target": NEVER_FUNDED_SHARE,
            "nonrenewal_share_target": NONRENEWAL_SHARE,
            "early_cohorts_with_pretrend": [c for c in COHORTS if c <= EARLY_COHORT_MAX],
            "fade_per_year_after_nonrenewal": FADE_PER_YEAR,
            "reference_fte_per_100": REFERENCE_FTE_PER_100,
            "dose_elasticity": DOSE_ELASTICITY,
            "effect_schedule": schedule,
            "sd_used": dict(SD_USED),
            "sd_used_note": (
                "nominal cross-school SD of each outcome (calibrated to the simulated "
                "2014-2019 panel); effects in SD units = points / sd_used"
            ),
            "subgroup_multipliers": {
                "all_students": "p*1.3 + (1-p)*0.7, p = pct_econ_disadv/100",
                **SUBGROUP_MULTIPLIERS,
            },
            "effect_model": (
                "effect(i,t) = effect_scale * schedule(e) * sd_used * dose_i * mix_it while "
                "the grant is active; after a non-renewed grant ends (e>=2) "
                "schedule(1) * 0.5**(e-1) instead. dose_i = clip(mean active "
                "coach_fte_per_100 / 0.25, 0.5, 2)**0.25; mix_it = subgroup multiplier "
                "(all students: p*1.3 + (1-p)*0.7). Proficiency effects follow from the "
                "scale-score effects through the normal proficiency curve."
            ),
        },
        "outcomes": outcomes,
        "subgroups": subgroups,
    }
    from improve.demo.onoff_truth import after_funding_truth

    truth["after_funding"] = after_funding_truth(df, y0, y1, params["effect_scale"])
    return _round_floats(truth)


def true_effects(
    seed: int = DEFAULT_SEED,
    n_districts: int = 60,
    n_schools: int = 700,
    years: Iterable[int] = range(2014, 2025),
    gap_years: Iterable[int] = (2020,),
    pretrend_violation: float = 0.0,
    effect_scale: float = 1.0,
) -> dict[str, Any]:
    """Known truth of the simulation run with the same arguments as :func:`simulate_schools`.

    Parameters
    ----------
    seed, n_districts, n_schools, years, gap_years, pretrend_violation, effect_scale
        As in :func:`simulate_schools`.

    Returns
    -------
    dict
        JSON-ready dictionary with keys ``description``, ``parameters`` (seed, design,
        effect schedule in points and SD units, SD used, subgroup multipliers),
        ``outcomes`` and ``subgroups``. ``outcomes[name]`` holds ``att_gt`` (one record
        per cohort and observed post-treatment year: cohort, year, event_time, att,
        n_schools), ``dynamic`` (event-time effects weighted by cohort size among cohorts
        observed at that event time, like ``did::aggte(type="dynamic")``; 0 before
        treatment), ``simple`` (cohort-size weighted mean over post-treatment cells, like
        ``aggte(type="simple")``), ``group``/``group_overall`` and the same in SD units
        (``simple_sd``, ``dynamic_sd``). ``subgroups[subgroup][math_ss|reading_ss]`` holds
        ``simple``, ``simple_sd`` and ``dynamic`` for the subgroup effect.
    """
    df, y0, y1 = _simulate_panel(
        seed, n_districts, n_schools, years, gap_years, pretrend_violation, effect_scale
    )
    return _truth_from(df, y0, y1)


# --------------------------------------------------------------------------------------
# subgroup report file
# --------------------------------------------------------------------------------------
def _params_of(schools: pd.DataFrame) -> dict[str, Any]:
    return dict(schools.attrs.get(_ATTRS_KEY, {}))


def _fmt(values: np.ndarray, decimals: int) -> np.ndarray:
    return np.char.mod(f"%.{decimals}f", np.asarray(values, dtype=float)).astype(object)


def _fmt_pct(values: np.ndarray) -> np.ndarray:
    out = _fmt(values, 1)
    out[values > 95.0] = ">95%"
    out[values < 5.0] = "<5%"
    return out


def simulate_subgroups(
    schools: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    effect_scale: float | None = None,
) -> pd.DataFrame:
    """Build a state-report-style subgroup file from a simulated school panel.

    Parameters
    ----------
    schools : pandas.DataFrame
        Output of :func:`simulate_schools`.
    seed : int
        Seed of the subgroup draws (counts, group deviations, sampling noise).
    effect_scale : float, optional
        Effect scale of the school simulation; by default read from
        ``schools.attrs["improve.simulate"]`` (1.0 if absent). Subgroup effects are
        ``SUBGROUP_MULTIPLIERS[subgroup]`` times the school's base effect.

    Returns
    -------
    pandas.DataFrame
        Columns ``district_id``, ``school_id``, ``school_year`` (int), ``subgroup``,
        ``n_tested``, ``math_ss``, ``math_pct_prof``, ``reading_ss``,
        ``reading_pct_prof``. As in published files, the count and outcome columns are
        STRINGS: counts under 10 are ``"<10"`` (a few districts write ``"n<10"``) with
        outcomes ``"*"``; groups with nobody tested are ``"--"``; a few rows have
        ``"N/A"`` outcomes; percent proficient is top/bottom coded ``">95%"``/``"<5%"``.
        The all_students row repeats the school file's values. Sorted by school, year and
        subgroup (in :data:`SUBGROUPS` order).
    """
    if effect_scale is None:
        effect_scale = float(_params_of(schools).get("effect_scale", 1.0))
    sch = schools.sort_values(["school_id", "school_year"]).reset_index(drop=True)
    r_school, r_count, r_out, r_mark = _streams(seed, 1, 4)
    codes, uniq = pd.factorize(sch["school_id"], sort=True)
    n_s = len(uniq)
    n = len(sch)
    year = sch["school_year"].to_numpy()

    # persistent school composition
    tested_share = r_school.uniform(0.47, 0.52, n_s)
    swd_rate = np.clip(r_school.normal(0.14, 0.03, n_s), 0.05, 0.3)
    dist_codes, _ = pd.factorize(sch.groupby("school_id", sort=True)["district_id"].first())
    n_d = int(dist_codes.max()) + 1
    base_mix = np.array([0.22, 0.18, 0.48, 0.05, 0.05, 0.02])  # black hisp white asian 2+ other
    d_mix = r_school.dirichlet(base_mix * 6.0, n_d)
    comp = np.vstack([r_school.dirichlet(d_mix[d] * 12.0 + 0.05) for d in dist_codes])
    group_re = r_school.normal(0.0, 4.0, (n_s, len(SUBGROUPS), 2))
    group_re[:, 0, :] = 0.0

    # counts
    part = np.where(year == 2021, 0.88, 0.985)
    eligible = np.rint(sch["enrollment"].to_numpy() * tested_share[codes]).astype(np.int64)
    n_all = r_count.binomial(eligible, part)
    p_ed = sch["pct_econ_disadv"].to_numpy() / 100.0
    p_el = sch["pct_english_learner"].to_numpy() / 100.0
    n_ed = r_count.binomial(n_all, p_ed)
    counts = {
        "all_students": n_all,
        "econ_disadv": n_ed,
        "not_econ_disadv": n_all - n_ed,
        "english_learner": r_count.binomial(n_all, p_el),
        "students_with_disabilities": r_count.binomial(n_all, swd_rate[codes]),
    }
    remaining = n_all.copy()
    left = np.ones(n)
    for k, race in enumerate(("black", "hispanic", "white", "asian", "two_or_more")):
        pk = np.clip(comp[codes, k] / np.maximum(left, 1e-12), 0.0, 1.0)
        counts[race] = r_count.binomial(remaining, pk)
        remaining = remaining - counts[race]
        left = left - comp[codes, k]

    base = _base_effects(sch, effect_scale)
    mix = _mix_factor(sch["pct_econ_disadv"].to_numpy())
    frames = []
    for j, sub in enumerate(SUBGROUPS):
        cnt = counts[sub]
        out: dict[str, np.ndarray] = {}
        for s_idx, subj in enumerate(("math", "reading")):
            school_ss = sch[f"{subj}_ss"].to_numpy()
            if sub == "all_students":
                ss = school_ss
                pct = sch[f"{subj}_pct_prof"].to_numpy()
            else:
                gap = _GAPS.get(sub, _GAPS["econ_disadv"])[s_idx]
                if sub == "econ_disadv":
                    offset = -gap * (1.0 - p_ed)
                elif sub == "not_econ_disadv":
                    offset = gap * p_ed
                else:
                    offset = np.full(n, gap)
                sd_w = _SD_WITHIN[subj] * 0.95
                noise = r_out.normal(0.0, 1.0, n) * sd_w / np.sqrt(np.maximum(cnt, 1))
                effect = (SUBGROUP_MULTIPLIERS[sub] - mix) * base[f"{subj}_ss"]
                ss = school_ss + offset + group_re[codes, j, s_idx] + noise + effect
                prob = ndtr((ss - _CUT[subj]) / sd_w)
                pct = 100.0 * r_out.binomial(cnt, prob) / np.maximum(cnt, 1)
            out[f"{subj}_ss"] = _fmt(ss, 1)
            out[f"{subj}_pct_prof"] = _fmt_pct(pct)
        frames.append((sub, cnt, out))

    # markers
    lt10_marker = np.full(n_d, "<10", dtype=object)
    lt10_marker[r_mark.choice(n_d, min(3, n_d), replace=False)] = "n<10"
    school_marker = lt10_marker[dist_codes][codes]
    rows = []
    for j, (sub, cnt, out) in enumerate(frames):
        n_str = cnt.astype(str).astype(object)
        small = (cnt > 0) & (cnt < 10)
        zero = cnt == 0
        na = (r_mark.random(n) < 0.003) & ~small & ~zero & (j > 0)
        n_str[small] = school_marker[small]
        n_str[zero] = "--"
        for col in out.values():
            col[small] = "*"
            col[zero] = "--"
            col[na] = "N/A"
        rows.append(
            pd.DataFrame(
                {
                    "district_id": sch["district_id"].to_numpy(),
                    "school_id": sch["school_id"].to_numpy(),
                    "school_year": year.astype(np.int64),
                    "subgroup": sub,
                    "_order": j,
                    "n_tested": n_str,
                    "math_ss": out["math_ss"],
                    "math_pct_prof": out["math_pct_prof"],
                    "reading_ss": out["reading_ss"],
                    "reading_pct_prof": out["reading_pct_prof"],
                }
            )
        )
    res = pd.concat(rows, ignore_index=True)
    res = res.sort_values(["school_id", "school_year", "_order"], kind="stable")
    res = res.drop(columns="_order").reset_index(drop=True)
    for col in ("n_tested", "math_ss", "math_pct_prof", "reading_ss", "reading_pct_prof"):
        res[col] = res[col].astype("str")
    return res


# --------------------------------------------------------------------------------------
# student panel
# --------------------------------------------------------------------------------------
def _arrow_str(values: Any) -> pd.Series:
    import pyarrow as pa

    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    return pd.Series(pd.array(arr, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))


def simulate_students(
    schools: pd.DataFrame,
    students_per_school: int | None = None,
    seed: int = DEFAULT_SEED,
    n_rows: int | None = None,
    effect_scale: float | None = None,
    mobility: float = 0.04,
) -> pd.DataFrame:
    """Simulate a student-level panel (grades 3--5) nested in the simulated schools.

    Students enter grade 3 in their school and advance one grade per calendar year; in
    each year after the first, a share ``mobility`` of students moves (60% within the
    district, 40% anywhere in the state, destinations weighted by enrollment). Rows for
    gap years are not returned (a student tested in grade 3 in 2019 appears in grade 5 in
    2021). Fully vectorised: millions of rows in seconds.

    Parameters
    ----------
    schools : pandas.DataFrame
        Output of :func:`simulate_schools`.
    students_per_school : int, optional
        Tested students per school and year (about a third per grade). By default about
        half of the school's mean enrollment (grades 3--5 of a K--5 school).
    seed : int
        Seed of the student draws.
    n_rows : int, optional
        Exact number of rows to return; cohort sizes are scaled to hit it (overrides
        ``students_per_school``).
    effect_scale : float, optional
        Effect scale of the school simulation; by default read from the frame's attrs.
    mobility : float
        Probability per calendar year that a student changes school.

    Returns
    -------
    pandas.DataFrame
        Columns ``student_id`` (10-digit string, leading zeros kept), ``school_id``,
        ``district_id``, ``school_year``, ``grade``, ``econ_disadv``,
        ``english_learner``, ``swd`` (0/1), ``math_ss``, ``reading_ss`` (integer scale
        scores) and ``first_grant_year`` of the school attended that year. Rows are
        grouped by student (in generation order), years ascending within student.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if effect_scale is None:
        effect_scale = float(_params_of(schools).get("effect_scale", 1.0))
    r_size, r_stu, r_move, r_score = _streams(seed, 2, 4)
    sch = schools.sort_values(["school_id", "school_year"]).reset_index(drop=True)
    codes, uniq = pd.factorize(sch["school_id"], sort=True)
    n_s = len(uniq)
    obs_years = np.unique(sch["school_year"].to_numpy())
    y_min, y_max = int(obs_years[0]), int(obs_years[-1])
    cal = np.arange(y_min, y_max + 1)
    n_t = len(cal)
    tcol = sch["school_year"].to_numpy() - y_min

    def grid(col: str | np.ndarray, fill: float = np.nan) -> np.ndarray:
        g = np.full((n_s, n_t), fill)
        g[codes, tcol] = sch[col].to_numpy() if isinstance(col, str) else col
        return g

    base = _base_effects(sch, effect_scale)
    mix = _mix_factor(sch["pct_econ_disadv"].to_numpy())
    g_math, g_read = grid("math_ss"), grid("reading_ss")
    g_ped, g_pel = grid("pct_econ_disadv") / 100.0, grid("pct_english_learner") / 100.0
    g_bm, g_br = grid(base["math_ss"], 0.0), grid(base["reading_ss"], 0.0)
    g_mix = grid(mix, 1.0)
    first = sch.groupby(codes)["first_grant_year"].first().to_numpy()
    dist_names, dist_codes = np.unique(
        sch.groupby(codes)["district_id"].first().to_numpy().astype(str), return_inverse=True
    )
    mean_enr = sch.groupby(codes)["enrollment"].mean().to_numpy()
    mean_ped = np.nanmean(g_ped, axis=1)
    mean_pel = np.nanmean(g_pel, axis=1)

    # cohort tracks: (school, year in grade 3), observed in grades 3..5 where present
    tracks_c = np.arange(y_min - 2, y_max + 1)
    obs_mask = np.isin(tracks_c[:, None] + np.arange(3)[None, :], obs_years)  # (C, 3)
    nobs = obs_mask.sum(axis=1)
    if students_per_school is not None:
        per_grade = np.full(n_s, students_per_school / 3.0)
    else:
        per_grade = mean_enr / 6.0 * 0.985
    weight = np.repeat(per_grade[:, None], len(tracks_c), axis=1)  # (S, C)
    if n_rows is not None:
        if n_rows < 0:
            raise ValueError(f"n_rows={n_rows}: must be >= 0")
        total = float((weight * nobs[None, :]).sum())
        size = np.floor(weight * n_rows / total).astype(np.int64)
        deficit = int(n_rows - (size * nobs[None, :]).sum())
        singles = np.flatnonzero(nobs == 1)
        flat = np.zeros_like(size)
        n_single = n_s * len(singles)
        extra = np.full(n_single, deficit // n_single, dtype=np.int64)
        extra[: deficit % n_single] += 1
        flat[:, singles] = extra.reshape(n_s, len(singles))
        size = size + flat
    else:
        size = np.rint(weight).astype(np.int64)
    size = np.where(nobs[None, :] > 0, size, 0)

    n_stu = int(size.sum())
    stu_school0 = np.repeat(np.repeat(np.arange(n_s), len(tracks_c)), size.ravel())
    stu_c = np.repeat(np.tile(tracks_c, n_s), size.ravel())
    stu_cidx = stu_c - tracks_c[0]

    # moves between consecutive calendar years
    cum = np.concatenate([[0.0], np.cumsum(mean_enr)])
    d_start = np.searchsorted(dist_codes, np.arange(len(dist_names)), side="left")
    d_end = np.searchsorted(dist_codes, np.arange(len(dist_names)), side="right")
    sch_by_k = np.empty((n_stu, 3), dtype=np.int64)
    sch_by_k[:, 0] = stu_school0
    for k in (1, 2):
        cur = sch_by_k[:, k - 1]
        move = r_move.random(n_stu) < mobility
        m_idx = np.flatnonzero(move)
        within = r_move.random(len(m_idx)) < 0.6
        d = dist_codes[cur[m_idx]]
        lo = np.where(within, cum[d_start[d]], 0.0)
        hi = np.where(within, cum[d_end[d]], cum[-1])
        target = lo + r_move.random(len(m_idx)) * (hi - lo)
        dest = np.clip(np.searchsorted(cum, target, side="right") - 1, 0, n_s - 1)
        for _ in range(5):  # a move is a change of school: redraw statewide if unchanged
            again = np.flatnonzero(dest == cur[m_idx])
            if len(again) == 0 or n_s == 1:
                break
            target = r_move.random(len(again)) * cum[-1]
            dest[again] = np.clip(np.searchsorted(cum, target, side="right") - 1, 0, n_s - 1)
        nxt = cur.copy()
        nxt[m_idx] = dest
        sch_by_k[:, k] = nxt

    # student characteristics (fixed over time)
    ed = (r_stu.random(n_stu) < mean_ped[stu_school0]).astype(np.int8)
    el = (r_stu.random(n_stu) < mean_pel[stu_school0]).astype(np.int8)
    swd = (r_stu.random(n_stu) < 0.14).astype(np.int8)
    theta_m = r_stu.standard_normal(n_stu).astype(np.float32)
    theta_r = (0.7 * theta_m + np.sqrt(1 - 0.49) * r_stu.standard_normal(n_stu)).astype(np.float32)

    # rows: student-major, grade ascending (int32 / float32 keep peak memory modest)
    valid = obs_mask[stu_cidx]  # (n_stu, 3)
    del stu_cidx
    stu_idx, k_idx = (a.astype(np.int32) for a in np.nonzero(valid))
    del valid
    s_row = sch_by_k[stu_idx, k_idx].astype(np.int32)
    del sch_by_k
    y_row = (stu_c[stu_idx] + k_idx).astype(np.int32)
    cell = s_row * np.int32(n_t) + (y_row - np.int32(y_min))  # flat (school, year) index
    n_r = len(stu_idx)
    ed_r, el_r, swd_r = ed[stu_idx], el[stu_idx], swd[stu_idx]

    def at(grid_: np.ndarray) -> np.ndarray:
        return grid_.astype(np.float32).ravel()[cell]

    m_ed = np.float32(SUBGROUP_MULTIPLIERS["econ_disadv"])
    m_ned = np.float32(SUBGROUP_MULTIPLIERS["not_econ_disadv"])
    adj = np.where(ed_r == 1, m_ed, m_ned) - at(g_mix)
    scores = {}
    for subj, grid_ss, grid_b, theta, s_idx in (
        ("math", g_math, g_bm, theta_m, 0),
        ("reading", g_read, g_br, theta_r, 1),
    ):
        val = at(grid_ss)
        val -= np.float32(_GAPS["econ_disadv"][s_idx]) * (ed_r - at(g_ped))
        val += np.float32(_GAPS["english_learner"][s_idx]) * (el_r - at(g_pel))
        val += np.float32(_GAPS["students_with_disabilities"][s_idx]) * (swd_r - np.float32(0.14))
        val += np.float32(26.0) * theta[stu_idx]
        val += np.float32(17.0) * r_score.standard_normal(n_r, dtype=np.float32)
        val += adj * at(grid_b)
        np.rint(val, out=val)
        np.clip(val, 200, 800, out=val)
        scores[subj] = val.astype(np.int64)
        del val
    del adj

    raw_ids = (np.arange(n_stu, dtype=np.int64) * 7_919_333_123 + int(seed) * 104_729) % (
        9_999_999_967
    )
    sid = pc.utf8_lpad(pc.cast(pa.array(raw_ids), pa.string()), 10, "0")
    del raw_ids
    school_names = pa.array(np.asarray(uniq, dtype=object).astype(str))
    out = pd.DataFrame({"student_id": _arrow_str(sid.take(pa.array(stu_idx)))})
    del sid, stu_idx
    out["school_id"] = _arrow_str(school_names.take(pa.array(s_row)))
    out["district_id"] = _arrow_str(pa.array(dist_names).take(pa.array(dist_codes[s_row])))
    out["school_year"] = y_row.astype(np.int64)
    out["grade"] = (3 + k_idx).astype(np.int64)
    out["econ_disadv"] = ed_r
    out["english_learner"] = el_r
    out["swd"] = swd_r
    out["math_ss"] = scores.pop("math")
    out["reading_ss"] = scores.pop("reading")
    out["first_grant_year"] = first[s_row].astype(np.int64)
    return out


# --------------------------------------------------------------------------------------
# demo files
# --------------------------------------------------------------------------------------
_CODEBOOK = (Path(__file__).parent / "templates" / "schools_codebook.md").read_text(
    encoding="utf-8"
)


_TEXT = "string; read as text to keep the leading zero"
_SCHOOL_CODEBOOK: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "district_id",
        "NCES LEA id: 2-digit state FIPS + 5 digits",
        f"{_TEXT} (7 chars)",
        "—",
        "never",
    ),
    ("school_id", "NCES school id: LEA id + 5 digits", f"{_TEXT} (12 chars)", "—", "never"),
    (
        "school_year",
        "spring year of the school year",
        "integer",
        "year",
        "2020 absent (no testing)",
    ),
    (
        "first_grant_year",
        "first school year with a coaching grant (cohort)",
        "integer",
        "year; 0 = never funded",
        "never",
    ),
    ("grant_active", "a grant funds a coach this year", "integer 0/1", "—", "never"),
    (
        "coach_fte_per_100",
        "coach full-time equivalents per 100 enrolled students",
        "decimal (3 places)",
        "FTE per 100 students; 0 without an active grant",
        "never",
    ),
    ("enrollment", "October enrollment, all grades (K-5)", "integer", "students", "never"),
    (
        "pct_econ_disadv",
        "economically disadvantaged students",
        "decimal (1 place)",
        "percent 0-100",
        "never",
    ),
    ("pct_english_learner", "English learners", "decimal (1 place)", "percent 0-100", "never"),
    (
        "math_ss",
        "mean math scale score, grades 3-5",
        "decimal (1 place)",
        "scale score points (about 500; SD across schools about 22)",
        "never",
    ),
    (
        "reading_ss",
        "mean reading scale score, grades 3-5",
        "decimal (1 place)",
        "scale score points (about 500; SD across schools about 21)",
        "never",
    ),
    (
        "math_pct_prof",
        "students proficient or above in math",
        "decimal (1 place)",
        "percent 0-100",
        "never",
    ),
    (
        "reading_pct_prof",
        "students proficient or above in reading",
        "decimal (1 place)",
        "percent 0-100",
        "never",
    ),
    ("attendance_rate", "average daily attendance", "decimal (1 place)", "percent 0-100", "never"),
    (
        "chronic_absent_pct",
        "students missing 10% or more of school days",
        "decimal (1 place)",
        "percent 0-100",
        "never",
    ),
    (
        "discipline_per_100",
        "out-of-school suspensions and expulsions per 100 students",
        "decimal (2 places)",
        "incidents per 100 students (>= 0)",
        "never",
    ),
)
_SUBGROUP_CODEBOOK: tuple[tuple[str, str, str, str], ...] = (
    ("district_id", "as in schools.csv", "string", "—"),
    ("school_id", "as in schools.csv", "string", "—"),
    ("school_year", "as in schools.csv", "integer", "—"),
    ("subgroup", "student group: " + ", ".join(f"`{s}`" for s in SUBGROUPS), "string", "—"),
    (
        "n_tested",
        "students tested in math (grades 3-5)",
        "text",
        "integer count; `<10` (a few districts write `n<10`) = 1-9 students, suppressed; "
        "`--` = no students in the group",
    ),
    (
        "math_ss",
        "mean math scale score of the group",
        "text",
        "1 decimal; `*` = suppressed (fewer than 10 tested); `--` = no students; "
        "`N/A` = not available",
    ),
    (
        "math_pct_prof",
        "percent proficient in math",
        "text",
        "1 decimal (percent 0-100); `>95%` / `<5%` = top/bottom coded; `*`, `--`, `N/A` as "
        "for math_ss",
    ),
    ("reading_ss", "mean reading scale score of the group", "text", "as math_ss"),
    ("reading_pct_prof", "percent proficient in reading", "text", "as math_pct_prof"),
)


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join([f"`{r[0]}`", *r[1:]]) + " |" for r in rows]
    return "\n".join(lines)


def write_demo(directory: str | Path = "data/demo", seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the demo files: schools.csv, subgroups.csv, truth.json and codebook.md.

    Files are byte-reproducible: sorted rows, fixed decimals, ``\\n`` line endings and
    JSON with sorted keys.

    Parameters
    ----------
    directory : str or pathlib.Path
        Output directory (created if missing).
    seed : int
        Simulation seed.

    Returns
    -------
    dict of str to pathlib.Path
        Paths keyed ``schools``, ``subgroups``, ``truth`` and ``codebook``.
    """
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    df, y0, y1 = _simulate_panel(seed, 60, 700, range(2014, 2025), (2020,), 0.0, 1.0)
    truth = _truth_from(df, y0, y1)
    subs = simulate_subgroups(df, seed=seed)

    text = df.copy()
    for col, dec in _DECIMALS.items():
        text[col] = _fmt(text[col].to_numpy(), dec)
    paths = {
        "schools": out_dir / "schools.csv",
        "subgroups": out_dir / "subgroups.csv",
        "truth": out_dir / "truth.json",
        "codebook": out_dir / "codebook.md",
    }
    text.to_csv(paths["schools"], index=False, lineterminator="\n")
    subs.to_csv(paths["subgroups"], index=False, lineterminator="\n")
    with paths["truth"].open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(truth, fh, sort_keys=True, indent=2)
        fh.write("\n")
    codebook = _CODEBOOK.format(
        seed=seed,
        n_school_rows=len(df),
        n_sub_rows=len(subs),
        school_table=_md_table(("column", "meaning", "type", "units", "missing"), _SCHOOL_CODEBOOK),
        subgroup_table=_md_table(
            ("column", "meaning", "type", "values and markers"), _SUBGROUP_CODEBOOK
        ),
    )
    with paths["codebook"].open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(codebook)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``python -m improve.demo.schools [directory]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = args[0] if args else "data/demo"
    for name, path in write_demo(directory).items():
        print(f"{name}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
