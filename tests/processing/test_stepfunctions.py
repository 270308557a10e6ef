"""The analysis state machine as the local stack runs it (devstack.stepfunctions): the shipped
definition, the app's `analysis_stage` function invoked in-process, Step Functions' retries,
Catch, Fail, timeout and the EventBridge event of an execution that ended unsuccessfully."""
import json

import boto3
import pytest
from chalice import Chalice

import app as app_module
from chalicelib.analyses import requests as analysis_service, runner, workflow
from chalicelib.analyses.stages import STAGES, Stage
from chalicelib.deps import Deps
from chalicelib.storage.analyses import LEASE_SECONDS
from chalicelib.storage.executions import AnalysisExecutions
from devstack import stepfunctions as sf
from tests.processing.conftest import ALICE

MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:chatmrpt-local-analysis'
FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:chatmrpt-local-analysis_stage'
STAGE_NAMES = [stage.name for stage in STAGES]


class Time:
    """Step Functions' clock and the workers' clock, moved only by the executor's waits."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def time_(monkeypatch):
    return Time()


@pytest.fixture
def app_deps(worker_deps, time_, monkeypatch):
    """The app, as Lambda runs it, on the test's world and clock."""
    deps = worker_deps.replace(clock=time_.clock)
    monkeypatch.setattr(app_module.app, 'deps', lambda: deps)
    return deps


@pytest.fixture
def analysis(aws, ready_dataset):
    return analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id']}, Deps(aws))['analysis_id']


def stages_that(calls, time_, die=None, times=1):
    """STAGES recording (name, when) of each run; `die` names a stage whose process exits
    mid-stage `times` times: no handler runs, its lease stays until it runs out."""
    def wrap(stage):
        def run(job):
            calls.append((stage.name, time_.now))
            if stage.name == die and sum(name == die for name, _ in calls) <= times:
                raise SystemExit(1)
            stage.run(job)
        return Stage(stage.name, run, stage.progress, stage.message)
    return tuple(wrap(stage) for stage in STAGES)


@pytest.fixture
def use_stages(monkeypatch):
    """Make the app's stage function run `stages`."""
    def use(stages):
        run_stage_event = runner.run_stage_event
        monkeypatch.setattr(runner, 'run_stage_event', lambda event, deps: run_stage_event(event, deps, stages))
    return use


def machine(time_, definition=None, invoke=None):
    return sf.StateMachine(MACHINE, definition or workflow.state_machine(FUNCTION),
                           invoke or sf.AppFunctions(app_module.app, 'local'), clock=time_.clock, sleep=time_.sleep)


def start(analysis_id):
    return {'user_id': ALICE, 'analysis_id': analysis_id}


def test_the_shipped_definition_runs_every_stage_to_succeeded(analysis, app_deps, time_, sender):
    end = machine(time_).run(analysis, start(analysis))

    assert end == {'status': 'SUCCEEDED', 'output': start(analysis)}
    item = app_deps.analyses.get(ALICE, analysis)
    assert (item['status'], item['progress']) == ('SUCCEEDED', 100)
    assert sender.statuses() == ['SUCCEEDED']


def test_a_stage_that_dies_is_retried_after_its_lease_and_the_analysis_still_succeeds(
        analysis, app_deps, time_, use_stages, sender):
    calls = []
    use_stages(stages_that(calls, time_, die='score'))

    end = machine(time_).run(analysis, start(analysis))

    assert end['status'] == 'SUCCEEDED'
    assert app_deps.analyses.get(ALICE, analysis)['status'] == 'SUCCEEDED'
    assert [name for name, _ in calls] == ['prepare', 'score', 'score', 'publish', 'draw', 'report']
    (_, died), (_, retried) = [call for call in calls if call[0] == 'score']
    assert retried - died > LEASE_SECONDS, 'the retry ran before the dead try\'s lease ran out'
    assert sender.statuses() == ['SUCCEEDED']


def test_a_retry_that_meets_a_live_lease_waits_for_the_next_one(analysis, app_deps, time_, use_stages):
    """A definition retrying sooner than the lease: the retry finds the dead try's lease live and
    is retried again (StageElsewhere), so a stage is never reported done without running."""
    calls = []
    use_stages(stages_that(calls, time_, die='prepare'))
    definition = workflow.state_machine(FUNCTION)
    for state in definition['States'].values():
        for retrier in state.get('Retry', ()):
            retrier.update(IntervalSeconds=LEASE_SECONDS // 2, BackoffRate=4.0)
    errors = []
    invoke = sf.AppFunctions(app_module.app, 'local')

    def recording(function, payload):
        try:
            return invoke(function, payload)
        except sf.TaskFailed as failure:
            errors.append(failure.error)
            raise

    assert machine(time_, definition, recording).run(analysis, start(analysis))['status'] == 'SUCCEEDED'
    assert errors == ['Runtime.ExitError', 'StageElsewhere']
    assert [name for name, _ in calls].count('prepare') == 2


def test_a_stage_that_dies_on_every_try_is_caught_and_ends_failed_with_the_officers_message(
        analysis, app_deps, time_, use_stages, sender):
    calls = []
    use_stages(stages_that(calls, time_, die='draw', times=3))

    end = machine(time_).run(analysis, start(analysis))

    assert (end['status'], end['error']) == ('FAILED', 'AnalysisFailed')
    assert [name for name, _ in calls].count('draw') == 3
    item = app_deps.analyses.get(ALICE, analysis)
    assert item['status'] == 'FAILED'
    assert '"draw" step' in item['error'] and analysis in item['error'] and 'start the analysis again' in item['error']
    assert sender.statuses() == ['FAILED']


def test_an_execution_past_its_deadline_times_out_and_its_event_ends_the_analysis_failed(
        analysis, app_deps, time_, use_stages, sender, monkeypatch):
    """The state machine's own dead-letter path: the TIMED_OUT execution's EventBridge event reaches
    the app's on_analysis_execution_ended, which ends the analysis FAILED."""
    def slow(job):
        time_.sleep(workflow.DEADLINE_SECONDS)
    use_stages(tuple(Stage(s.name, slow if s.name == 'prepare' else s.run, s.progress, s.message) for s in STAGES))
    [rule] = [s for s in app_module.app.event_sources if s.name == 'on_analysis_execution_ended']
    monkeypatch.setitem(rule.event_pattern['detail'], 'stateMachineArn', [MACHINE])
    executions = sf.Executions(machine(time_), sf.event_rules(app_module.app), clock=time_.clock)

    executions.start(analysis, json.dumps(start(analysis)))
    executions.join(30)

    [run] = executions._runs.values()
    assert run['status'] == 'TIMED_OUT' and run['error'] == 'States.Timeout'
    item = app_deps.analyses.get(ALICE, analysis)
    # prepare ended past the deadline, so the execution stopped before the score stage it had named
    assert item['status'] == 'FAILED' and '"score" step' in item['error']
    assert sender.statuses() == ['FAILED']


def test_an_execution_event_for_another_machine_or_a_success_is_not_delivered():
    [rule] = [s for s in app_module.app.event_sources if s.name == 'on_analysis_execution_ended']
    run = {'executionArn': f'{MACHINE}:x', 'name': 'x', 'status': 'FAILED', 'startDate': 1.0, 'stopDate': 2.0,
           'input': '{}'}
    pattern = dict(rule.event_pattern, detail=dict(rule.event_pattern['detail'], stateMachineArn=[MACHINE]))
    assert sf.matches(pattern, sf.status_change_event(run, MACHINE))
    assert not sf.matches(pattern, sf.status_change_event(run, MACHINE + '-other'))
    assert not sf.matches(pattern, sf.status_change_event(dict(run, status='SUCCEEDED'), MACHINE))
    with pytest.raises(sf.UnsupportedDefinition, match='prefix'):
        sf.matches({'source': [{'prefix': 'aws.'}]}, {'source': 'aws.states'})


def test_result_path_and_the_context_object(time_):
    definition = {'StartAt': 'a', 'States': {
        'a': {'Type': 'Task', 'Resource': sf.LAMBDA_INVOKE, 'ResultPath': '$.first', 'Next': 'b',
              'Parameters': {'FunctionName': 'f', 'Payload': {'who.$': '$.who', 'state.$': '$$.State.Name',
                                                              'execution.$': '$$.Execution.Name'}}},
        'b': {'Type': 'Task', 'Resource': sf.LAMBDA_INVOKE, 'ResultPath': None, 'Next': 'c',
              'Parameters': {'FunctionName': 'f', 'Payload': {'nested': {'who.$': '$.first.Payload.who'}}}},
        'c': {'Type': 'Task', 'Resource': sf.LAMBDA_INVOKE, 'End': True,
              'Parameters': {'FunctionName': 'f', 'Payload': {}}}}}
    payloads = []

    def invoke(function, payload):
        payloads.append(payload)
        return dict(payload, seen=True)

    end = machine(time_, definition, invoke).run('run-1', {'who': 'alice'})

    assert payloads[:2] == [{'who': 'alice', 'state': 'a', 'execution': 'run-1'}, {'nested': {'who': 'alice'}}]
    assert end['output'] == {'ExecutedVersion': '$LATEST', 'Payload': {'seen': True}, 'StatusCode': 200}


def test_catch_puts_the_error_at_its_result_path_and_an_uncaught_error_fails_the_execution(time_):
    def failing(function, payload):
        raise sf.TaskFailed('Boom', 'the cause')
    caught = {'StartAt': 'a', 'States': {
        'a': {'Type': 'Task', 'Resource': sf.LAMBDA_INVOKE, 'Parameters': {'FunctionName': 'f', 'Payload': {}},
              'Catch': [{'ErrorEquals': ['Other'], 'Next': 'b'}, {'ErrorEquals': ['Boom'], 'ResultPath': '$.error',
                                                                  'Next': 'b'}],
              'End': True},
        'b': {'Type': 'Task', 'Resource': sf.LAMBDA_INVOKE, 'End': True, 'ResultPath': None,
              'Parameters': {'FunctionName': 'f', 'Payload': {'error.$': '$.error'}}}}}
    seen = []

    def second(function, payload):
        if not seen:
            seen.append('a')
            raise sf.TaskFailed('Boom', 'the cause')
        seen.append(payload)
        return {}

    assert machine(time_, caught, second).run('r', {'x': 1})['output'] == {
        'x': 1, 'error': {'Error': 'Boom', 'Cause': 'the cause'}}
    assert seen[1] == {'error': {'Error': 'Boom', 'Cause': 'the cause'}}
    uncaught = json.loads(json.dumps(caught))
    uncaught['States']['a']['Catch'] = [{'ErrorEquals': ['Other'], 'Next': 'b'}]
    assert machine(time_, uncaught, failing).run('r', {}) == {'status': 'FAILED', 'error': 'Boom', 'cause': 'the cause'}


def task(**fields):
    return {'Type': 'Task', 'Resource': sf.LAMBDA_INVOKE, 'Parameters': {'FunctionName': 'f', 'Payload': {}},
            'End': True, **fields}


@pytest.mark.parametrize('state, refused', [
    ({'Type': 'Choice', 'Choices': [], 'Default': 'a'}, "Type 'Choice'"),
    ({'Type': 'Wait', 'Seconds': 1, 'End': True}, "Type 'Wait'"),
    ({'Type': 'Map', 'End': True}, "Type 'Map'"),
    (task(Resource='arn:aws:states:::sqs:sendMessage'), 'is not arn:aws:states:::lambda:invoke'),
    (task(TimeoutSeconds=10), 'TimeoutSeconds not run locally'),
    (task(OutputPath='$.x'), 'OutputPath not run locally'),
    (task(Parameters={'FunctionName': 'f', 'Payload': {'x.$': '$.items[0]'}}), "path '$.items[0]'"),
    (task(Parameters={'FunctionName': 'f', 'Payload': {'x.$': '$$.Map.Item.Value'}}), "'$$.Map.Item.Value'"),
    (task(Parameters={'FunctionName': 'f', 'InvocationType': 'Event'}), 'InvocationType not run locally'),
    (task(Retry=[{'ErrorEquals': ['States.TaskFailed'], 'MaxAttempts': 1}]), "'States.TaskFailed'"),
    (task(Retry=[{'ErrorEquals': ['States.ALL'], 'JitterStrategy': 'FULL'}]), 'JitterStrategy not run locally'),
    (task(Catch=[{'ErrorEquals': ['States.ALL'], 'Next': 'nowhere'}]), "Next 'nowhere' is not a state"),
])
def test_what_the_executor_does_not_implement_is_refused_when_loaded(state, refused):
    with pytest.raises(sf.UnsupportedDefinition, match=refused.replace('$', r'\$').replace('[', r'\[')):
        sf.check_definition({'StartAt': 'a', 'States': {'a': state}})


def test_the_machine_level_fields_are_checked_too():
    with pytest.raises(sf.UnsupportedDefinition, match='QueryLanguage'):
        sf.check_definition({'StartAt': 'a', 'QueryLanguage': 'JSONata', 'States': {'a': task()}})
    sf.check_definition(workflow.state_machine(FUNCTION))


def test_a_function_that_is_not_the_apps_is_a_task_error():
    invoke = sf.AppFunctions(app_module.app, 'local')
    with pytest.raises(sf.TaskFailed) as failure:
        invoke('arn:aws:lambda:eu-west-1:123456789012:function:someone-else', {})
    assert failure.value.error == 'Lambda.ResourceNotFoundException'


@pytest.fixture
def local_stepfunctions():
    """The stack's Step Functions endpoint over a tiny app whose stage function only answers."""
    tiny = Chalice('chatmrpt')
    seen = []

    @tiny.lambda_function(name='analysis_stage')
    def analysis_stage(event, context):
        seen.append(event)
        return {'status': 'RUNNING', 'stage': event.get('stage')}

    service = sf.LocalStepFunctions('127.0.0.1', 'eu-west-1', 'local').start(tiny)
    yield service, seen
    service.stop()


def test_the_app_starts_one_execution_per_analysis_through_boto3(local_stepfunctions):
    """What the app sends reaches the local endpoint as AWS's protocol, and a second start of the
    same analysis is refused by the service (and taken as started by the app)."""
    service, seen = local_stepfunctions
    client = boto3.session.Session().client('stepfunctions', region_name='eu-west-1', endpoint_url=service.url)
    executions = AnalysisExecutions(service.arn, client)

    executions.send(ALICE, 'an_1')
    service.executions.join(10)
    executions.send(ALICE, 'an_1')

    arn = service.arn.replace(':stateMachine:', ':execution:') + ':an_1'
    described = client.describe_execution(executionArn=arn)
    assert described['status'] == 'SUCCEEDED' and json.loads(described['input']) == start('an_1')
    assert [event['stage'] for event in seen] == STAGE_NAMES
    with pytest.raises(client.exceptions.ExecutionAlreadyExists):
        client.start_execution(stateMachineArn=service.arn, name='an_1', input='{}')
    with pytest.raises(client.exceptions.StateMachineDoesNotExist):
        client.start_execution(stateMachineArn=service.arn + '-other', name='an_2', input='{}')


def test_the_stack_environment_chooses_step_functions_unless_told_otherwise(local_stepfunctions):
    service, _ = local_stepfunctions
    assert service.environment({})['ANALYSIS_RUNNER'] == 'stepfunctions'
    assert service.environment({'ANALYSIS_RUNNER': 'sqs'})['ANALYSIS_RUNNER'] == 'sqs'
    assert service.environment({})['ANALYSIS_STATE_MACHINE_ARN'] == MACHINE


def test_analyses_unfinished_past_their_deadline_are_counted_as_a_metric(aws, ready_dataset, worker_deps):
    """The overdue-analyses alarm's metric: QUEUED or RUNNING analyses created more than the deadline
    (and its grace) ago, across users; finished or younger ones do not count."""
    deps = Deps(aws)
    ids = [analysis_service.create(ALICE, {'dataset_id': ready_dataset['dataset_id']}, deps)['analysis_id']
           for _ in range(4)]
    old, created = '2026-01-01T10:59:00.000Z', '2026-01-01T11:01:00.000Z'
    now = 1767268800.0 + runner.OVERDUE_GRACE_SECONDS   # 2026-01-01T12:00:00Z and the grace: cutoff 11:00
    for analysis_id, status, at in zip(ids, ('QUEUED', 'RUNNING', 'SUCCEEDED', 'RUNNING'), (old, old, old, created)):
        deps.analyses.update(ALICE, analysis_id, {'status': status, 'created_at': at}, 'attribute_exists(user_id)')
    lines = []

    count = runner.report_overdue(worker_deps.replace(clock=lambda: now), emit=lines.append)

    assert count == 2
    [line] = lines
    metric = json.loads(line)
    assert metric['OverdueAnalyses'] == 2 and metric['Stage'] == aws.stage
    assert metric['_aws']['CloudWatchMetrics'] == [{
        'Namespace': runner.METRIC_NAMESPACE, 'Dimensions': [['Stage']],
        'Metrics': [{'Name': 'OverdueAnalyses', 'Unit': 'Count'}]}]
    assert sorted(deps.analyses.unfinished_since('2026-01-01T11:00:00')) == sorted(
        (ALICE, analysis_id) for analysis_id in ids[:2])


def test_an_execution_event_without_a_job_is_dropped(worker_deps):
    assert runner.handle_execution_ended({'detail': {'input': 'not json'}}, worker_deps) is None
    assert runner.handle_execution_ended({}, worker_deps) is None
