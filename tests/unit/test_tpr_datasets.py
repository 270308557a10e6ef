"""POST /datasets/{id}/tpr: ward TPR from a dataset's facility export, joined as a variable."""
import csv
import io
import json
import urllib.parse

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.analysis import PreparedDataset, run_analysis
from tests.analysis import fixtures_tpr as fx
from tests.raw_aws import Bucket
from tests.unit.test_itn_plans import put_prepared_dataset

# Kwara wards as a programme's ward data names them; Eiyenkorin has no facility reports.
WARDS = (('KWSASA01', 'Afon', 'Asa'), ('KWSILS01', 'Afon', 'Ilorin South'),
         ('KWSILS02', 'Akanbi I', 'Ilorin South'), ('KWSASA02', 'Ogbondoroko', 'Asa'),
         ('KWSASA03', 'Eiyenkorin', 'Asa'))
# The same wards as the export names them, for the hand computation.
EXPORT_NAMES = {'KWSASA01': ('Asa Local Government Area', 'Afon Ward'),
                'KWSILS01': ('Ilorin South Local Government Area', 'Afon Ward'),
                'KWSILS02': ('Ilorin South Local Government Area', 'Akanbi I Ward'),
                'KWSASA02': ('Asa Local Government Area', 'Ogbondoroko Ward')}


def ward_data():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(['WardCode', 'WardName', 'LGA', 'State', 'population', 'housing_quality', 'mean_rainfall'])
    for i, (code, name, lga) in enumerate(WARDS):
        writer.writerow([code, name, lga, 'Kwara', 4000 + 1000 * i, 0.1 + 0.07 * i, 120 - 9 * i * i % 7])
    return ('kwara_wards.csv', out.getvalue().encode())


def kwara(stores, caller, export=None, filename='kwara_tpr.csv'):
    export = fx.export_csv(mangled=True) if export is None else export
    dataset_id, _ = put_prepared_dataset(stores, caller.user_id, {'data': ward_data()},
                                         uploads=[('tpr', filename, export)])
    return dataset_id


def canonical(stores, user_id, dataset_id):
    item = stores.datasets.get(user_id, dataset_id)
    return {name: stores.objects.get_object(user_id, key) for name, key in item['canonical'].items()}


def tpr_files(stores, user_id, dataset_id):
    """The keys stored under the dataset's TPR folder."""
    return sorted(Bucket(stores.settings).keys(f'users/{user_id}/datasets/{dataset_id}/tpr/'))


def carried_tpr_files(dataset):
    """The keys of the TPR files the dataset names: its ward TPR, series and joined canonical files."""
    return sorted([dataset['tpr']['key'], dataset['tpr']['series_key'], dataset['canonical']['wards.csv'],
                   dataset['canonical']['validation.json']])


def assert_hand_computed(wards, **options):
    hand = fx.expected(fx.records(), **options)
    for row in wards:
        if row['ward_code'] in EXPORT_NAMES:
            want = hand[EXPORT_NAMES[row['ward_code']]]
            assert (row['method'], row['positives'], row['tested']) == (want['method'], want['positives'],
                                                                        want['tested'])
            assert (row['facilities'], row['periods']) == (want['facilities'], want['periods'])
            assert row['tpr'] == pytest.approx(want['tpr'])


def test_ward_tpr_is_computed_joined_and_its_header_repairs_reported(alice, stores):
    dataset_id = kwara(stores, alice)
    response = alice.post(f'/datasets/{dataset_id}/tpr', {})
    assert response.status_code == 200, response.json_body
    result = response.json_body
    assert result['column'] == 'tpr' and result['options']['age'] == 'all'
    assert [w['ward_code'] for w in result['wards']] == [code for code, _, _ in WARDS]
    assert_hand_computed(result['wards'])
    silent = result['wards'][-1]
    assert silent['tpr'] is None and silent['tested'] is None          # no reports: missing, not 0
    assert (result['wards_with_tpr'], result['wards_without_tpr']) == (4, 1)
    repairs = ' '.join(result['warnings'])
    assert 'â‰¥' in repairs and 'period0me' in repairs and '.1' in repairs and "'kw'" in repairs
    dataset = alice.get(f'/datasets/{dataset_id}').json_body
    assert set(result['warnings']) <= set(dataset['warnings'])
    variables = {v['name']: v for v in dataset['summary']['variables']}
    assert variables['tpr']['missing'] == 1 and variables['tpr']['direction'] == 'direct'
    wards = list(csv.DictReader(io.StringIO(canonical(stores, alice.user_id, dataset_id)['wards.csv'].decode())))
    by_code = {row['ward_code']: row['tpr'] for row in wards}
    assert by_code['KWSASA03'] == ''
    assert float(by_code['KWSILS02']) == pytest.approx(result['wards'][2]['tpr'])


def test_the_tpr_becomes_a_variable_an_analysis_can_name(alice, stores):
    dataset_id = kwara(stores, alice)
    result = alice.post(f'/datasets/{dataset_id}/tpr', {'age': 'u5', 'test': 'rdt'}).json_body
    assert result['column'] == 'u5_tpr_rdt'
    assert_hand_computed(result['wards'], age='u5', test='rdt')
    response = alice.post('/analyses', {'dataset_id': dataset_id, 'method': 'composite',
                                        'variables': ['u5_tpr_rdt', 'housing_quality', 'mean_rainfall']})
    assert response.status_code == 202
    # What the worker's prepare stage loads: the dataset's canonical files, TPR included.
    prepared = PreparedDataset.from_canonical(canonical(stores, alice.user_id, dataset_id))
    ranked = run_analysis(prepared, {'method': 'composite', 'variables': ['u5_tpr_rdt', 'housing_quality']})
    assert 'u5_tpr_rdt' in [v['name'] for v in ranked.to_dict()['variables']]
    eiyenkorin = next(c for c in ranked.to_dict()['imputation'] if c['variable'] == 'u5_tpr_rdt')
    assert eiyenkorin['row'] == 4                                       # filled like any gap, never 0


def test_other_options_replace_the_tpr_rather_than_stack(alice, stores):
    dataset_id = kwara(stores, alice)
    alice.post(f'/datasets/{dataset_id}/tpr', {'age': 'u5', 'test': 'rdt'})
    result = alice.post(f'/datasets/{dataset_id}/tpr', {'level': 'primary', 'period_from': '2024-02',
                                                        'period_to': '2024-03'}).json_body
    assert_hand_computed(result['wards'], level='primary', months=fx.MONTHS[1:])
    dataset = alice.get(f'/datasets/{dataset_id}').json_body
    names = [v['name'] for v in dataset['summary']['variables']]
    assert 'tpr' in names and 'u5_tpr_rdt' not in names
    assert len(dataset['warnings']) == len(set(dataset['warnings']))
    header = canonical(stores, alice.user_id, dataset_id)['wards.csv'].decode().splitlines()[0].split(',')
    assert header.count('tpr') == 1 and 'u5_tpr_rdt' not in header
    # The dataset says which TPR it carries, and nothing of where it is stored.
    assert dataset['tpr']['column'] == 'tpr'
    assert dataset['tpr']['options']['level'] == 'primary' and dataset['tpr']['options']['period_from'] == '2024-02'
    assert 'users/' not in json.dumps(dataset) and 'uploads/' not in json.dumps(dataset)
    # The files of the options chosen first are gone with them.
    assert tpr_files(stores, alice.user_id, dataset_id) == carried_tpr_files(
        stores.datasets.get(alice.user_id, dataset_id))


def test_positives_above_tests_are_kept_and_flagged(alice, stores):
    dataset_id = kwara(stores, alice, fx.export_xlsx(), 'kwara_tpr.xlsx')
    result = alice.post(f'/datasets/{dataset_id}/tpr', {'test': 'rdt', 'age': 'u5'}).json_body
    facility, month = fx.OVER_POSITIVE
    assert result['flagged_rows'] >= 1
    assert any(row['facility'] == facility and row['period'] == '2024-02' and row['positives'] > row['tested']
               for row in result['flagged'])
    assert_hand_computed(result['wards'], test='rdt', age='u5')


@pytest.mark.parametrize('body, field', [
    ({'age': 'adults'}, 'age'),
    ({'test': 'pcr'}, 'test'),
    ({'period_from': 'last year'}, 'period_from'),
    ({'period_to': '2024-13'}, 'period_to'),
    ({'wards': []}, 'wards'),
])
def test_bad_options_are_400_naming_the_field(alice, stores, body, field):
    dataset_id = kwara(stores, alice)
    response = alice.post(f'/datasets/{dataset_id}/tpr', body)
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == field


def test_a_broken_export_is_422_naming_row_and_column(alice, stores):
    export = fx.export_csv().decode().splitlines()
    cells = export[3].split(',')
    cells[-1] = 'twelve'
    dataset_id = kwara(stores, alice, '\n'.join(export[:3] + [','.join(cells)] + export[4:]).encode())
    response = alice.post(f'/datasets/{dataset_id}/tpr', {})
    assert response.status_code == 422
    details = response.json_body['error']['details']
    assert details['row'] == 4 and details['file'] == 'kwara_tpr.csv' and 'twelve' in details['message']


def test_another_users_dataset_is_404_and_nothing_is_written(alice, bob, stores):
    dataset_id = kwara(stores, alice)
    assert bob.post(f'/datasets/{dataset_id}/tpr', {}).status_code == 404
    assert tpr_files(stores, alice.user_id, dataset_id) == []
    assert 'tpr' not in stores.datasets.get(alice.user_id, dataset_id)


def test_a_viewer_cannot_compute_tpr(carol, stores):
    assert carol.post(f'/datasets/{kwara(stores, carol)}/tpr', {}).status_code == 403


def test_a_dataset_without_a_facility_export_is_409(alice, stores):
    dataset_id, _ = put_prepared_dataset(stores, alice.user_id, {'data': ward_data()})
    response = alice.post(f'/datasets/{dataset_id}/tpr', {})
    assert response.status_code == 409
    assert '"tpr"' in response.json_body['error']['message']


def test_a_dataset_accepts_a_tpr_upload(alice):
    response = alice.post('/datasets', {'name': 'Kwara', 'files': [
        {'role': 'data', 'filename': 'wards.csv', 'size': 10},
        {'role': 'boundaries', 'filename': 'wards.geojson', 'size': 10},
        {'role': 'tpr', 'filename': 'dhis2_export.xlsx', 'size': 10}]})
    assert response.status_code == 201
    assert [u['role'] for u in response.json_body['uploads']] == ['data', 'boundaries', 'tpr']
    bad = alice.post('/datasets', {'name': 'Kwara', 'files': [
        {'role': 'data', 'filename': 'wards.csv', 'size': 10},
        {'role': 'boundaries', 'filename': 'wards.geojson', 'size': 10},
        {'role': 'tpr', 'filename': 'dhis2_export.zip', 'size': 10}]})
    assert bad.status_code == 400 and bad.json_body['error']['details']['field'] == 'files[2].filename'


def test_the_per_period_series_downloads_from_a_link_in_the_response(alice, stores, bucket):
    dataset_id = kwara(stores, alice)
    result = alice.post(f'/datasets/{dataset_id}/tpr', {'test': 'rdt'}).json_body
    path = urllib.parse.unquote(urllib.parse.urlparse(result['series_url']).path)
    assert f'/users/{alice.user_id}/datasets/{dataset_id}/tpr/' in path and path.endswith('/tpr_series.csv')
    body = bucket.read(path[path.index('users/'):]).decode()
    series = list(csv.DictReader(io.StringIO(body)))
    akanbi = [row for row in series if row['ward_code'] == 'KWSILS02']
    assert [row['period'] for row in akanbi] == ['2024-01', '2024-02', '2024-03']
    assert sum(int(row['tested']) for row in akanbi) == next(
        w['tested'] for w in result['wards'] if w['ward_code'] == 'KWSILS02')


def test_a_tpr_column_of_the_ward_data_being_replaced_is_a_dataset_warning(alice, stores):
    name, data = ward_data()
    lines = data.decode().splitlines()
    data = '\n'.join([lines[0] + ',tpr'] + [line + ',12.5' for line in lines[1:]]).encode()
    dataset_id, _ = put_prepared_dataset(stores, alice.user_id, {'data': (name, data)},
                                         uploads=[('tpr', 'kwara_tpr.csv', fx.export_csv())])
    alice.post(f'/datasets/{dataset_id}/tpr', {})
    warnings = alice.get(f'/datasets/{dataset_id}').json_body['warnings']
    assert any('tpr column of the ward data was replaced' in w for w in warnings)


def test_a_tpr_refused_at_the_last_write_leaves_no_files(alice, stores, monkeypatch):
    from chalicelib.storage.base import StaleTransition
    from chalicelib.storage.datasets import Datasets
    dataset_id = kwara(stores, alice)

    def replaced(*args, **kwargs):
        raise StaleTransition('dataset is no longer READY')
    monkeypatch.setattr(Datasets, 'set_tpr', replaced)
    assert alice.post(f'/datasets/{dataset_id}/tpr', {}).status_code == 409
    assert tpr_files(stores, alice.user_id, dataset_id) == []


def test_an_analysis_can_choose_its_tpr_options(alice, stores):
    dataset_id = kwara(stores, alice)
    response = alice.post('/analyses', {'dataset_id': dataset_id, 'variables': ['u5_tpr_rdt', 'housing_quality'],
                                        'tpr': {'age': 'u5', 'test': 'rdt', 'period_from': '2024-02'}})
    assert response.status_code == 202, response.json_body
    request = alice.get(f'/analyses/{response.json_body["analysis_id"]}').json_body['request']
    assert request['tpr'] == {'age': 'u5', 'test': 'rdt', 'level': 'all', 'period_from': '2024-02',
                              'period_to': None}


@pytest.mark.parametrize('tpr, field', [
    ({'age': 'adults'}, 'tpr.age'),
    ({'period_to': '2024-13'}, 'tpr.period_to'),
    ({'period_from': '2024-03', 'period_to': '2024-01'}, 'tpr.period_to'),
    ({'wards': []}, 'tpr.wards'),
    ('u5', 'tpr'),
])
def test_an_analysis_with_bad_tpr_options_is_400_naming_the_field(alice, stores, tpr, field):
    response = alice.post('/analyses', {'dataset_id': kwara(stores, alice), 'tpr': tpr})
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == field


def test_an_analysis_asking_for_tpr_on_a_dataset_without_a_facility_export_is_409(alice, stores):
    dataset_id, _ = put_prepared_dataset(stores, alice.user_id, {'data': ward_data()})
    response = alice.post('/analyses', {'dataset_id': dataset_id, 'tpr': {}})
    assert response.status_code == 409
    assert response.json_body['error']['details']['field'] == 'tpr'
    assert alice.get('/analyses').json_body['items'] == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=5, max_size=5),
       st.sampled_from(['tpr', 'u5_tpr_rdt', 'housing_quality']))
def test_joining_any_ward_tpr_keeps_every_other_value_and_leaves_gaps_missing(tprs, column):
    """For any TPRs, the joined canonical files load, carry exactly those values (None as a gap,
    never 0), and keep every other variable as it was."""
    from chalicelib.analysis import prepare_dataset
    from chalicelib.datasets.tpr import join_ward_tpr
    files = prepare_dataset({'data': ward_data()}).to_canonical()
    before = PreparedDataset.from_canonical(files)
    wards = [{'ward_code': code, 'tpr': tpr} for (code, _, _), tpr in zip(WARDS, tprs)]
    joined, notes = join_ward_tpr(files, wards, column)
    after = PreparedDataset.from_canonical(dict(files, **joined))
    assert bool(notes) == (column == 'housing_quality')   # a replaced column of the ward data is said
    got = after.values[:, after.variables.index(column)]
    assert [None if v != v else v for v in got] == pytest.approx(tprs)
    for name in before.variables:
        if name != column:
            assert list(after.values[:, after.variables.index(name)]) == list(
                before.values[:, before.variables.index(name)])
    assert after.variables.count(column) == 1
    assert [v['name'] for v in after.summary['variables']].count(column) == 1


def test_two_tpr_requests_at_once_leave_the_dataset_naming_the_files_it_carries(alice, stores, monkeypatch):
    """A request whose files are written while another's lands is refused (409), never recorded
    over the other's files; the dataset keeps one computation, whole, and no leftover files."""
    from chalicelib.datasets.tpr import compute_tpr
    from chalicelib.storage.datasets import Datasets
    dataset_id = kwara(stores, alice)
    record = Datasets.set_tpr
    deps = stores.replace(max_bytes=10_000_000)
    later = {}

    def meanwhile(self, *args, **kwargs):
        if not later:       # the other request runs whole between this one's files and its write
            later['request'] = None
            later['request'] = compute_tpr(alice.user_id, dataset_id, {}, deps)
        return record(self, *args, **kwargs)
    monkeypatch.setattr(Datasets, 'set_tpr', meanwhile)
    first = alice.post(f'/datasets/{dataset_id}/tpr', {'age': 'u5', 'test': 'rdt'})
    assert later['request']['column'] == 'tpr' and first.status_code == 409, first.json_body
    dataset = stores.datasets.get(alice.user_id, dataset_id)
    files = canonical(stores, alice.user_id, dataset_id)
    header = files['wards.csv'].decode().splitlines()[0].split(',')
    assert dataset['tpr']['column'] == 'tpr' and 'tpr' in header and 'u5_tpr_rdt' not in header
    assert [v['name'] for v in json.loads(files['validation.json'])['summary']['variables']] == [
        v['name'] for v in dataset['summary']['variables']]
    assert tpr_files(stores, alice.user_id, dataset_id) == carried_tpr_files(dataset)
