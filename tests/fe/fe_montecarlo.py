"""Monte Carlo coverage of 95% intervals with 12 clusters: CR1 vs CR2 vs wild bootstrap.

Design (seeded): 12 clusters (districts) of very unequal size (2–40 schools), 6 years, school
and year effects absorbed; the dose (coach FTE per 100) is set by district and year (exponential,
times a district-level exponential scale, so a few districts carry most of the variation),
and the errors have a district-by-year component whose spread grows with the dose, so
inference must be clustered by district. True effect ``beta = 0.5``.

For each replication: CR1 (``G/(G-1)(n-1)/(n-k)``, t(G-1)), CR2 with Satterthwaite df, and
the restricted wild cluster bootstrap-t (Rademacher, all 4096 sign vectors enumerated;
coverage of the test-inversion interval equals 1 − rejection rate of the true null, which is
what is computed here).

Run the full version from the command line::

    .venv/bin/python tests/fe/fe_montecarlo.py --reps 2000
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from improve.fe import inference

BETA = 0.5
SIZES = (2, 2, 3, 4, 5, 6, 8, 10, 14, 20, 30, 40)
YEARS = 6


def simulate(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """One data set: y, dose, unit codes, year codes, cluster codes."""
    G = len(SIZES)
    cluster = np.repeat(np.arange(G), np.array(SIZES) * YEARS)
    n_units = sum(SIZES)
    unit = np.repeat(np.arange(n_units), YEARS)
    year = np.tile(np.arange(YEARS), n_units)
    dose_gt = rng.exponential(size=(G, YEARS)) * rng.exponential(size=(G, 1))
    shock_gt = rng.normal(size=(G, YEARS)) * (0.5 + 0.5 * dose_gt)
    y = (
        BETA * dose_gt[cluster, year]
        + rng.normal(size=n_units)[unit]
        + 0.3 * year
        + shock_gt[cluster, year]
        + rng.normal(size=unit.size)
    )
    return y, dose_gt[cluster, year][:, None], unit, year, cluster


def replicate(rng: np.random.Generator, *, wild: bool = True) -> tuple[bool, bool, bool]:
    """Whether the CR1, CR2 and wild intervals cover the true effect."""
    y, X, unit, year, cluster = simulate(rng)
    design = inference.within_design(y, X, [unit, year], cluster)
    n, k = X.shape
    G = design.n_clusters
    b = design.beta[0]
    score = np.bincount(cluster, weights=design.X[:, 0] * design.resid, minlength=G)
    xtx = float(design.X[:, 0] @ design.X[:, 0])
    se1 = np.sqrt(G / (G - 1) * (n - 1) / (n - k) * (score @ score)) / xtx
    cr1 = abs(b - BETA) / se1 <= stats.t.ppf(0.975, G - 1)
    out = inference.cr2(design)
    se2 = np.sqrt(out.vcov[0, 0])
    cr2 = abs(b - BETA) / se2 <= stats.t.ppf(0.975, out.df[0])
    covered_wild = True
    if wild:
        boot = inference.wild_bootstrap(design, n_boot=9999, null=BETA, conf_int=False)
        covered_wild = boot.p_value[0] >= 0.05
    return bool(cr1), bool(cr2), bool(covered_wild)


def coverage(reps: int, seed: int = 2024, wild: bool = True) -> dict[str, float]:
    """Share of replications whose 95% interval covers the true effect, per method."""
    rng = np.random.default_rng(seed)
    hits = np.array([replicate(rng, wild=wild) for _ in range(reps)])
    return dict(zip(("cr1", "cr2", "wild"), hits.mean(axis=0).round(4).tolist(), strict=True))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    res = coverage(args.reps, args.seed)
    mc = np.sqrt(0.95 * 0.05 / args.reps)
    print(f"{args.reps} replications, 12 clusters, nominal 95% (MC s.e. {mc:.4f}):")
    for method, value in res.items():
        print(f"  {method:5s} {value:.4f}")
