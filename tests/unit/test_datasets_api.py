"""POST/GET/DELETE /datasets: what a programme officer's browser sees."""
import datetime

import pytest

from chalicelib.storage.objects import parse_upload_key

FILES = [{'role': 'data', 'filename': 'niger_wards.csv', 'size': 2048},
         {'role': 'boundaries', 'filename': 'Niger_State.zip', 'size': 4096}]


def create(caller, files=FILES, name='Niger wards'):
    return caller.post('/datasets', {'name': name, 'files': files})


def test_create_returns_presigned_posts_for_server_chosen_keys(alice, aws):
    response = create(alice)
    assert response.status_code == 201
    body = response.json_body
    assert body['status'] == 'AWAITING_UPLOAD'
    assert [u['role'] for u in body['uploads']] == ['data', 'boundaries']
    for upload, ext in zip(body['uploads'], ('.csv', '.zip')):
        key = upload['fields']['key']
        assert parse_upload_key(key) == (alice.user_id, body['dataset_id'], upload['role'], ext)
        assert upload['fields']['x-amz-algorithm'] == 'AWS4-HMAC-SHA256'
        assert aws.data_bucket in upload['url']
    assert body['uploads'][0]['fields']['Content-Type'] == 'text/csv; charset=utf-8'


def test_upload_policy_pins_size_type_and_key(alice):
    import base64
    import json
    upload = create(alice).json_body['uploads'][0]
    policy = json.loads(base64.b64decode(upload['fields']['policy']))
    conditions = policy['conditions']
    assert ['content-length-range', 1, 2048] in conditions
    assert {'Content-Type': 'text/csv; charset=utf-8'} in conditions
    assert {'key': upload['fields']['key']} in conditions
    expires = datetime.datetime.fromisoformat(policy['expiration'].replace('Z', '+00:00'))
    left = expires - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=14) < left <= datetime.timedelta(minutes=15)


def test_dataset_is_listed_and_read_without_storage_keys(alice):
    dataset_id = create(alice).json_body['dataset_id']
    listed = alice.get('/datasets').json_body
    assert [d['dataset_id'] for d in listed['items']] == [dataset_id]
    got = alice.get(f'/datasets/{dataset_id}').json_body
    assert got['name'] == 'Niger wards'
    assert got['files']['data'] == {'filename': 'niger_wards.csv', 'size': 2048, 'uploaded': False}
    assert 'key' not in str(got)
    assert got['errors'] == [] and got['warnings'] == []


def test_list_is_newest_first_and_pages_with_an_opaque_token(alice):
    ids = [create(alice, name=f'set {i}').json_body['dataset_id'] for i in range(5)]
    first = alice.get('/datasets?limit=2').json_body
    second = alice.get(f'/datasets?limit=2&next_token={first["next_token"]}').json_body
    third = alice.get(f'/datasets?limit=2&next_token={second["next_token"]}').json_body
    seen = [d['dataset_id'] for page in (first, second, third) for d in page['items']]
    assert seen == ids[::-1]
    assert third['next_token'] is None or alice.get(
        f'/datasets?next_token={third["next_token"]}').json_body['items'] == []


def test_delete_removes_the_item_and_its_objects(alice, bucket):
    body = create(alice).json_body
    dataset_id = body['dataset_id']
    bucket.put(body['uploads'][0]['fields']['key'], b'WardName\n')
    assert alice.delete(f'/datasets/{dataset_id}').status_code == 204
    assert alice.get(f'/datasets/{dataset_id}').status_code == 404
    assert bucket.keys() == []


@pytest.mark.parametrize('files, field', [
    ([{'role': 'data', 'filename': 'wards.txt', 'size': 10}, FILES[1]], 'files[0].filename'),
    ([FILES[0], {'role': 'boundaries', 'filename': 'wards.csv', 'size': 10}], 'files[1].filename'),
    ([FILES[0], FILES[1], FILES[0]], 'files[2].role'),
    ([FILES[0]], 'files'),
    ([{'role': 'data', 'filename': 'w.csv', 'size': '10'}, FILES[1]], 'files[0].size'),
    ([{'role': 'data', 'filename': 'w.csv', 'size': 0}, FILES[1]], 'files[0].size'),
    ([{'role': 'climate', 'filename': 'w.csv', 'size': 1}, FILES[1]], 'files[0].role'),
    ([{'role': 'data', 'filename': 'w.csv', 'size': 1, 'bucket': 'x'}, FILES[1]], 'files[0].bucket'),
    ([], 'files'),
])
def test_bad_file_lists_are_400_naming_the_field(alice, files, field):
    response = create(alice, files=files)
    assert response.status_code == 400
    assert response.json_body['error']['code'] == 'bad_request'
    assert response.json_body['error']['details']['field'] == field
    assert field in response.json_body['error']['message']


def test_unknown_top_level_field_is_refused(alice):
    response = alice.post('/datasets', {'name': 'x', 'files': FILES, 'key': 'users/other/x'})
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == 'key'


def test_declared_size_over_the_limit_is_413_naming_the_file(alice, aws):
    files = [FILES[0], {'role': 'boundaries', 'filename': 'huge.zip',
                        'size': aws.max_upload_bytes + 1}]
    response = create(alice, files=files)
    assert response.status_code == 413
    error = response.json_body['error']
    assert error['code'] == 'too_large'
    assert 'huge.zip' in error['message']
    assert error['details']['filename'] == 'huge.zip'
    assert alice.get('/datasets').json_body['items'] == []


def test_optional_population_and_tpr_files_get_uploads(alice):
    files = FILES + [{'role': 'population', 'filename': 'pop.xlsx', 'size': 10},
                     {'role': 'tpr', 'filename': 'dhis2.csv', 'size': 10}]
    body = create(alice, files=files).json_body
    assert [u['role'] for u in body['uploads']] == ['data', 'boundaries', 'population', 'tpr']


@pytest.mark.parametrize('body, headers', [
    (b'{"name": "x", ', {'Content-Type': 'application/json'}),
    (b'[1, 2]', {'Content-Type': 'application/json'}),
])
def test_malformed_or_non_json_body_is_400_in_the_contract_format(alice, body, headers):
    response = alice.post('/datasets', body, headers=headers)
    assert response.status_code == 400
    assert response.json_body['error']['code'] == 'bad_request'
    assert response.json_body['error']['details']['field'] == 'body'


def test_a_form_body_is_415_in_the_contract_format(alice):
    response = alice.post('/datasets', b'name=x',
                          headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 415
    assert response.json_body['error']['code'] == 'unsupported_media_type'
    assert 'application/x-www-form-urlencoded' in response.json_body['error']['message']


@pytest.mark.parametrize('query', ['limit=0', 'limit=101', 'limit=abc', 'next_token=%%%',
                                   'next_token=bm90LWpzb24'])
def test_bad_paging_parameters_are_400(alice, query):
    response = alice.get(f'/datasets?{query}')
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] in ('limit', 'next_token')


def test_viewer_cannot_create_or_delete(carol, alice):
    assert create(carol).status_code == 403
    dataset_id = create(alice).json_body['dataset_id']
    response = carol.delete(f'/datasets/{dataset_id}')
    assert response.status_code == 403
    assert response.json_body['error']['code'] == 'forbidden'
    assert carol.get('/datasets').status_code == 200


def test_no_token_is_401_in_the_contract_format(http):
    response = http.get('/datasets')
    assert response.status_code == 401
    assert response.json_body['error']['code'] == 'unauthorized'



class KeyLimitedStore:
    """Refuses what DynamoDB refuses (moto does not): a sort key over 1024 bytes."""

    def get(self, user_id, item_id):
        if len(item_id.encode()) > 1024:
            raise ValueError('ValidationException: key too long')


@pytest.mark.parametrize('dataset_id', ['x' * 2000, 'ds_\u2603', 'ds_1 OR 1'])
def test_an_id_no_dataset_can_have_is_404_not_a_storage_error(dataset_id):
    from chalicelib.datasets import requests as datasets
    from chalicelib.deps import Deps
    from chalicelib.config import settings
    from chalicelib.errors import NotFound
    with pytest.raises(NotFound):
        datasets.get('u-1', dataset_id, Deps(settings(), datasets=KeyLimitedStore()))


@pytest.mark.parametrize('roles, missing', [
    (('boundaries', 'tpr'), None),                 # the ward TPR alone with the boundaries
    (('boundaries', 'population'), ['data']),
    (('data', 'tpr'), ['boundaries']),
    (('tpr',), ['boundaries']),
])
def test_a_dataset_needs_boundaries_and_ward_data_or_a_facility_export(alice, roles, missing):
    names = {'data': 'wards.csv', 'boundaries': 'wards.geojson', 'population': 'pop.csv', 'tpr': 'dhis2.csv'}
    response = create(alice, files=[{'role': r, 'filename': names[r], 'size': 10} for r in roles])
    if missing is None:
        assert response.status_code == 201, response.json_body
        assert [u['role'] for u in response.json_body['uploads']] == list(roles)
    else:
        assert response.status_code == 400
        assert response.json_body['error']['details'] == {'field': 'files', 'missing': missing}
