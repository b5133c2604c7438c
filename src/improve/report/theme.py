"""One plotting theme for every figure: colour-blind-safe, readable in greyscale."""

from __future__ import annotations

from typing import Any

import matplotlib as mpl

#: Okabe–Ito palette (colour-blind safe); ordered so neighbours differ in lightness too.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
NEUTRAL = "#7F7F7F"
MISSING = "#FFFFFF"

_RC: dict[str, Any] = {
    "figure.figsize": (7.5, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "svg.hashsalt": "improve",
    "svg.fonttype": "none",
    "path.simplify": True,
}


def use_theme() -> None:
    """Apply the improve theme to matplotlib (idempotent)."""
    mpl.rcParams.update(_RC)


def cohort_colors(cohorts: list[int]) -> dict[int, str]:
    """A stable colour per cohort (never-treated, 0, is grey)."""
    colors: dict[int, str] = {}
    treated = [c for c in sorted(cohorts) if c != 0]
    for i, cohort in enumerate(treated):
        colors[cohort] = PALETTE[i % len(PALETTE)]
    if 0 in cohorts:
        colors[0] = NEUTRAL
    return colors
