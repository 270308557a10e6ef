"""POST/GET /analyses/{id}/itn-plans: bed-net plans on a finished analysis's ranking."""
import csv
import io
import json
import urllib.parse

import pytest

from chalicelib.analysis import prepare_dataset, run_analysis
from chalicelib.analysis.synthetic import generate_state
from chalicelib.storage.analyses import RUNNING, SUCCEEDED
from chalicelib.storage.base import new_id, now_iso
from chalicelib.storage.datasets import READY
from chalicelib.storage.objects import object_key, upload_key
from tests.raw_aws import Bucket
from tests.viz.test_coverage_map import plotlyjs_source


def put_prepared_dataset(stores, user_id, files, uploads=()):
    """A READY dataset as the upload processor leaves it: canonical files from the engine.

    `uploads`: (role, filename, bytes) of raw uploads to keep beside it (e.g. the tpr export),
    with the processed copy that readers use.
    """
    dataset_id = new_id('ds')
    prepared = prepare_dataset(files)
    bucket = Bucket(stores.settings)
    canonical = {name: bucket.put(object_key(user_id, 'datasets', dataset_id, 'canonical', name), body)
                 for name, body in prepared.to_canonical().items()}
    declared = {role: {'filename': filename, 'size': len(body), 'uploaded': True,
                       'key': bucket.put(upload_key(user_id, dataset_id, role, extension(filename)), body),
                       'processed_key': bucket.put(object_key(user_id, 'datasets', dataset_id, 'processed',
                                                              role + extension(filename)), body)}
                for role, filename, body in uploads}
    now = now_iso()
    stores.datasets.put_new(user_id, {
        'dataset_id': dataset_id, 'name': 'wards', 'status': READY, 'files': declared, 'errors': [],
        'warnings': list(prepared.warnings), 'summary': prepared.summary, 'canonical': canonical,
        'created_at': now, 'updated_at': now})
    return dataset_id, prepared


def extension(filename):
    return filename[filename.rindex('.'):]


def put_analysis(stores, user_id, dataset_id, result, status=SUCCEEDED, preset='default', offline=False):
    """An analysis as the worker leaves it: `rankings.json` and the engine's whole result kept in `work/`."""
    analysis_id = new_id('an')
    now = now_iso()
    stores.analyses.put_new(user_id, {
        'analysis_id': analysis_id, 'dataset_id': dataset_id, 'status': RUNNING, 'stage': 'report',
        'progress': 90, 'error': None, 'artifacts': {}, 'created_at': now, 'updated_at': now,
        'request': {'dataset_id': dataset_id, 'method': 'both', 'preset': preset, 'offline': offline}})
    Bucket(stores.settings).put(object_key(user_id, 'analyses', analysis_id, 'work', 'result.json'),
                                json.dumps(result).encode())
    body = json.dumps(result['rankings']).encode()
    key = stores.objects.put_file(user_id, 'analyses', analysis_id, ('rankings.json',), body, 'application/json')
    stores.analyses.add_artifacts(user_id, analysis_id, {'rankings.json': (key, 'application/json', len(body))})
    if status != RUNNING:
        stores.analyses.transition(user_id, analysis_id, RUNNING, status, progress=100)
    return analysis_id


@pytest.fixture(scope='module')
def niger():
    """30 synthetic Niger wards with population, and their composite analysis result."""
    files = generate_state(30, seed=3)
    prepared = prepare_dataset(files)
    return files, run_analysis(prepared, {'method': 'composite'}).to_dict(), prepared


def ranked(stores, caller, niger, **kwargs):
    files, result, _ = niger
    dataset_id, _ = put_prepared_dataset(stores, caller.user_id, files)
    return put_analysis(stores, caller.user_id, dataset_id, result, **kwargs)


def test_a_plan_never_gives_more_nets_than_there_are_nor_a_ward_more_than_it_needs(alice, stores, niger):
    analysis_id = ranked(stores, alice, niger)
    population = {code: p for code, p in zip(niger[2].ward_code, niger[2].population)}
    response = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 40000})
    assert response.status_code == 201, response.json_body
    plan = response.json_body
    rows = plan['rows']
    assert plan['totals']['nets_used'] <= 40000
    assert sum(r['nets_allocated'] for r in rows) == plan['totals']['nets_used']
    assert plan['totals']['nets_left'] == 40000 - plan['totals']['nets_used']
    assert all(r['nets_allocated'] <= r['nets_needed'] for r in rows if r['nets_needed'] is not None)
    for row in rows:  # populations come from the dataset, by ward code
        assert row['population'] == population[row['ward_code']]
    rural = [r['rank'] for r in rows if r['tier'] == 'rural' and r['nets_allocated']]
    assert rural == sorted(rural)
    assert plan['method'] == 'composite' and plan['preset'] == 'default' and plan['household_size'] == 5
    assert plan['artifacts'] == sorted([f'itn-plan-{plan["plan_id"]}{ext}' for ext in ('.csv', '.json', '.xlsx')]
                                       + [f'itn-coverage-{plan["plan_id"]}.html'])


def test_the_plan_is_listed_and_its_csv_downloads_through_the_artifact_route(alice, stores, bucket, niger):
    analysis_id = ranked(stores, alice, niger)
    plan = alice.post(f'/analyses/{analysis_id}/itn-plans',
                      {'total_nets': 5000, 'household_size': 4.5, 'urban_threshold': 50}).json_body
    second = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 0}).json_body
    listed = alice.get(f'/analyses/{analysis_id}/itn-plans').json_body['items']
    assert [p['plan_id'] for p in listed] == [plan['plan_id'], second['plan_id']]
    assert listed[0]['totals'] == plan['totals'] and listed[0]['household_size'] == 4.5
    assert listed[0]['urban_threshold'] == 50 and listed[1]['totals']['nets_used'] == 0
    name = f'itn-plan-{plan["plan_id"]}.csv'
    assert name in alice.get(f'/analyses/{analysis_id}').json_body['artifacts']
    link = alice.get(f'/analyses/{analysis_id}/artifacts/{name}').json_body
    path = urllib.parse.unquote(urllib.parse.urlparse(link['url']).path)
    key = path[path.index('users/'):]
    assert key == f'users/{alice.user_id}/analyses/{analysis_id}/itn-plans/{plan["plan_id"]}/plan.csv'
    body = bucket.read(key)
    table = list(csv.DictReader(io.StringIO(body.decode())))
    assert [int(r['nets_allocated']) for r in table] == [r['nets_allocated'] for r in plan['rows']]
    coverage = f'itn-coverage-{plan["plan_id"]}.html'
    assert coverage in plan['artifacts'] and coverage in listed[0]['artifacts']
    link = alice.get(f'/analyses/{analysis_id}/artifacts/{coverage}').json_body
    path = urllib.parse.unquote(urllib.parse.urlparse(link['url']).path)
    html = bucket.read(path[path.index('users/'):]).decode()
    assert 'Bed-net (ITN) coverage' in html and f'{plan["totals"]["nets_used"]:,} of 5,000 nets' in html


@pytest.mark.parametrize('offline', [False, True])
def test_the_coverage_map_of_an_offline_analysis_opens_without_internet(alice, stores, bucket, niger, offline):
    analysis_id = ranked(stores, alice, niger, offline=offline)
    plan = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 5000}).json_body
    key = f'users/{alice.user_id}/analyses/{analysis_id}/itn-plans/{plan["plan_id"]}/coverage_map.html'
    html = bucket.read(key).decode()
    assert plotlyjs_source(html) == ('embedded' if offline else 'cdn')


def test_the_xlsx_keeps_a_formula_ward_name_as_text(alice, stores, bucket):
    files = generate_state(12, seed=5)
    name, data = files['data']
    lines = data.decode().splitlines()
    first = lines[1].split(',')
    first[1] = '=HYPERLINK("http://x")'
    files = dict(files, data=(name, '\n'.join([lines[0], ','.join(first)] + lines[2:]).encode()))
    prepared = prepare_dataset(files)
    dataset_id, _ = put_prepared_dataset(stores, alice.user_id, files)
    analysis_id = put_analysis(stores, alice.user_id, dataset_id,
                               run_analysis(prepared, {'method': 'composite'}).to_dict())
    plan = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 100}).json_body
    import openpyxl
    key = f'users/{alice.user_id}/analyses/{analysis_id}/itn-plans/{plan["plan_id"]}/plan.xlsx'
    book = openpyxl.load_workbook(io.BytesIO(bucket.read(key)))
    names = [row[1] for row in book['ITN plan'].iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in names
    assert book['Totals']['A2'].value == 'nets_total' and book['Totals']['B2'].value == 100


def test_a_legacy_analysis_plans_the_legacy_way(alice, stores, niger):
    """Default skips a ward that does not fit and goes on; legacy gives it the rest and stops."""
    default = ranked(stores, alice, niger)
    rural = [r for r in alice.post(f'/analyses/{default}/itn-plans', {'total_nets': 0}).json_body['rows']
             if r['tier'] == 'rural' and r['nets_needed']]
    # The first ward whose successor needs more than a ward further down the list.
    i = next(i for i in range(len(rural) - 2) if rural[i + 1]['nets_needed'] > rural[i + 2]['nets_needed'])
    total = sum(r['nets_needed'] for r in rural[:i + 1]) + rural[i + 2]['nets_needed']
    phases = {}
    for preset in ('default', 'mrpt-legacy'):
        analysis_id = default if preset == 'default' else ranked(stores, alice, niger, preset=preset)
        plan = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': total}).json_body
        assert plan['preset'] == preset and plan['totals']['nets_used'] == total
        phases[preset] = {r['ward_code']: r['phase'] for r in plan['rows']}
    skipped, next_one = rural[i + 1]['ward_code'], rural[i + 2]['ward_code']
    assert (phases['default'][skipped], phases['default'][next_one]) == ('none', 'rural_full')
    assert (phases['mrpt-legacy'][skipped], phases['mrpt-legacy'][next_one]) == ('rural_partial', 'none')


def test_another_users_analysis_is_404_and_nothing_is_written(alice, bob, stores, bucket, niger):
    analysis_id = ranked(stores, alice, niger)
    response = bob.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 100})
    assert response.status_code == 404
    assert bob.get(f'/analyses/{analysis_id}/itn-plans').status_code == 404
    assert bucket.keys(f'users/{alice.user_id}/analyses/{analysis_id}/itn-plans/') == []
    assert bucket.keys(f'users/{bob.user_id}/') == []
    assert alice.get(f'/analyses/{analysis_id}/itn-plans').json_body == {'items': []}


def test_a_viewer_cannot_make_a_plan_but_can_list_them(carol, stores, niger):
    analysis_id = ranked(stores, carol, niger)
    assert carol.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 100}).status_code == 403
    assert carol.get(f'/analyses/{analysis_id}/itn-plans').json_body == {'items': []}


@pytest.mark.parametrize('status', [RUNNING, 'FAILED'])
def test_an_unfinished_analysis_is_409(alice, stores, niger, status):
    analysis_id = ranked(stores, alice, niger, status=status)
    response = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 100})
    assert response.status_code == 409
    assert status in response.json_body['error']['message']


def test_without_population_it_is_422_saying_what_to_upload(alice, stores):
    files = generate_state(12, seed=1)
    name, data = files['data']
    table = [row[:5] + row[6:] for row in csv.reader(io.StringIO(data.decode()))]  # drop `population`
    assert 'population' not in table[0]
    out = io.StringIO()
    csv.writer(out).writerows(table)
    files = dict(files, data=(name, out.getvalue().encode()))
    prepared = prepare_dataset(files)
    dataset_id, _ = put_prepared_dataset(stores, alice.user_id, files)
    analysis_id = put_analysis(stores, alice.user_id, dataset_id,
                               run_analysis(prepared, {'method': 'composite'}).to_dict())
    response = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 100})
    assert response.status_code == 422
    error = response.json_body['error']
    assert error['code'] == 'invalid_data' and 'population' in error['message']
    assert 'WardCode' in error['message']
    assert alice.get(f'/analyses/{analysis_id}/itn-plans').json_body == {'items': []}


@pytest.mark.parametrize('ran, body, hint', [
    ('composite', {'total_nets': 100, 'method': 'pca'}, '"method": "composite"'),
    ('pca', {'total_nets': 100}, '"method": "pca"'),
])
def test_a_plan_by_a_method_the_analysis_did_not_rank_with_is_400_naming_the_one_it_did(alice, stores, niger,
                                                                                         ran, body, hint):
    files, _, prepared = niger
    dataset_id, _ = put_prepared_dataset(stores, alice.user_id, files)
    analysis_id = put_analysis(stores, alice.user_id, dataset_id, run_analysis(prepared, {'method': ran}).to_dict())

    response = alice.post(f'/analyses/{analysis_id}/itn-plans', body)

    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == 'method'
    assert hint in response.json_body['error']['message']


@pytest.mark.parametrize('body, field', [
    ({}, 'total_nets'),
    ({'total_nets': -1}, 'total_nets'),
    ({'total_nets': 10.5}, 'total_nets'),
    ({'total_nets': '100'}, 'total_nets'),
    ({'total_nets': 100, 'household_size': 0}, 'household_size'),
    ({'total_nets': 100, 'urban_threshold': 101}, 'urban_threshold'),
    ({'total_nets': 100, 'method': 'both'}, 'method'),
    ({'total_nets': 100, 'preset': 'mrpt-legacy'}, 'preset'),
])
def test_a_bad_body_is_400_naming_the_field(alice, stores, niger, body, field):
    analysis_id = ranked(stores, alice, niger)
    response = alice.post(f'/analyses/{analysis_id}/itn-plans', body)
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == field


def test_plans_are_audited(admin, stores, niger):
    analysis_id = ranked(stores, admin, niger)
    admin.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 100})
    events = admin.get('/audit').json_body['items']
    assert any(e['action'] == 'analyses.itn_plan' and e['resource'] == f'analysis/{analysis_id}'
               and e['status'] == 201 for e in events)


def test_a_plan_on_an_analysis_whose_dataset_was_deleted_is_409_saying_why(alice, stores, niger):
    analysis_id = ranked(stores, alice, niger)
    dataset_id = alice.get(f'/analyses/{analysis_id}').json_body['dataset_id']
    assert alice.delete(f'/datasets/{dataset_id}').status_code == 204
    response = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 100})
    assert response.status_code == 409
    assert 'population comes from it' in response.json_body['error']['message']


def without_population(files):
    """The files with the data's `population` column moved to a population file keyed by ward code
    (people doubled, so a plan shows which source it used)."""
    name, data = files['data']
    table = list(csv.reader(io.StringIO(data.decode())))
    at, code = table[0].index('population'), table[0].index('WardCode')
    out, people = io.StringIO(), io.StringIO()
    csv.writer(out).writerows([row[:at] + row[at + 1:] for row in table])
    csv.writer(people).writerows([['WardCode', 'population']] +
                                 [[row[code], 2 * float(row[at])] for row in table[1:]])
    doubled = {row[code]: 2 * float(row[at]) for row in table[1:]}
    return dict(files, data=(name, out.getvalue().encode())), ('people.csv', people.getvalue().encode()), doubled


@pytest.mark.parametrize('keep_data_population', [False, True])
def test_a_plan_takes_its_population_from_the_uploaded_population_file(alice, stores, keep_data_population):
    """A population file keyed by ward code (WardCode, population) is what plans use, and it wins
    over a `population` column of the ward data, which stays an analysis variable."""
    files = generate_state(12, seed=4)
    stripped, people, doubled = without_population(files)
    files = dict(files if keep_data_population else stripped, population=people)
    prepared = prepare_dataset(files)
    assert ('population' in prepared.variables) == keep_data_population
    dataset_id, _ = put_prepared_dataset(stores, alice.user_id, files)
    wards_csv = stores.objects.get_object(alice.user_id, stores.datasets.get(alice.user_id, dataset_id)
                                          ['canonical']['wards.csv'])
    header = wards_csv.decode().splitlines()[0].split(',')
    assert len(header) == len(set(header))
    analysis_id = put_analysis(stores, alice.user_id, dataset_id,
                               run_analysis(prepared, {'method': 'composite'}).to_dict())
    response = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 1000})
    assert response.status_code == 201, response.json_body
    assert {r['ward_code']: r['population'] for r in response.json_body['rows']} == doubled


def test_a_plan_refused_at_the_last_write_leaves_no_files(alice, stores, bucket, niger, monkeypatch):
    from chalicelib.storage.analyses import Analyses
    from chalicelib.storage.base import StaleTransition
    analysis_id = ranked(stores, alice, niger)

    def rerun(*args):
        raise StaleTransition('analysis is no longer SUCCEEDED')
    monkeypatch.setattr(Analyses, 'add_itn_plan', rerun)
    assert alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 100}).status_code == 409
    assert bucket.keys(f'users/{alice.user_id}/analyses/{analysis_id}/itn-plans/') == []
