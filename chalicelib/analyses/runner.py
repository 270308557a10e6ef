"""Running an analysis: the SQS job, the Step Functions task, the dead letter, the deadline.

An analysis moves QUEUED -> RUNNING -> SUCCEEDED | FAILED. The worker holds a lease
on the Analyses item (storage.leases) while it works, so a duplicate SQS delivery
never runs the job in parallel, and records each finished stage in `stages_done`, so
a redelivery after a crash resumes after the last one. A failure is stored as a
message a programme officer can act on; the full error goes only to the logs.
"""
import json
import logging
import secrets
import time

from chalicelib.analyses.stages import STAGES, Job, JobRefused
from chalicelib.analyses.workflow import DEADLINE_SECONDS
from chalicelib.analysis.errors import DataError
from chalicelib.conversations.progress import analysis_ended
from chalicelib.progress.messages import status_message
from chalicelib.storage.analyses import FAILED, LEASE_SECONDS, QUEUED, RUNNING, SUCCEEDED, TERMINAL
from chalicelib.storage.base import StaleTransition, now_iso
from chalicelib.storage.leases import Heartbeat, LeaseLost
from chalicelib.storage.queue import MAX_RECEIVES

log = logging.getLogger('chatmrpt.worker')

# A live worker renews its lease (storage.analyses.LEASE_SECONDS) every HEARTBEAT_SECONDS
# while a stage runs.
HEARTBEAT_SECONDS = 30
# How long after its deadline an unfinished analysis counts as overdue: time for the execution's
# end (or the dead-letter queue) to reach the handlers that settle it.
OVERDUE_GRACE_SECONDS = 900
METRIC_NAMESPACE = 'ChatMRPT'   # infra/stepfunctions.tf alarms on it


class StageElsewhere(Exception):
    """A Step Functions task met a live lease, most often that of its own earlier try
    that died: raised so the state machine retries the stage once the lease has run out,
    instead of the next task finding the stage not done."""


def handle_message(record, deps, stages=STAGES):
    """One SQS record `{"user_id", "analysis_id"}` from POST /analyses.

    Raises for a failure SQS should redeliver; the third receive marks the analysis
    FAILED first, so it is settled before the message moves to the dead-letter queue.
    """
    job = _job_of(record.get('body'))
    if job is None:
        return None
    receives = int((record.get('attributes') or {}).get('ApproximateReceiveCount', 1))
    return run_job(*job, deps, attempt=receives, stages=stages)


def handle_dead_letter(record, deps):
    """One record of the dead-letter queue: a job whose last receive died (Lambda
    timeout, out of memory) without settling its analysis; it ends FAILED."""
    job = _job_of(record.get('body'))
    return abandon(*job, deps) if job else None


def handle_execution_ended(event, deps):
    """EventBridge's "Step Functions Execution Status Change" for an analysis execution that
    ended without success (FAILED, TIMED_OUT, ABORTED): its analysis ends FAILED unless it
    already ended, as a job in the dead-letter queue does. The job is the execution's input."""
    job = _job_of((event.get('detail') or {}).get('input'))
    return abandon(*job, deps) if job else None


def report_overdue(deps, emit=print):
    """Count the analyses still QUEUED or RUNNING past workflow.DEADLINE_SECONDS (and a grace for
    the handlers above to settle them) as the CloudWatch metric `OverdueAnalyses`, in the embedded
    metric format (one JSON log line, no API call); their ids go to the log. The count."""
    now = deps.clock()
    cutoff = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(now - DEADLINE_SECONDS - OVERDUE_GRACE_SECONDS))
    overdue = deps.analyses.unfinished_since(cutoff)
    for user_id, analysis_id in overdue:
        log.error('analysis overdue: still unfinished past its deadline',
                  extra={'user_id': user_id, 'analysis_id': analysis_id})
    emit(json.dumps({
        '_aws': {'Timestamp': int(now * 1000), 'CloudWatchMetrics': [{
            'Namespace': METRIC_NAMESPACE, 'Dimensions': [['Stage']],
            'Metrics': [{'Name': 'OverdueAnalyses', 'Unit': 'Count'}]}]},
        'Stage': deps.settings.stage, 'OverdueAnalyses': len(overdue)}))
    return len(overdue)


def _job_of(text):
    """`(user_id, analysis_id)` of a job's JSON text, or None for a malformed one."""
    try:
        body = json.loads(text)
        return str(body['user_id']), str(body['analysis_id'])
    except (ValueError, KeyError, TypeError):
        log.error('analysis job without user_id and analysis_id dropped')
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
        _check_order(stages, _todo(stages, item.get('stages_done') or ()), only)
    owner = secrets.token_hex(8)
    claimed = deps.analyses.job.claim(user_id, analysis_id, owner, deps.clock())
    if claimed is None:
        current = deps.analyses.get(user_id, analysis_id)
        if only is not None and current and current['status'] == RUNNING:
            log.info('another worker holds this analysis; the stage will be retried', extra=where)
            raise StageElsewhere(analysis_id)
        log.info('another worker holds this analysis; duplicate job ignored', extra=where)
        return current and current['status']
    todo = [stage for stage in _todo(stages, claimed.get('stages_done') or ()) if only is None or stage.name == only]
    return _work(Job(claimed, owner, deps), todo, stages, attempt)


def _todo(stages, done):
    """The stages not in `done`, in their order."""
    return [stage for stage in stages if stage.name not in done]


def _succeeded():
    """The fields that end an analysis SUCCEEDED (its lease given back)."""
    return dict(status=SUCCEEDED, progress=100, lease_until=0, finished_at=now_iso())


def _work(job, todo, stages, attempt):
    """Run `todo` under the lease, then settle: SUCCEEDED when every stage is done (written
    with the last one), FAILED for what the user must fix or on the last attempt, otherwise
    released (with the last stage this call runs)."""
    try:
        for i, stage in enumerate(todo):
            _run_stage(job, stages, stage, last=i == len(todo) - 1)
        if not todo:   # a repeated task or delivery; SUCCEEDED if an older worker ended before saying so
            ended = not _todo(stages, job.item.get('stages_done') or ())
            job.advance(**(_succeeded() if ended else {'lease_until': 0}))
        if job.item['status'] == SUCCEEDED:
            _tell_status(job.deps, job.item, SUCCEEDED)
        return job.item['status']
    except LeaseLost:
        log.info('lease lost; another worker or a delete took over', extra=job.where)
        if job.deps.analyses.get(job.user_id, job.analysis_id) is None:
            job.deps.objects.delete_prefix(job.user_id, 'analyses', job.analysis_id)
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


def _run_stage(job, stages, stage, last):
    """Run one stage; its end is ONE write: the stage done, the next one named (or the analysis
    SUCCEEDED), the lease kept for the next stage or given back after the `last` this call runs.

    Each progress message names the stage running now: the first when the analysis starts,
    every other when the stage before it ends (a Step Functions task then finds its stage
    already named and writes nothing before it runs); the last stage's end is told at 100."""
    job.stage = stage.name
    done = list(job.item.get('stages_done') or ())
    if job.item.get('stage') != stage.name:
        before = max((s.progress for s in stages if s.name in done), default=0)
        job.advance(stage=stage.name, progress=before)
        job.tell(stage.name, before, stage.message)
    log.info('stage %s started', stage.name, extra=job.where)
    with Heartbeat(lambda: job.deps.analyses.job.renew(job.user_id, job.analysis_id, job.owner, job.deps.clock()),
                   HEARTBEAT_SECONDS, job.where, job.deps.heartbeat_wait) as heartbeat:
        stage.run(job)
    if heartbeat.lost:
        raise LeaseLost(f'analysis {job.analysis_id} was taken over')
    done.append(stage.name)
    following = next(iter(_todo(stages, done)), None)
    if following is None:
        job.advance(stages_done=done, **_succeeded())
        job.tell(stage.name, 100, stage.message)   # the bar full before the status says SUCCEEDED
        return
    job.advance(stages_done=done, stage=following.name, progress=stage.progress,
                lease_until=0 if last else job.deps.clock() + LEASE_SECONDS)
    job.tell(following.name, stage.progress, following.message)


def _our_problem(stage, analysis_id):
    """The message of a failure the user did not cause: what to do about it."""
    return (f'The analysis stopped at the "{stage}" step because of a problem on our side. '
            'Your data is unchanged: start the analysis again, and if it fails again send '
            f'the analysis id {analysis_id} to support.')


def _fail(deps, user_id, analysis_id, message):
    """FAILED with `message` (what to do about it), pushed to the owner."""
    try:
        item = deps.analyses.transition(user_id, analysis_id, (QUEUED, RUNNING), FAILED, error=message,
                                        lease_until=0, finished_at=now_iso())
    except StaleTransition:
        current = deps.analyses.get(user_id, analysis_id)
        return current and current['status']
    _tell_status(deps, item, FAILED, message)
    return FAILED


def _release(job):
    """Give the lease back so the redelivered job need not wait for it to expire."""
    try:
        job.advance(lease_until=0)
    except LeaseLost:
        pass


def _tell_status(deps, item, status, error=None):
    """The final status to the analysis's subscribers, and to its conversation when the chat started it."""
    deps.sender.send(item['user_id'], item['analysis_id'], status_message(item['analysis_id'], status, error))
    analysis_ended(deps, item, status, error)
