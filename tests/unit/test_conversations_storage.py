"""The Sessions table as conversations: expiry, per-user partitions, all-or-nothing turns."""
import pytest

from chalicelib.aws import client
from chalicelib.errors import BadRequest
from chalicelib.storage.base import AlreadyExists, now_iso
from chalicelib.storage.conversations import (
    QUEUED, TTL_SECONDS, ConversationGone, Conversations, new_turn_id, turn_message_ids)

NOW = 1_800_000_000.0
DAY = 24 * 60 * 60


@pytest.fixture
def clock():
    return [NOW]


@pytest.fixture
def table(aws, clock):
    return Conversations(aws.sessions_table, client('dynamodb', aws.region), clock=lambda: clock[0])


def header(conversation_id):
    return {'conversation_id': conversation_id, 'title': 't', 'dataset_id': None, 'analysis_id': None,
            'pending': None, 'created_at': now_iso(), 'updated_at': now_iso()}


def turn(table, user_id, conversation_id, client_message_id=None):
    turn_id = new_turn_id()
    question_id, answer_id = turn_message_ids(turn_id)
    table.add_turn(user_id, conversation_id,
                   {'message_id': question_id, 'turn_id': turn_id, 'role': 'user', 'text': 'q'},
                   {'message_id': answer_id, 'turn_id': turn_id, 'role': 'assistant', 'text': '',
                    'status': QUEUED}, client_message_id)
    return turn_id


def test_every_item_expires_in_90_days_and_the_header_moves_on_when_used(table, clock):
    table.create('u-1', header('cv_1'))
    turn(table, 'u-1', 'cv_1', client_message_id='c-1')
    assert {item['expires_at'] for item in table.all('u-1')} == {NOW + TTL_SECONDS}
    assert TTL_SECONDS == 90 * DAY
    clock[0] = NOW + 10 * DAY
    turn(table, 'u-1', 'cv_1')
    assert table.header('u-1', 'cv_1')['expires_at'] == NOW + 10 * DAY + TTL_SECONDS


def test_each_user_sees_only_their_own_conversations(table):
    table.create('u-1', header('cv_1'))
    table.create('u-2', header('cv_2'))
    assert [c['conversation_id'] for c in table.page('u-1')[0]] == ['cv_1']
    assert table.header('u-2', 'cv_1') is None
    with pytest.raises(ConversationGone):
        turn(table, 'u-2', 'cv_1')
    assert table.all('u-2') == [table.header('u-2', 'cv_2')]


def test_a_page_token_of_another_list_is_refused(table):
    for name in ('cv_1', 'cv_2'):
        table.create('u-1', header(name))
        turn(table, 'u-1', name)
        turn(table, 'u-1', name)
    _, token = table.messages('u-1', 'cv_1', limit=1)
    with pytest.raises(BadRequest):
        table.messages('u-1', 'cv_2', next_token=token)
    with pytest.raises(BadRequest):
        table.messages('u-2', 'cv_1', next_token=token)
    _, token = table.page('u-1', limit=1)
    with pytest.raises(BadRequest):
        table.page('u-2', next_token=token)


def test_a_client_message_id_taken_writes_nothing(table):
    table.create('u-1', header('cv_1'))
    first = turn(table, 'u-1', 'cv_1', client_message_id='c-1')
    with pytest.raises(AlreadyExists):
        turn(table, 'u-1', 'cv_1', client_message_id='c-1')
    assert [m['turn_id'] for m in table.messages('u-1', 'cv_1')[0]] == [first, first]
    assert table.marker('u-1', 'cv_1', 'c-1')['turn_id'] == first


def test_history_is_the_last_messages_before_the_turn_oldest_first(table):
    table.create('u-1', header('cv_1'))
    turns = [turn(table, 'u-1', 'cv_1') for _ in range(4)]
    question, _ = turn_message_ids(turns[3])
    before = table.before('u-1', 'cv_1', question, 3)
    assert [(m['turn_id'], m['role']) for m in before] == [
        (turns[1], 'assistant'), (turns[2], 'user'), (turns[2], 'assistant')]
