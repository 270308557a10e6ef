"""WebSocket progress: verified connections, own subscriptions only, owner-only delivery."""
import dataclasses
import json
import time

import pytest
from chalice import WebsocketDisconnectedError

from chalicelib.analyses import requests as analysis_service, runner, stages
from chalicelib.deps import Deps
from chalicelib.progress import messages, websocket
from chalicelib.storage.connections import Connections
from tests.processing.conftest import ALICE, BOB
from tests.unit.test_tokens import mint, verify

DOMAIN, STAGE = 'abc123.execute-api.eu-west-1.amazonaws.com', 'api'
NOW = 1_800_000_000.0


class FakeWebsocketApi:
    """Stands in for `app.websocket_api`: records the endpoint and what was sent where."""

    def __init__(self, gone=()):
        self.endpoint = None
        self.sent = []
        self.gone = set(gone)

    def configure(self, domain, stage):
        self.endpoint = self.endpoint or (domain, stage)

    def send(self, connection_id, message):
        assert self.endpoint, 'configure must come before send'
        if connection_id in self.gone:
            raise WebsocketDisconnectedError(connection_id)
        self.sent.append((connection_id, json.loads(message)))

    def to(self, connection_id):
        return [m for c, m in self.sent if c == connection_id]


@pytest.fixture
def ws():
    return FakeWebsocketApi()


@pytest.fixture
def pauses():
    return []


@pytest.fixture
def deps(aws, ws, pauses):
    from chalicelib.aws import client
    connections = Connections(aws.connections_table, client('dynamodb', aws.region), clock=lambda: NOW)
    return Deps(aws, ws, connections=connections, verify=verify, pause=pauses.append)


def event(connection_id, body=None, token=None):
    return {'requestContext': {'connectionId': connection_id, 'domainName': DOMAIN, 'stage': STAGE,
                               'apiId': 'abc123', 'routeKey': '$default'},
            'queryStringParameters': {'token': token} if token is not None else None,
            'body': json.dumps(body) if isinstance(body, dict) else body}


def connect(deps, connection_id, user_id):
    assert websocket.connect(event(connection_id, token=mint(sub=user_id)), deps) is None


def analysis(deps, user_id, analysis_id, **fields):
    deps.analyses.put_new(user_id, dict({'analysis_id': analysis_id, 'status': 'QUEUED',
                                         'stage': 'queued', 'progress': 0}, **fields))
    return analysis_id


def test_connect_keeps_the_verified_user_with_domain_stage_and_a_two_hour_ttl(deps):
    connect(deps, 'conn-a', ALICE)

    [stored] = deps.connections.list(ALICE)
    assert stored['connection_id'] == 'conn-a'
    assert (stored['domain'], stored['stage']) == (DOMAIN, STAGE)
    assert stored['expires_at'] == NOW + 2 * 3600
    assert stored['subscriptions'] == []


@pytest.mark.parametrize('token', [None, '', 'garbage', mint(sub=ALICE, token_use='access'),
                                   mint(sub=ALICE, exp=int(time.time()) - 3600)])
def test_connect_without_a_valid_id_token_is_refused_and_nothing_is_kept(deps, token):
    response = websocket.connect(event('conn-x', token=token), deps)

    assert response.status_code == 401
    assert response.body['error']['code'] == 'unauthorized'
    assert deps.connections.owner_of('conn-x') is None


class Stopped(BaseException):
    """Ends the worker's run where the test has seen what it needed."""


def test_subscribing_to_ones_own_analysis_acknowledges_and_catches_up(aws, ready_dataset, deps, ws, sender):
    """A subscribe while the worker scores: the finished stage and the one running now."""
    connect(deps, 'conn-a', ALICE)
    mine = analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id']}, deps)['analysis_id']

    def subscribe(job):
        websocket.receive(event('conn-a', {'action': 'subscribe', 'analysis_id': mine}), deps)
        raise Stopped
    during_score = tuple(dataclasses.replace(stage, run=subscribe) if stage.name == 'score' else stage
                         for stage in stages.STAGES)
    with pytest.raises(Stopped):
        runner.run_job(ALICE, mine, Deps(aws, sender=sender), stages=during_score)

    messages = ws.to('conn-a')
    assert messages[0] == {'type': 'subscribed', 'analysis_id': mine}
    assert [(m['stage'], m['progress']) for m in messages[1:]] == [('prepare', 10), ('score', 10)]
    assert [c['connection_id'] for c in deps.connections.subscribers(ALICE, mine)] == ['conn-a']


def test_subscribing_to_someone_elses_analysis_gets_exactly_not_found(deps, ws):
    connect(deps, 'conn-b', BOB)
    alices = analysis(deps, ALICE, 'an_alices')

    websocket.receive(event('conn-b', {'action': 'subscribe', 'analysis_id': alices}), deps)
    websocket.receive(event('conn-b', {'action': 'subscribe', 'analysis_id': 'an_missing'}), deps)

    assert ws.to('conn-b') == [{'type': 'error', 'code': 'not_found'}] * 2
    assert deps.connections.list(BOB)[0]['subscriptions'] == []
    assert deps.connections.subscribers(ALICE, alices) == []


@pytest.mark.parametrize('body', ['not json', {'action': 'dance'}, {'action': 'subscribe'},
                                  {'action': 'subscribe', 'analysis_id': 7},
                                  {'action': 'subscribe', 'analysis_id': 'x' * 5000}])
def test_a_message_other_than_a_subscription_gets_a_short_error(deps, ws, body):
    connect(deps, 'conn-a', ALICE)

    websocket.receive(event('conn-a', body), deps)

    [reply] = ws.to('conn-a')
    assert reply['type'] == 'error' and reply['code'] in ('bad_request', 'not_found')


def test_a_frame_nested_past_parsing_gets_the_same_reply_as_other_bad_frames(deps, ws):
    connect(deps, 'conn-a', ALICE)

    websocket.receive(event('conn-a', '[' * 50000), deps)
    websocket.receive(event('conn-a', 'not json'), deps)

    nested, garbled = ws.to('conn-a')
    assert nested == garbled == {'type': 'error', 'code': 'bad_request',
                                 'message': websocket.SUBSCRIBE_HELP}


class LaggingIndex:
    """The connection-index GSI before it caught up: the owner shows after `lag` lookups."""

    def __init__(self, connections, lag):
        self.connections = connections
        self.lag = lag

    def owner_of(self, connection_id):
        self.lag -= 1
        return None if self.lag >= 0 else self.connections.owner_of(connection_id)

    def __getattr__(self, name):
        return getattr(self.connections, name)


@pytest.mark.parametrize('lag', [1, 3])
def test_a_subscribe_right_after_connect_is_answered_once_the_index_has_the_connection(
        deps, ws, pauses, lag):
    connect(deps, 'conn-a', ALICE)
    mine = analysis(deps, ALICE, 'an_mine')
    lagging = deps.replace(connections=LaggingIndex(deps.connections, lag))

    websocket.receive(event('conn-a', {'action': 'subscribe', 'analysis_id': mine}), lagging)

    assert ws.to('conn-a')[0] == {'type': 'subscribed', 'analysis_id': mine}
    assert len(pauses) == lag


def test_a_subscribe_the_index_never_finds_is_told_to_send_it_again_not_ignored(deps, ws, pauses):
    connect(deps, 'conn-a', ALICE)
    mine = analysis(deps, ALICE, 'an_mine')
    lagging = deps.replace(connections=LaggingIndex(deps.connections, 99))

    websocket.receive(event('conn-a', {'action': 'subscribe', 'analysis_id': mine}), lagging)

    [reply] = ws.to('conn-a')
    assert reply['type'] == 'error' and reply['code'] == 'conflict'
    assert 'send the subscribe message again' in reply['message']
    assert len(pauses) == len(websocket.OWNER_LOOKUP_PAUSES)
    assert deps.connections.subscribers(ALICE, mine) == []


def test_progress_goes_to_the_owners_subscribed_connections_only(deps, ws):
    connect(deps, 'conn-a1', ALICE)
    connect(deps, 'conn-a2', ALICE)
    connect(deps, 'conn-b', BOB)
    mine = analysis(deps, ALICE, 'an_mine')
    websocket.receive(event('conn-a1', {'action': 'subscribe', 'analysis_id': mine}), deps)
    # Even a connection of Bob's whose subscriptions somehow name Alice's analysis is
    # never looked at: the sender reads the owner's partition only.
    deps.connections.subscribe(BOB, 'conn-b', mine)
    ws.sent.clear()

    deps.sender.send(ALICE, mine, messages.progress_message(mine, 'score', 60, 'Scoring'))

    assert [c for c, _ in ws.sent] == ['conn-a1']
    assert ws.endpoint == (DOMAIN, STAGE)


def test_a_gone_connection_is_forgotten(deps, ws):
    connect(deps, 'conn-a', ALICE)
    mine = analysis(deps, ALICE, 'an_mine')
    deps.connections.subscribe(ALICE, 'conn-a', mine)
    ws.gone.add('conn-a')

    deps.sender.send(ALICE, mine, messages.status_message(mine, 'SUCCEEDED'))

    assert deps.connections.list(ALICE) == []


def test_a_failing_push_never_fails_the_sender(deps, ws):
    connect(deps, 'conn-a', ALICE)
    mine = analysis(deps, ALICE, 'an_mine')
    deps.connections.subscribe(ALICE, 'conn-a', mine)

    def broken(connection_id, message):
        raise RuntimeError('endpoint unreachable')
    ws.send = broken

    deps.sender.send(ALICE, mine, messages.status_message(mine, 'SUCCEEDED'))
    assert len(deps.connections.list(ALICE)) == 1


def test_disconnect_forgets_the_connection(deps):
    connect(deps, 'conn-a', ALICE)

    websocket.disconnect(event('conn-a'), deps)

    assert deps.connections.list(ALICE) == []
    assert deps.connections.owner_of('conn-a') is None


def test_a_whole_analysis_reaches_only_its_owner(aws, ready_dataset, deps, ws):
    """The worker's real sender: Alice's subscribed connection hears every stage; Bob's
    connection, subscribed to nothing of his, hears nothing."""
    s = Deps(aws)
    analysis_id = analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id']}, s)['analysis_id']
    connect(deps, 'conn-a', ALICE)
    connect(deps, 'conn-b', BOB)
    websocket.receive(event('conn-a', {'action': 'subscribe', 'analysis_id': analysis_id}), deps)

    assert runner.run_job(ALICE, analysis_id, Deps(aws, sender=deps.sender)) == 'SUCCEEDED'

    told = [m['stage'] for m in ws.to('conn-a') if m['type'] == 'progress']
    assert list(dict.fromkeys(told)) == [stage.name for stage in stages.STAGES]
    assert ws.to('conn-a')[-1] == {'type': 'status', 'analysis_id': analysis_id, 'status': 'SUCCEEDED'}
    assert ws.to('conn-b') == []


class SubscribersDown(Connections):
    """The Connections table failing to list a user's subscribers (throttled, say)."""

    def subscribers(self, user_id, analysis_id):
        raise RuntimeError('DynamoDB throttled')


def test_an_analysis_whose_subscribers_cannot_be_listed_still_succeeds(aws, ready_dataset, ws):
    """Telling never fails the work it reports: with the connections unreadable the analysis still
    ends SUCCEEDED (no stage is retried for a progress message nobody could receive)."""
    from chalicelib.aws import client
    down = SubscribersDown(aws.connections_table, client('dynamodb', aws.region), clock=lambda: NOW)
    s = Deps(aws)
    analysis_id = analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id']}, s)['analysis_id']

    assert runner.run_job(ALICE, analysis_id, Deps(aws, ws, connections=down)) == 'SUCCEEDED'
    assert s.analyses.get(ALICE, analysis_id)['status'] == 'SUCCEEDED'
    assert ws.sent == []
