"""The analysis worker: stages in order, each once, whatever SQS redelivers."""
import gzip
import json
import logging

import pytest

from chalicelib.analyses import requests as analysis_service
from chalicelib.analyses import runner
from chalicelib.analyses import workflow
from chalicelib.analyses.stages import STAGES, Stage, score
from chalicelib.deps import Deps
from chalicelib.progress import websocket
from chalicelib.storage import analyses as analyses_store
from chalicelib.storage import queue
from tests.processing.builders import OneBeat
from tests.processing.conftest import ALICE
from tests.raw_aws import Bucket, queue_url, queued_records

STAGE_NAMES = [stage.name for stage in STAGES]
EXPECTED_ARTIFACTS = {'rankings.json', 'rankings.csv', 'models.json', 'diagnostics.json',
                      'match_report.json', 'imputation.json', 'vulnerability_map.html',
                      'rank_spread.html', 'report.html', 'rankings.xlsx', 'wards.geojson', 'map.topojson'}


class Killed(BaseException):
    """The worker process dies: nothing after this line runs, no handler cleans up."""


def counting(stages, calls, fail=None):
    """The stages, each counting its runs into `calls`; `fail` maps a name to what it raises."""
    def wrap(stage):
        def run(job):
            calls.append(stage.name)
            if stage.name in (fail or {}):
                raise fail[stage.name]
            stage.run(job)
        return Stage(stage.name, run, stage.progress, stage.message)
    return tuple(wrap(stage) for stage in stages)


@pytest.fixture
def analysis(aws, ready_dataset):
    """A QUEUED analysis created through the REST service; (analysis id, the queued message)."""
    s = Deps(aws)
    created = analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id']}, s)
    return created['analysis_id']


def record(analysis_id, receive_count=1):
    return {'body': json.dumps({'user_id': ALICE, 'analysis_id': analysis_id}),
            'attributes': {'ApproximateReceiveCount': str(receive_count)}}


def item(worker_deps, analysis_id):
    return worker_deps.analyses.get(ALICE, analysis_id)


def shown(worker_deps, analysis_id):
    """Where GET /analyses/{id} shows the analysis: status, stage and progress."""
    view = analysis_service.get(ALICE, analysis_id, worker_deps)
    return view['status'], view['stage'], view['progress']


def finished(sender):
    """The stages the worker told the owner it finished, in order: each progress message names
    the stage running now (so the ones before it are done), and SUCCEEDED ends the last."""
    if 'SUCCEEDED' in sender.statuses():
        return STAGE_NAMES
    return STAGE_NAMES[:max((STAGE_NAMES.index(m['stage']) for m in sender.progress()), default=0)]


def test_stages_are_declared_once_with_rising_progress_to_100():
    assert len(set(STAGE_NAMES)) == len(STAGE_NAMES)
    assert STAGE_NAMES[:3] == ['prepare', 'score', 'publish']
    progress = [stage.progress for stage in STAGES]
    assert progress == sorted(progress) and len(set(progress)) == len(progress)
    assert progress[-1] == 100


def test_the_queued_message_runs_every_stage_to_succeeded(aws, analysis, worker_deps, sender):
    [message] = queued_records(aws)

    runner.handle_message(message, worker_deps)

    done = item(worker_deps, analysis)
    assert done['status'] == 'SUCCEEDED'
    assert done['progress'] == 100
    assert finished(sender) == STAGE_NAMES
    assert EXPECTED_ARTIFACTS <= set(done['artifacts'])
    rankings = json.loads(worker_deps.objects.get_object(ALICE, done['artifacts']['rankings.json']['key']))
    assert len(rankings) == 16
    assert [r['composite_rank'] for r in rankings] == list(range(1, 17))
    csv_lines = worker_deps.objects.get_object(ALICE, done['artifacts']['rankings.csv']['key']).splitlines()
    assert len(csv_lines) == 17
    kept = json.loads(worker_deps.objects.get_object(
        ALICE, f'users/{ALICE}/analyses/{analysis}/work/result.json'))
    assert kept['rankings'] == rankings, 'ITN plans read the kept result'
    # the web map's data is stored compressed, for browsers to undo; the adapter reads it plain too
    key = done['artifacts']['map.topojson']['key']
    stored = Bucket(aws).s3.get_object(Bucket=aws.data_bucket, Key=key)
    assert (stored['ContentEncoding'], stored['ContentType']) == ('gzip', 'application/json')
    topology = json.loads(gzip.decompress(stored['Body'].read()))
    assert topology['type'] == 'Topology' and len(topology['objects']['wards']['geometries']) == 16
    assert json.loads(worker_deps.objects.get_object(ALICE, key)) == topology


def html_artifacts(worker_deps, analysis_id):
    done = item(worker_deps, analysis_id)
    return {name: worker_deps.objects.get_object(ALICE, a['key']).decode('utf-8')
            for name, a in done['artifacts'].items() if name.endswith('.html')}


@pytest.mark.parametrize('offline', [False, True])
def test_an_offline_analysis_embeds_plotlyjs_in_every_map_and_the_report_needs_none(
        aws, ready_dataset, worker_deps, monkeypatch, offline):
    import plotly.offline
    from chalicelib.viz import maps
    from chalicelib.viz.page import PLOTLYJS_URL
    simplified = []
    simplify = maps.display_boundaries
    monkeypatch.setattr(maps, 'display_boundaries', lambda view: simplified.append(1) or simplify(view))
    s = Deps(aws)
    analysis_id = analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id'], 'offline': offline}, s)['analysis_id']

    assert runner.run_job(ALICE, analysis_id, worker_deps) == 'SUCCEEDED'

    pages = html_artifacts(worker_deps, analysis_id)
    assert {'vulnerability_map.html', 'rank_spread.html', 'report.html'} <= set(pages)
    assert '<script' not in pages.pop('report.html')  # the report loads nothing, online or not
    for name, html in pages.items():
        if offline:
            assert '<script src=' not in html and plotly.offline.get_plotlyjs()[-2000:] in html, name
        else:
            assert html.count('<script src=') == 1 and PLOTLYJS_URL in html, name
    assert simplified == [1], 'the report draws on the boundaries the draw stage simplified'


@pytest.mark.parametrize('method, maps, absent', [
    ('composite', {'vulnerability_map.html', 'rank_spread.html'}, {'pca_map.html'}),
    ('pca', {'vulnerability_map.html'}, {'pca_map.html', 'rank_spread.html'}),
])
def test_an_analysis_of_one_method_succeeds_and_its_report_says_what_ran(
        aws, ready_dataset, worker_deps, method, maps, absent):
    s = Deps(aws)
    analysis_id = analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id'], 'method': method}, s)['analysis_id']

    assert runner.run_job(ALICE, analysis_id, worker_deps) == 'SUCCEEDED', item(worker_deps, analysis_id)['error']

    pages = html_artifacts(worker_deps, analysis_id)
    assert maps | {'report.html'} <= set(pages) and not absent & set(pages)
    report = pages['report.html']
    if method == 'composite':
        assert 'Not requested: this analysis asked for the composite score only' in report
        assert 'Is PCA suitable' not in report
    else:
        assert 'Is PCA suitable for this data?' in report and 'Not requested' not in report


def test_progress_is_pushed_for_every_stage_in_order_then_the_status(analysis, worker_deps, sender):
    runner.run_job(ALICE, analysis, worker_deps)

    progress = sender.progress()
    assert [m['stage'] for m in progress] == STAGE_NAMES + STAGE_NAMES[-1:], 'each stage told as it starts'
    assert progress[-1]['progress'] == 100, 'and the last one as it ends'
    assert [m['progress'] for m in progress] == sorted(m['progress'] for m in progress)
    assert all(m['analysis_id'] == analysis and m['message'] for m in progress)
    assert sender.statuses() == ['SUCCEEDED']
    assert {user for user, _, _ in sender.sent} == {ALICE}


def test_a_duplicate_delivery_after_success_runs_nothing(analysis, worker_deps, sender):
    runner.run_job(ALICE, analysis, worker_deps)
    before, sent = item(worker_deps, analysis), len(sender.sent)
    calls = []

    status = runner.handle_message(record(analysis), worker_deps, counting(STAGES, calls))

    assert status == 'SUCCEEDED'
    assert calls == []
    assert item(worker_deps, analysis) == before
    assert len(sender.sent) == sent


def test_a_delivery_while_another_worker_holds_the_lease_does_not_run_in_parallel(
        analysis, worker_deps):
    assert worker_deps.analyses.job.claim(ALICE, analysis, 'other-worker', worker_deps.clock())
    calls = []

    status = runner.run_job(ALICE, analysis, worker_deps, stages=counting(STAGES, calls))

    assert status == 'RUNNING'
    assert calls == []
    assert worker_deps.analyses.job.renew(ALICE, analysis, 'other-worker', worker_deps.clock()), \
        'the other worker still holds the lease'


def test_a_worker_killed_between_stages_is_completed_by_the_redelivery(analysis, worker_deps, sender):
    calls = []
    with pytest.raises(Killed):
        runner.run_job(ALICE, analysis, worker_deps,
                       stages=counting(STAGES, calls, fail={'score': Killed()}))
    assert finished(sender) == ['prepare']
    assert shown(worker_deps, analysis) == ('RUNNING', 'score', STAGES[0].progress)

    early = runner.run_job(ALICE, analysis, worker_deps, stages=counting(STAGES, calls))
    assert early == 'RUNNING', 'the dead worker still holds a live lease'

    later = worker_deps.replace(clock=lambda: worker_deps.clock() + analyses_store.LEASE_SECONDS + 1)
    status = runner.run_job(ALICE, analysis, later, attempt=2, stages=counting(STAGES, calls))

    assert status == 'SUCCEEDED'
    assert calls == ['prepare', 'score'] + STAGE_NAMES[1:]
    assert finished(sender) == STAGE_NAMES, 'each stage finished once, prepare before the kill'


def test_a_failing_stage_is_retried_then_failed_on_the_last_receive(analysis, worker_deps, sender, caplog):
    logging.getLogger('chatmrpt.worker').addHandler(caplog.handler)
    calls = []
    stages = counting(STAGES, calls, fail={'score': RuntimeError('numpy exploded at 0x7f')})
    for attempt in (1, 2):
        with pytest.raises(RuntimeError):
            runner.handle_message(record(analysis, attempt), worker_deps, stages)
        assert item(worker_deps, analysis)['status'] == 'RUNNING'
        assert item(worker_deps, analysis)['lease_until'] == 0, 'lease released for the retry'

    with pytest.raises(RuntimeError):
        runner.handle_message(record(analysis, queue.MAX_RECEIVES), worker_deps, stages)

    failed = item(worker_deps, analysis)
    assert failed['status'] == 'FAILED'
    assert '"score" step' in failed['error'] and analysis in failed['error']
    assert 'numpy' not in failed['error']
    assert 'numpy exploded' in caplog.text
    assert calls == ['prepare', 'score', 'score', 'score']
    assert sender.statuses() == ['FAILED']


def test_a_job_that_keeps_failing_ends_in_the_dead_letter_queue_and_failed(
        aws, analysis, worker_deps):
    from chalicelib.aws import client
    sqs = client('sqs', aws.region)
    url, dlq = queue_url(aws), queue_url(aws, aws.analysis_dlq)
    stages = counting(STAGES, [], fail={'prepare': RuntimeError('S3 unavailable')})
    receives = 0
    while True:
        records = queued_records(aws)
        if not records:
            break
        receives += 1
        with pytest.raises(RuntimeError):
            runner.handle_message(records[0], worker_deps, stages)
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=records[0]['receiptHandle'],
                                      VisibilityTimeout=0)

    assert receives == 3
    assert item(worker_deps, analysis)['status'] == 'FAILED'
    dead = sqs.receive_message(QueueUrl=dlq).get('Messages', [])
    assert [json.loads(m['Body'])['analysis_id'] for m in dead] == [analysis]


def test_a_request_the_engine_refuses_fails_at_once_with_its_reason(aws, ready_dataset, worker_deps, sender):
    s = Deps(aws)
    analysis_id = analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id']}, s)['analysis_id']
    s.analyses.update(ALICE, analysis_id, {'request': {'method': 'both', 'variables': ['u5_tpr_rdt']}},
                      'attribute_exists(user_id)')

    status = runner.run_job(ALICE, analysis_id, worker_deps)

    failed = item(worker_deps, analysis_id)
    assert status == 'FAILED'
    assert failed['error'] and 'variable' in failed['error'].lower()
    assert sender.statuses() == ['FAILED']


def test_an_analysis_whose_dataset_was_deleted_fails_with_what_to_do(aws, analysis, worker_deps):
    s = Deps(aws)
    dataset_id = item(worker_deps, analysis)['dataset_id']
    s.datasets.delete(ALICE, dataset_id)

    assert runner.run_job(ALICE, analysis, worker_deps) == 'FAILED'
    assert 'Upload the ward data again' in item(worker_deps, analysis)['error']


def test_a_deleted_analysis_is_dropped(worker_deps):
    assert runner.run_job(ALICE, 'an_gone', worker_deps) is None


def test_a_malformed_message_is_dropped_not_retried(worker_deps):
    assert runner.handle_message({'body': 'not json'}, worker_deps) is None


def test_each_stage_runs_alone_as_a_step_functions_task(analysis, worker_deps):
    results = [runner.run_stage_event({'user_id': ALICE, 'analysis_id': analysis, 'stage': name},
                                      worker_deps) for name in STAGE_NAMES]

    assert [r['status'] for r in results] == ['RUNNING'] * (len(STAGE_NAMES) - 1) + ['SUCCEEDED']
    assert EXPECTED_ARTIFACTS <= set(item(worker_deps, analysis)['artifacts'])


def test_a_retried_stage_task_whose_first_try_died_runs_the_stage_once_the_lease_ran_out(
        analysis, worker_deps, sender):
    """A stage Lambda killed mid-stage leaves its lease live: the state machine's retry
    must not report the stage done (the next task would find it missing) but fail until
    the lease has run out, and then run it."""
    calls = []
    event = {'user_id': ALICE, 'analysis_id': analysis, 'stage': 'prepare'}
    with pytest.raises(Killed):
        runner.run_stage_event(event, worker_deps, counting(STAGES, calls, fail={'prepare': Killed()}))

    with pytest.raises(runner.StageElsewhere):
        runner.run_stage_event(dict(event, retries=1), worker_deps, counting(STAGES, calls))
    retry = workflow.state_machine('arn:aws:lambda:eu-west-1:1:function:f')['States']['prepare']['Retry'][0]
    assert retry['IntervalSeconds'] > analyses_store.LEASE_SECONDS
    later = worker_deps.replace(clock=lambda: worker_deps.clock() + retry['IntervalSeconds'])
    result = runner.run_stage_event(dict(event, retries=2), later, counting(STAGES, calls))

    assert result == {'status': 'RUNNING', 'stage': 'prepare'}
    assert calls == ['prepare', 'prepare']
    assert finished(sender) == ['prepare']
    assert runner.run_stage_event(dict(event, stage='score'), later)['status'] == 'RUNNING'


def test_a_stage_task_out_of_order_is_refused(analysis, worker_deps):
    with pytest.raises(ValueError, match='cannot run before'):
        runner.run_stage_event({'user_id': ALICE, 'analysis_id': analysis, 'stage': 'publish'},
                               worker_deps)
    assert item(worker_deps, analysis)['status'] == 'QUEUED'


def test_catch_up_replays_finished_stages_and_the_status(analysis, worker_deps):
    runner.run_job(ALICE, analysis, worker_deps)

    messages = websocket.catch_up(item(worker_deps, analysis))

    assert [m.get('stage') for m in messages[:-1]] == STAGE_NAMES
    assert messages[-1] == {'type': 'status', 'analysis_id': analysis, 'status': 'SUCCEEDED'}


def test_an_analysis_deleted_while_it_runs_stops_and_leaves_no_files(aws, analysis, worker_deps):
    s = Deps(aws)

    def delete_during_score(job):
        s.analyses.delete(ALICE, analysis)
    stages = tuple(Stage(st.name, delete_during_score if st.name == 'score' else st.run,
                                st.progress, st.message) for st in STAGES)

    assert runner.run_job(ALICE, analysis, worker_deps, stages=stages) is None
    assert Bucket(aws).keys(f'users/{ALICE}/analyses/{analysis}/') == []


def test_the_sqs_handler_of_the_app_runs_the_job(aws, analysis, worker_deps):
    from chalice.test import Client
    from app import app
    body = json.dumps({'user_id': ALICE, 'analysis_id': analysis})

    with Client(app, stage_name='local') as client:
        client.lambda_.invoke('on_analysis_job', client.events.generate_sqs_event(
            message_bodies=[body], queue_name=aws.analysis_queue))

    assert item(worker_deps, analysis)['status'] == 'SUCCEEDED'


def test_the_stage_function_of_the_app_runs_one_stage(analysis, worker_deps):
    from chalice.test import Client
    from app import app

    with Client(app, stage_name='local') as client:
        answer = client.lambda_.invoke('analysis_stage', {
            'user_id': ALICE, 'analysis_id': analysis, 'stage': 'prepare'}).payload

    assert answer == {'status': 'RUNNING', 'stage': 'prepare'}
    assert shown(worker_deps, analysis) == ('RUNNING', 'score', STAGES[0].progress), 'the stage that runs next'
    assert runner.run_stage_event({'user_id': ALICE, 'analysis_id': analysis, 'stage': 'score'},
                                  worker_deps)['status'] == 'RUNNING', 'the next stage finds prepare done'


def test_a_live_worker_keeps_its_lease_through_a_long_stage(analysis, worker_deps):
    """Only a dead worker's lease runs out: a stage longer than the lease is not
    taken over by a duplicate delivery, because the heartbeat renews it."""
    assert runner.run_job(ALICE, analysis, worker_deps, only='prepare') == 'RUNNING'  # its heartbeat is not driven
    now = [1_000_000.0]
    beats = OneBeat()
    deps = worker_deps.replace(clock=lambda: now[0], heartbeat_wait=beats.wait)
    taken_over = []

    def long_stage(job):
        now[0] += analyses_store.LEASE_SECONDS + 1          # the stage outlasts the lease it started with
        beats.beat()
        taken_over.append(deps.analyses.job.claim(ALICE, analysis, 'duplicate', now[0]))
        score(job)
    stages = tuple(Stage(st.name, long_stage if st.name == 'score' else st.run,
                                st.progress, st.message) for st in STAGES)

    assert runner.run_job(ALICE, analysis, deps, stages=stages) == 'SUCCEEDED'
    assert taken_over == [None]


def test_the_state_machine_runs_the_declared_stages_in_order_with_retries(analysis, worker_deps):
    definition = workflow.state_machine('arn:aws:lambda:eu-west-1:1:function:chatmrpt-dev-analysis_stage')

    order, name = [], definition['StartAt']
    while name:
        order.append(name)
        name = definition['States'][name].get('Next')
    assert order == STAGE_NAMES
    assert definition['States'][STAGE_NAMES[-1]]['End'] is True
    json.dumps(definition)
    # Each task's payload, with the execution input filled in, is what the stage function takes.
    for name in order:
        task = definition['States'][name]
        assert task['Retry'][0]['MaxAttempts'] + 1 == queue.MAX_RECEIVES
        payload = {key.removesuffix('.$'): value for key, value in task['Parameters']['Payload'].items()}
        event = dict(payload, user_id=ALICE, analysis_id=analysis, retries=0)
        assert event['stage'] == name and payload['retries'] == '$$.State.RetryCount'
        runner.run_stage_event(event, worker_deps)
    assert item(worker_deps, analysis)['status'] == 'SUCCEEDED'


def test_the_last_step_functions_retry_marks_the_analysis_failed(analysis, worker_deps):
    stages = counting(STAGES, [], fail={'prepare': RuntimeError('throttled')})
    event = {'user_id': ALICE, 'analysis_id': analysis, 'stage': 'prepare'}

    for retries in range(queue.MAX_RECEIVES):
        assert item(worker_deps, analysis)['status'] != 'FAILED'
        with pytest.raises(RuntimeError):
            runner.run_stage_event(dict(event, retries=retries), worker_deps, stages)

    assert item(worker_deps, analysis)['status'] == 'FAILED'


def test_a_worker_killed_on_the_last_receive_ends_failed_when_the_job_reaches_the_dead_letter_queue(
        aws, analysis, worker_deps, sender, monkeypatch):
    """Lambda times out or runs out of memory on the third receive: no exception is
    caught, SQS moves the message to the dead-letter queue, and its handler settles
    the analysis FAILED and tells the owner's subscribed connections."""
    from chalice.test import Client
    import app as app_module
    stages = counting(STAGES, [], fail={'score': Killed()})
    with pytest.raises(Killed):
        runner.handle_message(record(analysis, queue.MAX_RECEIVES), worker_deps, stages)
    assert item(worker_deps, analysis)['status'] == 'RUNNING'
    monkeypatch.setattr(app_module.app, 'deps', lambda: worker_deps)
    body = json.dumps({'user_id': ALICE, 'analysis_id': analysis})

    with Client(app_module.app, stage_name='local') as client:
        client.lambda_.invoke('on_analysis_dead_letter', client.events.generate_sqs_event(
            message_bodies=[body], queue_name=aws.analysis_dlq))

    failed = item(worker_deps, analysis)
    assert failed['status'] == 'FAILED'
    assert '"score" step' in failed['error'] and analysis in failed['error']
    assert sender.statuses() == ['FAILED']
    assert [m for _, _, m in sender.sent][-1]['error'] == failed['error']


def test_a_dead_letter_for_a_finished_analysis_changes_nothing(analysis, worker_deps, sender):
    assert runner.run_job(ALICE, analysis, worker_deps) == 'SUCCEEDED'
    sent = list(sender.sent)

    assert runner.handle_dead_letter(record(analysis), worker_deps) == 'SUCCEEDED'
    assert item(worker_deps, analysis)['status'] == 'SUCCEEDED'
    assert sender.sent == sent


def test_the_state_machine_catches_a_dead_task_and_ends_the_analysis_failed(analysis, worker_deps, sender):
    definition = workflow.state_machine('arn:aws:lambda:eu-west-1:1:function:chatmrpt-dev-analysis_stage')
    stages = counting(STAGES, [], fail={'score': Killed()})
    runner.run_stage_event({'user_id': ALICE, 'analysis_id': analysis, 'stage': 'prepare'}, worker_deps, stages)
    with pytest.raises(Killed):   # the task times out: Step Functions sees States.Timeout
        runner.run_stage_event({'user_id': ALICE, 'analysis_id': analysis, 'stage': 'score'},
                               worker_deps, stages)

    [catch] = definition['States']['score']['Catch']
    assert catch['ErrorEquals'] == ['States.ALL']
    handler = definition['States'][catch['Next']]
    payload = {key.removesuffix('.$'): value for key, value in handler['Parameters']['Payload'].items()}
    event = dict(payload, user_id=ALICE, analysis_id=analysis)
    assert runner.run_stage_event(event, worker_deps)['status'] == 'FAILED'
    assert definition['States'][handler['Next']]['Type'] == 'Fail'
    assert '"score" step' in item(worker_deps, analysis)['error']
    assert sender.statuses() == ['FAILED']


def test_the_remaining_stages_are_those_of_the_item_the_claim_returned(analysis, worker_deps):
    """Another worker finished `prepare` and released its lease between this worker's
    read and its claim: `prepare` must not run again."""
    calls = []
    stages = counting(STAGES, calls)
    claim = worker_deps.analyses.job.claim

    def claim_after_another_worker(user_id, analysis_id, owner, now):
        worker_deps.analyses.job.claim = claim
        runner.run_stage_event({'user_id': ALICE, 'analysis_id': analysis, 'stage': 'prepare'},
                               worker_deps)
        return claim(user_id, analysis_id, owner, now)
    worker_deps.analyses.job.claim = claim_after_another_worker

    assert runner.run_job(ALICE, analysis, worker_deps, stages=stages) == 'SUCCEEDED'
    assert calls == STAGE_NAMES[1:]
