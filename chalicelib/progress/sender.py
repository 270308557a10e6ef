"""Sending to a user's WebSocket connections, from a WebSocket event or from the worker."""
import json
import logging

from chalice import WebsocketDisconnectedError

from chalicelib import aws

log = logging.getLogger('chatmrpt.progress')


class AwsSession:
    """What `app.websocket_api.session` must be: a `client()` from the shared client cache.

    Creating it imports no boto3; the local stack replaces it with its relay's.
    """

    def client(self, service, endpoint_url=None):
        return aws.client(service, endpoint_url=endpoint_url)


class ProgressSender:
    """Sends messages about one user's analysis to that user's subscribed connections, and the
    chat's to all of the user's connections."""

    def __init__(self, connections, websocket_api):
        self._connections = connections
        self._ws = websocket_api

    def send(self, user_id, analysis_id, message):
        """Push `message` to every connection of `user_id` subscribed to `analysis_id`."""
        self._push(user_id, message, lambda: self._connections.subscribers(user_id, analysis_id))

    def broadcast(self, user_id, message, connections=None):
        """Push `message` to every connection of `user_id` (the chat's events need no subscription):
        `connections`, the user's listed by the caller, or all the user has now."""
        self._push(user_id, message, lambda: self._connections.list(user_id) if connections is None else connections)

    def _push(self, user_id, message, connections):
        """`message` to each of `connections()`; connections that cannot be listed are logged like a
        failed push, so telling never fails the work it reports (an analysis already SUCCEEDED, a
        dataset already READY)."""
        try:
            listed = connections()
        except Exception:
            log.warning('connections not listed; message not delivered', exc_info=True, extra={'user_id': user_id})
            return
        for connection in listed:
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
