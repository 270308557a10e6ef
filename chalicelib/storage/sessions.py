"""The Sessions table: a user's chat sessions, expiring through DynamoDB TTL."""
import time

from chalicelib.storage.base import Table
from chalicelib.storage.tables import TTL_ATTRIBUTE


class Sessions(Table):
    sort_key = 'session_id'

    def put(self, user_id, session_id, ttl_seconds, **fields):
        """Create the session; it expires `ttl_seconds` from now."""
        return self.put_new(user_id, dict(
            fields, session_id=session_id, **{TTL_ATTRIBUTE: int(time.time()) + ttl_seconds}))

    def list(self, user_id):
        return self.all(user_id)
