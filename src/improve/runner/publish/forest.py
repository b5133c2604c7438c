"""A forest chart of effects across programs, drawn as a self-contained SVG.

One line per portfolio row: the effect in SD units as a dot, its interval as a bar, zero
marked. The SVG is embedded in the index as a data URI (no files, no network) with alt text;
every label is XML-escaped.
"""

from __future__ import annotations

import base64
import math
from html import escape
from typing import Any

_WIDTH, _LABEL, _ROW, _TOP = 720, 300, 22, 30


def _finite(*values: Any) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def forest_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows a forest chart can draw (an effect and both interval ends)."""
    return [r for r in rows if _finite(r.get("effect_sd"), r.get("conf_low"), r.get("conf_high"))]


def _label(row: dict[str, Any], limit: int = 44) -> str:
    text = f"{row['program']}: {row['outcome']}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def forest_svg(rows: list[dict[str, Any]]) -> str:
    """The chart as SVG text (empty string when no row has an effect and interval)."""
    drawn = forest_rows(rows)
    if not drawn:
        return ""
    low = min(0.0, *(float(r["conf_low"]) for r in drawn))
    high = max(0.0, *(float(r["conf_high"]) for r in drawn))
    pad = 0.05 * (high - low or 1.0)
    low, high = low - pad, high + pad
    plot = _WIDTH - _LABEL - 20

    def x(value: float) -> float:
        return _LABEL + (value - low) / (high - low) * plot

    height = _TOP + _ROW * len(drawn) + 40
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{_WIDTH}' height='{height}' "
        f"viewBox='0 0 {_WIDTH} {height}' font-family='sans-serif' font-size='12'>",
        "<rect width='100%' height='100%' fill='white'/>",
        f"<line x1='{x(0):.1f}' y1='{_TOP - 10}' x2='{x(0):.1f}' y2='{height - 35}' "
        "stroke='#7F7F7F' stroke-dasharray='4 3'/>",
    ]
    for i, row in enumerate(drawn):
        y = _TOP + _ROW * i + _ROW / 2
        lo, hi, est = float(row["conf_low"]), float(row["conf_high"]), float(row["effect_sd"])
        parts += [
            f"<text x='{_LABEL - 8}' y='{y + 4:.1f}' text-anchor='end'>"
            f"{escape(_label(row))}</text>",
            f"<line x1='{x(lo):.1f}' y1='{y:.1f}' x2='{x(hi):.1f}' y2='{y:.1f}' "
            "stroke='#0072B2' stroke-width='2'/>",
            f"<circle cx='{x(est):.1f}' cy='{y:.1f}' r='4' fill='#0072B2'/>",
        ]
    axis_y = height - 30
    parts.append(
        f"<line x1='{_LABEL}' y1='{axis_y}' x2='{_LABEL + plot}' y2='{axis_y}' stroke='black'/>"
    )
    for tick in _ticks(low, high):
        parts.append(
            f"<text x='{x(tick):.1f}' y='{axis_y + 15}' text-anchor='middle'>{tick:g}</text>"
        )
    parts.append(
        f"<text x='{_LABEL + plot / 2:.1f}' y='{height - 2}' text-anchor='middle'>"
        "Effect in standard deviations (line: confidence interval)</text></svg>"
    )
    return "".join(parts)


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = 10 ** math.floor(math.log10(span / 4)) if span > 0 else 0.1
    for mult in (1, 2, 5, 10):
        if span / (step * mult) <= 6:
            step *= mult
            break
    first = math.ceil(low / step) * step
    return [round(first + k * step, 10) for k in range(int((high - first) / step) + 1)]


def forest_img(rows: list[dict[str, Any]]) -> str:
    """The chart as an ``<img>`` with a data URI and alt text (empty when nothing to draw)."""
    svg = forest_svg(rows)
    if not svg:
        return ""
    drawn = forest_rows(rows)
    alt = (
        f"Forest chart of {len(drawn)} effects in standard deviations, one line per program "
        "and outcome, each a dot with its confidence interval, zero marked by a dashed line."
    )
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        f"<img class='forest' src='data:image/svg+xml;base64,{data}' "
        f"alt='{escape(alt, quote=True)}' width='{_WIDTH}'>"
    )
