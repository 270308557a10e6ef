"""Normalisation, composite models, ranks and categories (spec sections 4, 5, 7, 8)."""
import itertools
import math

import numpy as np

LEGACY_EPSILON = 1e-10
URBAN_THRESHOLDS = (30, 50, 75, 100)
RANK_BLOCK = 64      # models scored and ranked at once
MEDIAN_BLOCK = 512   # wards scored on every model at once, for their median


def normalise(values, directions, legacy=False):
    """0..1 scores per column, 1 = highest risk.

    Inverse variables are reflected (default) or, legacy, replaced by the
    reciprocal 1/(x + 1e-10) before min-max scaling. A constant column is 0.5.
    """
    out = np.empty_like(values, dtype=float)
    for col, direction in enumerate(directions):
        x = values[:, col].astype(float)
        if direction == 'inverse' and legacy:
            x = 1.0 / (x + LEGACY_EPSILON)
        low, high = x.min(), x.max()
        if not high > low:
            out[:, col] = 0.5
            continue
        scaled = (x - low) / (high - low)
        out[:, col] = 1.0 - scaled if direction == 'inverse' and not legacy else scaled
    return np.clip(out, 0.0, 1.0)


def model_subsets(n_variables, legacy=False):
    """Models as tuples of column indices, numbered in the spec's order.

    default: every subset of size 2..n. legacy: the same for n <= 5; for n >= 6
    only the first five variables: 10 pairs, the first five triples, the five.
    """
    if legacy and n_variables >= 6:
        five = range(5)
        return (list(itertools.combinations(five, 2)) + list(itertools.combinations(five, 3))[:5]
                + [tuple(five)])
    return [combo for size in range(2, n_variables + 1)
            for combo in itertools.combinations(range(n_variables), size)]


def model_scores(normalised, models):
    """Wards x models matrix: each model's score is the mean of its variables' normalised values.

    The models of one size are summed together, one variable after another (each score the same
    sum, in the same order, as alone); a view of a models x wards array, so each model's scores
    lie together for its ranking."""
    columns = np.ascontiguousarray(normalised.T)
    scores = np.empty((len(models), normalised.shape[0]))
    by_size = {}
    for m, combo in enumerate(models):
        by_size.setdefault(len(combo), []).append(m)
    for size, chosen in by_size.items():
        combos = np.array([models[m] for m in chosen])
        total = columns[combos[:, 0]]
        for j in range(1, size):
            total += columns[combos[:, j]]
        scores[chosen] = total / size
    return scores.T


def ranks_of(scores, dtype=np.int32):
    """Rank 1 = highest score; ties keep data-file order (as a stable sort would). 2-D input: one
    ranking per row."""
    keys = -np.atleast_2d(np.asarray(scores, dtype=float))
    order = np.argsort(keys, axis=1)
    _file_order_within_ties(keys, order)
    ranks = np.empty(keys.shape, dtype=dtype)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, keys.shape[1] + 1, dtype=dtype), order.shape), axis=1)
    return ranks.reshape(np.shape(scores))


def _file_order_within_ties(keys, order):
    """Reorder, in place, each run of equal keys in `order` (an unstable argsort of `keys`) by index."""
    ordered = np.take_along_axis(keys, order, axis=1)
    ties = (ordered[:, 1:] == ordered[:, :-1]) | (np.isnan(ordered[:, 1:]) & np.isnan(ordered[:, :-1]))
    for row in np.flatnonzero(ties.any(axis=1)):
        runs = np.concatenate(([0], np.cumsum(~ties[row])))
        # Runs in sorted order, indices within each: nearly sorted already, which the stable sort is fast on.
        order[row] = order[row][np.argsort(runs * keys.shape[1] + order[row], kind='stable')]


def categories(ranks):
    """High for the top third of ranks, Medium for the middle third, Low after (275 wards: 1-91, 92-183)."""
    n = len(ranks)
    ranks = np.asarray(ranks)
    return np.where(3 * ranks <= n, 'High', np.where(3 * ranks <= 2 * n, 'Medium', 'Low'))


def composite(normalised, legacy=False):
    """Median model score per ward, its rank, and the rank spread across models.

    The wards x models scores never stand whole (9,400 wards x 1,013 models would take 76 MB):
    each ward's median comes from a block of wards with all the models, each model's ranking
    from a block of models with all the wards (a score is the same sum either way)."""
    models = model_subsets(normalised.shape[1], legacy)
    n = normalised.shape[0]
    # Each block's scores in rows (one ward's models together) for the median's partition; ours to overwrite.
    score = np.concatenate([np.median(np.ascontiguousarray(model_scores(normalised[start:start + MEDIAN_BLOCK],
                                                                        models)), axis=1, overwrite_input=True)
                            for start in range(0, n, MEDIAN_BLOCK)]) if n else np.zeros(0)
    # Per-model ranks fit 16 bits for any ward table (its row limit is 20,000): half the memory, a radix sort.
    per_model = np.empty((len(models), n), dtype=np.int16 if n <= np.iinfo(np.int16).max else np.int32)
    for start in range(0, len(models), RANK_BLOCK):
        block = model_scores(normalised, models[start:start + RANK_BLOCK]).T
        per_model[start:start + RANK_BLOCK] = ranks_of(block, per_model.dtype)
    return {'models': models, 'score': score, 'rank': ranks_of(score), 'spread': rank_spread(per_model)}


def rank_spread(per_model_ranks):
    """Min, 10th and 90th percentile (linear, as R's default) and max of each ward's rank across models.

    Sorts each ward's ranks once in place instead of np.percentile's float copies:
    at 9,400 wards x 1,013 models that halves the time and the memory.
    """
    ordered = np.ascontiguousarray(per_model_ranks.T)  # wards x models
    ordered.sort(axis=1, kind='stable')   # a radix sort for 16-bit ranks
    last = ordered.shape[1] - 1

    def quantile(q):
        position = q * last
        low = math.floor(position)
        high = min(low + 1, last)
        return ordered[:, low] + (position - low) * (ordered[:, high] - ordered[:, low])
    return {'min': ordered[:, 0], 'p10': quantile(0.1), 'p90': quantile(0.9), 'max': ordered[:, last]}


def compare(composite_rank, pca_rank, composite_category, pca_category):
    """Spearman correlation of the rankings, top-10 and top-20% overlap, per-ward agreement."""
    n = len(composite_rank)
    d = composite_rank.astype(float) - pca_rank
    spearman = 1.0 - 6.0 * float((d * d).sum()) / (n * (n * n - 1)) if n > 1 else None

    def overlap(k):
        a = set(np.flatnonzero(composite_rank <= k))
        b = set(np.flatnonzero(pca_rank <= k))
        return len(a & b) / len(a) if a else None
    top20 = max(1, math.ceil(0.2 * n))
    return {'spearman': spearman, 'top10_overlap': overlap(min(10, n)), 'top20pct_overlap': overlap(top20),
            'top20pct_size': top20, 'rank_difference': (pca_rank - composite_rank).astype(int),
            'category_agrees': composite_category == pca_category}


def urban_thresholds(urban_percentage):
    """For each threshold, the rows whose urban percentage is at or above it."""
    known = ~np.isnan(urban_percentage)
    return {t: np.flatnonzero(known & (np.nan_to_num(urban_percentage, nan=-1.0) >= t)) for t in URBAN_THRESHOLDS}
