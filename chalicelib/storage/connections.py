"""The Connections table: a user's open WebSocket connections and subscriptions.

A WebSocket message carries only its connection id; `owner_of` finds the user
through the `connection-index` GSI (eventually consistent: a connection made a
moment ago may not be there yet), and every other call is keyed by that user.
"""
import time

from chalicelib.storage.base import Table
from chalicelib.storage.tables import TTL_ATTRIBUTE

CONNECTION_TTL_SECONDS = 2 * 60 * 60   # API Gateway closes a WebSocket after 2 h


class Connections(Table):
    sort_key = 'connection_id'

    def __init__(self, name, client, clock=time.time):
        super().__init__(name, client)
        self._clock = clock

    def put(self, user_id, connection_id, ttl_seconds=CONNECTION_TTL_SECONDS, **fields):
        return self.put_new(user_id, dict(
            fields, connection_id=connection_id, subscriptions=[],
            **{TTL_ATTRIBUTE: int(self._clock()) + ttl_seconds}))

    def list(self, user_id):
        return self.all(user_id)

    def owner_of(self, connection_id):
        """The user id that opened `connection_id`, or None."""
        result = self._client.query(
            TableName=self.name, IndexName='connection-index',
            KeyConditionExpression='connection_id = :c',
            ExpressionAttributeValues=self._av({':c': connection_id}))
        owners = {self._plain(item)['user_id'] for item in result.get('Items', [])}
        return owners.pop() if len(owners) == 1 else None

    def subscribe(self, user_id, connection_id, analysis_id):
        """Add `analysis_id` to the connection's subscriptions; False if it is gone."""
        try:
            self._client.update_item(
                TableName=self.name, Key=self._key(user_id, connection_id),
                UpdateExpression='SET subscriptions = list_append(subscriptions, :a)',
                ConditionExpression='attribute_exists(user_id) AND NOT contains(subscriptions, :id)',
                ExpressionAttributeValues=self._av({':a': [analysis_id], ':id': analysis_id}))
        except self._error():
            return self.get(user_id, connection_id) is not None
        return True

    def subscribers(self, user_id, analysis_id):
        """The user's connections subscribed to `analysis_id`."""
        return [c for c in self.list(user_id) if analysis_id in c.get('subscriptions', ())]
