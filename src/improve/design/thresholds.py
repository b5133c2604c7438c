"""Thresholds of the design check, each with the source that justifies it."""

from __future__ import annotations

#: Fewer treated clusters than this and cluster-robust inference is not valid. With few
#: treated clusters the part of the variance that comes from the treated clusters is
#: estimated from their own few residuals, so cluster-robust t tests (CR1 and CR2 alike)
#: over-reject however many clusters there are in total, and the wild cluster bootstrap
#: fails there too (it under- or over-rejects badly with one to a few treated clusters):
#: MacKinnon & Webb (2017, *J. Applied Econometrics* 32(2); 2018, *Econometrics Journal*
#: 21(2)); Conley & Taber (2011, *Rev. Econ. Stat.* 93(1)).
MIN_TREATED_CLUSTERS = 5

#: Conventional significance level used to say whether a permutation test can reject at
#: all: with ``n`` placebos its smallest p-value is ``1 / (n + 1)``.
SIGNIFICANCE_LEVEL = 0.05
