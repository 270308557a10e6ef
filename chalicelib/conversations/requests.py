"""Conversations over REST (and the WebSocket's `chat` action): create one, list, read with its
messages, delete, and post a message, which queues a turn for the chat worker (turns.py).

Every call takes the caller's user id; a conversation of someone else is "not found", exactly
like a missing one.
"""
import logging
from datetime import datetime
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.conversations.messages import assistant_message, view_message
from chalicelib.errors import ApiError, NotFound
from chalicelib.requests import Page, PageQuery, ResponseBody, find as find_owned, page, page_limit, parse
from chalicelib.storage.base import AlreadyExists, new_id, now_iso
from chalicelib.storage.conversations import (
    DONE, FAILED, QUEUED, RUNNING, ConversationGone, new_turn_id, turn_message_ids)

TEXT_LIMIT = 4000
PUBLIC_FIELDS = ('conversation_id', 'title', 'dataset_id', 'analysis_id', 'created_at', 'updated_at')
UNTITLED = 'New conversation'
NOT_QUEUED = 'Your message could not be queued (the chat queue is unavailable); send it again.'

log = logging.getLogger('chatmrpt.chat')


class CreateConversation(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, defer_build=True, str_strip_whitespace=True)
    title: Optional[str] = Field(None, min_length=1, max_length=200)
    dataset_id: Optional[str] = Field(None, min_length=1, max_length=64, description=(
        'One of your datasets: the conversation works on it and opens with its summary.'))


class PostMessage(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, defer_build=True)
    text: str = Field(min_length=1, max_length=TEXT_LIMIT)
    client_message_id: Optional[str] = Field(None, pattern=r'^[A-Za-z0-9_.:-]{1,100}$', description=(
        'Your key for this message (letters, digits, _ . : -; up to 100): sent again, it returns '
        'the first message instead of a second one.'))

    @field_validator('text')
    @classmethod
    def _not_blank(cls, value):
        if not value.strip():
            raise ValueError('write something: the text is blank')
        return value


class Conversation(ResponseBody):
    """The conversation."""
    conversation_id: str
    title: str
    dataset_id: Optional[str] = Field(description='The dataset the assistant works on (null until one is chosen).')
    analysis_id: Optional[str] = Field(
        description='The latest analysis of the conversation: "top 10 wards" needs no id.')
    created_at: datetime
    updated_at: datetime


class ConversationPage(Page[Conversation]):
    """One page, newest first."""


class ToolCallView(ResponseBody):
    name: str
    input: Dict[str, Any]
    status: Literal['ok', 'error']
    summary: str


class Attachment(ResponseBody, extra='allow'):
    """A table (`title`, `columns`, `rows`), a map or download (`name`, `url`), a plan (`plan_id`,
    totals) or the `options` of a question back."""
    kind: Literal['table', 'map', 'plan', 'download', 'options']


class Message(ResponseBody):
    message_id: str
    turn_id: Optional[str] = Field(description="The turn of a user's message and its answer; null for the "
                                                "assistant's own messages (the greeting, an analysis that ended).")
    role: Literal['user', 'assistant']
    text: str
    status: Literal[QUEUED, RUNNING, DONE, FAILED] = Field(None, description="The assistant's messages only.")
    created_at: datetime
    tool_calls: List[ToolCallView]
    attachments: List[Attachment]


class ConversationMessages(Conversation):
    """The conversation and one page of its messages, oldest first."""
    messages: List[Message]
    next_token: Optional[str] = Field(description='Pass it as ?next_token= for the next messages; null on the last.')


class MessageQueued(ResponseBody):
    """Queued: the answer arrives over the WebSocket (or GET the conversation)."""
    message_id: str
    turn_id: str
    status: Literal[QUEUED, RUNNING, DONE, FAILED] = Field(
        description='QUEUED, or where the turn is when the client_message_id was sent before.')


def view(header):
    return {name: header.get(name) for name in PUBLIC_FIELDS}


def find(user_id, conversation_id, deps):
    return find_owned(deps.conversations, user_id, conversation_id, 'conversation')


def create(user_id, body, deps):
    """A conversation, bound to one of the caller's datasets when named: it opens with the
    dataset's summary (wards, matched, variables, warnings)."""
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
