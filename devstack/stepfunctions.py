"""Step Functions for the local stack: the analysis state machine's own definition, run in-process.

moto records executions but runs no Lambda without Docker, so the stack serves the two calls
the app and its operators make (StartExecution, DescribeExecution) itself, and runs each
execution here: every Task is a `lambda:invoke` of one of the app's functions, called in this
process as Lambda would call it. `make run` so exercises the workflow AWS runs, with the same
retries after a dead stage's lease, the same Catch and Fail, and the same dead-letter path
(an execution that ends FAILED, TIMED_OUT or ABORTED is told to the app's `on_cw_event`
handler whose pattern matches, as EventBridge does).

Only what chalicelib.analyses.workflow.state_machine uses is implemented: Task states calling
`arn:aws:states:::lambda:invoke` with Parameters (FunctionName, Payload), Retry (ErrorEquals,
IntervalSeconds, MaxAttempts, BackoffRate), Catch (ErrorEquals, ResultPath, Next), ResultPath,
Next/End; Fail states; the machine's TimeoutSeconds; JSONPath `$`, `$.a.b` and the context
object `$$.…`. Any other state type, field, resource or path is refused when the definition
is loaded, so the definition cannot drift from what this executor honestly runs.
"""
import datetime
import json
import logging
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chalice.app import CloudWatchEventConfig
from chalice.local import LambdaContext

log = logging.getLogger('devstack.stepfunctions')

ACCOUNT = '123456789012'                     # moto's account: the ARNs the stack hands out
LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke'
ALL_ERRORS = 'States.ALL'
TIMEOUT_ERROR = 'States.Timeout'
EXIT_ERROR = 'Runtime.ExitError'             # Lambda's error when the function's process exits
HANDLER_TIMEOUT_MS = 900_000
UNSUCCESSFUL = ('FAILED', 'TIMED_OUT', 'ABORTED')

MACHINE_FIELDS = frozenset({'Comment', 'StartAt', 'States', 'TimeoutSeconds'})
STATE_FIELDS = {
    'Task': frozenset({'Type', 'Resource', 'Parameters', 'ResultPath', 'Retry', 'Catch', 'Next', 'End'}),
    'Fail': frozenset({'Type', 'Error', 'Cause'}),
}
PARAMETER_FIELDS = frozenset({'FunctionName', 'Payload'})
RETRY_FIELDS = frozenset({'ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate'})
CATCH_FIELDS = frozenset({'ErrorEquals', 'ResultPath', 'Next'})
PATH = re.compile(r'^\$\$?(\.[A-Za-z_][A-Za-z0-9_]*)*$')   # `$`, `$.a.b`, `$$.State.RetryCount`
CONTEXT_FIELDS = {'Execution': {'Id', 'Name', 'Input', 'StartTime'}, 'State': {'Name', 'EnteredTime', 'RetryCount'},
                  'StateMachine': {'Id', 'Name'}}


class UnsupportedDefinition(ValueError):
    """The definition uses a state, field or path this executor does not implement."""


class TaskFailed(Exception):
    """A task's error as Step Functions names it (`error`) with its `cause`."""

    def __init__(self, error, cause=''):
        super().__init__(f'{error}: {cause}')
        self.error, self.cause = error, cause


class Stopped(Exception):
    """The stack is stopping: the execution ends ABORTED."""


# -- the definition --------------------------------------------------------------------

def check_definition(definition):
    """Raise UnsupportedDefinition naming the first thing this executor does not run."""
    _only(definition, MACHINE_FIELDS, 'the state machine')
    states = definition['States']
    if definition['StartAt'] not in states:
        raise UnsupportedDefinition(f'StartAt {definition["StartAt"]!r} is not a state')
    for name, state in states.items():
        kind = state.get('Type')
        if kind not in STATE_FIELDS:
            raise UnsupportedDefinition(f'state {name!r}: Type {kind!r} is not run locally '
                                        f'(only {", ".join(STATE_FIELDS)})')
        _only(state, STATE_FIELDS[kind], f'state {name!r}')
        if kind == 'Task':
            _check_task(name, state, states)


def _check_task(name, state, states):
    where = f'state {name!r}'
    if state.get('Resource') != LAMBDA_INVOKE:
        raise UnsupportedDefinition(f'{where}: Resource {state.get("Resource")!r} is not {LAMBDA_INVOKE}')
    _only(state.get('Parameters', {}), PARAMETER_FIELDS, f'{where} Parameters')
    _check_template(state.get('Parameters', {}), where)
    if ('Next' in state) == bool(state.get('End')):
        raise UnsupportedDefinition(f'{where}: needs exactly one of Next and End')
    for retrier in state.get('Retry', ()):
        _only(retrier, RETRY_FIELDS, f'{where} Retry')
        _check_errors(retrier['ErrorEquals'], where)
    for catcher in state.get('Catch', ()):
        _only(catcher, CATCH_FIELDS, f'{where} Catch')
        _check_errors(catcher['ErrorEquals'], where)
        _check_path(catcher.get('ResultPath', '$'), where, result=True)
    for target in [state.get('Next')] + [c['Next'] for c in state.get('Catch', ())]:
        if target is not None and target not in states:
            raise UnsupportedDefinition(f'{where}: Next {target!r} is not a state')
    if state.get('ResultPath', '$') is not None:
        _check_path(state.get('ResultPath', '$'), where, result=True)


def _only(block, allowed, where):
    unknown = sorted(set(block) - allowed)
    if unknown:
        raise UnsupportedDefinition(f'{where}: {", ".join(unknown)} not run locally')


def _check_errors(names, where):
    for name in names:
        if name.startswith('States.') and name != ALL_ERRORS:
            raise UnsupportedDefinition(f'{where}: error {name!r} not matched locally (only {ALL_ERRORS} '
                                        'and the errors functions raise)')


def _check_template(template, where):
    for key, value in template.items():
        if isinstance(value, dict):
            _check_template(value, where)
        elif key.endswith('.$'):
            _check_path(value, where)


def _check_path(path, where, result=False):
    if path is None and result:
        return
    if not isinstance(path, str) or not PATH.match(path) or (result and path.startswith('$$')):
        raise UnsupportedDefinition(f'{where}: path {path!r} not run locally')
    if path.startswith('$$.'):
        parts = path[3:].split('.')
        if len(parts) != 2 or parts[1] not in CONTEXT_FIELDS.get(parts[0], ()):
            raise UnsupportedDefinition(f'{where}: context field {path!r} not run locally')


def _read(path, data, context):
    value, parts = (context, path[3:]) if path.startswith('$$.') else (data, path[2:])
    for part in filter(None, parts.split('.')):
        if not isinstance(value, dict) or part not in value:
            raise TaskFailed('States.Runtime', f'the path {path!r} matches nothing in the input')
        value = value[part]
    return value


def _fill(template, data, context):
    """Parameters with every `key.$` path replaced by what it selects."""
    filled = {}
    for key, value in template.items():
        if isinstance(value, dict):
            filled[key] = _fill(value, data, context)
        elif key.endswith('.$'):
            filled[key[:-2]] = _read(value, data, context)
        else:
            filled[key] = value
    return filled


def _place(result, data, path):
    """The state's output: `result` put into `data` at ResultPath (None keeps the input)."""
    if path is None:
        return data
    if path == '$':
        return result
    placed = json.loads(json.dumps(data))
    parts = path[2:].split('.')
    target = placed
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = result
    return placed


def _matches(names, error):
    return ALL_ERRORS in names or error in names


# -- running -----------------------------------------------------------------------------

def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(timespec='milliseconds')


class StateMachine:
    """One definition, run by `run()`; `invoke(function_name, payload)` is lambda:invoke.

    `clock` and `sleep` are Step Functions' time: retries wait by `sleep`, TimeoutSeconds is
    measured on `clock` (a test passes a clock it moves).
    """

    def __init__(self, arn, definition, invoke, clock=time.time, sleep=time.sleep):
        check_definition(definition)
        self.arn, self.definition = arn, definition
        self.name = arn.rsplit(':', 1)[-1]
        self._invoke, self._clock, self._sleep = invoke, clock, sleep

    def run(self, name, data):
        """Run one execution to its end: `{"status", "output"}` or `{"status", "error", "cause"}`."""
        started = self._clock()
        deadline = started + self.definition.get('TimeoutSeconds', float('inf'))
        execution = {'Id': f'{self.arn.replace(":stateMachine:", ":execution:")}:{name}', 'Name': name,
                     'Input': data, 'StartTime': iso(started)}
        state_name = self.definition['StartAt']
        try:
            while True:
                state = self.definition['States'][state_name]
                if state['Type'] == 'Fail':
                    return {'status': 'FAILED', 'error': state.get('Error'), 'cause': state.get('Cause')}
                data, following = self._task(state_name, state, data, execution, deadline)
                if following is None:
                    return {'status': 'SUCCEEDED', 'output': data}
                state_name = following
        except TaskFailed as failure:
            status = 'TIMED_OUT' if failure.error == TIMEOUT_ERROR else 'FAILED'
            return {'status': status, 'error': failure.error, 'cause': failure.cause}
        except Stopped:
            return {'status': 'ABORTED', 'error': None, 'cause': 'the local stack stopped'}

    def _task(self, name, state, data, execution, deadline):
        """(output, next state or None at the end), after the retries and catchers of `state`."""
        attempts = [0] * len(state.get('Retry', ()))
        context = {'Execution': execution, 'StateMachine': {'Id': self.arn, 'Name': self.name},
                   'State': {'Name': name, 'EnteredTime': iso(self._clock()), 'RetryCount': 0}}
        while True:
            self._before(deadline)
            try:
                parameters = _fill(state.get('Parameters', {}), data, context)
                payload = self._invoke(parameters['FunctionName'], parameters.get('Payload', {}))
                result = {'ExecutedVersion': '$LATEST', 'Payload': payload, 'StatusCode': 200}
                return _place(result, data, state.get('ResultPath', '$')), state.get('Next')
            except TaskFailed as failure:
                wait = self._retry_wait(state.get('Retry', ()), attempts, failure.error)
                if wait is None:
                    return self._catch(state, data, failure)
                log.info('state %s failed (%s); retried in %s s', name, failure.error, wait,
                         extra={'execution': execution['Name']})
                self._before(deadline, wait)
                self._sleep(wait)
                context['State']['RetryCount'] += 1

    def _before(self, deadline, wait=0):
        """TIMED_OUT once the deadline has passed, or would pass during a retry's wait (AWS would
        time the execution out during that wait; locally it ends at once)."""
        if self._clock() + wait >= deadline:
            raise TaskFailed(TIMEOUT_ERROR, 'the execution ran past the state machine\'s TimeoutSeconds')

    @staticmethod
    def _retry_wait(retriers, attempts, error):
        """Seconds to wait before the next try, or None when no retrier has tries left."""
        for i, retrier in enumerate(retriers):
            if _matches(retrier['ErrorEquals'], error):
                if attempts[i] >= retrier.get('MaxAttempts', 3):
                    return None
                wait = retrier.get('IntervalSeconds', 1) * retrier.get('BackoffRate', 2.0) ** attempts[i]
                attempts[i] += 1
                return wait
        return None

    @staticmethod
    def _catch(state, data, failure):
        for catcher in state.get('Catch', ()):
            if _matches(catcher['ErrorEquals'], failure.error):
                error = {'Error': failure.error, 'Cause': failure.cause}
                return _place(error, data, catcher.get('ResultPath', '$')), catcher['Next']
        raise failure


class AppFunctions:
    """lambda:invoke of the app's own functions, in this process: a FunctionName (name or ARN)
    `{app_name}-{stage}-{name}` calls the app's `@app.lambda_function(name=...)`."""

    def __init__(self, app, stage):
        self._app = app
        self._prefix = f'{app.app_name}-{stage}-'

    def __call__(self, function_name, payload):
        name = function_name.split(':')[6] if function_name.startswith('arn:') else function_name
        handler = name.removeprefix(self._prefix)
        if not name.startswith(self._prefix) or handler not in self._app.handler_map:
            raise TaskFailed('Lambda.ResourceNotFoundException', f'Function not found: {function_name}')
        event = json.loads(json.dumps(payload))   # what Lambda hands a function: JSON, not objects
        try:
            result = self._app.handler_map[handler](event, LambdaContext(name, 1024, HANDLER_TIMEOUT_MS))
        except Exception as error:   # an unhandled error: Lambda reports its type and message
            log.exception('function %s failed', name)
            raise TaskFailed(type(error).__name__, json.dumps({'errorType': type(error).__name__,
                                                                 'errorMessage': str(error)})) from None
        except SystemExit:            # the process died mid-work: no handler ran, no lease was released
            log.error('function %s exited', name)
            raise TaskFailed(EXIT_ERROR, 'the function\'s process exited') from None
        return json.loads(json.dumps(result))


# -- executions and their API ----------------------------------------------------------

class ExecutionAlreadyExists(Exception):
    pass


class Executions:
    """The executions of one state machine: started in a thread each, named, never started twice.

    `ended(event)` receives the EventBridge "Step Functions Execution Status Change" of every
    execution that ends unsuccessfully.
    """

    def __init__(self, machine, ended, clock=time.time):
        self.machine = machine
        self._ended = ended
        self._clock = clock
        self._lock = threading.Lock()
        self._runs = {}
        self._threads = []

    def start(self, name, text):
        """The execution's ARN; a repeat with the same input while it runs is the same execution."""
        with self._lock:
            run = self._runs.get(name)
            if run is not None:
                if run['status'] == 'RUNNING' and run['input'] == text:
                    return run
                raise ExecutionAlreadyExists(f'Execution Already Exists: {run["executionArn"]!r}')
            run = self._runs[name] = {
                'executionArn': f'{self.machine.arn.replace(":stateMachine:", ":execution:")}:{name}',
                'stateMachineArn': self.machine.arn, 'name': name, 'status': 'RUNNING',
                'startDate': self._clock(), 'input': text}
        thread = threading.Thread(target=self._run, args=(run,), name=f'execution-{name}', daemon=True)
        self._threads.append(thread)
        thread.start()
        return run

    def describe(self, arn):
        with self._lock:
            found = [dict(run) for run in self._runs.values() if run['executionArn'] == arn]
        return found[0] if found else None

    def join(self, seconds):
        for thread in list(self._threads):
            thread.join(seconds)

    def _run(self, run):
        end = self.machine.run(run['name'], json.loads(run['input']))
        with self._lock:
            run.update(status=end['status'], stopDate=self._clock())
            for field in ('output', 'error', 'cause'):
                if end.get(field) is not None:
                    run[field] = json.dumps(end[field]) if field == 'output' else end[field]
        log.info('execution %s %s', run['name'], end['status'])
        if end['status'] in UNSUCCESSFUL:
            self._ended(status_change_event(run, self.machine.arn))


def status_change_event(run, machine_arn):
    """What EventBridge delivers for an execution's status change (times in milliseconds)."""
    arn_parts = machine_arn.split(':')
    return {
        'version': '0', 'id': str(uuid.uuid4()), 'detail-type': 'Step Functions Execution Status Change',
        'source': 'aws.states', 'account': arn_parts[4], 'time': iso(run['stopDate']).replace('+00:00', 'Z'),
        'region': arn_parts[3], 'resources': [run['executionArn']],
        'detail': {'executionArn': run['executionArn'], 'stateMachineArn': machine_arn, 'name': run['name'],
                   'status': run['status'], 'startDate': int(run['startDate'] * 1000),
                   'stopDate': int(run['stopDate'] * 1000), 'input': run['input'],
                   'output': run.get('output'), 'error': run.get('error'), 'cause': run.get('cause')},
    }


def matches(pattern, event):
    """EventBridge matching for the patterns the app declares: nested fields, each a list of
    exact values. Anything else (prefix, numeric, exists...) is refused, not guessed."""
    for key, wanted in pattern.items():
        if isinstance(wanted, dict):
            if not isinstance(event.get(key), dict) or not matches(wanted, event[key]):
                return False
            continue
        if not isinstance(wanted, list) or not all(isinstance(v, (str, int, float, bool)) for v in wanted):
            raise UnsupportedDefinition(f'event pattern {key}: {wanted!r} is not matched locally')
        if event.get(key) not in wanted:
            return False
    return True


# The app's event sources this executor serves (the rule that hears an execution end).
HANDLED_EVENTS = (CloudWatchEventConfig,)


def event_rules(app):
    """`ended(event)` for Executions: the app's on_cw_event handlers whose pattern matches."""
    sources = [s for s in app.event_sources if isinstance(s, HANDLED_EVENTS)]

    def deliver(event):
        for source in sources:
            if matches(source.event_pattern, event):
                try:
                    app.handler_map[source.name](event, LambdaContext(source.name, 1024, HANDLER_TIMEOUT_MS))
                except Exception:
                    log.exception('event handler %s failed', source.name)
    return deliver


class _Api(BaseHTTPRequestHandler):
    """AWS's JSON 1.0 protocol for StartExecution and DescribeExecution, what boto3 sends."""

    service = None   # the LocalStepFunctions, set on the subclass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get('Content-Length') or 0)) or b'{}')
        operation = (self.headers.get('X-Amz-Target') or '').rpartition('.')[2]
        try:
            self._answer(200, self.service.call(operation, body))
        except ExecutionAlreadyExists as error:
            self._answer(400, {'__type': 'ExecutionAlreadyExists', 'message': str(error)})
        except LookupError as error:
            self._answer(400, {'__type': error.args[0], 'message': error.args[1]})

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/x-amz-json-1.0')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class LocalStepFunctions:
    """The stack's Step Functions endpoint and the analysis state machine behind it.

    Bound at construction (the port is in `environment()`, which the app needs before it is
    imported); `start(app)` loads the definition and serves; `stop()` aborts what runs.
    """

    def __init__(self, host, region, stage):
        from chalicelib.analyses import workflow   # the definition the app ships
        self._workflow = workflow
        self.region, self.stage = region, stage
        self.arn = f'arn:aws:states:{region}:{ACCOUNT}:stateMachine:chatmrpt-{stage}-analysis'
        self.executions = None
        self._stopping = threading.Event()
        handler = type('Api', (_Api,), {'service': self})
        self._server = ThreadingHTTPServer((host, 0), handler)
        self._server.daemon_threads = True
        self.url = 'http://{}:{}'.format(*self._server.server_address[:2])
        self._thread = threading.Thread(target=self._server.serve_forever, name='stepfunctions', daemon=True)

    def environment(self, environ):
        """What the app reads: this endpoint for Step Functions, the machine's ARN, and Step Functions
        as the analysis runner unless `environ` chose one (ANALYSIS_RUNNER=sqs keeps the SQS worker)."""
        return {'AWS_ENDPOINT_URL_SFN': self.url, 'ANALYSIS_STATE_MACHINE_ARN': self.arn,
                'ANALYSIS_RUNNER': environ.get('ANALYSIS_RUNNER') or 'stepfunctions'}

    def start(self, app):
        function = f'arn:aws:lambda:{self.region}:{ACCOUNT}:function:{app.app_name}-{self.stage}-analysis_stage'
        machine = StateMachine(self.arn, self._workflow.state_machine(function), AppFunctions(app, self.stage),
                               sleep=self._sleep)
        self.executions = Executions(machine, event_rules(app))
        self._thread.start()
        return self

    def _sleep(self, seconds):
        if self._stopping.wait(seconds):
            raise Stopped()

    def call(self, operation, body):
        if operation == 'StartExecution':
            self._machine_of(body['stateMachineArn'])
            run = self.executions.start(body.get('name') or str(uuid.uuid4()), body.get('input') or '{}')
            return {'executionArn': run['executionArn'], 'startDate': run['startDate']}
        if operation == 'DescribeExecution':
            run = self.executions.describe(body['executionArn'])
            if run is None:
                raise LookupError('ExecutionDoesNotExist', f'Execution Does Not Exist: {body["executionArn"]!r}')
            return run
        raise LookupError('UnknownOperationException', f'{operation} is not served by the local stack')

    def _machine_of(self, arn):
        if arn != self.arn:
            raise LookupError('StateMachineDoesNotExist', f'State Machine Does Not Exist: {arn!r}')

    def stop(self):
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        if self.executions is not None:
            self.executions.join(10)
