"""Vertical equity and fiscal neutrality: does spending rise with need, fall with wealth?

Spending per pupil is regressed on the poverty share (vertical equity: a positive slope
means more is spent where need is higher) and on the log of property wealth per pupil
(fiscal neutrality: a slope near zero means spending does not depend on local wealth;
Berne & Stiefel 1984, ch. 4). Regressions are weighted by enrollment with standard errors
clustered by district (CR1, ``G − 1`` degrees of freedom).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from improve.errors import DataError
from improve.results import Result, tidy_frame


def wls_cr1(
    y: NDArray[np.float64],
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    clusters: NDArray[Any],
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Weighted least squares of ``y`` on ``[1, x]`` with CR1 standard errors.

    Returns
    -------
    (coefficients, standard errors, number of clusters)
    """
    design = np.column_stack([np.ones_like(x), x])
    bread = np.linalg.inv(design.T @ (design * w[:, None]))
    beta = bread @ (design.T @ (w * y))
    resid = y - design @ beta
    scores = design * (w * resid)[:, None]
    labels, codes = np.unique(clusters, return_inverse=True)
    summed = np.zeros((labels.size, design.shape[1]))
    np.add.at(summed, codes, scores)
    n, k, g = len(y), design.shape[1], labels.size
    factor = g / (g - 1) * (n - 1) / (n - k) if g > 1 else np.nan
    vcov = bread @ (summed.T @ summed) @ bread * factor
    return beta, np.sqrt(np.diag(vcov)), g


@dataclass(frozen=True)
class VerticalEquity(Result):
    """Slopes and elasticities of spending per pupil on need and on wealth."""

    measure: str
    terms: list[str]
    estimate: NDArray[np.float64]
    std_error: NDArray[np.float64]
    df: float
    meaning: list[str]
    fitted: dict[str, tuple[float, float]]
    confidence_level: float = 0.95
    year: Any = None

    def tidy(self) -> pd.DataFrame:
        """One row per slope or elasticity (t intervals on ``G − 1`` df)."""
        frame = tidy_frame(
            self.terms,
            self.estimate,
            self.std_error,
            confidence_level=self.confidence_level,
            df=self.df,
            extra={"measure": self.measure, "year": self.year},
        )
        frame["meaning"] = self.meaning
        frame["vcov_type"] = "CR1 by district, enrollment-weighted"
        return frame

    def _display_table(self) -> pd.DataFrame:
        return self.tidy()[
            ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "meaning"]
        ]

    def summary(self) -> str:
        from improve.results import text_table

        return "\n".join(
            [
                f"Vertical equity and fiscal neutrality of {self.measure}",
                "",
                text_table(self._display_table()),
                "",
                "Weighted by enrollment; standard errors clustered by district "
                f"({self.df:.0f} df).",
            ]
        )

    def plot(self, table: pd.DataFrame, **kwargs: Any) -> Any:
        """Spending against poverty share with the fitted line (see
        :func:`improve.report.finance_figures.plot_vertical`)."""
        from improve.report.finance_figures import plot_vertical

        return plot_vertical(table, self.measure, self.fitted["poverty_share"], **kwargs)


def vertical_equity(
    table: pd.DataFrame,
    measure: str = "per_pupil",
    *,
    need: str = "poverty_share",
    confidence_level: float = 0.95,
) -> VerticalEquity:
    """Slope of ``measure`` on the need share (per 10 percentage points) and its
    elasticity at the means; with ``property_wealth``, the fiscal-neutrality slope and
    elasticity (log–log).

    Raises
    ------
    improve.errors.DataError
        No need share in the table, or fewer than two districts.
    """
    if need not in table.columns:
        raise DataError(
            f"vertical equity needs '{need}': map a poverty count under needs: or a "
            "poverty share under need_shares: in the column map"
        )
    y = table[measure].to_numpy(dtype=float)
    w = table["enrollment"].to_numpy(dtype=float)
    clusters = table["district"].astype(str).to_numpy()
    if np.unique(clusters).size < 2:
        raise DataError("vertical equity needs schools in at least two districts")
    share = table[need].to_numpy(dtype=float)
    beta, se, g = wls_cr1(y, share, w, clusters)
    y_mean, s_mean = np.average(y, weights=w), np.average(share, weights=w)
    terms = [f"{need} slope (per 10 points)", f"{need} elasticity at means"]
    est = [beta[1] * 0.1, beta[1] * s_mean / y_mean]
    ses = [se[1] * 0.1, se[1] * s_mean / y_mean]
    meaning = [
        "dollars per pupil more with 10 percentage points more need",
        "% change in spending per 1% more need, at the means",
    ]
    fitted = {"poverty_share": (float(beta[0]), float(beta[1]))}
    if "property_wealth" in table.columns and table["property_wealth"].gt(0).all():
        log_w = np.log(table["property_wealth"].to_numpy(dtype=float))
        lb, lse, _ = wls_cr1(np.log(y), log_w, w, clusters)
        wb, wse, _ = wls_cr1(y, table["property_wealth"].to_numpy(dtype=float) / 1e5, w, clusters)
        terms += ["wealth slope (per $100,000)", "wealth elasticity"]
        est += [wb[1], lb[1]]
        ses += [wse[1], lse[1]]
        meaning += [
            "dollars per pupil more per $100,000 more property wealth per pupil",
            "% change in spending per 1% more property wealth (0 = neutral)",
        ]
    years = table["year"].unique() if "year" in table.columns else [None]
    return VerticalEquity(
        measure=measure,
        terms=terms,
        estimate=np.array(est),
        std_error=np.array(ses),
        df=float(g - 1),
        meaning=meaning,
        fitted=fitted,
        confidence_level=confidence_level,
        year=years[0] if len(years) == 1 else None,
    )


def quantile_table(
    table: pd.DataFrame,
    by: str = "poverty_share",
    groups: int = 5,
) -> pd.DataFrame:
    """Spending by pupil-weighted quantile group of ``by`` (quintiles by default): per
    pupil, per need-weighted pupil and per pupil from each source and function.

    Groups hold about equal numbers of pupils: a school goes to the group in which the
    middle of its pupils falls in the ranking by ``by``.
    """
    ordered = table.sort_values(by, kind="stable")
    pupils = ordered["enrollment"].to_numpy(dtype=float)
    middle = (np.cumsum(pupils) - pupils / 2.0) / pupils.sum()
    group = np.minimum((middle * groups).astype(int), groups - 1) + 1
    rows = []
    for g in range(1, groups + 1):
        part = ordered.loc[group == g]
        if part.empty:
            continue
        w = part["enrollment"].to_numpy(dtype=float)
        row = {
            "quantile": g,
            "schools": len(part),
            "pupils": float(w.sum()),
            f"mean_{by}": float(np.average(part[by], weights=w)),
        }
        for column in part.columns:
            if column.startswith(("spending_", "function_")):
                row[f"{column}_per_pupil"] = float(part[column].sum() / part["enrollment"].sum())
        row["per_pupil"] = float(part["spending"].sum() / part["enrollment"].sum())
        if "weighted_pupils" in part.columns:
            row["per_weighted_pupil"] = float(
                part["spending"].sum() / part["weighted_pupils"].sum()
            )
        rows.append(row)
    return pd.DataFrame(rows)
