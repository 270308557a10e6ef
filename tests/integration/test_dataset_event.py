"""Through the running local stack: the upload function's end of a dataset reaches its owner's
WebSocket, through the S3 bridge and the WebSocket relay, and no one else's."""
import json
import urllib.parse

import pytest
from websockets.sync.client import connect

from devstack.demo import Api
from tests.processing import builders

pytestmark = pytest.mark.integration


def _socket(stack, user):
    return connect(f'{stack.ws_url.rstrip("/")}/?token={urllib.parse.quote(user.token)}')


def _next_dataset_message(socket, seconds):
    """The first `dataset` message within `seconds`, or None."""
    try:
        while True:
            message = json.loads(socket.recv(timeout=seconds))
            if message['type'] == 'dataset':
                return message
    except TimeoutError:
        return None


def test_the_owner_hears_over_the_websocket_that_the_dataset_is_ready(stack):
    alice, bob = stack.create_user(), stack.create_user()
    with _socket(stack, alice) as alices, _socket(stack, bob) as bobs:
        dataset_id = Api(stack.api_url, alice.token).upload_dataset('grid', builders.grid_files(4))

        heard = _next_dataset_message(alices, 60)
        stray = _next_dataset_message(bobs, 1)

    assert heard == {'type': 'dataset', 'dataset_id': dataset_id, 'status': 'READY'}
    assert stray is None
