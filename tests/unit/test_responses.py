"""Every route's real answer is what its response model, and so the OpenAPI document, says.

Each call through `Caller` is checked against the route's models (tests/unit/answers.py),
in every unit test; this test walks every route to its success status once, with data the
engine made, so no route's model goes unchecked.
"""
import pytest

from app import app
from chalicelib.conversations import turns
from tests.unit.answers import check
from tests.unit.test_itn_plans import niger, put_analysis, put_prepared_dataset  # noqa: F401 (a fixture)
from tests.unit.test_tpr_datasets import kwara


def test_every_route_answers_what_its_model_says(http, alice, admin, stores, niger):  # noqa: F811
    files, result, _ = niger
    answered = {}

    def call(caller, method, route, body=None, query='', **params):
        response = caller.call(method, route.format(**params) + query, body)
        answered[route, method] = response.status_code
        assert response.status_code == app.operations[route, method].status, response.json_body
        return response.json_body

    for route in ('/health', '/openapi.json'):
        response = http.get(route)
        check('GET', route, response)
        answered[route, 'GET'] = response.status_code
    call(alice, 'GET', '/me')
    created = call(alice, 'POST', '/datasets', {'name': 'Kwara', 'files': [
        {'role': 'boundaries', 'filename': 'wards.zip', 'size': 100}, {'role': 'tpr', 'filename': 'x.csv', 'size': 9}]})
    call(alice, 'POST', '/datasets/{dataset_id}/uploads', {'files': [{'role': 'tpr', 'filename': 'y.csv', 'size': 12}]},
         dataset_id=created['dataset_id'])
    call(alice, 'GET', '/datasets/{dataset_id}', dataset_id=created['dataset_id'])
    with_tpr = kwara(stores, alice)
    call(alice, 'POST', '/datasets/{dataset_id}/tpr', {'age': 'u5', 'test': 'rdt'}, dataset_id=with_tpr)
    assert 'tpr' in call(alice, 'GET', '/datasets/{dataset_id}', dataset_id=with_tpr)
    call(alice, 'GET', '/datasets', query='?limit=2')
    dataset_id, _ = put_prepared_dataset(stores, alice.user_id, files)
    queued = call(alice, 'POST', '/analyses', {'dataset_id': dataset_id, 'method': 'composite'})
    call(alice, 'GET', '/analyses/{analysis_id}', analysis_id=queued['analysis_id'])
    analysis_id = put_analysis(stores, alice.user_id, dataset_id, result)
    call(alice, 'GET', '/analyses', query='?limit=1')
    call(alice, 'GET', '/analyses/{analysis_id}/rankings', query='?limit=1000', analysis_id=analysis_id)
    call(alice, 'GET', '/analyses/{analysis_id}/artifacts/{name}', analysis_id=analysis_id, name='rankings.json')
    call(alice, 'POST', '/analyses/{analysis_id}/itn-plans', {'total_nets': 5000}, analysis_id=analysis_id)
    call(alice, 'GET', '/analyses/{analysis_id}/itn-plans', analysis_id=analysis_id)
    conversation_id = call(alice, 'POST', '/conversations', {'dataset_id': dataset_id})['conversation_id']
    call(alice, 'GET', '/conversations', query='?limit=1')
    turn_id = call(alice, 'POST', '/conversations/{conversation_id}/messages', {'text': 'top 3 wards'},
                   conversation_id=conversation_id)['turn_id']
    assert turns.answer(alice.user_id, conversation_id, turn_id, stores) == 'DONE'   # tool calls, a table
    answer = call(alice, 'GET', '/conversations/{conversation_id}', conversation_id=conversation_id)['messages'][-1]
    assert [a['kind'] for a in answer['attachments']] == ['table'] and answer['tool_calls']
    call(alice, 'DELETE', '/conversations/{conversation_id}', conversation_id=conversation_id)
    call(admin, 'GET', '/audit', query=f'?user_id={alice.user_id}')
    call(alice, 'DELETE', '/analyses/{analysis_id}', analysis_id=analysis_id)
    call(alice, 'DELETE', '/datasets/{dataset_id}', dataset_id=dataset_id)
    assert set(answered) == set(app.operations)


@pytest.mark.parametrize('who, method, path, body, status', [
    (None, 'GET', '/datasets', None, 401),
    ('alice', 'GET', '/audit', None, 403),
    ('admin', 'GET', '/audit?since=yesterday', None, 400),
    ('alice', 'GET', '/datasets?limit=101', None, 400),
    ('alice', 'GET', '/analyses/an_missing/rankings?limit=1001', None, 404),
    ('alice', 'POST', '/datasets', {'name': 'x', 'files': [{'role': 'data', 'filename': 'x.csv', 'size': 10 ** 12},
                                                          {'role': 'boundaries', 'filename': 'b.zip', 'size': 9}]},
     413),
    ('alice', 'POST', '/datasets', b'name=x', 415),
    ('alice', 'POST', '/analyses', {'dataset_id': 'ds_missing'}, 404),
    ('alice', 'DELETE', '/datasets/ds_missing', None, 404),
])
def test_refusals_are_documented_error_bodies(http, alice, admin, who, method, path, body, status):
    """A refusal is the Error model and a status its route documents (answers.check)."""
    callers = {'alice': alice, 'admin': admin}
    if who is None:
        response = http.request(method, path, headers={}, body=b'')
        check(method, path, response)
    else:
        headers = {'Content-Type': 'application/x-www-form-urlencoded'} if isinstance(body, bytes) else None
        response = callers[who].call(method, path, body, headers)
    assert response.status_code == status, response.json_body
