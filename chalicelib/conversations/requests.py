"""Conversations over REST (and the WebSocket's `chat` action): create one, list, read with its
messages, delete, and post a message, which queues a turn for the chat worker (turns.py).

Every call takes the caller's user id; a conversation of someone else is "not found", exactly
like a missing one.
"""
import logging

from chalicelib.conversations.messages import assistant_message, view_message
from chalicelib.errors import ApiError, NotFound
from chalicelib.requests import find as find_owned, page, page_limit, parse
from chalicelib.storage.base import AlreadyExists, new_id, now_iso
from chalicelib.storage.conversations import FAILED, QUEUED, ConversationGone, new_turn_id, turn_message_ids

PUBLIC_FIELDS = ('conversation_id', 'title', 'dataset_id', 'analysis_id', 'created_at', 'updated_at')
UNTITLED = 'New conversation'
NOT_QUEUED = 'Your message could not be queued (the chat queue is unavailable); send it again.'

log = logging.getLogger('chatmrpt.chat')


def view(header):
    return {name: header.get(name) for name in PUBLIC_FIELDS}


def find(user_id, conversation_id, deps):
    return find_owned(deps.conversations, user_id, conversation_id, 'conversation')


def create(user_id, body, deps):
    """A conversation, bound to one of the caller's datasets when named: it opens with the
    dataset's summary (wards, matched, variables, warnings)."""
    from chalicelib.conversations.models import CreateConversation
    request = parse(CreateConversation, body)
    now = now_iso()
    header = {'conversation_id': new_id('cv'), 'title': request.title or UNTITLED, 'dataset_id': None,
              'analysis_id': None, 'pending': None, 'created_at': now, 'updated_at': now}
    greeting = None
    if request.dataset_id is not None:
        from chalicelib.conversations.tools import dataset_sentences
        from chalicelib.datasets import requests as datasets
        dataset = datasets.get(user_id, request.dataset_id, deps)
        header.update(dataset_id=request.dataset_id, title=request.title or dataset['name'])
        greeting = assistant_message(f'{dataset_sentences(dataset)} Ask me to run the malaria risk analysis, '
                                     'to map a variable, or any question about malaria.')
    return view(deps.conversations.create(user_id, header, greeting))


def list_page(user_id, query, deps):
    return page(deps.conversations, user_id, query, view)


def get(user_id, conversation_id, query, deps):
    """The header and one page of messages, oldest first."""
    header = find(user_id, conversation_id, deps)
    query = query or {}
    items, token = deps.conversations.messages(user_id, conversation_id, page_limit(query), query.get('next_token'))
    return dict(view(header), messages=[view_message(user_id, item, deps) for item in items], next_token=token)


def delete(user_id, conversation_id, deps):
    """Remove the conversation, its messages and the large results kept in S3."""
    find(user_id, conversation_id, deps)
    deps.conversations.delete_conversation(user_id, conversation_id)
    deps.objects.delete_prefix(user_id, 'conversations', conversation_id)


def post_message(user_id, conversation_id, body, deps):
    """The user's message and the QUEUED answer, written at once, and the turn handed to the chat
    queue; the same `client_message_id` again returns the first message and its turn's status."""
    from chalicelib.conversations.models import PostMessage
    request = parse(PostMessage, body)
    find(user_id, conversation_id, deps)
    turn_id = new_turn_id()
    question_id, answer_id = turn_message_ids(turn_id)
    question = {'message_id': question_id, 'turn_id': turn_id, 'role': 'user', 'text': request.text,
                'created_at': now_iso(), 'tool_calls': [], 'attachments': []}
    try:
        deps.conversations.add_turn(user_id, conversation_id, question,
                                    assistant_message('', turn_id, QUEUED, answer_id), request.client_message_id)
    except ConversationGone:
        raise NotFound(f'conversation {conversation_id} not found', {'conversation_id': conversation_id}) from None
    except AlreadyExists:
        return _first(user_id, conversation_id, request.client_message_id, deps)
    try:
        deps.chat.send(user_id, conversation_id, turn_id)
    except Exception:
        log.exception('could not queue turn', extra={'conversation_id': conversation_id, 'turn_id': turn_id})
        deps.conversations.fail_turn(user_id, conversation_id, answer_id, NOT_QUEUED)
        raise ApiError(NOT_QUEUED, {'conversation_id': conversation_id, 'turn_id': turn_id}) from None
    return {'message_id': question_id, 'turn_id': turn_id, 'status': QUEUED}


def _first(user_id, conversation_id, client_message_id, deps):
    marker = deps.conversations.marker(user_id, conversation_id, client_message_id)
    answer = deps.conversations.message(user_id, conversation_id, turn_message_ids(marker['turn_id'])[1])
    return {'message_id': marker['message_id'], 'turn_id': marker['turn_id'],
            'status': answer['status'] if answer else FAILED}
