"""A conversation's messages as they are stored and as clients read them (REST, WebSocket)."""
import json

from chalicelib.storage.base import now_iso
from chalicelib.storage.conversations import DONE, lone_message_id

MESSAGE_FIELDS = ('message_id', 'turn_id', 'role', 'text', 'created_at')


def assistant_message(text, turn_id=None, status=DONE, message_id=None, **fields):
    """An assistant message item; one outside any turn (the greeting, an analysis that ended)
    gets its own id."""
    return dict({'message_id': message_id or lone_message_id(), 'turn_id': turn_id, 'role': 'assistant',
                 'text': text, 'status': status, 'created_at': now_iso(), 'tool_calls': [], 'attachments': []},
                **fields)


def view_message(user_id, item, deps):
    """A message as clients read it; attachments too large for its item come back from S3."""
    shown = {name: item.get(name) for name in MESSAGE_FIELDS}
    if item['role'] == 'assistant':
        shown['status'] = item['status']
    shown['tool_calls'] = item.get('tool_calls') or []
    shown['attachments'] = attachments_of(user_id, item, deps)
    return shown


def attachments_of(user_id, item, deps):
    """A stored message's attachments; those too large for its item come back from S3."""
    if item.get('attachments_key'):
        return json.loads(deps.objects.get_object(user_id, item['attachments_key']))
    return item.get('attachments') or []
