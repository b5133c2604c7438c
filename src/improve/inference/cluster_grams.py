"""Per-cluster Gram matrices ``C_g' C_g`` of tall designs, for CR2.

CR2 (:func:`improve.inference.bias_reduced.cr2`) needs, for every cluster ``g``, the products
of the crossing effects' partialled dummies ``D``, the within design ``X`` and the residuals
``e`` restricted to the cluster's rows. They are all blocks of the Gram matrix of
``[D, X, e]`` by cluster, computed here without copying the rows more than once: a few
columns by one ``bincount`` per product, more columns by sorting the rows by (cluster size,
cluster) and one batched product per distinct cluster size. With one nested and one crossing
effect (unit and year effects, clusters containing the units), the blocks of ``D`` come from
the (unit, year) weight table and never need the ``(n, years)`` dummy matrix.
"""

from __future__ import annotations

import numpy as np

from improve.inference.partialling import WithinDesign, cell_weights

#: Up to this many distinct products, per-cluster Gram matrices are summed by ``bincount``.
BINCOUNT_PRODUCTS = 10


def cluster_grams(columns: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """``(G, m, m)`` Gram matrices ``C_g' C_g`` of the rows of each cluster.

    Parameters
    ----------
    columns : numpy.ndarray
        ``(n, m)`` rows.
    cluster : numpy.ndarray
        ``(n,)`` cluster codes ``0..G-1``.

    Returns
    -------
    numpy.ndarray
    """
    n_cl = int(cluster.max()) + 1
    m = columns.shape[1]
    if m * (m + 1) // 2 <= BINCOUNT_PRODUCTS:
        out = np.empty((n_cl, m, m))
        cols = np.asfortranarray(columns)
        for i in range(m):
            for j in range(i, m):
                sums = np.bincount(cluster, weights=cols[:, i] * cols[:, j], minlength=n_cl)
                out[:, i, j] = out[:, j, i] = sums
        return out
    return _sorted_grams(columns, cluster, n_cl)


def _sorted_grams(columns: np.ndarray, cluster: np.ndarray, n_cl: int) -> np.ndarray:
    """Rows in order of (cluster size, cluster); the clusters of one size form a contiguous
    ``(count, size, m)`` block multiplied in one batched product."""
    m = columns.shape[1]
    sizes = np.bincount(cluster, minlength=n_cl)
    by_size = np.argsort(sizes, kind="stable")  # clusters in order of size
    rank = np.empty(n_cl, dtype=np.int64)
    rank[by_size] = np.arange(n_cl)
    key = rank[cluster]
    small = key.astype(np.uint16) if n_cl <= 2**16 else key
    rows = columns[np.argsort(small, kind="stable")]  # radix sort for 16-bit codes
    sorted_sizes = sizes[by_size]
    cuts = np.flatnonzero(np.diff(sorted_sizes)) + 1
    first = np.concatenate([[0], cuts])
    last = np.concatenate([cuts, [n_cl]])
    out = np.empty((n_cl, m, m))
    row = 0
    for a, b in zip(first, last, strict=True):
        size = int(sorted_sizes[a])
        block = rows[row : row + (b - a) * size].reshape(b - a, size, m)
        out[by_size[a:b]] = np.swapaxes(block, 1, 2) @ block
        row += (b - a) * size
    return out


def design_cluster_grams(design: WithinDesign, columns: np.ndarray) -> np.ndarray:
    """``(G, c + m, c + m)`` per-cluster Gram matrices of ``[D, columns]``, ``D`` the ``c``
    crossing-effect dummies of ``design`` partialled on its nested effects (times ``sqrt(w)``).

    Parameters
    ----------
    design : WithinDesign
    columns : numpy.ndarray
        ``(n, m)`` columns in the transformed (``sqrt(w)``) space.

    Returns
    -------
    numpy.ndarray
    """
    cell = None
    if design.crossing_codes:
        cell = cell_weights(design.crossing_codes, design.nested_codes, design.weights)
    if cell is None:
        return cluster_grams(np.hstack([design.crossing, columns]), design.cluster)
    n_cl = design.n_clusters
    f = design.crossing_codes[0].astype(np.int64)
    g = design.nested_codes[0].astype(np.int64)
    n_g, n_f = cell.shape
    m = columns.shape[1]
    cluster_of = np.zeros(n_g, dtype=np.int64)
    cluster_of[g] = design.cluster  # each nested level lies in one cluster
    cell_t = np.ascontiguousarray(cell.T)  # (n_f, n_g)
    total = cell_t.sum(axis=0)
    root_total = np.sqrt(np.where(total == 0, 1.0, total))
    out = np.empty((n_cl, n_f + m, n_f + m))
    out[:, n_f:, n_f:] = cluster_grams(columns, design.cluster)
    # the sums of sqrt(w) * columns over each nested level (0 up to the partialling's
    # tolerance, kept so that the blocks equal the products with the explicit dummies)
    root_w = None if design.weights is None else np.sqrt(design.weights)
    weighted = [columns[:, j] if root_w is None else root_w * columns[:, j] for j in range(m)]
    level_sums = [np.bincount(g, weights=v, minlength=n_g) for v in weighted]
    # level rows [cell_l / sqrt(total_l), level sums / sqrt(total_l)]: their per-cluster Gram
    # matrix holds sum_l cell_l cell_l' / total_l and sum_l (cell_l / total_l) * level sums
    level_rows = np.column_stack([*(cell_t / root_total), *(v / root_total for v in level_sums)])
    level_gram = _sorted_grams(level_rows, cluster_of, n_cl)
    # D'D: sum over the cluster's nested levels l of diag(cell_l) - cell_l cell_l' / total_l
    diag = np.column_stack([np.bincount(cluster_of, weights=c, minlength=n_cl) for c in cell_t])
    out[:, :n_f, :n_f] = -level_gram[:, :n_f, :n_f]
    out[:, np.arange(n_f), np.arange(n_f)] += diag
    # D'V: (cluster, crossing level) sums of sqrt(w) V minus the nested levels' share of them
    key = design.cluster.astype(np.int64) * n_f + f
    for j, v in enumerate(weighted):
        direct = np.bincount(key, weights=v, minlength=n_cl * n_f).reshape(n_cl, n_f)
        cross = direct - level_gram[:, :n_f, n_f + j]
        out[:, :n_f, n_f + j] = cross
        out[:, n_f + j, :n_f] = cross
    return out
