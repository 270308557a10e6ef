"""The WebSocket relay: the app's own handlers behind API Gateway shaped events."""
import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.integration


def _url(stack, token):
    return f'{stack.ws_url}/?token={token}'


def _ask(socket, message):
    socket.send(json.dumps(message))
    return json.loads(socket.recv(timeout=10))


def test_app_answers_through_its_own_websocket_api_send(event_stack):
    with connect(_url(event_stack, event_stack.demo_token())) as socket:
        reply = _ask(socket, {'action': 'echo', 'text': 'ward ranking ready?'})
    assert reply['echo'] == 'ward ranking ready?'
    assert reply['stage'] == 'local'
    assert reply['domain'] == event_stack.ws_url.removeprefix('ws://')


@pytest.mark.parametrize('token', ['', 'garbage'])
def test_invalid_token_is_refused_at_the_handshake(event_stack, token):
    with pytest.raises(InvalidStatus) as refused:
        connect(_url(event_stack, token))
    assert refused.value.response.status_code == 401


def test_access_token_is_refused_at_the_handshake(event_stack):
    demo = event_stack.state['demo_user']
    access = event_stack.tokens_for(demo['username'], demo['password'])['AccessToken']
    with pytest.raises(InvalidStatus) as refused:
        connect(_url(event_stack, access))
    assert refused.value.response.status_code == 401


def test_sending_to_a_closed_connection_is_the_apps_disconnected_error(event_stack):
    token = event_stack.demo_token()
    with connect(_url(event_stack, token)) as sender, connect(_url(event_stack, token)) as neighbour:
        neighbour_id = _ask(neighbour, {'action': 'whoami'})['connection_id']
        assert _ask(sender, {'action': 'send_to', 'connection_id': neighbour_id}) == {'sent': True}
        assert json.loads(neighbour.recv(timeout=10)) == {'hello': 'from a neighbour'}
        neighbour.close()
        reply = _ask(sender, {'action': 'send_to', 'connection_id': neighbour_id})
    assert reply == {'error': 'disconnected', 'connection_id': neighbour_id}


def test_real_app_refuses_a_bad_token_and_answers_a_subscription(stack):
    with pytest.raises(InvalidStatus) as refused:
        connect(_url(stack, 'garbage'))
    assert refused.value.response.status_code == 401
    with connect(_url(stack, stack.demo_token())) as socket:
        reply = _ask(socket, {'action': 'subscribe', 'analysis_id': 'not-one-of-mine'})
    assert reply == {'type': 'error', 'code': 'not_found'}


def test_a_failing_message_handler_answers_like_api_gateway_and_keeps_the_connection(event_stack):
    with connect(_url(event_stack, event_stack.demo_token())) as socket:
        failure = _ask(socket, {'action': 'no-such-action'})
        assert failure['message'] == 'Internal server error'
        assert _ask(socket, {'action': 'echo', 'text': 'still here'})['echo'] == 'still here'
