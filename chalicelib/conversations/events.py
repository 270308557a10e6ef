"""What the owner's WebSocket connections receive about a conversation, without subscribing:
`{"type": "chat", "event", "conversation_id", "turn_id", ...}`. A turn sends `started`, a `tool`
event as each tool starts and ends, and ends with `message` (the whole assistant message) or
`error`; an analysis started from the chat sends `delta` events with its progress (turn_id null).
A message whose attachments would not fit in a WebSocket frame comes without them, marked
`attachments_omitted`: GET the conversation for them."""
STARTED, DELTA, TOOL, MESSAGE, ERROR = 'started', 'delta', 'tool', 'message', 'error'


def chat_event(event, conversation_id, turn_id, **fields):
    return {'type': 'chat', 'event': event, 'conversation_id': conversation_id, 'turn_id': turn_id, **fields}


def tell(deps, user_id, event, conversation_id, turn_id, connections=None, **fields):
    """Send one chat event to every connection of `user_id` (and of no one else); `connections`,
    the user's as a turn listed them when it started, saves listing them again for each event."""
    deps.sender.broadcast(user_id, chat_event(event, conversation_id, turn_id, **fields), connections)
