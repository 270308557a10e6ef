"""The audit log: one record per mutating request and per refusal, readable by admins."""
import json

from tests.unit.support import ready_dataset

FILES = [{'role': 'data', 'filename': 'd.csv', 'size': 10},
         {'role': 'boundaries', 'filename': 'b.zip', 'size': 10}]


def events(stores, user_id):
    return stores.audit.all(user_id)


def test_a_create_and_a_delete_are_recorded_without_body_or_token(alice, stores):
    response = alice.post('/datasets', {'name': 'Secret ward list', 'files': FILES})
    dataset_id = response.json_body['dataset_id']
    alice.delete(f'/datasets/{dataset_id}')
    alice.get(f'/datasets')                       # reads of one's own data are not audited
    recorded = events(stores, alice.user_id)
    assert [(e['action'], e['resource'], e['outcome'], e['status']) for e in recorded] == [
        ('datasets.create', f'dataset/{dataset_id}', 'ok', 201),
        ('datasets.delete', f'dataset/{dataset_id}', 'ok', 204)]
    first = recorded[0]
    assert first['organization'] == 'nmep' and first['source_ip'] and first['request_id']
    text = json.dumps(recorded)
    assert 'Secret ward list' not in text and 'eyJ' not in text and 'd.csv' not in text


def test_refusals_are_recorded(alice, bob, carol, http, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    bob.get(f'/datasets/{dataset_id}')
    carol.delete(f'/datasets/{dataset_id}')
    http.get('/datasets')
    assert [(e['action'], e['outcome'], e['status']) for e in events(stores, bob.user_id)] == [
        ('datasets.get', 'not_found', 404)]
    assert [(e['action'], e['outcome']) for e in events(stores, carol.user_id)] == [
        ('datasets.delete', 'denied')]
    assert [(e['action'], e['status']) for e in events(stores, 'anonymous')] == [
        ('datasets.list', 401)]


def test_a_failed_validation_of_a_mutation_is_recorded(alice, stores):
    alice.post('/datasets', {'name': 'x', 'files': FILES[:1]})
    [event] = events(stores, alice.user_id)
    assert (event['action'], event['outcome'], event['status']) == ('datasets.create', 'error', 400)


def test_an_admin_reads_its_own_organizations_log_only(alice, bob, carol, admin, stores):
    alice.post('/datasets', {'name': 'a', 'files': FILES})
    bob.post('/datasets', {'name': 'b', 'files': FILES})
    carol.delete('/datasets/ds_x')
    body = admin.get('/audit').json_body
    assert {e['user_id'] for e in body['items']} == {alice.user_id, carol.user_id}
    only_alice = admin.get(f'/audit?user_id={alice.user_id}').json_body['items']
    assert [e['action'] for e in only_alice] == ['datasets.create']
    assert admin.get(f'/audit?user_id={bob.user_id}').json_body['items'] == []
    assert admin.get('/audit?since=2999-01-01').json_body['items'] == []
    assert len(admin.get('/audit?since=2000-01-01T00:00:00Z').json_body['items']) == 2


def test_the_audit_log_pages_and_refuses_bad_filters(alice, admin):
    for n in range(3):
        alice.post('/datasets', {'name': f'set {n}', 'files': FILES})
    first = admin.get('/audit?limit=2').json_body
    rest = admin.get(f'/audit?limit=2&next_token={first["next_token"]}').json_body
    assert len(first['items']) + len(rest['items']) == 3
    assert admin.get('/audit?since=yesterday').json_body['error']['details']['field'] == 'since'


def test_only_admins_read_the_audit_log(alice, carol, stores):
    for caller in (alice, carol):
        response = caller.get('/audit')
        assert response.status_code == 403
        assert response.json_body['error']['code'] == 'forbidden'
    assert [e['action'] for e in events(stores, alice.user_id)] == ['audit.read']
