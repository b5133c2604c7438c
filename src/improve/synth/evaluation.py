"""Everything the statewide-mandate workbook shows, computed in one call.

``evaluate_mandate`` runs the chosen synthetic estimator with SC and DID beside it, the
permutation test over donors (the inference reported for one treated state), placebo (or,
with several treated states, jackknife) standard errors, an in-time placebo,
leave-one-donor-out robustness and the pre-period fit, and writes the plain-language
summary. The workbook only lays these out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from improve.errors import SpecError
from improve.synth.cits import MIN_CITS_PRE_PERIODS, CITSResult, cits_estimate
from improve.synth.estimate import METHOD_NAMES, SynthResult, _estimate
from improve.synth.matrices import BlockDesign, block_design
from improve.synth.placebo import (
    PermutationTest,
    in_time_placebo,
    leave_one_donor_out,
    permutation_test,
)

#: A pre-period fit worse than this multiple of the donors' median placebo fit is flagged
#: (the treated unit is outside the donors' range; Abadie 2021, section 7).
POOR_FIT_RATIO = 2.0


@dataclass(frozen=True)
class MandateEvaluation:
    """Results of :func:`evaluate_mandate` for one outcome."""

    outcome: str
    main: SynthResult
    alternatives: dict[str, SynthResult]
    permutations: dict[str, PermutationTest]
    in_time: SynthResult | None
    leave_one_out: pd.DataFrame
    poor_fit: bool
    cits: CITSResult | None = None
    headline: str = ""

    @property
    def headline_method(self) -> str:
        """The headline estimator (``sdid``, ``sc``, ``did`` or ``cits``)."""
        return self.headline or self.main.method

    @property
    def headline_estimate(self) -> float:
        """The headline estimator's estimate."""
        if self.headline_method == "cits" and self.cits is not None:
            return self.cits.estimate
        return self.main.estimate

    @property
    def headline_test(self) -> tuple[float, int, int]:
        """Permutation p-value, rank and number of units of the headline estimator."""
        if self.headline_method == "cits" and self.cits is not None:
            return self.cits.p_value, self.cits.rank, self.cits.placebo_estimates.size + 1
        perm = self.permutation
        return perm.p_value, perm.rank, perm.n_units

    @property
    def headline_name(self) -> str:
        """The headline estimator in words."""
        if self.headline_method == "cits":
            return "Comparative interrupted time series"
        return METHOD_NAMES[self.main.method]

    @property
    def permutation(self) -> PermutationTest:
        """The permutation test of the headline estimator."""
        return self.permutations[self.main.method]

    @property
    def design(self) -> BlockDesign:
        return self.main.design

    def design_table(self, treated_label: str | None = None) -> pd.DataFrame:
        """Treated unit(s), adoption, donors and periods, in words (``treated_label``
        replaces the treated units' names)."""
        d = self.design
        rows = [
            ("Treated", treated_label or ", ".join(map(str, d.treated))),
            ("First treated period", str(d.adoption)),
            ("Comparison (donor) units", str(d.n0)),
            ("Periods before adoption", f"{d.t0} ({d.pre_periods[0]}–{d.pre_periods[-1]})"),
            (
                "Periods from adoption on",
                f"{len(d.post_periods)} ({d.post_periods[0]}–{d.post_periods[-1]})",
            ),
        ]
        return pd.DataFrame(rows, columns=["item", "value"])

    def estimates_table(self) -> pd.DataFrame:
        """Main estimator and the alternatives side by side, with permutation p-values."""
        rows = []
        for name, res in {self.main.method: self.main, **self.alternatives}.items():
            perm = self.permutations[name]
            tidy = res.tidy().iloc[0]
            rows.append(
                {
                    "method": METHOD_NAMES[name],
                    "estimate": res.estimate,
                    "std_error": tidy["std_error"],
                    "conf_low": tidy["conf_low"],
                    "conf_high": tidy["conf_high"],
                    "se_method": tidy["vcov_type"],
                    "permutation_p": perm.p_value,
                    "rank": f"{perm.rank} of {perm.n_units}",
                    "pre_period_rmse": res.pre_fit_rmse(),
                }
            )
        if self.cits is not None:
            rows.append(
                {
                    "method": "Comparative interrupted time series",
                    "estimate": self.cits.estimate,
                    "std_error": np.nan,
                    "conf_low": np.nan,
                    "conf_high": np.nan,
                    "se_method": "",
                    "permutation_p": self.cits.p_value,
                    "rank": f"{self.cits.rank} of {self.cits.placebo_estimates.size + 1}",
                    "pre_period_rmse": np.nan,
                }
            )
        table = pd.DataFrame(rows)
        if self.headline_method == "cits":  # the headline first
            table = pd.concat([table.iloc[[-1]], table.iloc[:-1]], ignore_index=True)
        return table

    def summary_sentence(
        self,
        unit_label: str = "state",
        outcome_label: str | None = None,
        program_label: str = "the mandate",
        treated_label: str | None = None,
    ) -> str:
        """What was found and how sure we can be, naming the inference method
        (``treated_label`` replaces the treated units' names)."""
        label = outcome_label or self.outcome
        d = self.design
        p_value, rank, n_units = self.headline_test
        estimate = self.headline_estimate
        who = treated_label or ", ".join(map(str, d.treated))
        verb = "raised" if estimate > 0 else "lowered"
        if self.headline_method == "cits":
            compared = f"Compared with its own pre-adoption trend and that of {d.n0} other "
            compared += f"{unit_label}s, "
        else:
            compared = f"Compared with a synthetic {unit_label} built from {d.n0} others, "
        text = (
            f"{compared}{who}'s "
            f"{label} after adoption in {d.adoption} was {abs(estimate):.3g} "
            f"{'higher' if estimate > 0 else 'lower'} "
            f"({self.headline_name.lower()}). "
            f"Treating each comparison {unit_label} in turn as if it had adopted, "
            f"{rank - 1} of {n_units - 1} show an effect at least as large "
            f"(permutation p = {p_value:.2g})"
        )
        if p_value <= 0.05:
            text += f", so {program_label} probably {verb} {label}."
        else:
            text += (
                ", so an effect this size is within what chance differences between "
                f"{unit_label}s produce; the data do not show that {program_label} {verb} {label}."
            )
        if self.poor_fit:
            text += (
                f" Caution: before adoption the synthetic comparison tracked {who} poorly "
                "(worse than it tracks most donors), so the estimate may reflect that misfit."
            )
        return text


def evaluate_mandate(
    data: Any,
    outcome: str | None = None,
    *,
    method: Literal["sdid", "sc", "did", "cits"] = "sdid",
    treated_units: Sequence[Any] | None = None,
    covariates: Sequence[str] = (),
    adoption: Any = None,
    exclude_donors: Sequence[Any] = (),
    placebo_adoption: Any = None,
    replications: int = 200,
    seed: int = 0,
    confidence_level: float = 0.95,
    **columns: Any,
) -> MandateEvaluation:
    """Estimate a statewide mandate's effect and everything needed to judge it.

    Parameters
    ----------
    data : Panel or DataFrame
        State (or pooled district) panel across states.
    outcome : str, optional
        Default: the Panel's first outcome.
    method : {"sdid", "sc", "did", "cits"}
        The headline estimator; the others are shown beside it. With ``"cits"``
        (comparative interrupted time series, the WWC's design for one treated group) the
        synthetic estimators are shown beside it, synthetic DiD first.
    treated_units, adoption : optional
        Name the treated unit(s) and first treated period (else read from the map's timing).
    covariates : sequence of str
        Time-varying covariates residualised out of the outcome (R ``synthdid``'s ``X``);
        every refit (placebo, jackknife, permutation, leave-one-out, in-time placebo)
        re-fits their coefficients. The interrupted time series does not use them.
    exclude_donors : sequence
        Units kept out of the donor pool.
    placebo_adoption : optional
        Fake adoption period for the in-time placebo (default R's: the fake post-period
        takes the share of the pre-period that the real post-period takes of all periods).
    replications, seed : int
        Placebo standard-error draws (the permutation test itself is exact).
    **columns
        ``unit``, ``time``, ``cohort`` or ``treatment`` column names.
    """
    if method not in (*METHOD_NAMES, "cits"):
        raise SpecError(f"method must be one of {sorted((*METHOD_NAMES, 'cits'))}, got {method!r}")
    headline = method
    if method == "cits":
        method = "sdid"
    design = block_design(
        data,
        outcome,
        treated_units=treated_units,
        adoption=adoption,
        exclude_donors=exclude_donors,
        covariates=list(covariates),
        caller="evaluate_mandate",
        **columns,
    )
    if headline == "cits" and design.t0 < MIN_CITS_PRE_PERIODS:
        raise SpecError(
            f"method='cits' needs at least {MIN_CITS_PRE_PERIODS} periods before adoption to "
            f"fit a trend; these data have {design.t0}. Choose sdid, sc or did"
        )
    fits = {
        m: _estimate(m, None, None, confidence_level, None, design=design) for m in METHOD_NAMES
    }
    se_method = "placebo" if len(design.treated) == 1 else "jackknife"
    main = fits[method].with_inference(se_method, replications=replications, seed=seed)
    alternatives = {
        m: r.with_inference(se_method, replications=replications, seed=seed)
        for m, r in fits.items()
        if m != method
    }
    permutations = {m: permutation_test(r) for m, r in {method: main, **alternatives}.items()}
    perm = permutations[method]
    in_time = None
    if design.t0 >= 4:
        in_time = in_time_placebo(main, placebo_adoption)
    cits = cits_estimate(None, design=design) if design.t0 >= MIN_CITS_PRE_PERIODS else None
    donor_fit = perm.table["pre_rmspe"].to_numpy()[1:]
    poor = bool(perm.table["pre_rmspe"].iloc[0] > POOR_FIT_RATIO * np.median(donor_fit))
    return MandateEvaluation(
        outcome=design.outcome,
        main=main,
        alternatives=alternatives,
        permutations=permutations,
        in_time=in_time,
        leave_one_out=leave_one_donor_out(main),
        poor_fit=poor,
        cits=cits,
        headline=headline,
    )
