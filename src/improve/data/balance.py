"""Which units a balanced-panel estimator drops, and why.

A balanced-panel estimator (``att_gt`` without ``allow_unbalanced_panel``) first drops rows
with a missing outcome or covariate, then every unit not observed in all remaining periods.
Suppressed cells in a published file therefore remove whole units, often many:
:func:`balanced_panel_losses` counts them by reason so a report can say so in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve._deprecation import renamed_keyword
from improve.data.suppression import FLAG_MISSING, FLAG_MISSING_CODE
from improve.errors import SpecError

#: Reasons a unit leaves a balanced panel, in the order they are assigned (first match).
REASONS: tuple[tuple[str, str], ...] = (
    ("suppressed", "a suppressed or coded outcome value in some period"),
    ("missing_value", "a missing outcome or covariate value in some period"),
    ("enters_late", "first observed after the first period"),
    ("leaves_early", "last observed before the last period"),
    ("gap", "no row for a period in between"),
)


@dataclass(frozen=True)
class BalancedPanelLosses:
    """Units a balanced-panel estimator would drop for one outcome.

    Attributes
    ----------
    outcome : str
    n_units : int
        Units in the panel.
    n_dropped : int
        Units not observed with a usable value in every period.
    n_periods : int
        Periods a unit must cover (those with at least one usable value).
    table : pandas.DataFrame
        One row per reason with at least one unit: ``reason`` (key), ``description``,
        ``units`` and ``share`` (of all units). Each dropped unit is counted once, under the
        first reason of :data:`REASONS` that applies.
    unit_word : str
        How units are called in :meth:`sentence` (from the map's labels).
    public : bool
        The map declares counts of units public (``public_counts: [units]``), so
        :meth:`sentence` never withholds them.
    """

    outcome: str
    n_units: int
    n_dropped: int
    n_periods: int
    table: pd.DataFrame
    unit_word: str = "units"
    public: bool = False

    @property
    def share(self) -> float:
        """Share of units dropped (0 when the panel is empty)."""
        return self.n_dropped / self.n_units if self.n_units else 0.0

    def sentence(
        self,
        label: str | None = None,
        min_cell_size: int | None = None,
        *,
        min_n: int | None = None,
    ) -> str:
        """The loss in one sentence, e.g. for the design section of a report.

        Parameters
        ----------
        label : str, optional
            Words for the outcome (default: its column name).
        min_cell_size : int, optional
            Minimum cell size: counts of fewer units read "fewer than ``min_cell_size``",
            and when a single reason is that small the next smallest reads "some", so it
            cannot be recovered from the total. Ignored when the map declares unit counts
            public. ``min_n`` is its deprecated name.
        """
        min_cell_size = renamed_keyword(min_cell_size, min_n, "min_n", "min_cell_size")
        what = label or self.outcome
        if not self.n_dropped:
            return (
                f"For {what}, every one of the {self.n_units:,} {self.unit_word} has a value "
                f"in all {self.n_periods} periods, so a balanced-panel estimator keeps them all."
            )
        limit = None if self.public or not min_cell_size else int(min_cell_size)
        counts = dict(zip(self.table["reason"], self.table["units"].astype(int), strict=True))
        shown = _shown_counts(counts, limit)
        descriptions = dict(zip(self.table["reason"], self.table["description"], strict=True))
        parts = [f"{shown[key]} with {descriptions[key]}" for key in counts]
        why = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        if limit is not None and self.n_dropped < limit:
            total = f"fewer than {limit} of {self.n_units:,} {self.unit_word}"
        else:
            total = f"{self.n_dropped:,} of {self.n_units:,} {self.unit_word} ({self.share:.0%})"
        return (
            f"For {what}, a balanced-panel estimator drops {total} that lack a value in some "
            f"of the {self.n_periods} periods: {why}."
        )


def _shown_counts(counts: dict[str, int], limit: int | None) -> dict[str, str]:
    """Counts as words, small ones (and one more, when only one is small) withheld."""
    if limit is None:
        return {k: f"{v:,}" for k, v in counts.items()}
    small = [k for k, v in counts.items() if 0 < v < limit]
    if len(small) == 1:
        others = sorted((v, k) for k, v in counts.items() if k not in small and v > 0)
        if others:
            small.append(others[0][1])
    return {
        k: (f"fewer than {limit}" if v < limit else "some") if k in small else f"{v:,}"
        for k, v in counts.items()
    }


def balanced_panel_losses(
    panel: Any, outcome: str | None = None, covariates: Sequence[str] | None = None
) -> BalancedPanelLosses:
    """Count the units a balanced-panel estimator would drop for ``outcome``, by reason.

    Parameters
    ----------
    panel : Panel
        A loaded panel (:func:`improve.data.load_panel`).
    outcome : str, optional
        The outcome (default: the map's first).
    covariates : sequence of str, optional
        Covariates whose missing values also drop rows (default: the map's, as the
        estimators use them; ``[]`` for none).

    Returns
    -------
    BalancedPanelLosses
        The counts, a small table and :meth:`~BalancedPanelLosses.sentence`.
    """
    spec = panel.spec
    data: pd.DataFrame = panel.data
    if outcome is None:
        if not spec.outcomes:
            raise SpecError("balanced_panel_losses needs an outcome: pass outcome='...'")
        outcome = spec.outcomes[0]
    covariates = list(spec.covariates if covariates is None else covariates)
    absent = [c for c in [outcome, *covariates] if c not in data.columns]
    if absent:
        raise SpecError(f"balanced_panel_losses: column(s) {absent} are not in the panel")
    unit, time = spec.unit, spec.time
    y_missing = data[outcome].isna().to_numpy()
    x_missing = (
        data[covariates].isna().any(axis=1).to_numpy()
        if covariates
        else np.zeros(len(data), dtype=bool)
    )
    flag_col = f"{outcome}_flag"
    if flag_col in data.columns:
        flag = data[flag_col].astype("string")
        withheld = (flag.notna() & ~flag.isin([FLAG_MISSING, FLAG_MISSING_CODE])).to_numpy(
            dtype=bool
        )
    else:
        withheld = np.zeros(len(data), dtype=bool)
    usable = ~y_missing & ~x_missing & data[time].notna().to_numpy()
    periods = np.sort(data.loc[usable, time].unique())
    n_periods = int(periods.size)
    rows = pd.DataFrame(
        {
            "unit": data[unit].to_numpy(),
            "time": data[time].to_numpy(),
            "usable_time": data[time].where(usable).to_numpy(),
            "suppressed": y_missing & withheld,
            "missing_value": (y_missing & ~withheld) | x_missing,
        }
    )
    per_unit = rows.groupby("unit", observed=True, sort=True).agg(
        n_usable=("usable_time", "nunique"),
        suppressed=("suppressed", "any"),
        missing_value=("missing_value", "any"),
        first=("time", "min"),
        last=("time", "max"),
    )
    dropped = per_unit[per_unit["n_usable"] < n_periods]
    reason = pd.Series("gap", index=dropped.index, dtype="object")
    if n_periods:
        reason = reason.mask(dropped["last"] < periods[-1], "leaves_early")
        reason = reason.mask(dropped["first"] > periods[0], "enters_late")
    reason = reason.mask(dropped["missing_value"], "missing_value")
    reason = reason.mask(dropped["suppressed"], "suppressed")
    counts = reason.value_counts()
    n_units = int(len(per_unit))
    table = pd.DataFrame(
        [
            {
                "reason": key,
                "description": text,
                "units": int(counts[key]),
                "share": int(counts[key]) / n_units,
            }
            for key, text in REASONS
            if counts.get(key, 0)
        ],
        columns=["reason", "description", "units", "share"],
    )
    labels = getattr(spec, "labels", None)
    unit_word = labels.unit_label() if labels is not None else "units"
    return BalancedPanelLosses(
        outcome=outcome,
        n_units=n_units,
        n_dropped=int(len(dropped)),
        n_periods=n_periods,
        table=table,
        unit_word=unit_word,
        public="units" in tuple(getattr(spec, "public_counts", ()) or ()),
    )
