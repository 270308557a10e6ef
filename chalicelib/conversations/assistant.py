"""What the tool loop, the tools and the two providers (rules, bedrock) share.

A turn: the provider reads the conversation and answers with tool calls or with
the final text; the loop runs the calls through the one registry (each tool an
adapter over a service the REST routes use, always with the caller's own user id)
and asks the provider again with the results, at most MAX_TOOL_CALLS calls a turn.
The rules provider emits the same `Reply` shapes as a model, so one loop serves both.
"""
from dataclasses import dataclass, field, replace
from typing import Callable, Optional, Protocol, Tuple

from chalicelib.conversations.focus import Focus

MAX_TOOL_CALLS = 6     # per turn (chat.md)
HISTORY_MESSAGES = 20  # what a provider sees of the conversation (chat.md)
TABLE_ROWS = 100       # rows of a table attachment, and top_wards' n at most; the downloads have them all
TOP_WARDS = 10         # top_wards' n when none is given (chat.md)


@dataclass(frozen=True)
class ToolCall:
    """One call the provider asks for; `call_id` pairs it with its result (Converse's toolUseId)."""
    call_id: str
    name: str
    input: dict


@dataclass(frozen=True)
class ToolResult:
    """What a tool did, for people (`summary`), for the model (`content`, small JSON) and for
    the conversation (`attachments` shown with the answer; `bound` the dataset_id and/or
    analysis_id the conversation now works on)."""
    call: ToolCall
    status: str                      # 'ok' | 'error'
    summary: str                     # one or two sentences a programme officer reads
    content: dict = field(default_factory=dict)
    attachments: Tuple[dict, ...] = ()
    bound: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ToolSpec:
    """A tool as a model sees it: the JSON schema is generated from the tool's pydantic input model."""
    name: str
    description: str
    input_schema: dict


@dataclass(frozen=True)
class Names:
    """The names of the conversation's data, for the rules provider to find in free text:
    wards as (ward_code, ward_name, lga), LGA names and variable names (empty when unbound)."""
    wards: Tuple[Tuple[Optional[str], str, Optional[str]], ...] = ()
    lgas: Tuple[str, ...] = ()
    variables: Tuple[str, ...] = ()


@dataclass(frozen=True)
class TurnContext:
    """Everything a provider may read for one step of a turn; nothing else reaches it.

    `history` holds the last HISTORY_MESSAGES messages before this turn, oldest first, as
    `{'role': 'user'|'assistant', 'text': str, 'tool_calls': [...]}`. `conversation` is the
    header (`dataset_id`, `analysis_id`, `pending`: the rules provider's half-filled request).
    `names` loads the Names of the bound data on first call (only the rules provider needs them);
    `focus` reads what the conversation's latest answers were about from the same messages as
    `history`, for the rules provider's follow-ups ("the second one", "the next 5", "map that").
    """
    text: str
    history: Tuple[dict, ...]
    conversation: dict
    tools: Tuple[ToolSpec, ...]
    names: Callable[[], Names]
    results: Tuple[ToolResult, ...] = ()
    focus: Callable[[], Focus] = Focus

    def with_results(self, results):
        return replace(self, results=tuple(results))


@dataclass(frozen=True)
class Reply:
    """A provider's answer to one step: tool calls to run next, or the final text.

    A question back (a missing input) is final text ending in '?', with `options` when the
    answers are a short list; `pending` is what the rules provider keeps in the conversation
    to finish the request from the next message (None clears it).
    """
    text: str = ''
    tool_calls: Tuple[ToolCall, ...] = ()
    options: Tuple[str, ...] = ()
    pending: Optional[dict] = None


class ProviderError(Exception):
    """A provider could not answer (the model service throttled, denied or failed): the turn
    ends FAILED with `str(error)`, a sentence saying what happened and what to do."""


class Provider(Protocol):
    name: str

    def respond(self, context: TurnContext) -> Reply:
        ...
