"""POST/GET/DELETE /conversations and POST .../messages: shapes, paging, idempotence, refusals, audit."""
import pytest

from chalicelib.storage.conversations import FAILED, QUEUED
from tests.raw_aws import Bucket
from tests.unit.chat_support import chat_jobs, chat_records, conversation, say
from tests.unit.support import ready_dataset


def test_a_conversation_is_created_empty_and_listed(alice):
    response = alice.post('/conversations', {'title': 'Niger LLIN campaign'})
    assert response.status_code == 201
    created = response.json_body
    assert created['conversation_id'].startswith('cv_')
    assert (created['title'], created['dataset_id'], created['analysis_id']) == ('Niger LLIN campaign', None, None)
    got = alice.get(f"/conversations/{created['conversation_id']}").json_body
    assert got['messages'] == [] and got['next_token'] is None
    header = {k: v for k, v in got.items() if k not in ('messages', 'next_token')}
    assert header == created
    assert alice.get('/conversations').json_body['items'] == [header]


def test_a_conversation_on_a_dataset_opens_with_its_summary(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id, name='Niger wards')
    created = alice.post('/conversations', {'dataset_id': dataset_id}).json_body
    assert (created['dataset_id'], created['title']) == (dataset_id, 'Niger wards')
    [greeting] = alice.get(f"/conversations/{created['conversation_id']}").json_body['messages']
    assert (greeting['role'], greeting['status'], greeting['turn_id']) == ('assistant', 'DONE', None)
    for words in ('3 wards', 'u5_tpr_rdt', 'housing_quality', 'mean_rainfall'):
        assert words in greeting['text']


def test_a_dataset_of_someone_else_is_not_found_and_nothing_is_created(alice, bob, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    response = bob.post('/conversations', {'dataset_id': dataset_id})
    assert response.status_code == 404
    assert dataset_id in response.json_body['error']['message']
    assert bob.get('/conversations').json_body['items'] == []


def test_conversations_page_newest_first_without_their_messages(alice):
    ids = [conversation(alice, title=f'c{i}') for i in range(3)]
    say(alice, ids[0], 'hello')
    first = alice.get('/conversations?limit=2').json_body
    assert [c['conversation_id'] for c in first['items']] == [ids[2], ids[1]]
    rest = alice.get(f"/conversations?limit=2&next_token={first['next_token']}").json_body
    assert [c['conversation_id'] for c in rest['items']] == [ids[0]]
    assert rest['next_token'] is None


def test_messages_page_oldest_first_each_question_before_its_answer(alice):
    conversation_id = conversation(alice)
    turns = [say(alice, conversation_id, f'question {i}') for i in range(3)]
    first = alice.get(f'/conversations/{conversation_id}?limit=4').json_body
    rest = alice.get(f"/conversations/{conversation_id}?limit=4&next_token={first['next_token']}").json_body
    messages = first['messages'] + rest['messages']
    assert rest['next_token'] is None
    assert [(m['role'], m['turn_id']) for m in messages] == [
        (role, turn['turn_id']) for turn in turns for role in ('user', 'assistant')]
    assert [m['text'] for m in messages[::2]] == ['question 0', 'question 1', 'question 2']
    assert messages[0]['message_id'] == turns[0]['message_id'] and 'status' not in messages[0]
    assert messages[1]['status'] == QUEUED


def test_a_message_is_queued_at_once_in_its_conversations_fifo_group(alice, stores):
    conversation_id = conversation(alice)
    queued = say(alice, conversation_id, 'run malaria risk analysis')
    assert queued['status'] == QUEUED and queued['turn_id'].startswith('tn_')
    [record] = chat_records(stores.settings)
    assert record['attributes']['MessageGroupId'] == f'{alice.user_id}:{conversation_id}'
    assert record['attributes']['MessageDeduplicationId'] == queued['turn_id']
    assert record['body'] == ('{"user_id": "%s", "conversation_id": "%s", "turn_id": "%s"}'
                              % (alice.user_id, conversation_id, queued['turn_id']))


def test_the_same_client_message_id_twice_is_one_message(alice, stores):
    conversation_id = conversation(alice)
    first = say(alice, conversation_id, 'top 10 wards', client_message_id='web-42')
    again = say(alice, conversation_id, 'top 10 wards', client_message_id='web-42')
    assert again == first
    assert len(alice.get(f'/conversations/{conversation_id}').json_body['messages']) == 2
    assert [job['turn_id'] for job in chat_jobs(stores.settings)] == [first['turn_id']]
    other = conversation(alice)
    assert say(alice, other, 'top 10 wards', client_message_id='web-42')['message_id'] != first['message_id']


@pytest.mark.parametrize('body, field', [
    ({}, 'text'),
    ({'text': ''}, 'text'),
    ({'text': '   '}, 'text'),
    ({'text': 'x' * 4001}, 'text'),
    ({'text': 42}, 'text'),
    ({'text': 'hi', 'client_message_id': 'has space'}, 'client_message_id'),
    ({'text': 'hi', 'client_message_id': 'x' * 101}, 'client_message_id'),
    ({'text': 'hi', 'user_id': 'user-b-0002'}, 'user_id'),
])
def test_a_message_that_cannot_be_sent_is_400_naming_the_field(alice, stores, body, field):
    conversation_id = conversation(alice)
    response = alice.post(f'/conversations/{conversation_id}/messages', body)
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == field
    assert response.json_body['error']['message'].startswith(field)
    assert alice.get(f'/conversations/{conversation_id}').json_body['messages'] == []


def test_the_longest_message_is_taken(alice):
    conversation_id = conversation(alice)
    say(alice, conversation_id, 'x' * 4000)


@pytest.mark.parametrize('body, field', [({'title': ''}, 'title'), ({'dataset_id': 7}, 'dataset_id'),
                                         ({'owner': 'someone'}, 'owner')])
def test_a_conversation_that_cannot_be_created_is_400_naming_the_field(alice, body, field):
    response = alice.post('/conversations', body)
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == field


@pytest.mark.parametrize('conversation_id', ['mine', 'cv_missing', 'a message key', 'c' * 65])
def test_a_conversation_of_someone_else_is_not_found_on_every_route(alice, bob, stores, conversation_id):
    mine = conversation(alice)
    said = say(alice, mine, 'my secret question')
    target = {'mine': mine, 'a message key': f"{mine}%23{said['message_id'][4:]}"}.get(conversation_id,
                                                                                     conversation_id)
    for method, path, body in (('GET', f'/conversations/{target}', None),
                               ('POST', f'/conversations/{target}/messages', {'text': 'hi'}),
                               ('DELETE', f'/conversations/{target}', None)):
        response = bob.call(method, path, body)
        assert response.status_code == 404, (method, path)
        assert response.json_body['error']['code'] == 'not_found'
    assert bob.get('/conversations').json_body['items'] == []
    assert len(alice.get(f'/conversations/{mine}').json_body['messages']) == 2
    assert len(chat_jobs(stores.settings)) == 1


def test_a_message_is_never_read_as_a_conversation(alice):
    mine = conversation(alice)
    said = say(alice, mine, 'hello')
    for key in (f"{mine}%23{said['message_id'][4:]}", f"{mine}%23cm_x"):
        assert alice.get(f'/conversations/{key}').status_code == 404


def test_a_viewer_reads_but_cannot_chat(alice, carol):
    response = carol.post('/conversations', {})
    assert response.status_code == 403
    assert carol.get('/conversations').status_code == 200


def test_a_delete_removes_the_messages_and_their_stored_results(alice, stores):
    conversation_id = conversation(alice)
    say(alice, conversation_id, 'hello')
    kept = conversation(alice)
    say(alice, kept, 'hello')
    bucket = Bucket(stores.settings)
    key = stores.objects.put_file(alice.user_id, 'conversations', conversation_id, ('messages', 'm.json'),
                                  b'[]', 'application/json')
    assert alice.delete(f'/conversations/{conversation_id}').status_code == 204
    assert alice.get(f'/conversations/{conversation_id}').status_code == 404
    assert key not in bucket.keys()
    items = stores.conversations.all(alice.user_id)
    assert items and all(item['session_id'].startswith(kept) for item in items)


def test_a_message_the_queue_cannot_take_ends_failed_saying_to_send_it_again(alice, stores, monkeypatch):
    conversation_id = conversation(alice)

    def unavailable(*args):
        raise ConnectionError('sqs down')
    monkeypatch.setattr('chalicelib.storage.queue.ChatQueue.send', unavailable)
    response = alice.post(f'/conversations/{conversation_id}/messages', {'text': 'hello'})
    assert response.status_code == 500
    assert 'send it again' in response.json_body['error']['message']
    answer = alice.get(f'/conversations/{conversation_id}').json_body['messages'][1]
    assert answer['status'] == FAILED and 'send it again' in answer['text']


def test_writes_and_refusals_are_audited(alice, bob, stores):
    conversation_id = conversation(alice)
    say(alice, conversation_id, 'hello')
    alice.post(f'/conversations/{conversation_id}/messages', {'text': ''})
    alice.get(f'/conversations/{conversation_id}')            # reads of one's own are not audited
    alice.delete(f'/conversations/{conversation_id}')
    bob.get(f'/conversations/{conversation_id}')
    resource = f'conversation/{conversation_id}'
    assert [(e['action'], e['resource'], e['status']) for e in stores.audit.all(alice.user_id)] == [
        ('conversations.create', resource, 201), ('conversations.message', resource, 202),
        ('conversations.message', resource, 400), ('conversations.delete', resource, 204)]
    assert [(e['action'], e['outcome']) for e in stores.audit.all(bob.user_id)] == [
        ('conversations.get', 'not_found')]
