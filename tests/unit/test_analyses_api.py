"""POST/GET/DELETE /analyses, rankings and artifact downloads."""
import json
import urllib.parse

import pytest

from chalicelib.aws import client
from chalicelib.storage.analyses import FAILED, QUEUED
from tests.raw_aws import queue_url, queued_records
from tests.unit.support import ready_dataset, succeeded_analysis


def queued_jobs(stores):
    return [json.loads(record['body']) for record in queued_records(stores.settings)]


def test_create_writes_queued_and_hands_the_job_to_the_queue(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    response = alice.post('/analyses', {'dataset_id': dataset_id,
                                        'variables': ['u5_tpr_rdt', 'housing_quality'],
                                        'directions': {'housing_quality': 'inverse'},
                                        'state': 'niger'})
    assert response.status_code == 202
    analysis_id = response.json_body['analysis_id']
    assert response.json_body['status'] == QUEUED
    assert queued_jobs(stores) == [{'user_id': alice.user_id, 'analysis_id': analysis_id}]
    got = alice.get(f'/analyses/{analysis_id}').json_body
    assert got['status'] == QUEUED and got['progress'] == 0 and got['artifacts'] == []
    assert got['request'] == {'dataset_id': dataset_id, 'method': 'both',
                              'variables': ['u5_tpr_rdt', 'housing_quality'],
                              'directions': {'housing_quality': 'inverse'},
                              'preset': 'default', 'state': 'NI', 'offline': False, 'tpr': None}


def test_an_offline_analysis_keeps_the_choice_for_its_maps_and_report(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    response = alice.post('/analyses', {'dataset_id': dataset_id, 'offline': True})
    assert response.status_code == 202
    assert alice.get(f"/analyses/{response.json_body['analysis_id']}").json_body['request']['offline'] is True


def test_analysing_a_dataset_that_is_not_ready_is_409(alice):
    dataset_id = alice.post('/datasets', {'name': 'n', 'files': [
        {'role': 'data', 'filename': 'd.csv', 'size': 5},
        {'role': 'boundaries', 'filename': 'b.geojson', 'size': 5}]}).json_body['dataset_id']
    response = alice.post('/analyses', {'dataset_id': dataset_id})
    assert response.status_code == 409
    assert response.json_body['error']['code'] == 'conflict'
    assert 'AWAITING_UPLOAD' in response.json_body['error']['message']


@pytest.mark.parametrize('extra, field', [
    ({'variables': ['u5_tpr_rdt', 'urbanArea']}, 'variables[1]'),
    ({'directions': {'rainfall': 'inverse'}}, 'directions.rainfall'),
    ({'variables': ['u5_tpr_rdt'], 'directions': {'housing_quality': 'inverse'}},
     'directions.housing_quality'),
    ({'directions': {'u5_tpr_rdt': 'up'}}, 'directions.u5_tpr_rdt'),
    ({'method': 'kmeans'}, 'method'),
    ({'preset': 'old'}, 'preset'),
    ({'state': 'Wakanda'}, 'state'),
    ({'offline': 'yes'}, 'offline'),
    ({'user_id': 'someone-else'}, 'user_id'),
    ({'variables': 'u5_tpr_rdt'}, 'variables'),
])
def test_bad_requests_are_400_naming_the_field(alice, stores, extra, field):
    dataset_id = ready_dataset(stores, alice.user_id)
    response = alice.post('/analyses', dict({'dataset_id': dataset_id}, **extra))
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == field
    assert queued_jobs(stores) == []


def test_missing_dataset_id_is_400(alice):
    response = alice.post('/analyses', {})
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == 'dataset_id'


def test_a_failed_send_marks_the_analysis_failed_not_queued_forever(alice, stores, aws):
    dataset_id = ready_dataset(stores, alice.user_id)
    client('sqs', aws.region).delete_queue(QueueUrl=queue_url(aws))
    response = alice.post('/analyses', {'dataset_id': dataset_id})
    assert response.status_code == 500
    error = response.json_body['error']
    assert error['code'] == 'internal' and 'start it again' in error['message']
    assert error['details']['request_id']
    stored = alice.get(f'/analyses/{error["details"]["analysis_id"]}').json_body
    assert stored['status'] == FAILED and 'start it again' in stored['error']


def test_rankings_page_through_the_stored_ranking_in_rank_order(alice, stores):
    analysis_id = succeeded_analysis(stores, alice.user_id, ready_dataset(stores, alice.user_id),
                                     wards=7)
    ranks, token = [], None
    while True:
        query = f'?limit=3' + (f'&next_token={token}' if token else '')
        page = alice.get(f'/analyses/{analysis_id}/rankings{query}').json_body
        ranks += [item['composite_rank'] for item in page['items']]
        token = page['next_token']
        if token is None:
            break
    assert ranks == list(range(1, 8))
    default = alice.get(f'/analyses/{analysis_id}/rankings').json_body
    assert len(default['items']) == 7 and default['next_token'] is None
    assert set(default['items'][0]) >= {'ward_code', 'ward_name', 'lga', 'composite_score',
                                        'composite_category', 'pca_score', 'rank_spread',
                                        'imputed'}


def test_a_rankings_token_of_another_analysis_is_400(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    first = succeeded_analysis(stores, alice.user_id, dataset_id, wards=4)
    second = succeeded_analysis(stores, alice.user_id, dataset_id, wards=4)
    token = alice.get(f'/analyses/{first}/rankings?limit=2').json_body['next_token']
    response = alice.get(f'/analyses/{second}/rankings?next_token={token}')
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == 'next_token'
    assert alice.get(f'/analyses/{first}/rankings?limit=1001').status_code == 400


def test_rankings_of_an_unfinished_analysis_are_409(alice, stores):
    analysis_id = alice.post('/analyses', {
        'dataset_id': ready_dataset(stores, alice.user_id)}).json_body['analysis_id']
    response = alice.get(f'/analyses/{analysis_id}/rankings')
    assert response.status_code == 409
    assert 'QUEUED' in response.json_body['error']['message']


def test_artifact_is_a_short_lived_presigned_get_for_its_own_key(alice, stores):
    analysis_id = succeeded_analysis(stores, alice.user_id, ready_dataset(stores, alice.user_id))
    got = alice.get(f'/analyses/{analysis_id}').json_body
    assert got['artifacts'] == ['rankings.json', 'report.html']
    link = alice.get(f'/analyses/{analysis_id}/artifacts/report.html').json_body
    parsed = urllib.parse.urlparse(link['url'])
    assert parsed.path.endswith(f'users/{alice.user_id}/analyses/{analysis_id}/report.html')
    query = urllib.parse.parse_qs(parsed.query)
    assert query['X-Amz-Expires'] == ['300']
    assert link['expires_at'].endswith('Z')
    missing = alice.get(f'/analyses/{analysis_id}/artifacts/secrets.txt')
    assert missing.status_code == 404


def test_delete_removes_the_analysis_and_its_files(alice, stores, bucket):
    analysis_id = succeeded_analysis(stores, alice.user_id, ready_dataset(stores, alice.user_id))
    assert alice.delete(f'/analyses/{analysis_id}').status_code == 204
    assert alice.get(f'/analyses/{analysis_id}').status_code == 404
    assert alice.delete(f'/analyses/{analysis_id}').status_code == 404
    assert bucket.keys(f'users/{alice.user_id}/analyses/') == []


def test_list_is_newest_first(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    ids = [alice.post('/analyses', {'dataset_id': dataset_id}).json_body['analysis_id']
           for _ in range(3)]
    assert [a['analysis_id'] for a in alice.get('/analyses').json_body['items']] == ids[::-1]


def test_viewer_reads_but_cannot_start_an_analysis(carol, stores):
    dataset_id = ready_dataset(stores, carol.user_id)
    response = carol.post('/analyses', {'dataset_id': dataset_id})
    assert response.status_code == 403
    assert queued_jobs(stores) == []
    analysis_id = succeeded_analysis(stores, carol.user_id, dataset_id)
    assert carol.get(f'/analyses/{analysis_id}/rankings').status_code == 200
    assert carol.delete(f'/analyses/{analysis_id}').status_code == 403
