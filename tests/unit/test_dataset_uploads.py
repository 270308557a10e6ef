"""POST /datasets/{id}/uploads: new links for the files that have not arrived, on the same dataset,
so an officer on a slow link never sends again what already arrived."""
import base64
import json
import posixpath

from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib.datasets import EXTENSIONS, processing
from chalicelib.storage.datasets import Datasets
from tests.processing.builders import grid_files
from tests.raw_aws import Bucket
from tests.unit.support import ready_dataset

GOOD = grid_files(3)
DECLARED = {'data': 'niger_wards.csv', 'boundaries': 'Niger_State.geojson'}


def create(caller, sizes=None):
    files = [{'role': role, 'filename': name, 'size': (sizes or {}).get(role, len(GOOD[role][1]))}
             for role, name in DECLARED.items()]
    return caller.post('/datasets', {'name': 'Niger wards', 'files': files}).json_body


def renew(caller, dataset_id, *files):
    return caller.post(f'/datasets/{dataset_id}/uploads', {'files': list(files)})


def arrive(stores, key, body):
    """The file lands at `key` (as its presigned POST puts it) and S3's event is handled."""
    Bucket(stores.settings).put(key, body)
    return processing.process_upload(key, stores)


def test_renewed_links_send_only_the_missing_file_to_the_same_dataset_which_becomes_ready(alice, stores):
    created = create(alice, sizes={'boundaries': 10})      # declared too small: its upload would fail
    data, boundaries = created['uploads']
    assert arrive(stores, data['fields']['key'], GOOD['data'][1]) == 'waiting'
    real = {'role': 'boundaries', 'filename': 'Niger_State_v2.geojson', 'size': len(GOOD['boundaries'][1])}

    response = renew(alice, created['dataset_id'], real)

    assert response.status_code == 200, response.json_body
    assert response.json_body['dataset_id'] == created['dataset_id']
    assert response.json_body['status'] == 'AWAITING_UPLOAD'
    [upload] = response.json_body['uploads']
    assert upload['role'] == 'boundaries' and upload['fields']['key'] == boundaries['fields']['key']
    policy = json.loads(base64.b64decode(upload['fields']['policy']))
    assert ['content-length-range', 1, real['size']] in policy['conditions']
    assert alice.get(f'/datasets/{created["dataset_id"]}').json_body['files']['boundaries'] == {
        'filename': 'Niger_State_v2.geojson', 'size': real['size'], 'uploaded': False}
    assert arrive(stores, upload['fields']['key'], GOOD['boundaries'][1]) == 'READY'
    dataset = alice.get(f'/datasets/{created["dataset_id"]}').json_body
    assert dataset['status'] == 'READY' and dataset['summary']['wards'] == 9
    assert [d['dataset_id'] for d in alice.get('/datasets').json_body['items']] == [created['dataset_id']]


def test_a_renewal_is_audited(alice, stores):
    dataset_id = create(alice)['dataset_id']
    renew(alice, dataset_id, {'role': 'data', 'filename': 'w.csv', 'size': 5})
    assert [(e['action'], e['resource'], e['status']) for e in stores.audit.all(alice.user_id)][-1] == (
        'datasets.uploads', f'dataset/{dataset_id}', 200)


def test_another_users_or_a_missing_dataset_is_404_and_nothing_changes(alice, bob, stores):
    dataset_id = create(alice)['dataset_id']
    before = stores.datasets.get(alice.user_id, dataset_id)
    for caller, target in ((bob, dataset_id), (alice, 'ds_0000000000000000')):
        response = renew(caller, target, {'role': 'data', 'filename': 'w.csv', 'size': 5})
        assert response.status_code == 404
        assert response.json_body['error']['code'] == 'not_found'
    assert stores.datasets.get(alice.user_id, dataset_id) == before


def test_a_dataset_that_no_longer_awaits_files_is_409_saying_its_state(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    stores.datasets.update(alice.user_id, dataset_id, {'files': {
        'data': {'filename': 'w.csv', 'size': 5, 'key': f'uploads/{alice.user_id}/{dataset_id}/data.csv',
                 'uploaded': True}}}, 'attribute_exists(user_id)')
    before = stores.datasets.get(alice.user_id, dataset_id)
    response = renew(alice, dataset_id, {'role': 'data', 'filename': 'w.csv', 'size': 5})
    assert response.status_code == 409
    assert 'READY' in response.json_body['error']['message']
    assert response.json_body['error']['details']['status'] == 'READY'
    assert stores.datasets.get(alice.user_id, dataset_id) == before


def test_a_file_that_arrived_already_is_409_naming_it_and_the_missing_one_is_still_renewed(alice, stores):
    created = create(alice)
    arrive(stores, created['uploads'][0]['fields']['key'], GOOD['data'][1])
    both = [{'role': 'boundaries', 'filename': 'b.geojson', 'size': 50},
            {'role': 'data', 'filename': 'again.csv', 'size': 50}]
    refused = renew(alice, created['dataset_id'], *both)
    assert refused.status_code == 409
    assert 'the data file' in refused.json_body['error']['message']
    assert refused.json_body['error']['details']['arrived'] == ['data']
    files = alice.get(f'/datasets/{created["dataset_id"]}').json_body['files']
    assert files['boundaries']['filename'] == 'Niger_State.geojson'      # nothing half-written
    assert renew(alice, created['dataset_id'], both[0]).status_code == 200


def test_a_late_upload_between_the_read_and_the_write_is_409_and_nothing_is_half_written(alice, stores, monkeypatch):
    created = create(alice)
    data_key = created['uploads'][0]['fields']['key']
    record = Datasets.redeclare

    def late_event_first(self, *args, **kwargs):
        arrive(stores, data_key, GOOD['data'][1])       # S3's event for the first link lands meanwhile
        return record(self, *args, **kwargs)
    monkeypatch.setattr(Datasets, 'redeclare', late_event_first)
    response = renew(alice, created['dataset_id'], {'role': 'boundaries', 'filename': 'b.geojson', 'size': 70},
                     {'role': 'data', 'filename': 'again.csv', 'size': 70})
    assert response.status_code == 409
    assert response.json_body['error']['details']['arrived'] == ['data']
    item = stores.datasets.get(alice.user_id, created['dataset_id'])
    assert {role: (f['filename'], f['size'], f['uploaded']) for role, f in item['files'].items()} == {
        'data': ('niger_wards.csv', len(GOOD['data'][1]), True),
        'boundaries': ('Niger_State.geojson', len(GOOD['boundaries'][1]), False)}


# -- every body the route accepts or refuses -----------------------------------------------------

ROLES = ('data', 'boundaries', 'population', 'tpr')
FILENAMES = ('wards.csv', 'WARDS.XLSX', 'wards.geojson', 'shapes.zip', 'notes.txt')
SIZES = (1, 700, 'max', 'over')
entry = st.fixed_dictionaries({'role': st.sampled_from(ROLES), 'filename': st.sampled_from(FILENAMES),
                               'size': st.sampled_from(SIZES)})
# An entry the request's model refuses: an unknown role, an empty or too long name, a size that is no size,
# a field of its own.
malformed = st.one_of(
    entry.map(lambda f: dict(f, role='climate')), entry.map(lambda f: dict(f, filename='')),
    entry.map(lambda f: dict(f, filename='w' * 252 + '.csv')), entry.map(lambda f: dict(f, key='users/other/x')),
    st.tuples(entry, st.sampled_from((0, -3, '10', True))).map(lambda e: dict(e[0], size=e[1])))
bodies = st.one_of(
    st.lists(entry, min_size=1, max_size=3).map(lambda files: {'files': files}),
    st.lists(st.one_of(entry, malformed), max_size=5).map(lambda files: {'files': files}),
    st.lists(entry, min_size=1, max_size=2).map(lambda files: {'files': files, 'name': 'again'}))


def _ext(filename):
    return posixpath.splitext(filename.lower())[1]


def sized(body, limit):
    """`body` with the sizes 'max' and 'over' made the upload limit and one byte more."""
    return dict(body, files=[dict(f, size={'max': limit, 'over': limit + 1}.get(f['size'], f['size']))
                             for f in body['files']])


def expected(body, limit):
    """(status, field, exact) that the rules give `body` for the dataset DECLARED; `exact` False when
    the field named need only start with `field` (the request's shape is wrong somewhere in it)."""
    files = body['files']
    if not 1 <= len(files) <= len(EXTENSIONS):
        return 400, 'files', False
    for i, f in enumerate(files):
        if (set(f) != {'role', 'filename', 'size'} or f['role'] not in EXTENSIONS or not f['filename']
                or len(f['filename']) > 255 or type(f['size']) is not int or f['size'] < 1):
            return 400, f'files[{i}].', False
    if set(body) != {'files'}:
        return 400, 'name', True
    seen = set()
    for i, f in enumerate(files):
        if f['role'] in seen:
            return 400, f'files[{i}].role', True
        seen.add(f['role'])
        if _ext(f['filename']) not in EXTENSIONS[f['role']]:
            return 400, f'files[{i}].filename', True
        if f['size'] > limit:
            return 413, f'files[{i}].size', True
    for i, f in enumerate(files):
        if f['role'] not in DECLARED:
            return 400, f'files[{i}].role', True
        if _ext(f['filename']) != _ext(DECLARED[f['role']]):
            return 400, f'files[{i}].filename', True
    return 200, None, True


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies)
def test_every_body_is_renewed_or_refused_naming_the_field(alice, aws, body):
    dataset_id = create(alice)['dataset_id']
    body = sized(body, aws.max_upload_bytes)
    status, field, exact = expected(body, aws.max_upload_bytes)
    response = alice.post(f'/datasets/{dataset_id}/uploads', body)
    assert response.status_code == status, (body, response.json_body)
    if status == 200:
        assert [u['role'] for u in response.json_body['uploads']] == [f['role'] for f in body['files']]
        files = alice.get(f'/datasets/{dataset_id}').json_body['files']
        for f in body['files']:
            assert files[f['role']] == {'filename': f['filename'], 'size': f['size'], 'uploaded': False}
        return
    error = response.json_body['error']
    got = error['details']['field']
    assert got == field if exact else got.startswith(field), (body, error)
    assert (error['details']['filename'] if status == 413 else got) in error['message']
