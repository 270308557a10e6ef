"""Filling gaps from neighbouring wards (spec section 2).

`snapshot` (default) uses only original values, so the result does not depend on
row order; `sequential` (legacy) walks rows in file order and lets earlier fills
feed later ones, as the old tool did.
"""
import numpy as np

SNAPSHOT, SEQUENTIAL = 'snapshot', 'sequential'


def impute(values, indptr, indices, method=SNAPSHOT):
    """Fill NaNs of a wards x variables matrix; returns (filled matrix, fills).

    `fills` is a list of (row, column, value, source) where source is
    'neighbours' or 'column_mean'. Without neighbours every gap gets the column
    mean of the original values.
    """
    filled = values.copy()
    fills = []
    column_means = np.nanmean(np.where(np.isnan(values).all(axis=0), 0.0, values), axis=0) \
        if values.size else np.zeros(values.shape[1])
    n = values.shape[0]
    owner = np.repeat(np.arange(n), np.diff(indptr))
    for col in range(values.shape[1]):
        missing = np.flatnonzero(np.isnan(values[:, col]))
        if len(missing) == 0:
            continue
        if method == SEQUENTIAL:
            column_fills = sequential_fill(filled[:, col], missing, indptr, indices, column_means[col])
        else:
            column_fills = snapshot_fill(values[:, col], missing, owner, indices, column_means[col])
        for row, value, source in column_fills:
            filled[row, col] = value
            fills.append((int(row), col, float(value), source))
    return filled, fills


def snapshot_fill(column, missing, owner, indices, column_mean):
    neighbour_values = column[indices]
    known = ~np.isnan(neighbour_values)
    n = len(column)
    sums = np.bincount(owner, weights=np.where(known, neighbour_values, 0.0), minlength=n)
    counts = np.bincount(owner, weights=known.astype(float), minlength=n)
    out = []
    for row in missing:
        if counts[row] > 0:
            out.append((row, sums[row] / counts[row], 'neighbours'))
        else:
            out.append((row, column_mean, 'column_mean'))
    return out


def sequential_fill(column, missing, indptr, indices, column_mean):
    """Legacy: in file order, mean of the neighbours' current values (earlier fills included)."""
    out = []
    for row in missing:
        current = column[indices[indptr[row]:indptr[row + 1]]]
        current = current[~np.isnan(current)]
        value, source = (current.mean(), 'neighbours') if len(current) else (column_mean, 'column_mean')
        column[row] = value
        out.append((row, value, source))
    return out
