"""The group-by-period arrays the de Chaisemartin--D'Haultfoeuille estimator works on.

Follows R ``DIDmultiplegtDYN`` (``did_multiplegt_dyn``) data preparation: groups whose
outcome or treatment is never observed are dropped; the first switch ``F_g`` is the first
observed period whose treatment differs from the previous observed one; groups whose
treatment goes both above and below its first value are dropped (their effects can change
sign); ``switchers="in"``/``"out"`` keep never-switchers and one direction; baseline
treatments whose groups all switch at the same date (or never) are dropped; a
(period, baseline) cell without a never-switcher is removed; the panel is then balanced
with missing cells carrying zero weight. Periods are numbered 1..T in calendar order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SwitchPanel:
    """A balanced groups x periods panel with each group's switching history.

    Attributes
    ----------
    groups : ndarray
        Group labels (rows).
    periods : ndarray
        Calendar periods (columns), numbered ``1..T`` in the arrays below.
    y, d : ndarray, shape (G, T)
        Outcome and treatment (NaN where missing).
    w : ndarray, shape (G, T)
        Cell weight (zero where the outcome or treatment is missing).
    f : ndarray, shape (G,)
        First switching period ``F_g`` (1-based rank; ``inf`` for never-switchers).
    s : ndarray, shape (G,)
        Direction of the first switch: +1 in, -1 out, 0 never.
    d_sq : ndarray, shape (G,)
        Status-quo (first-period) treatment.
    stratum : ndarray, shape (G,)
        Code of the group's comparison cell: its status-quo treatment and, with
        ``trends_nonparam``, its value of that column (controls come from the same cell).
    d_fg : ndarray, shape (G,)
        Treatment at ``F_g`` (NaN for never-switchers).
    l_g : ndarray, shape (G,)
        Number of periods the group is observed from ``F_g`` on.
    t_g : ndarray, shape (G,)
        Last period at which a group with the same baseline treatment has not switched.
    cluster : ndarray or None
        Cluster code of each group.
    dropped_bidirectional : tuple
        Groups dropped because their treatment went both up and down.
    n_switches : ndarray, shape (G,)
        Number of treatment changes of each kept group.
    no_control_cells : tuple of (period, baseline treatment)
        Periods in which no group with that first-period treatment had kept it: those
        cells were removed (nothing to compare them with).
    """

    groups: np.ndarray
    periods: np.ndarray
    y: FloatArray
    d: FloatArray
    w: FloatArray
    f: FloatArray
    s: FloatArray
    d_sq: FloatArray
    stratum: FloatArray
    d_fg: FloatArray
    l_g: FloatArray
    t_g: FloatArray
    cluster: NDArray[np.intp] | None
    dropped_bidirectional: tuple
    n_switches: NDArray[np.intp]
    no_control_cells: tuple = ()

    @property
    def n_groups(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_periods(self) -> int:
        return int(self.y.shape[1])


def _switch_history(d: FloatArray, present: NDArray[np.bool_]) -> dict[str, FloatArray]:
    """First switch, direction, baseline and switch counts from the observed rows."""
    n_g, n_t = d.shape
    f = np.full(n_g, np.inf)
    s = np.zeros(n_g)
    d_sq = np.full(n_g, np.nan)
    last = np.zeros(n_g)
    up = np.zeros(n_g, dtype=bool)
    down = np.zeros(n_g, dtype=bool)
    n_sw = np.zeros(n_g, dtype=np.intp)
    for g in range(n_g):
        cols = np.flatnonzero(present[g])
        vals = d[g, cols]
        d_sq[g] = vals[0]
        last[g] = cols[-1] + 1
        diffs = np.diff(vals)
        changed = np.flatnonzero(~np.isnan(diffs) & (diffs != 0))
        n_sw[g] = changed.size
        if changed.size:
            f[g] = cols[changed[0] + 1] + 1
            s[g] = np.sign(diffs[changed[0]])
        dev = vals - vals[0]
        up[g] = bool(np.any(dev[~np.isnan(dev)] > 0))
        down[g] = bool(np.any(dev[~np.isnan(dev)] < 0))
    l_g = np.where(np.isfinite(f), last - f + 1, 0.0)
    return {"f": f, "s": s, "d_sq": d_sq, "l_g": l_g, "both": up & down, "n_sw": n_sw}


def _keep_varying_baselines(f: FloatArray, d_sq: FloatArray, rows: FloatArray) -> NDArray[np.bool_]:
    """Groups whose baseline treatment has more than one switching date (never = 0)."""
    keep = np.zeros(f.size, dtype=bool)
    f0 = np.where(np.isfinite(f), f, 0.0)
    for value in np.unique(d_sq[~np.isnan(d_sq)]):
        members = d_sq == value
        vals = np.repeat(f0[members], rows[members].astype(int))
        if vals.size > 1 and round(float(np.std(vals, ddof=1)), 3) > 0:
            keep |= members
    return keep


def build_switch_panel(
    frame: pd.DataFrame,
    *,
    outcome: str,
    group: str,
    time: str,
    treatment: str,
    weights: str | None,
    cluster: str | None,
    switchers: str,
    keep_bidirectional: bool = False,
    trends_nonparam: str | None = None,
) -> SwitchPanel:
    """Arrays of outcome, treatment and weights with each group's switching history.

    ``frame`` has one row per group and period with numeric outcome, time and treatment.
    """
    periods = np.sort(frame[time].unique())
    groups = pd.unique(frame[group])
    gi = pd.Index(groups).get_indexer(frame[group])
    ti = np.searchsorted(periods, frame[time].to_numpy())
    shape = (groups.size, periods.size)
    y = np.full(shape, np.nan)
    d = np.full(shape, np.nan)
    w = np.zeros(shape)
    present = np.zeros(shape, dtype=bool)
    y[gi, ti] = frame[outcome].to_numpy(float)
    d[gi, ti] = frame[treatment].to_numpy(float)
    w[gi, ti] = 1.0 if weights is None else frame[weights].fillna(0).to_numpy(float)
    present[gi, ti] = True
    cl_raw = None
    if cluster is not None:
        cl = np.empty(groups.size, dtype=object)
        cl[gi] = frame[cluster].to_numpy()
        cl_raw = cl
    keep = ~np.all(np.isnan(y), axis=1) & ~np.all(np.isnan(d), axis=1)
    hist = _switch_history(d, present)
    hist["stratum"] = _strata(hist["d_sq"], frame, trends_nonparam, group, groups)
    dropped = tuple(groups[keep & hist["both"]])
    if not keep_bidirectional:
        keep &= ~hist["both"]
    if switchers == "in":
        keep &= hist["s"] >= 0
    elif switchers == "out":
        keep &= hist["s"] <= 0
    keep &= _keep_varying_baselines(hist["f"], hist["stratum"], present.sum(axis=1) * keep)
    # a (period, baseline) cell where every group has already switched is removed (R:
    # never_change_d = 1 - ever_change_d, i.e. not switched yet at that period)
    not_yet = present & (hist["f"][:, None] > np.arange(1, periods.size + 1)[None, :])
    no_control: list[tuple[object, float]] = []
    for value in np.unique(hist["stratum"][keep]):
        members = keep & (hist["stratum"] == value)
        has_control = np.any(not_yet[members], axis=0)
        lost = ~has_control & np.any(present[members], axis=0)
        base = float(hist["d_sq"][members][0])
        no_control += [(periods[t], base) for t in np.flatnonzero(lost)]
        present[np.ix_(members, ~has_control)] = False
    keep &= present.any(axis=1)
    idx = np.flatnonzero(keep)
    present = present[idx]
    y = np.where(present, y[idx], np.nan)
    d = np.where(present, d[idx], np.nan)
    w = np.where(present & ~np.isnan(y) & ~np.isnan(d), w[idx], 0.0)
    f = hist["f"][idx]
    d_sq = hist["d_sq"][idx]
    stratum = hist["stratum"][idx]
    rows = np.arange(idx.size)
    d_fg = np.full(idx.size, np.nan)
    sw = np.isfinite(f)
    d_fg[sw] = d[rows[sw], f[sw].astype(int) - 1]
    t_g = last_control_period(f, stratum, periods.size)
    codes = None
    if cl_raw is not None:
        codes = pd.factorize(pd.Series(cl_raw[idx]), use_na_sentinel=False)[0].astype(np.intp)
    return SwitchPanel(
        groups=groups[idx],
        periods=periods,
        y=y,
        d=d,
        w=w,
        f=f,
        s=hist["s"][idx],
        d_sq=d_sq,
        stratum=stratum,
        d_fg=d_fg,
        l_g=hist["l_g"][idx],
        t_g=t_g,
        cluster=codes,
        dropped_bidirectional=dropped,
        n_switches=hist["n_sw"][idx],
        no_control_cells=tuple(no_control),
    )


def _strata(
    d_sq: FloatArray,
    frame: pd.DataFrame,
    trends_nonparam: str | None,
    group: str,
    groups: np.ndarray,
) -> FloatArray:
    """Comparison cells: status-quo treatment, crossed with ``trends_nonparam``."""
    if trends_nonparam is None:
        return d_sq.copy()
    value = frame.groupby(group, sort=False)[trends_nonparam].first().reindex(groups)
    pairs = pd.MultiIndex.from_arrays([d_sq, value.to_numpy()])
    return pd.factorize(pairs)[0].astype(float)


def last_control_period(f: FloatArray, d_sq: FloatArray, n_periods: int) -> FloatArray:
    """``T_g``: the last period a group with the same baseline has not yet switched."""
    trunc = np.where(np.isfinite(f), f, n_periods + 1.0)
    t_g = np.empty(f.size)
    for value in np.unique(d_sq):
        members = d_sq == value
        t_g[members] = trunc[members].max() - 1
    return t_g


def first_difference(panel: SwitchPanel) -> SwitchPanel:
    """The panel for ``trends_lin``: outcomes in first differences, first period dropped,
    groups switching at the second period dropped (R ``trends_lin``)."""
    sub = subset_panel(panel, panel.f != 2)
    dy = np.full_like(sub.y, np.nan)
    dy[:, 1:] = sub.y[:, 1:] - sub.y[:, :-1]
    w = np.where(np.isnan(dy), 0.0, sub.w)
    w[:, 0] = 0.0
    return replace(sub, y=dy, w=w)


def subset_panel(p: SwitchPanel, keep: NDArray[np.bool_]) -> SwitchPanel:
    """The panel without the groups where ``keep`` is False (``T_g`` recomputed, cluster
    codes renumbered)."""
    cl = None
    if p.cluster is not None:
        cl = np.unique(p.cluster[keep], return_inverse=True)[1].reshape(-1).astype(np.intp)
    return replace(
        p,
        groups=p.groups[keep],
        y=p.y[keep],
        d=p.d[keep],
        w=p.w[keep],
        f=p.f[keep],
        s=p.s[keep],
        d_sq=p.d_sq[keep],
        stratum=p.stratum[keep],
        d_fg=p.d_fg[keep],
        l_g=p.l_g[keep],
        t_g=last_control_period(p.f[keep], p.stratum[keep], p.n_periods),
        cluster=cl,
        n_switches=p.n_switches[keep],
    )
