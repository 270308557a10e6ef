"""The one tool loop, for every provider: ask the provider, run the tool calls it asks for through
the registry as the session's user, give it the results, until it answers with text.

A turn makes at most MAX_TOOL_CALLS calls. Calls past the limit are not run: the provider is
told so in their results (a model must get a result for every call it made) and must answer;
if it asks for tools once more, the turn answers with what the tools it ran said.
"""
from dataclasses import dataclass, replace
from typing import Optional, Tuple

from chalicelib.conversations import tools
from chalicelib.conversations.assistant import MAX_TOOL_CALLS, ToolResult

OVER_LIMIT = (f'Not run: a turn makes at most {MAX_TOOL_CALLS} tool calls. Answer now from the results you have, '
              'and say what the user can ask next.')


@dataclass(frozen=True)
class Answer:
    """The assistant's message of a turn: its text, a question's options, the rules provider's
    pending request, the results of the tools that ran, and what to show with the text."""
    text: str
    options: Tuple[str, ...] = ()
    pending: Optional[dict] = None
    results: Tuple[ToolResult, ...] = ()
    attachments: Tuple[dict, ...] = ()

    @property
    def bound(self):
        """The dataset_id and analysis_id the conversation works on after this turn (the latest wins)."""
        bound = {}
        for result in self.results:
            bound.update(result.bound)
        return bound


def run(context, provider, session, on_event):
    """Answer one turn. `on_event(payload)` hears each tool call start and end."""
    ran, given = [], []   # the results of the calls that ran; every result the provider has seen
    while True:
        reply = provider.respond(context)
        if not reply.tool_calls or len(given) > len(ran):
            return _answer(reply, ran)
        for call in reply.tool_calls:
            if len(ran) == MAX_TOOL_CALLS:
                given.append(ToolResult(call, 'error', OVER_LIMIT))
                continue
            result = _call(call, session, on_event)
            ran.append(result)
            given.append(result)
            if result.bound:
                session = replace(session, conversation=dict(session.conversation, **result.bound))
                context = replace(context, conversation=dict(context.conversation, **result.bound))
        context = context.with_results(given)


def _call(call, session, on_event):
    event = {'event': 'tool', 'name': call.name, 'input': call.input}
    on_event(dict(event, status='running', summary=''))
    result = tools.invoke(call, session)
    on_event(dict(event, status=result.status, summary=result.summary))
    return result


def _answer(reply, ran):
    """The reply as the turn's answer; a provider that still asks for tools past the limit
    answers with what the tools that ran said."""
    text = reply.text if reply.text or not reply.tool_calls else ' '.join(r.summary for r in ran)
    attachments = tuple(a for r in ran for a in r.attachments)
    if reply.options:
        attachments += ({'kind': 'options', 'options': list(reply.options)},)
    return Answer(text, tuple(reply.options), reply.pending, tuple(ran), attachments)
