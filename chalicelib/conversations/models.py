"""The conversation models: starting one, a message posted, the conversation and its messages as
answered (see chalicelib/models.py for why models live apart from the services)."""
from datetime import datetime
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.models import Page, ResponseBody
from chalicelib.storage.conversations import DONE, FAILED, QUEUED, RUNNING

TEXT_LIMIT = 4000


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
