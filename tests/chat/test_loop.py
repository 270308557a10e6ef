"""The tool loop: every provider's tool calls run through the registry as the session's user,
at most MAX_TOOL_CALLS a turn, each heard as it starts and ends."""
from chalicelib.conversations import loop, tools
from chalicelib.conversations.assistant import MAX_TOOL_CALLS, Names, Reply, ToolCall, TurnContext
from chalicelib.deps import Deps
from tests.unit.support import ready_dataset

ALICE = 'user-a-0001'


class Scripted:
    """A provider that answers each step with the next reply of its script (the last one repeats),
    and keeps what it was shown."""
    name = 'scripted'

    def __init__(self, *replies):
        self.replies = list(replies)
        self.seen = []

    def respond(self, context):
        self.seen.append(context)
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def explain(i, topic='pca'):
    return ToolCall(f'c{i}', 'explain_method', {'topic': topic})


def context(conversation=None):
    return TurnContext(text='hello', history=(), conversation=conversation or {}, tools=tools.specs(),
                       names=lambda: Names())


def session(deps=None, **conversation):
    return tools.ToolSession(ALICE, 'cv_1', 'tn_1', conversation, deps)


def test_a_text_reply_is_the_answer_with_its_options_attached():
    provider = Scripted(Reply(text='Which facility level?', options=('primary', 'all'), pending={'intent': 'tpr'}))
    answer = loop.run(context(), provider, session(), [].append)
    assert answer.text == 'Which facility level?' and answer.pending == {'intent': 'tpr'}
    assert answer.attachments == ({'kind': 'options', 'options': ['primary', 'all']},) and answer.results == ()


def test_tool_calls_run_and_their_results_reach_the_provider_and_the_answer():
    events = []
    provider = Scripted(Reply(tool_calls=(explain(1), ToolCall('c2', 'top_wards', {'n': 0}))), Reply(text='Done.'))
    answer = loop.run(context(), provider, session(), events.append)
    assert [r.status for r in answer.results] == ['ok', 'error']
    assert [r.call.call_id for r in provider.seen[1].results] == ['c1', 'c2']
    assert answer.text == 'Done.'
    assert events == [
        {'event': 'tool', 'name': 'explain_method', 'input': {'topic': 'pca'}, 'status': 'running', 'summary': ''},
        {'event': 'tool', 'name': 'explain_method', 'input': {'topic': 'pca'}, 'status': 'ok',
         'summary': answer.results[0].summary},
        {'event': 'tool', 'name': 'top_wards', 'input': {'n': 0}, 'status': 'running', 'summary': ''},
        {'event': 'tool', 'name': 'top_wards', 'input': {'n': 0}, 'status': 'error',
         'summary': answer.results[1].summary}]


def test_a_provider_that_keeps_calling_tools_is_stopped_at_the_limit_then_must_answer():
    calls = iter(range(100))
    provider = Scripted(*(Reply(tool_calls=(explain(next(calls)),)) for _ in range(20)))
    events = []
    answer = loop.run(context(), provider, session(), events.append)
    assert len(answer.results) == MAX_TOOL_CALLS == 6
    assert len([e for e in events if e['status'] == 'running']) == MAX_TOOL_CALLS
    told = provider.seen[MAX_TOOL_CALLS + 1].results[-1]
    assert told.status == 'error' and 'at most 6' in told.summary
    assert len(provider.seen) == MAX_TOOL_CALLS + 2           # told once, then answered for it
    assert answer.text and answer.text.startswith(answer.results[0].summary)


def test_calls_past_the_limit_in_one_reply_are_told_not_run_and_every_call_gets_a_result():
    provider = Scripted(Reply(tool_calls=tuple(explain(i) for i in range(4))),
                        Reply(tool_calls=tuple(explain(i) for i in range(4, 8))), Reply(text='Here it is.'))
    answer = loop.run(context(), provider, session(), [].append)
    assert [r.call.call_id for r in answer.results] == [f'c{i}' for i in range(6)]
    shown = provider.seen[2].results
    assert [r.call.call_id for r in shown] == [f'c{i}' for i in range(8)]
    assert [r.status for r in shown[6:]] == ['error', 'error'] and answer.text == 'Here it is.'


def test_an_analysis_started_in_a_turn_is_the_default_of_the_next_call(aws):
    deps = Deps(aws)
    dataset_id = ready_dataset(deps, ALICE)
    provider = Scripted(Reply(tool_calls=(ToolCall('c1', 'run_analysis', {}),)),
                        Reply(tool_calls=(ToolCall('c2', 'analysis_status', {}),)), Reply(text='Started.'))
    answer = loop.run(context({'dataset_id': dataset_id}), provider, session(deps, dataset_id=dataset_id), [].append)
    started, status = answer.results
    assert status.content['analysis_id'] == started.bound['analysis_id'] and status.content['status'] == 'QUEUED'
    assert provider.seen[2].conversation['analysis_id'] == started.bound['analysis_id']
    assert answer.bound == {'dataset_id': dataset_id, 'analysis_id': started.bound['analysis_id']}
