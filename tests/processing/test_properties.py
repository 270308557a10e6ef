"""Rules that hold for every order of events and every state of an analysis."""
from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib import analysis
from chalicelib.analyses import stages
from chalicelib.progress import websocket
from tests.processing import builders as b
from tests.processing.conftest import ALICE

GOOD = b.grid_files(3)
STAGE_NAMES = [stage.name for stage in stages.STAGES]
PREPARE = analysis.prepare_dataset   # called once per processing: counts them


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.sampled_from(['data', 'boundaries']), max_size=7))
def test_any_order_of_repeated_events_processes_a_dataset_at_most_once(files, monkeypatch, events):
    processed = []
    monkeypatch.setattr(analysis, 'prepare_dataset', lambda *a: processed.append(1) or PREPARE(*a))
    dataset_id = files.create(ALICE, GOOD)
    keys = {role: files.put(ALICE, dataset_id, role, data) for role, (_, data) in GOOD.items()}

    outcomes = [files.deliver(keys[role]) for role in events]

    complete = set(events) == set(GOOD)
    assert files.item(ALICE, dataset_id)['status'] == ('READY' if complete else 'AWAITING_UPLOAD')
    assert outcomes.count('READY') == len(processed) == int(complete)
    assert all(outcome in ('waiting', 'duplicate', 'READY') for outcome in outcomes)


@given(done=st.integers(0, len(STAGE_NAMES)),
       status=st.sampled_from(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']),
       running=st.booleans())
def test_catch_up_tells_the_stages_in_order_with_rising_progress(done, status, running):
    current = STAGE_NAMES[done] if running and done < len(STAGE_NAMES) else 'queued'
    item = {'analysis_id': 'an_x', 'status': status, 'stages_done': STAGE_NAMES[:done],
            'stage': current, 'progress': stages.STAGES[done - 1].progress if done else 0}

    messages = websocket.catch_up(item)

    progress = [m for m in messages if m['type'] == 'progress']
    assert [m['stage'] for m in progress][:done] == STAGE_NAMES[:done]
    assert [m['progress'] for m in progress] == sorted(m['progress'] for m in progress)
    assert [m['type'] for m in messages].count('status') == (status in ('SUCCEEDED', 'FAILED'))
    assert all(m['analysis_id'] == 'an_x' for m in messages)
