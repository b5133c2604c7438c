"""The ``maketables`` plug-in hooks of improve's result objects.

``maketables.ETable([...])`` reads the ``__maketables_*__`` properties defined here once.
A result class sets :attr:`MaketablesHooks.maketables_stat_keys` and overrides the small
methods that differ (fixed effects, variance label, statistics); results need ``outcome``,
``alpha`` and ``tidy()``. Kept out of :mod:`improve.report` so estimators do not import the
table library.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


class MaketablesHooks:
    """``__maketables_*__`` hooks built from a few overridable methods."""

    #: Statistics shown by default, in order.
    maketables_stat_keys: tuple[str, ...] = ()

    def _maketables_tidy(self) -> pd.DataFrame:
        return self.tidy()  # type: ignore[attr-defined]

    def _maketables_fixef(self) -> str | None:
        return None

    def _maketables_vcov(self) -> dict[str, Any]:
        raise NotImplementedError

    def _maketables_stats(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def __maketables_coef_table__(self) -> pd.DataFrame:
        """Coefficients for ``maketables.ETable``: ``b, se, t, p`` and the CI (the tidy ones)."""
        from improve.report.tables import maketables_coef_table

        return maketables_coef_table(self._maketables_tidy(), self.alpha)  # type: ignore[attr-defined]

    @property
    def __maketables_depvar__(self) -> str:
        return str(self.outcome)  # type: ignore[attr-defined]

    @property
    def __maketables_fixef_string__(self) -> str | None:
        return self._maketables_fixef()

    @property
    def __maketables_vcov_info__(self) -> dict[str, Any]:
        return self._maketables_vcov()

    @property
    def __maketables_stat_labels__(self) -> dict[str, str]:
        from improve.report.tables import MAKETABLES_STAT_LABELS

        return dict(MAKETABLES_STAT_LABELS)

    @property
    def __maketables_default_stat_keys__(self) -> list[str]:
        return list(self.maketables_stat_keys)

    def __maketables_stat__(self, key: str) -> Any:
        """Model statistic ``key`` for ``maketables.ETable`` (None when not available)."""
        return self._maketables_stats().get(key)


class EventStudyTableHooks(MaketablesHooks):
    """Hooks of a two-way (unit + time) event-study regression; needs ``cluster``, ``n_obs``,
    ``n_units`` and ``n_clusters``."""

    #: Variance label shown by maketables.
    maketables_vcov_type = "CR1"
    maketables_stat_keys: tuple[str, ...] = ("N", "n_units", "n_clusters", "se_type")

    @property
    def vcov_type(self) -> str:
        """Short label of the inference behind the standard errors (``"CR1"``: cluster-robust
        with the small-sample factor; the imputation estimators say ``"cluster-robust"``)."""
        return self.maketables_vcov_type

    def _maketables_fixef(self) -> str | None:
        return "unit+time"

    def _maketables_vcov(self) -> dict[str, Any]:
        return {"vcov_type": self.maketables_vcov_type, "clustervar": self.cluster}  # type: ignore[attr-defined]

    def _maketables_stats(self) -> dict[str, Any]:
        cluster = self.cluster  # type: ignore[attr-defined]
        kind = self.maketables_vcov_type
        return {
            "N": self.n_obs,  # type: ignore[attr-defined]
            "n_units": self.n_units,  # type: ignore[attr-defined]
            "n_clusters": self.n_clusters,  # type: ignore[attr-defined]
            "se_type": f"{kind} by: {cluster}" if cluster else kind,
        }
