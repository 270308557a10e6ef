"""The WebSocket events: a connection made, a client's message, a connection closed.

Browsers cannot set headers on a WebSocket, so `$connect` takes the Cognito ID
token from the `token` query parameter and verifies it with the REST side's
verifier. A connection may subscribe only to its own user's analyses, and the
sender looks connections up in the analysis owner's partition only: another
user's connection cannot receive a message about this analysis. A client may also
send a chat message (`chat`), the same service as POST /conversations/{id}/messages,
as the user who connected, with the role its token carried then.
"""
import json
import logging
import re

from chalice import Response

from chalicelib.accounts import audit
from chalicelib.analyses.stages import STAGES
from chalicelib.conversations import requests as conversations
from chalicelib.errors import ApiError, BadRequest, Forbidden, error_body
from chalicelib.identity import Identity
from chalicelib.progress.messages import progress_message, status_message
from chalicelib.storage.analyses import RUNNING, TERMINAL
from chalicelib.storage.base import AlreadyExists, now_iso
from chalicelib.tokens import TokenError

log = logging.getLogger('chatmrpt.progress')

ANALYSIS_ID = re.compile(r'^[A-Za-z0-9_-]{1,64}$')
SUBSCRIBE_HELP = ('Send {"action": "subscribe", "analysis_id": "<one of your analyses>"}, or '
                  '{"action": "chat", "conversation_id": "<one of your conversations>", "text": "..."}.')
# What a connection keeps of its token, for the chat action's role check and audit record.
CLAIMS_KEPT = ('email', 'custom:organization', 'custom:role', 'custom:region')
# The owner of a connection is read from an eventually consistent index: a subscribe
# sent right after connecting looks again after these pauses (seconds) before the
# client is told to send it again.
OWNER_LOOKUP_PAUSES = (0.1, 0.3, 0.6)
NOT_READY = {'type': 'error', 'code': 'conflict',
             'message': 'This connection is not ready yet: send the subscribe message again in a moment.'}


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
                             stage=context['stage'], connected_at=now_iso(),
                             claims={name: str(claims[name]) for name in CLAIMS_KEPT if name in claims})
    except AlreadyExists:
        log.info('connection already known', extra={'user_id': claims['sub']})
    return None


def receive(event, deps):
    """A client message: `subscribe` to one of the caller's own analyses, or `chat`."""
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
    if isinstance(body, dict) and body.get('action') == 'chat':
        chat(owner, connection, body, context, deps)
        return
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
    for message in [{'type': 'subscribed', 'analysis_id': analysis_id}] + catch_up(item):
        deps.sender.send_to(owner, connection, message)


def chat(owner, connection, body, context, deps):
    """`{"action": "chat", "conversation_id", "text", "client_message_id"?}`: the message queued
    as REST queues it (answered `{"type": "queued", ...}`), or `{"type": "error", "code", ...}`
    (a foreign or unknown conversation is not_found); audited like the REST write."""
    stored = deps.connections.get(owner, connection['connection_id']) or {}
    identity = Identity.from_claims(dict(stored.get('claims') or {}, sub=owner))
    conversation_id = body.get('conversation_id')
    try:
        if not identity.can_write:
            raise Forbidden(f'A {identity.role} can read but not change data.')
        if not isinstance(conversation_id, str):
            raise BadRequest('conversation_id: name one of your conversations', {'field': 'conversation_id'})
        message = {key: body[key] for key in ('text', 'client_message_id') if key in body}
        reply = dict(conversations.post_message(owner, conversation_id, message, deps),
                     type='queued', conversation_id=conversation_id)
        status = 202
    except ApiError as error:
        reply = {'type': 'error', 'code': error.code, 'message': error.message, **error.details}
        status = error.status
    except Exception:
        log.exception('chat message failed', extra={'user_id': owner})
        reply, status = {'type': 'error', 'code': 'internal', 'message': 'An internal error occurred.'}, 500
    try:
        audit.record(deps.audit, identity, 'conversations.message',
                     f'conversation/{conversation_id}' if isinstance(conversation_id, str) else 'conversation',
                     status, context.get('requestId', ''), (context.get('identity') or {}).get('sourceIp', ''))
    except Exception:
        log.exception('audit write failed', extra={'action': 'conversations.message', 'status': status})
    deps.sender.send_to(owner, connection, reply)


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


def catch_up(item, stages=STAGES):
    """The messages a subscriber who arrives late has missed: each finished stage in
    order, the one running now, and the final status."""
    analysis_id, done = item['analysis_id'], item.get('stages_done') or ()
    messages = [progress_message(analysis_id, s.name, s.progress, s.message)
                for s in stages if s.name in done]
    current = next((s for s in stages if s.name == item.get('stage') and s.name not in done), None)
    if current and item['status'] == RUNNING:
        messages.append(progress_message(analysis_id, current.name, item.get('progress', 0),
                                         current.message))
    if item['status'] in TERMINAL:
        messages.append(status_message(analysis_id, item['status'], item.get('error')))
    return messages
