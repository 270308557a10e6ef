"""run_analysis end to end: request handling, methods, drops, JSON output, and properties for all inputs."""
import csv
import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from chalicelib.analysis import DataError, prepare_dataset, run_analysis
from chalicelib.analysis.synthetic import generate_state

from analysis_builders import geojson_of, square

RANKING_FIELDS = {'ward_code', 'ward_name', 'lga', 'composite_score', 'composite_rank', 'composite_category',
                  'pca_score', 'pca_rank', 'pca_category', 'rank_spread', 'imputed', 'urban_percentage'}


def grid_files(matrix, names, order=None, columns=4):
    """Data CSV (rows in `order`) and grid boundaries for a wards x variables matrix (None = gap)."""
    n = len(matrix)
    order = list(range(n)) if order is None else order
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(['WardCode', 'WardName'] + list(names))
    for i in order:
        writer.writerow([f'W{i}', f'Ward {i}'] + ['NA' if v is None else repr(v) for v in matrix[i]])
    boundaries = geojson_of([({'WardCode': f'W{i}', 'WardName': f'Ward {i}'}, square(i % columns, i // columns))
                             for i in range(n)])
    return {'data': ('wards.csv', out.getvalue().encode()), 'boundaries': ('wards.geojson', boundaries)}


@pytest.fixture(scope='module')
def state():
    return prepare_dataset(generate_state(120, seed=5))


def test_rankings_carry_exactly_the_contract_fields_in_rank_order(state):
    result = run_analysis(state, {})
    assert all(set(r) == RANKING_FIELDS for r in result.rankings)
    assert [r['composite_rank'] for r in result.rankings] == list(range(1, 121))
    spread = result.rankings[0]['rank_spread']
    assert spread['min'] <= spread['p10'] <= spread['p90'] <= spread['max']
    assert result.pca['ran'] and result.comparison['wards'][0]['composite_rank'] == 1


def test_to_dict_is_plain_json_without_nan(state):
    result = run_analysis(state, {'variables': ['u5_tpr_rdt', 'housing_quality', 'avgRAD', 'NDMI']})
    document = result.to_dict()
    text = json.dumps(document, allow_nan=False)
    assert json.loads(text)['rankings'][0]['ward_code'] == result.rankings[0]['ward_code']
    assert set(document) >= {'rankings', 'models', 'pca', 'comparison', 'match_report', 'imputation', 'variables',
                             'warnings', 'urban_thresholds', 'ward_values', 'geojson'}
    gaps = [f for f in document['imputation'] if f['variable'] == 'housing_quality']
    assert gaps and all(set(f) >= {'ward_code', 'variable', 'method', 'value'} for f in gaps)


def test_composite_only_and_pca_only(state):
    composite = run_analysis(state, {'method': 'composite'})
    assert composite.rankings[0]['pca_rank'] is None and composite.pca == {'ran': False,
                                                                          'reason': 'PCA not requested.'}
    pca = run_analysis(state, {'method': 'pca'})
    assert pca.rankings[0]['composite_rank'] is None and pca.models == []
    assert [r['pca_rank'] for r in pca.rankings] == list(range(1, 121))


def test_pca_only_falls_back_to_the_composite_and_says_why():
    h = [[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]] * 3
    result = run_analysis(prepare_dataset(grid_files(h, ['rain', 'flood', 'ndvi'])), {'method': 'pca'})
    assert result.rankings[0]['composite_rank'] == 1 and result.rankings[0]['pca_rank'] is None
    assert any('PCA not run' in w and 'composite score is given alone' in w for w in result.warnings)


def test_sparse_and_constant_variables_are_dropped_with_a_warning():
    matrix = [[float(i), 5.0, None if i % 3 else 1.0, float(i % 4)] for i in range(12)]
    prepared = prepare_dataset(grid_files(matrix, ['rain', 'flat', 'sparse', 'flood']))
    result = run_analysis(prepared, {'variables': ['rain', 'flat', 'sparse', 'flood']})
    assert [v['name'] for v in result.variables] == ['rain', 'flood']
    assert any(w.startswith('flat dropped') for w in result.warnings)
    assert any(w.startswith('sparse dropped') and '4 of 12' in w for w in result.warnings)


def test_a_variable_with_exactly_half_its_values_is_kept():
    matrix = [[float(i), None if i % 2 else float(i % 5), float(i % 4)] for i in range(12)]
    result = run_analysis(prepare_dataset(grid_files(matrix, ['rain', 'half', 'flood'])),
                          {'variables': ['rain', 'half', 'flood'], 'method': 'composite'})
    assert [v['name'] for v in result.variables] == ['rain', 'half', 'flood']


def test_the_ten_variable_limit_counts_usable_variables_only():
    names = [f'v{i}' for i in range(10)] + ['flat']
    matrix = [[float((i * (j + 1)) % 13) for j in range(10)] + [5.0] for i in range(12)]
    result = run_analysis(prepare_dataset(grid_files(matrix, names)),
                          {'variables': names, 'method': 'composite'})
    assert len(result.variables) == 10 and any(w.startswith('flat dropped') for w in result.warnings)


def test_too_few_usable_variables_is_a_request_error():
    matrix = [[float(i), 5.0] for i in range(6)]
    with pytest.raises(DataError) as caught:
        run_analysis(prepare_dataset(grid_files(matrix, ['rain', 'flat'])), {'variables': ['rain', 'flat']})
    assert caught.value.code == 'too_few_variables' and caught.value.column == 'variables'


@pytest.mark.parametrize('request_,column', [({'method': 'magic'}, 'method'), ({'preset': 'old'}, 'preset'),
                                             ({'variables': 'rain'}, 'variables'),
                                             ({'directions': ['rain']}, 'directions')])
def test_malformed_requests_name_the_field(state, request_, column):
    with pytest.raises(DataError) as caught:
        run_analysis(state, request_)
    assert caught.value.column == column


def test_legacy_preset_uses_sequential_imputation_and_sixteen_models(state):
    variables = ['u5_tpr_rdt', 'avgRAD', 'housing_quality', 'mean_soil_wetness', 'distance_to_water', 'NDMI']
    result = run_analysis(state, {'preset': 'mrpt-legacy', 'variables': variables})
    assert len(result.models) == 16
    assert result.models[-1] == {'id': 16, 'variables': variables[:5]}
    assert {f['method'] for f in result.imputation} == {'sequential'}
    assert any('first five variables' in w for w in result.warnings)


def test_stages_are_reported_in_order(state):
    stages = []
    run_analysis(state, {}, on_stage=stages.append)
    assert stages == ['select', 'impute', 'normalise', 'pca', 'composite', 'assemble']


def test_urban_thresholds_list_wards_at_or_above(state):
    result = run_analysis(state, {})
    thresholds = {t['threshold']: t for t in result.urban_thresholds}
    assert sorted(thresholds) == [30, 50, 75, 100]
    urban = {r['ward_code']: r['urban_percentage'] for r in result.rankings}
    assert set(thresholds[50]['ward_codes']) == {c for c, u in urban.items() if u is not None and u >= 50}


# --- properties that hold for every input -------------------------------------------------

VARIABLES = ['rain', 'flood', 'housing']


@st.composite
def ward_matrices(draw, min_wards=6, max_wards=16):
    """Wards x 3 variables with gaps, each variable usable (over half present, not constant)."""
    n = draw(st.integers(min_wards, max_wards))
    value = st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 3))
    columns = []
    for _ in range(3):
        column = draw(st.lists(value, min_size=n, max_size=n))
        if len(set(column[:2])) == 1:
            column[1] = column[0] + 1.0  # rows 0 and 1 always present and different
        gaps = draw(st.sets(st.integers(2, n - 1), max_size=(n - 1) // 2 - 1))
        columns.append([None if i in gaps else v for i, v in enumerate(column)])
    return [list(row) for row in zip(*columns)]


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(matrix=ward_matrices(), data=st.data())
def test_default_result_does_not_depend_on_row_order(matrix, data):
    order = data.draw(st.permutations(range(len(matrix))))
    before = run_analysis(prepare_dataset(grid_files(matrix, VARIABLES)), {'variables': VARIABLES})
    after = run_analysis(prepare_dataset(grid_files(matrix, VARIABLES, order)), {'variables': VARIABLES})
    first = {r['ward_code']: r for r in before.rankings}
    second = {r['ward_code']: r for r in after.rankings}
    scores = [r['composite_score'] for r in before.rankings]
    for code, row in first.items():
        assert second[code]['composite_score'] == pytest.approx(row['composite_score'], abs=1e-12)
        assert second[code]['imputed'] == row['imputed']
        if scores.count(row['composite_score']) == 1:
            assert second[code]['composite_rank'] == row['composite_rank']
        if row['pca_score'] is not None:
            assert second[code]['pca_score'] == pytest.approx(row['pca_score'], abs=1e-9)


@SETTINGS
@given(matrix=ward_matrices(), preset=st.sampled_from(['default', 'mrpt-legacy']),
       directions=st.lists(st.sampled_from(['direct', 'inverse']), min_size=3, max_size=3))
def test_every_normalised_value_lies_in_0_to_1(matrix, preset, directions):
    result = run_analysis(prepare_dataset(grid_files(matrix, VARIABLES)),
                          {'variables': VARIABLES, 'preset': preset, 'directions': dict(zip(VARIABLES, directions))})
    for ward in result.ward_values:
        assert all(0.0 <= v <= 1.0 for v in ward['normalised'].values())
    assert all(0.0 <= r['composite_score'] <= 1.0 for r in result.rankings)


@SETTINGS
@given(matrix=ward_matrices(), data=st.data(), preset=st.sampled_from(['default', 'mrpt-legacy']))
def test_raising_a_direct_variable_never_lowers_that_wards_composite(matrix, data, preset):
    rows = [i for i, row in enumerate(matrix) if row[0] is not None]
    ward = data.draw(st.sampled_from(rows))
    raised = [list(row) for row in matrix]
    raised[ward][0] = matrix[ward][0] + data.draw(st.floats(0.001, 50))
    request = {'variables': VARIABLES, 'preset': preset, 'method': 'composite'}
    before = run_analysis(prepare_dataset(grid_files(matrix, VARIABLES)), request)
    after = run_analysis(prepare_dataset(grid_files(raised, VARIABLES)), request)
    score = {r['ward_code']: r['composite_score'] for r in before.rankings}[f'W{ward}']
    assert {r['ward_code']: r['composite_score'] for r in after.rankings}[f'W{ward}'] >= score - 1e-12


@SETTINGS
@given(n=st.integers(12, 40), seed=st.integers(0, 10_000), noise=st.floats(0.1, 0.8))
def test_default_pca_score_correlates_positively_with_the_composite(n, seed, noise):
    rng = np.random.default_rng(seed)
    risk = rng.standard_normal(n)
    names = ['rain', 'flood', 'housing', 'distance']
    signs = [1, 1, -1, -1]  # housing quality and distance to water fall as risk rises
    matrix = [[float(round(s * risk[i] + noise * rng.standard_normal() + 10, 6)) for s in signs] for i in range(n)]
    result = run_analysis(prepare_dataset(grid_files(matrix, names, columns=6)), {'variables': names})
    assume(result.pca['ran'])
    composite = [r['composite_score'] for r in result.rankings]
    pca = [r['pca_score'] for r in result.rankings]
    assert np.corrcoef(composite, pca)[0, 1] > 0


def test_ranking_wards_leaves_the_display_boundaries_until_they_are_stored_or_drawn(monkeypatch):
    from chalicelib.analysis import spatial
    made = []
    display = spatial.display_geojson
    monkeypatch.setattr(spatial, 'display_geojson', lambda *args: made.append(1) or display(*args))
    prepared = prepare_dataset(generate_state(40, seed=2))
    result = run_analysis(prepared, {})
    assert result.rankings and made == []
    stored = prepared.to_canonical()
    assert made == [1]
    assert json.loads(stored['boundaries.geojson']) == result.to_dict()['geojson'] and made == [1]
