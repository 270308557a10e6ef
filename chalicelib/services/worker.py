"""The analysis worker: the stages of a ranking job, declared once in `STAGES`.

An analysis moves QUEUED -> RUNNING -> SUCCEEDED | FAILED. The worker holds a
lease on the Analyses item (a conditional write with an expiry) while it works, so
a duplicate SQS delivery never runs the job in parallel, and records each finished
stage in `stages_done`, so a redelivery after a crash resumes after the last one.
Stages hand their results to the next through S3 under the analysis's `work/`
prefix, so each stage can also run alone as a Step Functions task; the engine's
whole result stays in `work/result.json` after the job (ITN plans read it). A
failure is stored as a message a programme officer can act on; the full error
goes only to the logs.
"""
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable

from chalicelib.analysis.errors import DataError
from chalicelib.aws import client
from chalicelib.services.leases import Heartbeat
from chalicelib.services.progress import progress_message, status_message
from chalicelib.storage.analyses import FAILED, QUEUED, RUNNING, SUCCEEDED, Analyses
from chalicelib.storage.base import StaleTransition, now_iso
from chalicelib.storage.datasets import READY, Datasets
from chalicelib.storage.objects import Objects, object_key

log = logging.getLogger('chatmrpt.worker')

# A live worker renews its lease every HEARTBEAT_SECONDS while a stage runs; a
# dead one stops, so its lease has long expired when SQS redelivers the job after
# the queue's 900 s visibility timeout.
LEASE_SECONDS = 120
HEARTBEAT_SECONDS = 30
MAX_RECEIVES = 3          # the queue's maxReceiveCount: the last try before the DLQ
# A Step Functions retry comes after a dead task's lease has run out (it was renewed
# at most LEASE_SECONDS before the death), so the retry can claim the stage and run it.
RETRY_SECONDS = LEASE_SECONDS + 15
TERMINAL = (SUCCEEDED, FAILED)
REQUEST_FIELDS = ('method', 'variables', 'directions', 'preset', 'state')
JSON_TYPE = 'application/json'


class JobRefused(Exception):
    """The job cannot run for a reason the user can fix; retrying will not help."""


class LeaseLost(Exception):
    """Another worker took the job over, or the analysis was deleted: stop quietly."""


class StageElsewhere(Exception):
    """A Step Functions task met a live lease, most often that of its own earlier try
    that died: raised so the state machine retries the stage once the lease has run out,
    instead of the next task finding the stage not done."""


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable            # run(job): reads its inputs from the job, writes its outputs
    progress: int            # percent complete once this stage is done
    message: str             # what a person sees while it runs


class AnalysisJobs(Analyses):
    """The Analyses table as the worker uses it: every write holds the lease."""

    def claim(self, user_id, analysis_id, owner, now):
        """Take the lease of a QUEUED job or of a RUNNING one whose worker died;
        the item, or None when another worker holds a live lease or it is finished."""
        return self.update(
            user_id, analysis_id,
            {'status': RUNNING, 'lease_owner': owner, 'lease_until': now + LEASE_SECONDS,
             'updated_at': now_iso()},
            'attribute_exists(user_id) AND #status IN (:queued, :running) AND '
            '(attribute_not_exists(lease_until) OR lease_until < :now)',
            {':queued': QUEUED, ':running': RUNNING, ':now': now}, {'#status': 'status'})

    def advance(self, user_id, analysis_id, owner, **fields):
        """Write `fields` while `owner` holds the lease; LeaseLost otherwise."""
        item = self.update(user_id, analysis_id, dict(fields, updated_at=now_iso()),
                           'lease_owner = :me AND #status = :running',
                           {':me': owner, ':running': RUNNING}, {'#status': 'status'})
        if item is None:
            raise LeaseLost(analysis_id)
        return item


@dataclass(frozen=True)
class WorkerDeps:
    analyses: AnalysisJobs
    datasets: Datasets
    files: Objects
    sender: object                        # send(user_id, analysis_id, message)
    clock: Callable[[], float] = time.time
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    heartbeat_wait: Callable = threading.Event.wait

    @classmethod
    def from_settings(cls, s, sender):
        dynamodb = client('dynamodb', s.region)
        return cls(analyses=AnalysisJobs(s.analyses_table, dynamodb),
                   datasets=Datasets(s.datasets_table, dynamodb),
                   files=Objects(s.data_bucket, client('s3', s.region)), sender=sender)


class Job:
    """One analysis while a worker holds its lease: its request, its files, its progress."""

    def __init__(self, item, owner, deps):
        self.item = item
        self.owner = owner
        self.deps = deps
        self.user_id = item['user_id']
        self.analysis_id = item['analysis_id']
        self.stage = None           # the stage running now, for the failure message

    @property
    def where(self):
        return {'user_id': self.user_id, 'analysis_id': self.analysis_id}

    @property
    def request(self):
        request = self.item.get('request') or {}
        return {key: request[key] for key in REQUEST_FIELDS if request.get(key) is not None}

    @property
    def dataset_id(self):
        return self.item.get('dataset_id') or (self.item.get('request') or {}).get('dataset_id')

    def read_work(self, *parts):
        return self.deps.files.get_object(
            self.user_id, object_key(self.user_id, 'analyses', self.analysis_id, 'work', *parts))

    def write_work(self, parts, body):
        self.deps.files.put_file(self.user_id, 'analyses', self.analysis_id, ('work',) + parts,
                                 body, JSON_TYPE if parts[-1].endswith('.json') else 'text/plain')

    def result(self):
        """The engine's result (AnalysisResult.to_dict()) that the score stage stored."""
        return json.loads(self.read_work('result.json'))

    def publish(self, artifacts):
        """Store `{name: (bytes, content type)}` as artifacts and list them on the analysis."""
        for name, (body, content_type) in sorted(artifacts.items()):
            key = self.deps.files.put_file(self.user_id, 'analyses', self.analysis_id, (name,), body, content_type)
            try:
                self.item = self.deps.analyses.add_artifact(
                    self.user_id, self.analysis_id, name, key, content_type, len(body))
            except StaleTransition as error:
                raise LeaseLost(self.analysis_id) from error

    def advance(self, **fields):
        self.item = self.deps.analyses.advance(self.user_id, self.analysis_id, self.owner, **fields)

    def tell(self, stage, progress, message):
        self.deps.sender.send(self.user_id, self.analysis_id,
                              progress_message(self.analysis_id, stage, progress, message))


def _json(value):
    return json.dumps(value, allow_nan=False, separators=(',', ':')).encode()


# --- the stages ---------------------------------------------------------------

def prepare(job):
    """Snapshot the dataset's canonical files into the analysis and check they load,
    so a dataset deleted or replaced later cannot change a running analysis. An analysis
    that chose TPR options gets that ward TPR joined into its own copy."""
    from chalicelib.analysis import PreparedDataset
    from chalicelib.services.programme import JOINED_FILES, analysis_canonical
    dataset = job.deps.datasets.get(job.user_id, job.dataset_id) if job.dataset_id else None
    if not dataset or dataset.get('status') != READY or not dataset.get('canonical'):
        raise JobRefused('The dataset of this analysis is no longer ready: it was deleted or '
                         'replaced. Upload the ward data again and start a new analysis.')
    tpr = (job.item.get('request') or {}).get('tpr')
    if tpr == (dataset.get('tpr') or {}).get('options'):
        tpr = None   # the dataset's canonical files already carry the ward TPR of these options
    files = {name: job.deps.files.get_object(job.user_id, key)
             for name, key in sorted(dataset['canonical'].items())
             if not (tpr and name in JOINED_FILES)}   # recomputed below from the dataset's base
    if tpr:
        files.update(analysis_canonical(job.user_id, dataset, tpr, job.deps.files))
    PreparedDataset.from_canonical(files)
    for name, body in files.items():
        job.write_work(('canonical', name), body)
    job.write_work(('inputs.json',), _json({'dataset_id': job.dataset_id, 'files': sorted(files),
                                            'dataset_name': dataset.get('name')}))


def score(job):
    """Rank the wards with the engine; the whole result goes to `work/result.json`."""
    from chalicelib.analysis import PreparedDataset, run_analysis
    inputs = json.loads(job.read_work('inputs.json'))
    files = {name: job.read_work('canonical', name) for name in inputs['files']}
    result = run_analysis(PreparedDataset.from_canonical(files), job.request)
    job.write_work(('result.json',), _json(result.to_dict()))


def publish(job):
    """The rankings (JSON for the API, CSV for spreadsheets), models, diagnostics,
    match and imputation reports."""
    from chalicelib.analysis.exports import rankings_csv
    result = job.result()
    diagnostics = {key: result.get(key) for key in
                   ('pca', 'comparison', 'variables', 'warnings', 'urban_thresholds')}
    job.publish({
        'rankings.json': (_json(result['rankings']), JSON_TYPE),
        'rankings.csv': (rankings_csv(result['rankings']), 'text/csv; charset=utf-8'),
        'models.json': (_json(result.get('models')), JSON_TYPE),
        'diagnostics.json': (_json(diagnostics), JSON_TYPE),
        'match_report.json': (_json(result.get('match_report')), JSON_TYPE),
        'imputation.json': (_json(result.get('imputation')), JSON_TYPE),
    })


def drawing_options(item):
    """What the analysis's request chose for its drawn files (maps, report, ITN coverage
    maps): `offline` embeds plotly.js in each one."""
    return {'embed_plotlyjs': bool((item.get('request') or {}).get('offline'))}


def draw(job):
    """The vulnerability, variable and urban maps and the rank-spread chart; the
    simplified boundaries stay in `work/display.json` for the report."""
    from chalicelib import viz
    result = job.result()
    display = viz.display_boundaries(result)
    job.write_work(('display.json',), _json(display))
    job.publish(viz.draw(result, drawing_options(job.item), display))


def report(job):
    """report.html and the spreadsheet and GeoJSON exports, on the boundaries the
    draw stage simplified (publish already stored the rankings CSV)."""
    from chalicelib import reports
    inputs = json.loads(job.read_work('inputs.json'))
    meta = {'analysis_id': job.analysis_id, 'dataset_id': job.dataset_id,
            'dataset_name': inputs.get('dataset_name'), 'created_at': job.item.get('created_at'),
            'completed_at': now_iso()}
    job.publish(reports.build(job.result(), meta, drawing_options(job.item),
                              json.loads(job.read_work('display.json'))))


# THE list of stages: a new stage is one entry here (progress rises to 100).
STAGES = (
    Stage('prepare', prepare, 10, 'Loading the ward data'),
    Stage('score', score, 45, 'Scoring and ranking the wards'),
    Stage('publish', publish, 60, 'Saving the rankings'),
    Stage('draw', draw, 80, 'Drawing the maps'),
    Stage('report', report, 100, 'Writing the report'),
)


# --- running a job --------------------------------------------------------------

def handle_message(record, deps, stages=STAGES):
    """One SQS record `{"user_id", "analysis_id"}` from POST /analyses.

    Raises for a failure SQS should redeliver; the third receive marks the analysis
    FAILED first, so it is settled before the message moves to the dead-letter queue.
    """
    job = _job_of(record)
    if job is None:
        return None
    receives = int((record.get('attributes') or {}).get('ApproximateReceiveCount', 1))
    return run_job(*job, deps, attempt=receives, stages=stages)


def handle_dead_letter(record, deps):
    """One record of the dead-letter queue: a job whose last receive died (Lambda
    timeout, out of memory) without settling its analysis; it ends FAILED."""
    job = _job_of(record)
    return abandon(*job, deps) if job else None


def _job_of(record):
    """`(user_id, analysis_id)` of an SQS record, or None for a malformed one."""
    try:
        body = json.loads(record['body'])
        return str(body['user_id']), str(body['analysis_id'])
    except (ValueError, KeyError, TypeError):
        log.error('analysis message without user_id and analysis_id dropped')
        return None


def run_stage_event(event, deps, stages=STAGES):
    """A Step Functions task: `{"user_id", "analysis_id", "stage", "retries"?}` runs one
    stage (`retries`: how often this task was retried, 0 first); returns
    `{"status", "stage"}`. Raises StageElsewhere while a live lease holds the analysis."""
    if event.get('abandon'):
        return {'status': abandon(event['user_id'], event['analysis_id'], deps, stages),
                'stage': None}
    status = run_job(event['user_id'], event['analysis_id'], deps,
                     attempt=int(event.get('retries', 0)) + 1, only=event['stage'], stages=stages)
    return {'status': status, 'stage': event['stage']}


def abandon(user_id, analysis_id, deps, stages=STAGES):
    """End a job that can no longer run (its worker died on the last try, or the state
    machine gave up) FAILED, unless it already ended; its status after."""
    item = deps.analyses.get(user_id, analysis_id)
    if item is None or item['status'] in TERMINAL:
        return item and item['status']
    log.error('analysis abandoned at stage %s', item.get('stage'),
              extra={'user_id': user_id, 'analysis_id': analysis_id})
    return _fail(deps, user_id, analysis_id,
                 _our_problem(item.get('stage') or stages[0].name, analysis_id))


def run_job(user_id, analysis_id, deps, attempt=1, only=None, stages=STAGES):
    """Run the analysis's remaining stages (or only the one named); its status after.

    The stages still to do come from the item the claim returned: another worker
    may have finished some between a read and the claim."""
    where = {'user_id': user_id, 'analysis_id': analysis_id}
    item = deps.analyses.get(user_id, analysis_id)
    if item is None:
        log.info('analysis gone; job dropped', extra=where)
        return None
    if item['status'] in TERMINAL:
        log.info('analysis already %s; duplicate job ignored', item['status'], extra=where)
        return item['status']
    if only is not None:
        _check_order(stages, _todo(stages, item), only)
    owner = secrets.token_hex(8)
    claimed = deps.analyses.claim(user_id, analysis_id, owner, deps.clock())
    if claimed is None:
        current = deps.analyses.get(user_id, analysis_id)
        if only is not None and current and current['status'] == RUNNING:
            log.info('another worker holds this analysis; the stage will be retried', extra=where)
            raise StageElsewhere(analysis_id)
        log.info('another worker holds this analysis; duplicate job ignored', extra=where)
        return current and current['status']
    todo = [stage for stage in _todo(stages, claimed) if only is None or stage.name == only]
    return _work(Job(claimed, owner, deps), todo, stages, attempt)


def _todo(stages, item):
    return [stage for stage in stages if stage.name not in (item.get('stages_done') or ())]


def _work(job, todo, stages, attempt):
    """Run `todo` under the lease, then settle: SUCCEEDED when every stage is done,
    FAILED for what the user must fix or on the last attempt, otherwise released."""
    try:
        for stage in todo:
            _run_stage(job, stages, stage)
        if set(job.item.get('stages_done') or ()) >= {stage.name for stage in stages}:
            job.advance(status=SUCCEEDED, progress=100, lease_until=0, finished_at=now_iso())
            _tell_status(job.deps, job.user_id, job.analysis_id, SUCCEEDED)
            return SUCCEEDED
        job.advance(lease_until=0)
        return RUNNING
    except LeaseLost:
        log.info('lease lost; another worker or a delete took over', extra=job.where)
        if job.deps.analyses.get(job.user_id, job.analysis_id) is None:
            job.deps.files.delete_prefix(job.user_id, 'analyses', job.analysis_id)
        return None
    except JobRefused as error:
        return _fail(job.deps, job.user_id, job.analysis_id, str(error))
    except DataError as error:
        return _fail(job.deps, job.user_id, job.analysis_id, error.one_line())
    except Exception:
        log.exception('stage %s failed (attempt %s)', job.stage, attempt, extra=job.where)
        if attempt >= MAX_RECEIVES:
            _fail(job.deps, job.user_id, job.analysis_id, _our_problem(job.stage, job.analysis_id))
        else:
            _release(job)
        raise


def _check_order(stages, todo, only):
    names = [stage.name for stage in stages]
    if only not in names:
        raise ValueError(f'unknown stage {only!r}; stages are {", ".join(names)}')
    if todo and todo[0].name != only and only in [stage.name for stage in todo]:
        raise ValueError(f'stage {only!r} cannot run before {todo[0].name!r}')


def _run_stage(job, stages, stage):
    before = max((s.progress for s in stages if s.name in (job.item.get('stages_done') or ())),
                 default=0)
    job.stage = stage.name
    job.advance(stage=stage.name, progress=before, lease_until=job.deps.clock() + LEASE_SECONDS)
    job.tell(stage.name, before, stage.message)
    log.info('stage %s started', stage.name, extra=job.where)
    with Heartbeat(_renewal(job), job.deps.heartbeat_seconds, job.where, job.deps.heartbeat_wait) as heartbeat:
        stage.run(job)
    if heartbeat.lost:
        raise LeaseLost(job.analysis_id)
    done = list(job.item.get('stages_done') or ()) + [stage.name]
    job.advance(stages_done=done, progress=stage.progress)
    job.tell(stage.name, stage.progress, stage.message)


def _renewal(job):
    """The heartbeat's `renew` for the job's lease: False once the lease is lost."""
    def renew():
        try:
            job.deps.analyses.advance(job.user_id, job.analysis_id, job.owner,
                                      lease_until=job.deps.clock() + LEASE_SECONDS)
        except LeaseLost:
            return False
        return True
    return renew


def _our_problem(stage, analysis_id):
    """The message of a failure the user did not cause: what to do about it."""
    return (f'The analysis stopped at the "{stage}" step because of a problem on our side. '
            'Your data is unchanged: start the analysis again, and if it fails again send '
            f'the analysis id {analysis_id} to support.')


def _fail(deps, user_id, analysis_id, message):
    """FAILED with `message` (what to do about it), pushed to the owner."""
    try:
        deps.analyses.transition(user_id, analysis_id, (QUEUED, RUNNING), FAILED, error=message,
                                 lease_until=0, finished_at=now_iso())
    except StaleTransition:
        current = deps.analyses.get(user_id, analysis_id)
        return current and current['status']
    _tell_status(deps, user_id, analysis_id, FAILED, message)
    return FAILED


def _release(job):
    """Give the lease back so the redelivered job need not wait for it to expire."""
    try:
        job.advance(lease_until=0)
    except LeaseLost:
        pass


def _tell_status(deps, user_id, analysis_id, status, error=None):
    deps.sender.send(user_id, analysis_id, status_message(analysis_id, status, error))


def state_machine(function_arn, stages=STAGES):
    """The Step Functions definition (ASL) that runs `stages` in AWS: one Task per
    stage calling the `analysis_stage` function, retried like SQS redelivers, each
    retry after the lease of a task that died has run out (RETRY_SECONDS).

    A stage that ends the analysis (FAILED) makes the later tasks no-ops, so the
    chain needs no choice states; the last retry marks the analysis FAILED. A task
    that dies instead (timeout, out of memory) is caught: the `abandon` task ends
    the analysis FAILED as the dead-letter handler does.
    """
    def task(payload, **rest):
        return {'Type': 'Task', 'Resource': 'arn:aws:states:::lambda:invoke',
                'Parameters': {'FunctionName': function_arn, 'Payload': {
                    'user_id.$': '$.user_id', 'analysis_id.$': '$.analysis_id', **payload}},
                'ResultPath': None,
                'Retry': [{'ErrorEquals': ['States.ALL'], 'MaxAttempts': MAX_RECEIVES - 1,
                           'IntervalSeconds': RETRY_SECONDS, 'BackoffRate': 2.0}], **rest}

    names = [stage.name for stage in stages]
    catch = [{'ErrorEquals': ['States.ALL'], 'ResultPath': '$.error', 'Next': 'abandon'}]
    states = {name: task({'stage': name, 'retries.$': '$$.State.RetryCount'}, Catch=catch,
                         **({'Next': following} if following else {'End': True}))
              for name, following in zip(names, names[1:] + [None])}
    states['abandon'] = task({'abandon': True}, Next='failed')
    states['failed'] = {'Type': 'Fail', 'Error': 'AnalysisFailed',
                        'Cause': 'the analysis is FAILED; its error says why'}
    return {'Comment': 'ChatMRPT analysis: the stages of chalicelib.services.worker.STAGES',
            'StartAt': names[0], 'States': states}


def catch_up(item, stages=STAGES):
    """The messages a subscriber who arrives late has missed: each finished stage in
    order, the one running now, and the final status."""
    analysis_id, done = item['analysis_id'], item.get('stages_done') or ()
    messages = [progress_message(analysis_id, s.name, s.progress, s.message)
                for s in stages if s.name in done]
    current = next((s for s in stages if s.name == item.get('stage') and s.name not in done), None)
    if current and item['status'] == RUNNING:
        messages.append(progress_message(analysis_id, current.name, item.get('progress', 0),
                                         current.message))
    if item['status'] in TERMINAL:
        messages.append(status_message(analysis_id, item['status'], item.get('error')))
    return messages
