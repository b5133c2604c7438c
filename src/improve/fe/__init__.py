"""Fixed-effects panel regression with small-cluster inference and dose-response plots.

Main entry point: :func:`panel_regression` (linearmodels PanelOLS / AbsorbingLS) with
``se="hc1" | "cr1" | "twoway" | "cr2" | "wild"``. The numerical core of CR2 and the wild
cluster bootstrap is in :mod:`improve.inference`.
"""

from __future__ import annotations

from improve.fe.panel import FEResult, FEResults, panel_regression

__all__ = ["FEResult", "FEResults", "dose_response", "panel_regression"]


def __getattr__(name: str):  # lazy: keeps matplotlib out of the import of improve.fe
    if name == "dose_response":
        from improve.report.fe_figures import dose_response

        return dose_response
    raise AttributeError(name)
