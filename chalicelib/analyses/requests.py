"""Analyses: start one on a READY dataset, follow it, read its rankings and files."""
import json
import logging

from chalicelib.analyses import RANKINGS_MAX_PAGE, RANKINGS_PAGE
from chalicelib.errors import ApiError, BadRequest, Conflict, NotFound
from chalicelib.datasets.tpr import analysis_summary, tpr_column
from chalicelib.requests import find as find_owned, page, page_limit, parse
from chalicelib.storage.analyses import FAILED, QUEUED, SUCCEEDED
from chalicelib.storage.base import decode_token, encode_token, new_id, now_iso
from chalicelib.storage.datasets import READY

RANKINGS = 'rankings.json'
PUBLIC_FIELDS = ('analysis_id', 'dataset_id', 'status', 'stage', 'progress', 'error', 'request',
                 'created_at', 'updated_at')

log = logging.getLogger(__name__)


def _variables_of(request, dataset):
    """The variables this analysis ranks from, and the ward TPR it computes itself (None when it
    ranks with the dataset's own): TPR options other than the dataset's take the place of the
    dataset's ward TPR, since the worker joins them into the ward data as uploaded."""
    known = [v.get('name') for v in (dataset.get('summary') or {}).get('variables', [])]
    own = dataset.get('tpr') or {}
    if request.tpr is None or request.tpr.model_dump() == own.get('options'):
        return known, None
    computed = tpr_column(request.tpr.age, request.tpr.test)
    return [name for name in known if name not in (own.get('column'), computed)] + [computed], computed


def _check_variables(request, known, computed):
    """Every named variable and direction must be one the analysis ranks from."""
    hint = f'; with the TPR options in "tpr" the ward TPR is {computed!r}' if computed else ''
    for i, name in enumerate(request.variables or ()):
        if name not in known:
            raise BadRequest(f'variables[{i}]: {name!r} is not a variable of this analysis{hint}',
                             {'field': f'variables[{i}]', 'known': known})
    allowed = request.variables or known
    for name in request.directions or {}:
        if name not in allowed:
            raise BadRequest(f'directions.{name}: {name!r} is not one of the analysed variables{hint}',
                             {'field': f'directions.{name}', 'known': allowed})


def _check_usable(request, summary, known):
    """Refuse what the engine would refuse after queueing: fewer than two usable variables among
    those named or chosen automatically (the engine's own choice and rule, on the summary of
    the ward data the analysis ranks)."""
    from chalicelib.analysis.variables import select_variables, unusable
    entries = {v['name']: v for v in summary.get('variables') or ()}
    chosen, _ = select_variables(known, request.variables, request.directions,
                                 request.state or summary.get('state'), request.preset == 'mrpt-legacy')
    wards = summary.get('wards') or 0
    reasons = {name: unusable(name, wards - entries[name]['missing'], wards, entries[name]['min'],
                              entries[name]['max']) for name, _ in chosen}
    usable = [name for name, _ in chosen if not reasons.get(name)]
    if len(usable) >= 2:
        return
    how = 'named' if request.variables else 'chosen automatically for the state'
    why = ''.join(f' {reason}' for reason in reasons.values() if reason)
    raise BadRequest(f'variables: at least two usable variables are needed to rank wards; of those {how}, '
                     f'usable: {", ".join(usable) or "none"}.{why} Name two or more variables of the dataset '
                     'that have a value in at least half of the wards and vary.',
                     {'field': 'variables', 'usable': usable, 'known': known})


def create(user_id, body, deps, conversation_id=None):
    """A QUEUED analysis handed to the worker: an execution of the stage's state machine, or a
    message on the SQS queue (deps.jobs, as ANALYSIS_RUNNER chooses).

    The item is written before the job is started, so the worker always finds it; if
    the start fails the item is marked FAILED, never left QUEUED forever.
    `conversation_id` (from the chat's own session, never from the body) is kept on
    the item so the worker streams the analysis's progress into that conversation.
    """
    from chalicelib.analyses.models import CreateAnalysis
    request = parse(CreateAnalysis, body)
    dataset = find_owned(deps.datasets, user_id, request.dataset_id, 'dataset')
    if dataset['status'] != READY:
        raise Conflict(f'dataset {request.dataset_id} is {dataset["status"]}; an analysis '
                       'needs a READY dataset', {'dataset_id': request.dataset_id,
                                                 'status': dataset['status']})
    if request.tpr is not None and 'tpr' not in (dataset.get('files') or {}):
        raise Conflict(f'tpr: dataset {request.dataset_id} has no facility export to compute a ward TPR '
                       'from; leave "tpr" out, or use a dataset that includes one (files[].role "tpr")',
                       {'dataset_id': request.dataset_id, 'field': 'tpr'})
    known, computed = _variables_of(request, dataset)
    _check_variables(request, known, computed)
    summary = dataset.get('summary') or {}
    if computed:
        summary = analysis_summary(user_id, dataset, request.tpr.model_dump(), deps.objects)
    _check_usable(request, summary, known)
    analysis_id = new_id('an')
    now = now_iso()
    item = {'analysis_id': analysis_id, 'dataset_id': request.dataset_id, 'status': QUEUED,
            'stage': 'queued', 'progress': 0, 'error': None, 'request': request.model_dump(),
            'artifacts': {}, 'created_at': now, 'updated_at': now}
    if conversation_id is not None:
        item['conversation_id'] = conversation_id
    deps.analyses.put_new(user_id, item)
    try:
        deps.jobs.send(user_id, analysis_id)
    except Exception:
        log.exception('could not start the analysis', extra={'analysis_id': analysis_id})
        message = 'The analysis could not be started (the analysis service is unavailable); start it again.'
        deps.analyses.transition(user_id, analysis_id, QUEUED, FAILED, stage='queued', error=message)
        raise ApiError(message, {'analysis_id': analysis_id}) from None
    return {'analysis_id': analysis_id, 'status': QUEUED}


def view(item):
    shown = {name: item.get(name) for name in PUBLIC_FIELDS}
    shown['artifacts'] = sorted(item.get('artifacts') or {})
    return shown


def find(user_id, analysis_id, deps):
    return find_owned(deps.analyses, user_id, analysis_id, 'analysis')


def get(user_id, analysis_id, deps):
    return view(find(user_id, analysis_id, deps))


def list_page(user_id, query, deps):
    return page(deps.analyses, user_id, query, view)


def ranking(user_id, analysis_id, deps, item=None):
    """Every ward of the analysis in rank order (the stored `rankings.json`, read once); 409 until
    it has SUCCEEDED. `item`: the analysis, when the caller has read it already."""
    item = item or find(user_id, analysis_id, deps)
    artifact = (item.get('artifacts') or {}).get(RANKINGS)
    if item['status'] != SUCCEEDED or artifact is None:
        raise Conflict(f'analysis {analysis_id} is {item["status"]}; rankings are ready '
                       'when it has SUCCEEDED', {'analysis_id': analysis_id,
                                                 'status': item['status']})
    return json.loads(deps.objects.get_object(user_id, artifact['key']))


def rankings(user_id, analysis_id, query, deps):
    """One page of the ranking in rank order, sliced from the stored `rankings.json`."""
    wards = ranking(user_id, analysis_id, deps)
    limit = page_limit(query, RANKINGS_PAGE, RANKINGS_MAX_PAGE)
    start = _offset((query or {}).get('next_token'), analysis_id)
    end = start + limit
    token = encode_token({'analysis_id': analysis_id, 'offset': end}) if end < len(wards) else None
    return {'items': wards[start:end], 'next_token': token}


def _offset(token, analysis_id):
    if not token:
        return 0
    payload = decode_token(token)
    offset = payload.get('offset')
    if payload.get('analysis_id') != analysis_id or not isinstance(offset, int) or offset < 0:
        raise BadRequest('next_token is not a token this list returned; start again without it',
                         {'field': 'next_token'})
    return offset


def artifact(user_id, analysis_id, name, deps):
    """A 5-minute download link for one of the analysis's files."""
    stored = (find(user_id, analysis_id, deps).get('artifacts') or {}).get(name)
    if stored is None:
        raise NotFound(f'analysis {analysis_id} has no file {name!r}',
                       {'analysis_id': analysis_id, 'name': name})
    return deps.objects.presigned_download(user_id, stored['key'], name)


def delete(user_id, analysis_id, deps):
    """Remove the analysis's files, then the item; a running worker then finds it gone."""
    find(user_id, analysis_id, deps)
    deps.objects.delete_prefix(user_id, 'analyses', analysis_id)
    deps.analyses.delete(user_id, analysis_id)
