"""``qic``: run charts and Shewhart control charts with the semantics of R qicharts2 0.8.1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from improve.errors import SpecError
from improve.qi.anhoej import runs_analysis
from improve.qi.checks import check_values, series_warnings
from improve.qi.limits import CHARTS, Subgroups
from improve.qi.parts import AGG_FUNS, aggregate, assign_parts
from improve.qi.result import QicResult

#: Charts whose points are ratios of a numerator to a denominator ``n``.
NEEDS_N = ("p", "pp", "u", "up")


def _column(data: pd.DataFrame, name: str | None, role: str) -> pd.Series | None:
    if name is None:
        return None
    if name not in data.columns:
        raise SpecError(
            f"The {role} column {name!r} is not in the data. Columns are: "
            f"{', '.join(map(str, data.columns))}. Fix the name in the column map or the call."
        )
    return data[name]


def _as_list(value: int | Sequence[int] | None) -> list[int]:
    if value is None:
        return []
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    return [int(v) for v in value]


def _facet_frame(data: pd.DataFrame, facets: str | Sequence[str] | None) -> pd.DataFrame:
    names = [facets] if isinstance(facets, str) else list(facets or [])
    if len(names) > 2:
        raise SpecError("facets takes at most two columns (rows and columns of small multiples).")
    out = pd.DataFrame(index=data.index)
    for i in (1, 2):
        name = names[i - 1] if len(names) >= i else None
        col = _column(data, name, "facet")
        out[f"facet{i}"] = col if col is not None else 1
    return out


def _base_frame(
    data: pd.DataFrame,
    x: str,
    y: str | None,
    n: str | None,
    notes: str | None,
    facets: str | Sequence[str] | None,
    target: Any,
    cl: float | None,
) -> pd.DataFrame:
    xs = _column(data, x, "x (time or subgroup)")
    ys = _column(data, y, "y (measure)")
    if ys is None:
        ys, xs = xs, pd.Series(np.arange(1, len(data) + 1), index=data.index)
    frame = pd.DataFrame({"x": xs, "y": pd.to_numeric(ys, errors="coerce").astype(float)})
    ns = _column(data, n, "n (denominator)")
    frame["n"] = pd.to_numeric(ns, errors="coerce").astype(float) if ns is not None else np.nan
    if ns is not None:
        complete = frame["y"].notna() & frame["n"].notna()
        frame.loc[~complete, ["y", "n"]] = np.nan
    note_col = _column(data, notes, "notes")
    frame["notes"] = note_col.astype("object") if note_col is not None else ""
    frame = frame.join(_facet_frame(data, facets))
    frame["cl"] = np.nan if cl is None else float(cl)
    if isinstance(target, str):
        frame["target"] = pd.to_numeric(_column(data, target, "target"), errors="coerce")
    else:
        frame["target"] = np.nan if target is None else float(target)
    return frame


def _is_categorical(x: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(x) or pd.api.types.is_datetime64_any_dtype(x))


def _analyse_part(
    part: pd.DataFrame, chart: str, categorical: bool, screened_mr: bool
) -> pd.DataFrame:
    g = Subgroups(
        y=part["y"].to_numpy(float),
        y_sum=part["y.sum"].to_numpy(float),
        y_length=part["y.length"].to_numpy(float),
        y_mean=part["y.mean"].to_numpy(float),
        y_sd=part["y.sd"].to_numpy(float),
        n=part["n"].to_numpy(float),
        cl=part["cl"].to_numpy(float),
        base=(part["baseline"] & part["include"]).to_numpy(),
        categorical=categorical,
    )
    limits = CHARTS[chart](g, screened_mr)
    part = part.copy()
    part["y"] = limits.y
    part["cl"] = limits.cl
    part["lcl"], part["ucl"] = limits.lcl, limits.ucl
    part["lcl.95"], part["ucl.95"] = limits.lcl_95, limits.ucl_95
    include = part["include"].to_numpy()
    runs = runs_analysis(limits.y[include], limits.cl[include])
    part["n.obs"], part["n.useful"] = runs.n_obs, runs.n_useful
    part["longest.run"], part["longest.run.max"] = runs.longest_run, runs.longest_run_max
    part["n.crossings"], part["n.crossings.min"] = runs.n_crossings, runs.n_crossings_min
    part["runs.signal"] = runs.runs_signal
    return part


def _finish(
    points: pd.DataFrame, chart: str, categorical: bool, multiply: float, y_neg: bool
) -> pd.DataFrame:
    lines = ["y", "cl", "lcl", "ucl", "lcl.95", "ucl.95"]
    points[lines] = points[lines].astype(float) * multiply
    for name in ("lcl", "ucl", "lcl.95", "ucl.95"):
        points.loc[~np.isfinite(points[name]), name] = np.nan
    with np.errstate(invalid="ignore"):
        signal = (points["y"] > points["ucl"]) | (points["y"] < points["lcl"])
    points["sigma.signal"] = signal.fillna(False).astype(bool)
    if categorical or chart == "mr":
        points["runs.signal"] = False
    if not y_neg and points["y"].min() >= 0:
        for name in ("lcl", "lcl.95"):
            points.loc[points[name] < 0, name] = 0.0
    return points


def _check_arguments(data: Any, chart: str, agg_fun: str, n: str | None) -> None:
    if chart not in CHARTS:
        raise SpecError(f"chart must be one of {', '.join(CHARTS)}; got {chart!r}.")
    if agg_fun not in AGG_FUNS:
        raise SpecError(f"agg_fun must be one of {', '.join(AGG_FUNS)}; got {agg_fun!r}.")
    if chart in NEEDS_N and n is None:
        raise SpecError(f"A {chart} chart needs a denominator: pass n='<column>'.")
    if not isinstance(data, pd.DataFrame):
        raise SpecError("qic() needs a pandas DataFrame as data.")


def _analyse(
    points: pd.DataFrame,
    chart: str,
    categorical: bool,
    screened_mr: bool,
    multiply: float,
    y_neg: bool,
) -> pd.DataFrame:
    """Lines and runs analysis per facet and part, then signals; ordered by facet and time."""
    keys = ["facet1", "facet2"]
    parts = [
        _analyse_part(p, chart, categorical, screened_mr)
        for _, p in points.groupby([*keys, "part"], sort=True)
    ]
    points = _finish(pd.concat(parts), chart, categorical, multiply, y_neg)
    return points.sort_values([*keys, "xx"], kind="stable").reset_index(drop=True)


def qic(
    data: pd.DataFrame,
    x: str,
    y: str | None = None,
    n: str | None = None,
    chart: str = "run",
    *,
    facets: str | Sequence[str] | None = None,
    notes: str | None = None,
    agg_fun: str = "mean",
    multiply: float = 1,
    freeze: int | None = None,
    part: str | int | Sequence[int] | None = None,
    exclude: int | Sequence[int] | None = None,
    target: float | str | None = None,
    cl: float | None = None,
    y_neg: bool = True,
    screened_mr: bool = True,
) -> QicResult:
    """A run chart or Shewhart control chart, computed as R qicharts2 0.8.1 ``qic()`` does.

    Parameters
    ----------
    data : DataFrame
        One row per observation (several rows per ``x`` are aggregated into a subgroup).
    x : str
        Column of the subgroup: a date, a number (time order) or a label (then points are
        not joined and no runs analysis is made).
    y : str, optional
        Column of the measure (the numerator when ``n`` is given).
    n : str, optional
        Column of the denominator (p, pp, u, up charts; optional for run and i charts).
    chart : {"run", "i", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g"}
    facets : str or list of str, optional
        One or two columns; one chart (small multiple) per value, e.g. one per school.
    notes : str, optional
        Column of annotations, joined with ``" | "`` within a subgroup.
    agg_fun : {"mean", "median", "sum", "sd"}
        How run and I charts aggregate several values per subgroup when ``n`` is not given.
    multiply : float
        Multiply y and the lines (e.g. 100 for percent, 10000 for a rate per 10,000).
    freeze : int, optional
        The last subgroup of the baseline: centre line and limits are computed on subgroups
        ``1..freeze`` and extended. Ignored when ``part`` is given (as in qicharts2).
    part : str or int or list of int, optional
        Phases: positions after which a new phase starts (1-based), or the name of a column
        of phase labels (a new phase where a label first appears). Limits are recomputed in
        each phase, and the runs analysis is made per phase.
    exclude : int or list of int, optional
        Positions (1-based, within a facet) of subgroups left out of every calculation.
    target : float or str, optional
        A target value, or a column of target values; drawn, never used in calculations.
    cl : float, optional
        A fixed centre line instead of the computed one.
    y_neg : bool
        If False and no y is negative, lower limits below zero are drawn at zero.
    screened_mr : bool
        Drop moving ranges above 3.267 × their mean before estimating sigma (Nelson 1982);
        qicharts2's default once attached (``options(qic.screenedmr = TRUE)``).

    Returns
    -------
    QicResult
        ``.tidy()`` is qicharts2's ``qic(...)$data`` with its dotted column names.
    """
    _check_arguments(data, chart, agg_fun, n)
    data = data.reset_index(drop=True)
    check_values(data, x=x, y=y, n=n, chart=chart)
    frame = _base_frame(data, x, y, n, notes, facets, target, cl)
    labels = _column(data, part, "part") if isinstance(part, str) else None
    categorical = _is_categorical(frame["x"])
    points = aggregate(frame, got_n=n is not None, agg_fun=agg_fun)
    assign_parts(points, frame, labels, [] if labels is not None else _as_list(part))
    freeze_at = np.inf if (freeze is None or part is not None) else freeze
    points["baseline"] = points["xx"] <= freeze_at
    points["include"] = ~points["xx"].isin(_as_list(exclude))
    points = _analyse(points, chart, categorical, screened_mr, multiply, y_neg)
    return QicResult(
        points=points,
        chart=chart,
        x=x,
        y=y,
        n=n,
        multiply=multiply,
        facets=tuple([facets] if isinstance(facets, str) else (facets or ())),
        freeze=freeze if part is None else None,
        categorical=categorical,
        warnings=tuple(series_warnings(points, frame["x"], chart=chart)),
    )
