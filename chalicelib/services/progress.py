"""Live progress over WebSocket: connections, subscriptions and sending.

Browsers cannot set headers on a WebSocket, so `$connect` takes the Cognito ID
token from the `token` query parameter and verifies it with the REST side's
verifier. A connection may subscribe only to its own user's analyses, and the
sender looks connections up in the analysis owner's partition only: another
user's connection cannot receive a message about this analysis.
"""
import functools
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Callable

from chalice import Response, WebsocketDisconnectedError

from chalicelib import aws
from chalicelib.errors import error_body
from chalicelib.storage.analyses import Analyses
from chalicelib.storage.base import AlreadyExists, now_iso
from chalicelib.storage.connections import Connections
from chalicelib.tokens import TokenError, verify_id_token

log = logging.getLogger('chatmrpt.progress')

ANALYSIS_ID = re.compile(r'^[A-Za-z0-9_-]{1,64}$')
SUBSCRIBE_HELP = 'Send {"action": "subscribe", "analysis_id": "<one of your analyses>"}.'
# The owner of a connection is read from an eventually consistent index: a subscribe
# sent right after connecting looks again after these pauses (seconds) before the
# client is told to send it again.
OWNER_LOOKUP_PAUSES = (0.1, 0.3, 0.6)
NOT_READY = {'type': 'error', 'code': 'conflict',
             'message': 'This connection is not ready yet: send the subscribe message again in a moment.'}


def progress_message(analysis_id, stage, progress, message):
    return {'type': 'progress', 'analysis_id': analysis_id, 'stage': stage,
            'progress': progress, 'message': message}


def status_message(analysis_id, status, error=None):
    message = {'type': 'status', 'analysis_id': analysis_id, 'status': status}
    if error:
        message['error'] = error
    return message


class AwsSession:
    """What `app.websocket_api.session` must be: a `client()` from the shared client cache.

    Creating it imports no boto3; the local stack replaces it with its relay's.
    """

    def client(self, service, endpoint_url=None):
        return aws.client(service, endpoint_url=endpoint_url)


class ProgressSender:
    """Sends messages about one user's analysis to that user's subscribed connections."""

    def __init__(self, connections, websocket_api):
        self._connections = connections
        self._ws = websocket_api

    @classmethod
    def from_settings(cls, s, websocket_api):
        return cls(Connections(s.connections_table, aws.client('dynamodb', s.region)), websocket_api)

    def send(self, user_id, analysis_id, message):
        """Push `message` to every connection of `user_id` subscribed to `analysis_id`."""
        for connection in self._connections.subscribers(user_id, analysis_id):
            self.send_to(user_id, connection, message)

    def send_to(self, user_id, connection, message):
        """Push to one connection; a closed one is forgotten (when its user is known:
        `user_id` None is a connection not found yet), a failed push never fails the
        work that reports it."""
        connection_id = connection['connection_id']
        # The worker runs outside any WebSocket event: point the API at the endpoint
        # the connection came in through (a no-op once configured).
        self._ws.configure(connection['domain'], connection['stage'])
        try:
            self._ws.send(connection_id, json.dumps(message))
        except WebsocketDisconnectedError:
            log.info('connection gone; forgotten', extra={'user_id': user_id})
            if user_id is not None:
                self._connections.delete(user_id, connection_id)
        except Exception:
            log.warning('progress message not delivered', exc_info=True, extra={'user_id': user_id})


@dataclass(frozen=True)
class WsDeps:
    connections: Connections
    analyses: Analyses
    verify: Callable[[str], dict]        # token -> verified claims; raises TokenError
    sender: ProgressSender
    catch_up: Callable[[dict], list]     # analysis item -> messages a late subscriber missed
    pause: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls, s, websocket_api, catch_up):
        dynamodb = aws.client('dynamodb', s.region)
        connections = Connections(s.connections_table, dynamodb)
        return cls(connections=connections, analyses=Analyses(s.analyses_table, dynamodb),
                   verify=functools.partial(verify_id_token, settings=s),
                   sender=ProgressSender(connections, websocket_api), catch_up=catch_up)


def connect(event, deps):
    """`$connect`: keep the connection under the verified user; 401 without a valid token."""
    context = event['requestContext']
    token = (event.get('queryStringParameters') or {}).get('token') or ''
    try:
        claims = deps.verify(token)
    except TokenError as error:
        log.info('websocket refused: %s', error.reason)
        return Response(status_code=401, body=error_body(
            401, 'unauthorized', 'Connect with ?token=<your Cognito ID token>.'))
    try:
        deps.connections.put(claims['sub'], context['connectionId'], domain=context['domainName'],
                             stage=context['stage'], connected_at=now_iso())
    except AlreadyExists:
        log.info('connection already known', extra={'user_id': claims['sub']})
    return None


def receive(event, deps):
    """A client message: only `subscribe` to one of the caller's own analyses."""
    context = event['requestContext']
    connection = {'connection_id': context['connectionId'], 'domain': context['domainName'],
                  'stage': context['stage']}
    owner = _owner(deps, connection['connection_id'])
    if owner is None:
        log.info('message from a connection not found; told to send it again')
        deps.sender.send_to(None, connection, NOT_READY)
        return
    try:
        body = json.loads(event.get('body') or '')
    except (ValueError, RecursionError):  # nested past parsing is as unreadable as garbage
        body = None
    if not isinstance(body, dict) or body.get('action') != 'subscribe' \
            or not isinstance(body.get('analysis_id'), str):
        deps.sender.send_to(owner, connection,
                            {'type': 'error', 'code': 'bad_request', 'message': SUBSCRIBE_HELP})
        return
    analysis_id = body['analysis_id']
    item = deps.analyses.get(owner, analysis_id) if ANALYSIS_ID.match(analysis_id) else None
    if item is None or not deps.connections.subscribe(owner, connection['connection_id'], analysis_id):
        # Someone else's analysis and a missing one get the same answer.
        deps.sender.send_to(owner, connection, {'type': 'error', 'code': 'not_found'})
        return
    for message in [{'type': 'subscribed', 'analysis_id': analysis_id}] + deps.catch_up(item):
        deps.sender.send_to(owner, connection, message)


def _owner(deps, connection_id):
    """The user of the connection, looked up again while the index catches up; or None."""
    owner = deps.connections.owner_of(connection_id)
    for seconds in OWNER_LOOKUP_PAUSES:
        if owner is not None:
            break
        deps.pause(seconds)
        owner = deps.connections.owner_of(connection_id)
    return owner


def disconnect(event, deps):
    """`$disconnect`: forget the connection."""
    connection_id = event['requestContext']['connectionId']
    owner = deps.connections.owner_of(connection_id)
    if owner is not None:
        deps.connections.delete(owner, connection_id)
