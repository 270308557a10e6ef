"""The chat worker: a turn answered once, failures a person can act on, events to the owner's
connections only, the WebSocket chat action, and chat-started analyses told into their conversation."""
import dataclasses
import json

import pytest

from chalicelib.analyses import requests as analyses, runner
from chalicelib.analyses.stages import JobRefused, Stage
from chalicelib.conversations import requests as conversations, turns
from chalicelib.conversations.assistant import ProviderError, Reply
from chalicelib.conversations.rules import RulesProvider
from chalicelib.deps import Deps
from chalicelib.progress import websocket
from chalicelib.storage.conversations import DONE, FAILED, RUNNING, TURN_LEASE_SECONDS, turn_message_ids
from tests.processing.test_progress import FakeWebsocketApi, event
from tests.raw_aws import Bucket
from tests.unit.chat_support import chat_records, handed_over
from tests.unit.support import ready_dataset, succeeded_analysis
from tests.unit.test_tokens import mint, verify

ALICE, BOB, CAROL = 'user-a-0001', 'user-b-0002', 'user-c-0003'
NOW = 1_800_000_000.0


class Counting:
    """A provider that counts the steps it was asked for."""

    def __init__(self, provider):
        self.provider, self.name, self.steps = provider, provider.name, 0

    def respond(self, context):
        self.steps += 1
        return self.provider.respond(context)


class Raising:
    name = 'broken'

    def __init__(self, error):
        self.error = error

    def respond(self, context):
        raise self.error


class Answering:
    name = 'fixed'

    def __init__(self, reply):
        self.reply = reply

    def respond(self, context):
        return self.reply


@pytest.fixture
def ws():
    return FakeWebsocketApi()


@pytest.fixture
def deps(aws, ws):
    return Deps(aws, ws, verify=verify, clock=lambda: NOW, pause=lambda seconds: None)


@pytest.fixture
def connected(deps):
    """Alice on two connections, Bob on one, Carol (a viewer) on one."""
    for connection_id, user_id, role in (('conn-a1', ALICE, 'analyst'), ('conn-a2', ALICE, 'analyst'),
                                         ('conn-b', BOB, 'analyst'), ('conn-c', CAROL, 'viewer')):
        token = mint(sub=user_id, **{'custom:role': role})
        assert websocket.connect(event(connection_id, token=token), deps) is None


@pytest.fixture
def analysed(deps):
    """Alice's conversation on a dataset with a finished analysis of five wards."""
    dataset_id = ready_dataset(deps, ALICE)
    succeeded_analysis(deps, ALICE, dataset_id)
    return conversations.create(ALICE, {'dataset_id': dataset_id}, deps)['conversation_id']


def say(deps, conversation_id, text, user_id=ALICE):
    """Post `text` and hand the worker the turn's record; (turn_id, record)."""
    turn_id = conversations.post_message(user_id, conversation_id, {'text': text}, deps)['turn_id']
    [record] = [r for r in handed_over(deps.settings) if json.loads(r['body'])['turn_id'] == turn_id]
    return turn_id, record


def answer_of(deps, conversation_id, turn_id, user_id=ALICE):
    shown = conversations.get(user_id, conversation_id, {}, deps)['messages']
    return next(m for m in shown if m['turn_id'] == turn_id and m['role'] == 'assistant')


def events(ws, connection_id):
    return [m for m in ws.to(connection_id) if m['type'] == 'chat']


def test_a_turn_is_answered_and_every_connection_of_its_owner_hears_it(deps, ws, connected, analysed):
    turn_id, record = say(deps, analysed, 'What are the top 3 highest risk wards?')

    assert turns.handle_message(record, deps) == DONE

    answer = answer_of(deps, analysed, turn_id)
    assert answer['status'] == DONE and 'Ward 0' in answer['text']
    [table] = answer['attachments']
    assert table['kind'] == 'table' and [row['ward_name'] for row in table['rows']] == ['Ward 0', 'Ward 1', 'Ward 2']
    assert all(row['ward_code'] for row in table['rows'])
    assert [(c['name'], c['status']) for c in answer['tool_calls']] == [('top_wards', 'ok')]
    heard = events(ws, 'conn-a1')
    assert [(e['event'], e.get('status')) for e in heard] == [
        ('started', None), ('tool', 'running'), ('tool', 'ok'), ('message', None)]
    assert {(e['conversation_id'], e['turn_id']) for e in heard} == {(analysed, turn_id)}
    assert heard[-1]['message'] == answer
    assert events(ws, 'conn-a2') == heard
    assert ws.to('conn-b') == ws.to('conn-c') == []
    header = deps.conversations.header(ALICE, analysed)
    assert header['analysis_id'] and header['pending'] is None


def test_a_redelivered_turn_that_was_answered_is_not_answered_again(deps, ws, connected, analysed):
    provider = Counting(RulesProvider())
    counted = deps.replace(assistant=provider)
    turn_id, record = say(deps, analysed, 'top 3 wards')
    assert turns.handle_message(record, counted) == DONE
    steps, heard = provider.steps, len(ws.sent)

    assert turns.handle_message(record, counted) == DONE

    assert (provider.steps, len(ws.sent)) == (steps, heard)
    assert len(conversations.get(ALICE, analysed, {}, deps)['messages']) == 3   # greeting, question, answer


def test_a_running_turn_is_taken_over_only_once_its_worker_lease_ran_out(deps, ws, connected, analysed):
    turn_id, record = say(deps, analysed, 'top 3 wards')
    _, answer_id = turn_message_ids(turn_id)
    key = deps.conversations.message_key(analysed, answer_id)
    assert deps.conversations.turn.claim(ALICE, key, 'a-worker-that-died', NOW)

    assert turns.handle_message(record, deps.replace(clock=lambda: NOW + 10)) is None
    assert answer_of(deps, analysed, turn_id)['status'] == RUNNING and events(ws, 'conn-a1') == []

    assert turns.handle_message(record, deps.replace(clock=lambda: NOW + TURN_LEASE_SECONDS + 1)) == DONE
    assert answer_of(deps, analysed, turn_id)['status'] == DONE


@pytest.mark.parametrize('error, words', [
    (RuntimeError('KeyError deep inside'), 'problem on our side. Send it again'),
    (ProviderError('The assistant is busy right now: send your message again in a minute.'),
     'The assistant is busy right now: send your message again in a minute.'),
])
def test_a_turn_that_raises_ends_failed_saying_what_to_do(deps, ws, connected, analysed, error, words):
    broken = deps.replace(assistant=Raising(error))
    turn_id, record = say(deps, analysed, 'top 3 wards')

    assert turns.handle_message(record, broken) == FAILED

    answer = answer_of(deps, analysed, turn_id)
    assert answer['status'] == FAILED and words in answer['text'] and 'KeyError' not in answer['text']
    last = events(ws, 'conn-a1')[-1]
    assert (last['event'], last['error'], last['message_id']) == ('error', answer['text'], answer['message_id'])
    assert events(ws, 'conn-a2')[-1] == last and ws.to('conn-b') == []
    assert turns.handle_message(record, deps) == FAILED                  # redelivered: still no answer
    assert answer_of(deps, analysed, turn_id) == answer


def test_the_dead_letter_consumer_ends_a_turn_its_workers_never_finished(deps, ws, connected, analysed):
    turn_id, record = say(deps, analysed, 'top 3 wards')

    assert turns.handle_dead_letter(record, deps) == FAILED

    answer = answer_of(deps, analysed, turn_id)
    assert answer['status'] == FAILED and 'Send it again' in answer['text'] and turn_id in answer['text']
    assert events(ws, 'conn-a1')[-1]['event'] == 'error'
    done_id, done = say(deps, analysed, 'top 3 wards')
    assert turns.handle_message(done, deps) == DONE
    assert turns.handle_dead_letter(done, deps) == DONE
    assert answer_of(deps, analysed, done_id)['status'] == DONE


def test_a_question_back_keeps_the_request_in_the_conversation_until_it_is_answered(deps, analysed):
    asked_id, asked = say(deps, analysed, 'I want to plan bed net distribution')
    turns.handle_message(asked, deps)
    question = answer_of(deps, analysed, asked_id)
    assert question['text'].endswith('?') and question['tool_calls'] == []
    assert deps.conversations.header(ALICE, analysed)['pending']

    given_id, given = say(deps, analysed, 'I have 2 million nets and average household size is 4')
    turns.handle_message(given, deps)
    [call] = answer_of(deps, analysed, given_id)['tool_calls']
    assert call['name'] == 'plan_itn'
    assert (call['input']['total_nets'], call['input']['household_size']) == (2_000_000, 4)
    assert deps.conversations.header(ALICE, analysed)['pending'] is None


def test_attachments_too_large_for_an_item_are_kept_in_s3_under_the_owner(deps, ws, connected, analysed):
    options = tuple(f'option {i} ' + 'x' * 100 for i in range(400))
    many = deps.replace(assistant=Answering(Reply(text='Which one?', options=options)))
    turn_id, record = say(deps, analysed, 'which?')

    assert turns.handle_message(record, many) == DONE

    [attachment] = answer_of(deps, analysed, turn_id)['attachments']
    assert attachment == {'kind': 'options', 'options': list(options)}
    assert events(ws, 'conn-a1')[-1]['message']['attachments'] == [attachment]
    _, answer_id = turn_message_ids(turn_id)
    stored = deps.conversations.message(ALICE, analysed, answer_id)
    assert stored['attachments'] == [] and stored['attachments_key'].startswith(f'users/{ALICE}/conversations/')
    conversations.delete(ALICE, analysed, deps)
    assert Bucket(deps.settings).keys(f'users/{ALICE}/conversations/') == []


def test_attachments_too_large_for_a_websocket_frame_are_left_for_the_conversation(deps, ws, connected, analysed):
    options = tuple(f'option {i} ' + 'x' * 100 for i in range(1500))
    many = deps.replace(assistant=Answering(Reply(text='Which one?', options=options)))
    turn_id, record = say(deps, analysed, 'which?')

    assert turns.handle_message(record, many) == DONE

    sent = events(ws, 'conn-a1')[-1]['message']
    assert (sent['text'], sent['attachments'], sent['attachments_omitted']) == ('Which one?', [], True)
    assert len(json.dumps(sent)) < 128 * 1024
    assert answer_of(deps, analysed, turn_id)['attachments'] == [{'kind': 'options', 'options': list(options)}]


def test_a_turn_of_a_conversation_deleted_meanwhile_is_dropped(deps, ws, connected, analysed):
    _, record = say(deps, analysed, 'top 3 wards')
    conversations.delete(ALICE, analysed, deps)

    assert turns.handle_message(record, deps) is None
    assert events(ws, 'conn-a1') == []


# -- the WebSocket chat action -----------------------------------------------------------------

def chat(deps, connection_id, **body):
    websocket.receive(event(connection_id, dict(body, action='chat')), deps)


def test_a_chat_message_over_the_websocket_is_queued_like_rest_and_audited(deps, ws, connected, analysed):
    chat(deps, 'conn-a1', conversation_id=analysed, text='top 3 wards', client_message_id='ws-1')
    chat(deps, 'conn-a1', conversation_id=analysed, text='top 3 wards', client_message_id='ws-1')

    first, again = ws.to('conn-a1')
    assert first == again and (first['type'], first['conversation_id'], first['status']) == (
        'queued', analysed, 'QUEUED')
    assert [json.loads(r['body'])['turn_id'] for r in chat_records(deps.settings)] == [first['turn_id']]
    assert ws.to('conn-a2') == []
    recorded = [(e['action'], e['resource'], e['status']) for e in deps.audit.all(ALICE)]
    assert recorded == [('conversations.message', f'conversation/{analysed}', 202)] * 2


@pytest.mark.parametrize('connection_id, body, code', [
    ('conn-b', {'conversation_id': "Alice's", 'text': 'top 3 wards'}, 'not_found'),
    ('conn-a1', {'conversation_id': 'cv_missing', 'text': 'hi'}, 'not_found'),
    ('conn-a1', {'conversation_id': 'cv_x#y', 'text': 'hi'}, 'not_found'),
    ('conn-a1', {'text': 'hi'}, 'bad_request'),
    ('conn-a1', {'conversation_id': "Alice's", 'text': ''}, 'bad_request'),
    ('conn-c', {'conversation_id': "Alice's", 'text': 'hi'}, 'forbidden'),
])
def test_a_chat_message_that_cannot_be_sent_gets_an_error_and_queues_nothing(
        deps, ws, connected, analysed, connection_id, body, code):
    if body.get('conversation_id') == "Alice's":
        body = dict(body, conversation_id=analysed)
    chat(deps, connection_id, **body)

    [reply] = ws.to(connection_id)
    assert (reply['type'], reply['code']) == ('error', code)
    assert chat_records(deps.settings) == []
    assert len(conversations.get(ALICE, analysed, {}, deps)['messages']) == 1


# -- an analysis started from the chat ---------------------------------------------------------

def quiet(job):
    """A stage that does nothing: the worker's bookkeeping is what these tests follow."""


def refused(job):
    raise JobRefused('The dataset of this analysis is no longer ready: upload the ward data again.')


@pytest.mark.parametrize('run, words', [(quiet, 'has finished. Ask me for the top 10'),
                                        (refused, 'did not finish: The dataset of this analysis')])
def test_an_analysis_started_from_the_chat_streams_into_its_conversation(deps, ws, connected, analysed, run, words):
    dataset_id = deps.conversations.header(ALICE, analysed)['dataset_id']
    analysis_id = analyses.create(ALICE, {'dataset_id': dataset_id}, deps, conversation_id=analysed)['analysis_id']
    stages = (Stage('prepare', quiet, 40, 'Checking the data'), Stage('score', run, 100, 'Scoring wards'))

    runner.run_job(ALICE, analysis_id, deps, stages=stages)

    heard = events(ws, 'conn-a1')
    deltas = [e for e in heard if e['event'] == 'delta']
    assert deltas[0] == {'type': 'chat', 'event': 'delta', 'conversation_id': analysed, 'turn_id': None,
                         'analysis_id': analysis_id, 'stage': 'prepare', 'progress': 0, 'text': 'Checking the data'}
    assert heard[-1]['event'] == 'message' and words in heard[-1]['message']['text']
    assert heard[-1]['message'] == conversations.get(ALICE, analysed, {}, deps)['messages'][-1]
    assert events(ws, 'conn-a2') == heard and ws.to('conn-b') == []


def test_an_analysis_started_over_rest_says_nothing_in_any_conversation(deps, ws, connected, analysed):
    dataset_id = deps.conversations.header(ALICE, analysed)['dataset_id']
    analysis_id = analyses.create(ALICE, {'dataset_id': dataset_id}, deps)['analysis_id']

    runner.run_job(ALICE, analysis_id, deps, stages=(Stage('prepare', quiet, 100, 'Checking the data'),))

    assert events(ws, 'conn-a1') == []
    assert len(conversations.get(ALICE, analysed, {}, deps)['messages']) == 1


# -- the provider of the settings --------------------------------------------------------------

def test_the_rules_provider_answers_unless_bedrock_is_configured(aws):
    assert Deps(aws).assistant.name == 'rules'
    configured = dataclasses.replace(aws, chat_provider='bedrock', bedrock_model_id='eu.amazon.nova-lite-v1:0',
                                     bedrock_guardrail_id='gr-1', bedrock_guardrail_version='2')
    bedrock = Deps(configured).assistant
    assert (bedrock.name, bedrock.model_id) == ('bedrock', 'eu.amazon.nova-lite-v1:0')
    assert bedrock.guardrail == {'guardrailIdentifier': 'gr-1', 'guardrailVersion': '2'}


@pytest.mark.parametrize('settings, named', [
    ({'chat_provider': 'gpt'}, 'CHAT_PROVIDER'),
    ({'chat_provider': 'bedrock'}, 'BEDROCK_MODEL_ID'),
    ({'chat_provider': 'bedrock', 'bedrock_model_id': 'm', 'bedrock_guardrail_id': 'gr-1'},
     'BEDROCK_GUARDRAIL_VERSION'),
])
def test_a_provider_configuration_that_cannot_work_is_refused_naming_the_setting(aws, settings, named):
    with pytest.raises(ValueError, match=named):
        Deps(dataclasses.replace(aws, **settings)).assistant
