"""Analyses started from the chat: the conversation they belong to, kept on the analysis."""
from chalicelib.analyses import requests as analyses
from tests.unit.support import ready_dataset


def test_an_analysis_started_from_a_conversation_remembers_it(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    queued = analyses.create(alice.user_id, {'dataset_id': dataset_id}, stores, conversation_id='cv_1')
    assert stores.analyses.get(alice.user_id, queued['analysis_id'])['conversation_id'] == 'cv_1'


def test_a_request_body_cannot_name_a_conversation(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    response = alice.post('/analyses', {'dataset_id': dataset_id, 'conversation_id': 'cv_1'})
    assert response.status_code == 400
    assert 'conversation_id' in response.json_body['error']['message']
