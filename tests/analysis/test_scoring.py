"""Normalisation, models, composite, ranks, categories and comparison; legacy rules by hand."""
import numpy as np
import pytest

from chalicelib.analysis.scoring import (categories, compare, composite, model_scores, model_subsets, normalise,
                                         ranks_of, urban_thresholds)


def test_direct_and_reflected_inverse():
    values = np.array([[0.0, 0.0], [1.0, 1.0], [4.0, 4.0]])
    out = normalise(values, ['direct', 'inverse'])
    assert out[:, 0].tolist() == [0.0, 0.25, 1.0]
    assert out[:, 1].tolist() == [1.0, 0.75, 0.0]


def test_legacy_reciprocal_inverse_collapses_a_variable_with_a_zero():
    out = normalise(np.array([[0.0], [1.0], [4.0]]), ['inverse'], legacy=True)
    y = 1 / (np.array([0.0, 1.0, 4.0]) + 1e-10)  # 1e10, ~1, 0.25
    assert out[:, 0].tolist() == ((y - y.min()) / (y.max() - y.min())).tolist()
    assert out[0, 0] == 1.0 and out[2, 0] == 0.0 and out[1, 0] < 1e-9  # 1 and 4 both collapse to ~0


def test_legacy_reciprocal_without_zeros_keeps_the_order():
    out = normalise(np.array([[1.0], [2.0], [4.0]]), ['inverse'], legacy=True)
    assert out[:, 0] == pytest.approx([1.0, (0.5 - 0.25) / 0.75, 0.0])


def test_a_constant_variable_scores_one_half():
    assert normalise(np.array([[3.0], [3.0]]), ['direct']).tolist() == [[0.5], [0.5]]


@pytest.mark.parametrize('n,count', [(2, 1), (3, 4), (4, 11), (5, 26), (6, 16), (9, 16)])
def test_legacy_model_counts(n, count):
    assert len(model_subsets(n, legacy=True)) == count


@pytest.mark.parametrize('n', [2, 3, 7, 10])
def test_default_uses_every_subset_of_two_or_more(n):
    models = model_subsets(n)
    assert len(models) == 2 ** n - n - 1 and len(set(models)) == len(models)


def test_legacy_sixteen_models_are_pairs_first_five_triples_and_the_five():
    models = model_subsets(7, legacy=True)
    assert models[:10] == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)]
    assert models[10:15] == [(0, 1, 2), (0, 1, 3), (0, 1, 4), (0, 2, 3), (0, 2, 4)]
    assert models[15] == (0, 1, 2, 3, 4)
    assert max(max(m) for m in models) == 4  # variables 6 and 7 never enter


def test_composite_is_the_median_of_model_means_by_hand():
    normalised = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]])
    result = composite(normalised)
    # models (a,b) (a,c) (b,c) (a,b,c): ward 0 -> .5 .75 .25 .5 ; ward 1 -> .5 .5 1 2/3
    assert model_scores(normalised, result['models']).tolist() == [[0.5, 0.75, 0.25, 0.5], [0.5, 0.5, 1.0, 2 / 3]]
    assert result['score'].tolist() == [0.5, (0.5 + 2 / 3) / 2]
    assert result['rank'].tolist() == [2, 1]
    # per-model ranks: ward 0 -> 1 (tie, file order), 1, 2, 2
    assert result['spread']['min'].tolist() == [1, 1] and result['spread']['max'].tolist() == [2, 2]
    assert result['spread']['p10'].tolist() == [1.0, 1.0] and result['spread']['p90'].tolist() == [2.0, 2.0]


def test_ties_keep_file_order():
    assert ranks_of(np.array([0.2, 0.9, 0.2, 0.9])).tolist() == [3, 1, 4, 2]


def test_categories_split_275_wards_at_91_and_183():
    labels = categories(np.arange(1, 276))
    assert labels[90] == 'High' and labels[91] == 'Medium'
    assert labels[182] == 'Medium' and labels[183] == 'Low'
    assert categories(np.array([1, 2, 3])).tolist() == ['High', 'Medium', 'Low']


def test_comparison_of_two_rankings():
    a = np.arange(1, 11)
    same = compare(a, a.copy(), categories(a), categories(a))
    assert same['spearman'] == 1.0 and same['top10_overlap'] == 1.0 and same['category_agrees'].all()
    flipped = compare(a, a[::-1].copy(), categories(a), categories(a[::-1]))
    assert flipped['spearman'] == -1.0
    assert flipped['top20pct_overlap'] == 0.0 and flipped['top20pct_size'] == 2
    assert flipped['rank_difference'].tolist() == [9, 7, 5, 3, 1, -1, -3, -5, -7, -9]


def test_urban_thresholds_are_at_or_above():
    found = urban_thresholds(np.array([10.0, 30.0, 50.0, 75.0, 100.0, np.nan]))
    assert {t: rows.tolist() for t, rows in found.items()} == {30: [1, 2, 3, 4], 50: [2, 3, 4], 75: [3, 4],
                                                                100: [4]}


def test_rank_spread_matches_numpy_linear_percentiles():
    from chalicelib.analysis.scoring import rank_spread
    ranks = np.random.default_rng(0).integers(1, 50, size=(37, 20))  # models x wards
    spread = rank_spread(ranks)
    expected = np.percentile(ranks, (0, 10, 90, 100), axis=0)
    for key, row in zip(('min', 'p10', 'p90', 'max'), expected):
        assert spread[key] == pytest.approx(row)


def test_per_model_ranks_keep_file_order_within_ties_in_every_block():
    from chalicelib.analysis.scoring import RANK_BLOCK
    scores = np.round(np.random.default_rng(1).random((2 * RANK_BLOCK + 5, 300)), 1)   # models x wards, many ties
    expected = np.empty(scores.shape, dtype=np.int64)
    np.put_along_axis(expected, np.argsort(-scores, axis=1, kind='stable'), np.arange(1, 301), axis=1)
    assert (ranks_of(scores, np.int16) == expected).all()
