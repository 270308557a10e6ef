"""PCA against an independent eigen-decomposition; suitability; default orientation vs the legacy sign rule."""
import math

import numpy as np
import pytest

from chalicelib.analysis.pca import bartlett, chi2_survival, component_count, kmo, pca


def latent_data(n=60, seed=3, extra=0):
    """Three risk-related variables: two direct, one inverse (housing quality), noise, and
    `extra` more variables that follow the risk."""
    rng = np.random.default_rng(seed)
    risk = rng.standard_normal(n)
    columns = [risk + 0.5 * rng.standard_normal(n), 0.8 * risk + 0.6 * rng.standard_normal(n),
               -risk + 0.5 * rng.standard_normal(n), rng.standard_normal(n)]
    columns += [(0.3 + 0.2 * i) * risk + rng.standard_normal(n) for i in range(extra)]
    return np.column_stack(columns) + 10


@pytest.mark.parametrize('p', [4, 6])
def test_pca_matches_the_eigen_decomposition_of_the_correlation_matrix(p):
    """p = 6 keeps k = 4 components, of which only the first three make the score."""
    values = latent_data(extra=p - 4)
    names = [f'v{i}' for i in range(p)]
    result = pca(values, names, ['direct'] * p, legacy=True)
    assert result['ran'], result.get('reason')
    correlation = np.corrcoef(values, rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
    k = component_count(p)
    assert k == {4: 3, 6: 4}[p] and result['components'] == k
    assert result['eigenvalues'] == pytest.approx(eigenvalues[:k])
    assert result['explained_variance'] == pytest.approx(eigenvalues[:k] / p)
    loadings = np.array([result['loadings'][v] for v in names])  # variables x components
    for j in range(k):
        vector = eigenvectors[:, j] * np.sign(eigenvectors[np.argmax(np.abs(eigenvectors[:, j])), j])
        assert loadings[:, j] == pytest.approx(vector, abs=1e-8)
    z = (values - values.mean(axis=0)) / values.std(axis=0)
    expected = sum((z @ loadings[:, j]) * eigenvalues[j] / p for j in range(3))
    assert result['score'] == pytest.approx(expected)
    importance = (np.abs(loadings) * (eigenvalues[:k] / p)).sum(axis=1)
    assert list(result['importance'].values()) == pytest.approx(importance / importance.sum())
    assert sum(result['importance'].values()) == pytest.approx(1.0)


def test_kmo_and_bartlett_by_their_formulas():
    values = latent_data()
    correlation = np.corrcoef(values, rowvar=False)
    inverse = np.linalg.inv(correlation)
    p = len(correlation)
    r2 = a2 = 0.0
    for i in range(p):
        for j in range(p):
            if i != j:
                r2 += correlation[i, j] ** 2
                a2 += (inverse[i, j] / math.sqrt(inverse[i, i] * inverse[j, j])) ** 2
    assert kmo(correlation) == pytest.approx(r2 / (r2 + a2))
    chi2, df, p_value = bartlett(correlation, 60)
    assert chi2 == pytest.approx(-(59 - (2 * 4 + 5) / 6) * math.log(np.linalg.det(correlation)))
    assert df == 6 and p_value < 1e-6


@pytest.mark.parametrize('x', [0.01, 0.5, 1.0, 3.0, 10.0, 40.0, 200.0])
def test_chi2_survival_against_closed_forms(x):
    assert chi2_survival(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-9, abs=1e-300)
    assert chi2_survival(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-9, abs=1e-300)
    assert chi2_survival(x, 4) == pytest.approx(math.exp(-x / 2) * (1 + x / 2), rel=1e-9, abs=1e-300)


def test_uncorrelated_variables_fail_the_checks_and_say_why():
    h = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]] * 3, dtype=float)
    result = pca(h, ['a', 'b', 'c'], ['direct'] * 3)
    assert not result['ran'] and 'score' not in result
    assert not result['checks']['kmo']['passed'] and not result['checks']['bartlett']['passed']
    assert 'kmo' in result['reason'] and 'bartlett' in result['reason']


def test_two_variables_or_too_few_wards_do_not_run():
    values = latent_data()
    assert pca(values[:, :2], ['a', 'b'], ['direct'] * 2)['checks']['variables']['passed'] is False
    few = pca(values[:3], list('abcd'), ['direct'] * 4)
    assert not few['ran'] and few['checks']['wards']['passed'] is False


def test_default_orientation_ranks_the_most_vulnerable_first_where_legacy_may_not():
    rng = np.random.default_rng(7)
    good = rng.standard_normal(80)  # higher = better housing, further from water, higher ground
    values = np.column_stack([good + 0.3 * rng.standard_normal(80) for _ in range(3)]) + 5
    directions = ['inverse'] * 3
    default = pca(values, ['housing', 'distance', 'elevation'], directions)
    legacy = pca(values, ['housing', 'distance', 'elevation'], directions, legacy=True)
    assert np.corrcoef(default['score'], -good)[0, 1] > 0.9  # high score = poor housing etc. = high risk
    assert np.corrcoef(legacy['score'], good)[0, 1] > 0.9  # legacy: least vulnerable wards on top
    for name in ('housing', 'distance', 'elevation'):
        assert legacy['loadings'][name][0] > 0
    assert sum(default['loadings'][n][0] for n in default['loadings']) > 0


def test_legacy_largest_loading_is_positive_for_every_component():
    result = pca(latent_data(seed=11), list('abcd'), ['direct', 'direct', 'inverse', 'direct'], legacy=True)
    loadings = np.array([result['loadings'][v] for v in 'abcd'])
    for j in range(result['components']):
        assert loadings[np.argmax(np.abs(loadings[:, j])), j] > 0


def test_default_components_have_positive_loading_sums():
    result = pca(latent_data(seed=11), list('abcd'), ['direct', 'direct', 'inverse', 'direct'])
    loadings = np.array([result['loadings'][v] for v in 'abcd'])
    assert (loadings.sum(axis=0) > 0).all()


@pytest.mark.parametrize('p,k', [(3, 2), (4, 3), (5, 4), (7, 5), (10, 8)])
def test_component_count(p, k):
    assert component_count(p) == k


def test_collinear_variables_give_the_same_decision_in_any_row_order():
    values = np.array([[0.0] * 3, [1.0] * 3, [0.0] * 3, [0.0] * 3, [0.0] * 3, [0.0] * 3])
    decisions = {pca(values[list(order)], list('abc'), ['direct'] * 3)['ran']
                 for order in ([0, 1, 2, 3, 4, 5], [0, 2, 3, 4, 1, 5], [5, 4, 3, 2, 1, 0])}
    assert len(decisions) == 1
    assert pca(values, list('abc'), ['direct'] * 3)['kmo'] == 0.5
