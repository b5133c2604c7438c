"""Make ``sensitivity_references.json``: the HonestDiD Medicaid-expansion example.

Run with the reference virtual environment (never from the test suite)::

    /tmp/refvenv/bin/python tests/reference/make_sensitivity_references.py

It rebuilds the published HonestDiD README example (Rambachan & Roth; the ``ehec`` data as
shipped by moderndid): keep years before 2016, drop the 2015 adoption cohort, TWFE event study
``dins ~ i(year, D, ref=2013) | stfips + year`` clustered by state (pyfixest, CRV1, the
fixest default), giving 5 pre-period and 2 post-period coefficients.  It stores

* ``betahat`` and ``sigma`` (so the tests need neither the data nor any reference package),
* the numbers printed in the published HonestDiD README (``published``), and
* moderndid 0.2.0's HonestDiD port run on the same inputs (``moderndid``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("sensitivity_references.json")

#: Printed in the HonestDiD README (asheshrambachan/HonestDiD, "Example usage - Medicaid").
PUBLISHED = {
    "smoothness_flci": {
        "m": [0.0, 0.01, 0.02, 0.03, 0.04, 0.05],
        "lb": [0.0259, 0.0132, 0.00286, -0.00714, -0.0171, -0.0271],
        "ub": [0.0607, 0.0787, 0.0907, 0.101, 0.111, 0.121],
    },
    "relative_magnitudes_clf": {
        "mbar": [0.5, 1.0, 1.5, 2.0],
        "lb": [0.0240, 0.0170, 0.00824, -0.000916],
        "ub": [0.0672, 0.0720, 0.0797, 0.0881],
    },
}


def main() -> None:
    import moderndid as md
    import pyfixest as pf
    from moderndid.didhonest import (
        construct_original_cs,
        create_sensitivity_results_rm,
        create_sensitivity_results_sm,
    )

    df = md.load_ehec().to_pandas()
    d = df[(df["year"] < 2016) & (df["yexp2"].isna() | (df["yexp2"] != 2015))].copy()
    d["D"] = (d["yexp2"] == 2014).astype(int)
    fit = pf.feols("dins ~ i(year, D, ref=2013) | stfips + year", data=d, vcov={"CRV1": "stfips"})
    betahat = fit.coef().to_numpy()
    sigma = np.asarray(fit._vcov)

    m_vec = PUBLISHED["smoothness_flci"]["m"]
    mbar_vec = PUBLISHED["relative_magnitudes_clf"]["mbar"]
    sd = create_sensitivity_results_sm(betahat, sigma, 5, 2, method="FLCI", m_vec=np.array(m_vec))
    l_avg = np.array([0.5, 0.5])
    sd_avg = create_sensitivity_results_sm(
        betahat, sigma, 5, 2, method="FLCI", m_vec=np.array(m_vec), l_vec=l_avg
    )
    rm = create_sensitivity_results_rm(betahat, sigma, 5, 2, m_bar_vec=np.array(mbar_vec))
    orig = construct_original_cs(betahat, sigma, 5, 2)

    out = {
        "source": "HonestDiD README Medicaid example; ehec data from moderndid 0.2.0",
        "terms": list(fit.coef().index),
        "num_pre_periods": 5,
        "num_post_periods": 2,
        "betahat": betahat.tolist(),
        "sigma": sigma.tolist(),
        "published": PUBLISHED,
        "moderndid": {
            "original": {"lb": float(orig.lb), "ub": float(orig.ub)},
            "smoothness_flci": {"m": m_vec, "lb": sd["lb"].to_list(), "ub": sd["ub"].to_list()},
            "smoothness_flci_average": {
                "l_vec": l_avg.tolist(),
                "m": m_vec,
                "lb": sd_avg["lb"].to_list(),
                "ub": sd_avg["ub"].to_list(),
            },
            "relative_magnitudes_clf": {
                "mbar": mbar_vec,
                "lb": rm["lb"].to_list(),
                "ub": rm["ub"].to_list(),
            },
        },
    }
    OUT.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
