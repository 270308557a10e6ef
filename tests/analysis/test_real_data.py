"""The shared real datasets: what programme officers will upload."""
import numpy as np
import pytest

from chalicelib.analysis import run_analysis
from tests.analysis import fixtures_tpr as fx

pytestmark = pytest.mark.shared_data


def test_niger_all_wards_matched_by_code_and_repeated_names_kept_apart(real):
    niger = real('niger')
    assert niger.summary['wards'] == 275
    assert niger.summary['matched'] == {'by_code': 275, 'by_name': 0, 'fuzzy': 0}
    assert niger.summary['unmatched'] == 0 and niger.state == 'NI'
    repeated = {'Kawo': 2, 'Kodo': 2, 'Kudu': 2, 'Magajiya': 2, 'Sabon Gari': 3}
    for name, times in repeated.items():
        wards = [i for i, ward in enumerate(niger.ward_name) if ward == name]
        assert len(wards) == times, name
        assert len({niger.ward_code[i] for i in wards}) == times, name
        assert len({niger.lga[i] for i in wards}) == times, name
    assert len(set(niger.boundary)) == 275


def test_niger_contiguity_has_no_islands(real):
    niger = real('niger')
    counts = np.diff(niger.indptr)
    assert counts.min() >= 1
    assert abs(counts.mean() - 5.45) < 0.01


def test_niger_housing_quality_gaps_are_filled_from_neighbours(real):
    niger = real('niger')
    column = niger.variables.index('housing_quality')
    assert int(np.isnan(niger.values[:, column]).sum()) == 17
    result = run_analysis(niger, {'variables': ['housing_quality', 'u5_tpr_rdt', 'avgRAD']})
    filled = [f for f in result.imputation if f['variable'] == 'housing_quality']
    assert len(filled) == 17
    assert all(f['method'] == 'snapshot' and np.isfinite(f['value']) for f in filled)
    ranked = {r['ward_code']: r for r in result.rankings}
    assert all('housing_quality' in ranked[f['ward_code']]['imputed'] for f in filled)


def test_niger_summary_lists_variables_with_gaps(real):
    by_name = {v['name']: v for v in real('niger').summary['variables']}
    assert by_name['housing_quality']['missing'] == 17
    assert by_name['pfpr']['missing'] == 1
    assert by_name['distance_to_water']['direction'] == 'inverse'
    assert by_name['u5_tpr_rdt']['direction'] == 'direct'
    assert 'X.1' not in by_name and 'lga_code' not in by_name


def test_niger_default_analysis_uses_the_north_central_concepts(real):
    result = run_analysis(real('niger'), {})
    used = [v['name'] for v in result.variables]
    assert used == ['distance_to_water', 'housing_quality', 'avgRAD', 'NDMI', 'mean_soil_wetness', 'u5_tpr_rdt',
                    'urbanPercentage']
    assert 'urbanArea' not in used
    assert len(result.models) == 2 ** 7 - 7 - 1
    assert [r['composite_rank'] for r in result.rankings] == list(range(1, 276))
    categories = [r['composite_category'] for r in result.rankings]
    assert categories.count('High') == 91 and categories.count('Medium') == 92 and categories.count('Low') == 92
    assert result.pca['ran'] and result.comparison['spearman'] > 0.5


def test_warri_web_mercator_is_reprojected_and_names_matched(real):
    warri = real('warri')
    assert any('reprojected' in w for w in warri.warnings)
    assert warri.summary['matched']['by_name'] == 30 and warri.summary['unmatched'] == 0
    lon, lat = warri.geojson['features'][0]['geometry']['coordinates'][0][0]
    assert 5.0 < lon < 6.5 and 5.0 < lat < 6.5
    assert warri.state == 'DE'
    assert all(code.startswith('DTS') for code in warri.ward_code)


def test_warri_r_style_na_is_missing(real):
    by_name = {v['name']: v for v in real('warri').summary['variables']}
    assert by_name['mean_EVI']['missing'] == 10
    assert by_name['tpr_u5']['missing'] == 2
    assert by_name['settlement_type']['missing'] == 1


def test_kano_fuzzy_matches_and_the_tie_stays_unmatched(real):
    kano = real('kano')
    report = kano.match_report
    fuzzy = {f['data_name']: f['boundary_name'] for f in report['fuzzy']}
    assert fuzzy == {'Gawunab': 'Gawuna', 'zaitawai': 'Zaitawa'}
    by_name = {f['data_name']: f['boundary_name'] for f in report['by_name']}
    assert by_name['Bakin-Ruwa'] == 'Bakin Ruwa'  # the hyphen is normalised away before fuzzy matching
    assert [u['ward_name'] for u in report['unmatched']] == ['Fagg c']
    assert report['unmatched'][0]['reason'] == 'tie'
    assert {c['name'] for c in report['unmatched'][0]['candidates']} == {'Fagge A', 'Fagge B', 'Fagge C'}
    assert [b['ward_name'] for b in report['boundaries_without_data']] == ['Fagge C']
    blank = [f['properties'] for f in kano.geojson['features'] if f['properties']['row'] is None]
    assert [(p['ward_name'], p['lga'] is not None) for p in blank] == [('Fagge C', True)]
    assert any('no projection' in w for w in kano.warnings)


def test_kano_unmatched_row_is_ranked_with_its_own_data_not_zero(real):
    kano = real('kano')
    row = kano.ward_name.index('Fagg c')
    assert kano.ward_code[row] is None and kano.boundary[row] == -1
    result = run_analysis(kano, {})
    fagg = next(r for r in result.rankings if r['ward_name'] == 'Fagg c')
    assert fagg['composite_rank'] is not None


def test_ilorin_names_matched_and_housing_gaps_filled(real):
    ilorin = real('ilorin')
    assert ilorin.summary['matched']['by_name'] == 35 and ilorin.state == 'KW'
    result = run_analysis(ilorin, {})
    assert sum(f['variable'] == 'val_housing_15' for f in result.imputation) == 10
    assert {v['name']: v['direction'] for v in result.variables}['val_housing_15'] == 'inverse'
    assert any('No column found' in w for w in result.warnings)


def test_canonical_files_give_the_same_result_as_the_upload(real):
    from chalicelib.analysis.dataset import PreparedDataset
    niger = real('niger')
    stored = niger.to_canonical()
    assert set(stored) == {'wards.csv', 'boundaries.geojson', 'neighbours.json', 'validation.json'}
    loaded = PreparedDataset.from_canonical(stored)
    for preset in ('default', 'mrpt-legacy'):
        assert run_analysis(loaded, {'preset': preset}).to_dict() == run_analysis(niger, {'preset': preset}).to_dict()
    assert loaded.summary == niger.summary


def test_a_facility_export_naming_lgas_matches_boundaries_that_carry_only_lga_codes(shared_data):
    """Niger's shapefile has the numeric LGACode alone; the export names the LGA: the three Sabon
    Gari wards of three LGAs must each get their own facility's TPR."""
    import csv
    import io
    from chalicelib.analysis import prepare_dataset
    from chalicelib.analysis.tpr import compute_ward_tpr, read_facility_export
    rows = fx.niger_rows(shared_data)
    chosen = rows[:57] + [r for r in rows if r['WardName'] == 'Sabon Gari']
    boundaries = prepare_dataset({'boundaries': ('Niger_State.zip',
                                                 (shared_data / 'niger' / 'Niger_State.zip').read_bytes())})
    wards = list(csv.DictReader(io.StringIO(boundaries.to_canonical()['wards.csv'].decode())))
    table, _ = read_facility_export('niger_tpr.csv', fx.niger_export(chosen))

    result = compute_ward_tpr(table, wards=[{k: w[k] or None for k in ('ward_code', 'ward_name', 'lga', 'state')}
                                            for w in wards], age='u5', test='rdt')

    tpr = {w['ward_code']: w['tpr'] for w in result.wards.to_dict('records') if w['tpr'] is not None}
    expected = {r['WardCode']: 100 * (5 + n % 7) / (20 + n) for n, r in enumerate(chosen)}
    assert tpr == pytest.approx(expected)
    assert not any('match no boundary' in w for w in result.warnings)


def test_ward_data_of_another_state_is_refused_saying_how_many_matched(shared_data):
    """Warri's wards against Niger's boundaries: one wrong fuzzy match used to make a READY dataset
    of 274 empty wards."""
    from chalicelib.analysis import prepare_dataset
    from chalicelib.analysis.errors import DataError
    files = {'data': ('warri_training_data.csv', (shared_data / 'warri' / 'warri_training_data.csv').read_bytes()),
             'boundaries': ('Niger_State.zip', (shared_data / 'niger' / 'Niger_State.zip').read_bytes())}

    with pytest.raises(DataError) as refused:
        prepare_dataset(files)

    error = refused.value
    assert (error.code, error.file) == ('too_few_matched', 'warri_training_data.csv')
    assert 'Only 1 of the 30 wards' in error.message and 'Tsekelewu' in error.message
    assert 'same state' in error.message and 'year' in error.message


def test_a_partial_match_stays_ready_listing_the_unmatched_wards(real):
    kano = real('kano')
    assert kano.summary['unmatched'] == 1
    assert kano.summary['unmatched_wards'] == [{'ward_name': 'Fagg c', 'reason': 'tie'}]


def test_a_facility_export_of_another_state_is_refused(shared_data):
    """An export whose wards are not the boundaries' is refused, not turned into a TPR of empty wards."""
    import csv
    import io
    from chalicelib.analysis import prepare_dataset
    from chalicelib.analysis.errors import DataError
    from chalicelib.analysis.tpr import compute_ward_tpr, read_facility_export
    ilorin = prepare_dataset({'boundaries': ('Ilorin_3LGA.zip',
                                             (shared_data / 'ilorin' / 'Ilorin_3LGA.zip').read_bytes())})
    wards = list(csv.DictReader(io.StringIO(ilorin.to_canonical()['wards.csv'].decode())))
    table, _ = read_facility_export('niger_tpr.csv', fx.niger_export(fx.niger_rows(shared_data)[:20]))

    with pytest.raises(DataError) as refused:
        compute_ward_tpr(table, wards=[{k: w[k] or None for k in ('ward_code', 'ward_name', 'lga', 'state')}
                                       for w in wards])
    assert refused.value.code in ('no_matches', 'too_few_matched')
    assert 'of the 20 wards the facility export reports' in refused.value.message
