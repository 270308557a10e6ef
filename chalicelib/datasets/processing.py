"""Upload processing: from an S3 ObjectCreated event to a READY or INVALID dataset.

S3 delivers events at least once and moto enforces none of a presigned POST's
conditions, so everything is checked again here: the key must be the one the
service issued for a dataset that awaits that file, and the object's real size
must fit the declared size and the configured limit. Once every declared file has
arrived the dataset moves AWAITING_UPLOAD -> PROCESSING by a conditional write, so
a duplicate or late event loses the condition and does nothing. A user's bad file
ends INVALID with errors naming file, row and column; no exception escapes for
it, and nothing is written outside the dataset's own prefix.
"""
import logging
import secrets

from chalicelib.datasets import tpr
from chalicelib.progress.messages import dataset_message
from chalicelib.storage.base import StaleTransition
from chalicelib.storage.datasets import AWAITING_UPLOAD, INVALID, PROCESSING, READY
from chalicelib.storage.leases import Heartbeat
from chalicelib.storage.objects import content_type, parse_upload_key

log = logging.getLogger('chatmrpt.uploads')

# The roles the engine reads; `tpr` facility exports are read by their own feature.
ENGINE_ROLES = ('data', 'boundaries', 'population')
# A live invocation renews its lease on a PROCESSING dataset (storage.datasets.PROCESSING_SECONDS)
# every HEARTBEAT_SECONDS. A retry that meets a live lease raises, so Lambda tries again and a
# later one takes over.
HEARTBEAT_SECONDS = 20
# A zip may expand to this many times the upload limit before it is refused.
UNCOMPRESSED_FACTOR = 10
MAX_TEXT = 600
UNREADABLE = ('We could not read these files. Check that the ward data is a CSV or XLSX '
              'table with one row per ward and a ward name column, and that the boundaries '
              'are a zipped shapefile (.shp, .shx, .dbf) or a GeoJSON FeatureCollection; '
              'then create a new dataset and upload them again.')
NOT_STORED = ('We could not store a copy of your files because of a problem on our side; they '
              'were not checked. Create a new dataset and upload them again; if it fails again, '
              'send the dataset id to support.')
TPR_UNREADABLE = ('We could not compute the ward TPR from the facility export. Check that it is the CSV or '
                  'XLSX a DHIS2 export gives, with a ward column and the malaria test columns.')


class ProcessingElsewhere(Exception):
    """Another invocation holds a live lease on the dataset: raised so that Lambda retries
    the event later, when that invocation has finished or its lease has run out."""


def process_upload(key, deps):
    """Handle one ObjectCreated event for `key`; returns what happened, for logs and tests:
    `ignored`, `duplicate`, `waiting`, READY or INVALID. Raises ProcessingElsewhere while
    another invocation holds the dataset (Lambda retries the event)."""
    parsed = parse_upload_key(key)
    if parsed is None:
        log.info('object is not an upload; ignored', extra={'key_kind': _kind(key)})
        return 'ignored'
    user_id, dataset_id, role, ext = parsed
    where = {'user_id': user_id, 'dataset_id': dataset_id, 'role': role}
    dataset = deps.datasets.get(user_id, dataset_id)
    declared = ((dataset or {}).get('files') or {}).get(role)
    if not declared or declared.get('key') != key:
        log.warning('upload the dataset did not ask for; ignored', extra=where)
        return 'ignored'
    if dataset['status'] == AWAITING_UPLOAD:
        outcome = _record_arrival(deps, dataset, role, ext, declared, where)
        if outcome:
            return outcome
    elif dataset['status'] != PROCESSING:
        log.info('dataset already %s; late or duplicate event ignored', dataset['status'], extra=where)
        return 'duplicate'
    owner = secrets.token_hex(8)
    claimed = deps.datasets.processing.claim(user_id, dataset_id, owner, deps.clock())
    if claimed is None:
        current = deps.datasets.get(user_id, dataset_id)
        if current and current['status'] == PROCESSING:
            log.info('another invocation holds the dataset; the event will be retried', extra=where)
            raise ProcessingElsewhere(dataset_id)
        log.info('dataset processed meanwhile; event ignored', extra=where)
        return 'duplicate'
    with Heartbeat(lambda: deps.datasets.processing.renew(user_id, dataset_id, owner, deps.clock()),
                   HEARTBEAT_SECONDS, where, deps.heartbeat_wait) as heartbeat:
        status, fields = _validate(deps, claimed)
        if status == READY and 'tpr' in fields['files']:
            status, fields = _join_tpr(deps, dict(claimed, files=fields['files']), fields)
    if heartbeat.lost:
        log.info('lease lost: another invocation took the dataset over; result dropped', extra=where)
        return 'duplicate'
    return _end(deps, user_id, dataset_id, PROCESSING, status, fields, owner)


def _freeze(deps, dataset):
    """The dataset with each file's `processed_key`: a copy of the upload that processing
    and every later reader use. The presigned POST stays valid for minutes after READY,
    and a late upload replaces the raw object, never what was checked. A failed copy
    removes those made before it, so nothing half-written stays."""
    user_id, dataset_id = dataset['user_id'], dataset['dataset_id']
    files = {}
    try:
        for role, f in dataset['files'].items():
            files[role] = dict(f, processed_key=deps.objects.freeze(user_id, dataset_id, f['key']))
    except Exception:
        if files:
            deps.objects.delete_files(user_id, 'datasets', dataset_id, [
                ('processed', f['processed_key'].rsplit('/', 1)[-1]) for f in files.values()])
        raise
    return dict(dataset, files=files)


def _join_tpr(deps, dataset, fields):
    """A facility export makes its ward TPR a variable before the dataset is READY, so
    READY always carries it; a failure is said in the dataset's warnings (or errors)."""
    try:
        status, fields = tpr.after_upload(dataset['user_id'], dataset, fields, deps)
    except Exception:
        log.exception('ward TPR not joined', extra={'user_id': dataset['user_id'],
                                                    'dataset_id': dataset['dataset_id']})
        status, fields = tpr.failed(dataset, fields, _error(
            'unreadable', TPR_UNREADABLE, dataset['files']['tpr']['filename']))
    return status, dict(fields, files=dataset['files'],
                        errors=[_bounded(e) for e in fields.get('errors') or ()])


def _record_arrival(deps, dataset, role, ext, declared, where):
    """Check the arrived file and mark it uploaded; None once every file is there,
    otherwise what happened."""
    user_id, dataset_id = dataset['user_id'], dataset['dataset_id']
    size = deps.objects.upload_size(user_id, dataset_id, role, ext)
    if size is None:
        log.warning('uploaded object is gone; ignored', extra=where)
        return 'ignored'
    problem = size_problem(declared, size, deps.max_bytes)
    if problem:
        return _end(deps, user_id, dataset_id, AWAITING_UPLOAD, INVALID, {'errors': [problem]})
    dataset = deps.datasets.mark_uploaded(user_id, dataset_id, role, size)
    if dataset is None:
        log.info('dataset no longer awaits files; event ignored', extra=where)
        return 'duplicate'
    missing = sorted(r for r, f in dataset['files'].items() if not f.get('uploaded'))
    if missing:
        log.info('waiting for %s', ', '.join(missing), extra=where)
        return 'waiting'
    return None


def size_problem(declared, size, max_bytes):
    """The error for an object whose real size breaks the declaration or the limit, or None."""
    name = declared.get('filename')
    if size == 0:
        return _error('empty_file', f'{name} is empty. Upload the file again; if it is empty '
                      'on your computer too, export it again from where it came from.', name)
    limit = min(int(declared.get('size') or max_bytes), max_bytes)
    if size > limit:
        return _error('too_large', f'{name} is {size} bytes, more than the {limit} bytes declared '
                      f'or allowed (at most {max_bytes}). Create a new dataset that declares the '
                      'real size, or make the file smaller.', name)
    return None


def reading_limits(max_bytes):
    """What reading an upload may take: the configured size, archives inflating to at most
    UNCOMPRESSED_FACTOR times it, and the engine's own bounds on rows, columns and shapefiles
    (analysis.Limits), which keep validating the largest upload under 500 MB (`make bench`)."""
    from chalicelib.analysis import Limits
    return Limits(max_bytes=max_bytes, max_uncompressed_bytes=max_bytes * UNCOMPRESSED_FACTOR)


def _validate(deps, dataset):
    """READY with the summary, or INVALID with the errors: the engine reads the files,
    frozen first; either way `files` are the dataset's files (with their copies' keys)."""
    from chalicelib.analysis import prepare_dataset
    from chalicelib.analysis.errors import DataError
    user_id, dataset_id = dataset['user_id'], dataset['dataset_id']
    try:
        dataset = _freeze(deps, dataset)
    except Exception:
        log.exception('dataset files could not be copied', extra={'user_id': user_id, 'dataset_id': dataset_id})
        return INVALID, {'errors': [_error('not_stored', NOT_STORED)], 'files': dataset['files']}
    try:
        files = {role: (f['filename'], deps.objects.read_upload(user_id, f))
                 for role, f in dataset['files'].items() if role in ENGINE_ROLES}
        prepared = prepare_dataset(files, reading_limits(deps.max_bytes))
        stored = deps.objects.put_files(user_id, 'datasets', dataset_id, {
            ('canonical', name): (body, content_type(name)) for name, body in prepared.to_canonical().items()})
        canonical = {parts[-1]: key for parts, key in stored.items()}
    except DataError as error:
        log.info('dataset refused: %s', error.code, extra={'user_id': user_id, 'dataset_id': dataset_id})
        return INVALID, {'errors': [_bounded(error.to_dict())], 'files': dataset['files']}
    except Exception:
        log.exception('dataset could not be processed',
                      extra={'user_id': user_id, 'dataset_id': dataset_id})
        return INVALID, {'errors': [_error('unreadable', UNREADABLE)], 'files': dataset['files']}
    return READY, {'summary': prepared.summary, 'warnings': list(prepared.warnings),
                   'canonical': canonical, 'errors': [], 'files': dataset['files']}


def _end(deps, user_id, dataset_id, expected, status, fields, owner=None):
    """Move the dataset to its final status (from PROCESSING only while `owner` holds the
    lease); a dataset deleted meanwhile loses its leftovers."""
    where = {'user_id': user_id, 'dataset_id': dataset_id}
    try:
        if owner is None:
            deps.datasets.transition(user_id, dataset_id, expected, status, **fields)
        else:
            if deps.datasets.processing.hold(user_id, dataset_id, owner, status=status, **fields) is None:
                raise StaleTransition(f'dataset {dataset_id} is no longer processed by this invocation')
    except StaleTransition:
        log.info('dataset changed while it was processed; result dropped', extra=where)
        if deps.datasets.get(user_id, dataset_id) is None:
            deps.objects.delete_prefix(user_id, 'datasets', dataset_id)
        return 'duplicate'
    except Exception:
        if status != READY:
            raise
        log.exception('dataset summary could not be stored', extra=where)
        return _end(deps, user_id, dataset_id, expected, INVALID,
                    {'errors': [_error('unreadable', UNREADABLE)]}, owner)
    log.info('dataset %s', status, extra=where)
    # Every connection of the owner hears the end, so the web app need not wait for its poll (a failed
    # push never raises: Lambda would retry an upload that is done).
    deps.sender.broadcast(user_id, dataset_message(dataset_id, status))
    return status


def _error(code, message, file=None, row=None, column=None):
    return {'code': code, 'message': message, 'file': file, 'row': row, 'column': column}


def _bounded(error):
    """The error with every text cut to a readable length: a message may quote a
    user's cell, and a 1 MB ward name must not make the item unstorable."""
    return {key: (value[:MAX_TEXT] + '...' if isinstance(value, str) and len(value) > MAX_TEXT
                  else value) for key, value in error.items()}


def _kind(key):
    """What kind of key it is (for logs) without echoing user-chosen parts of it."""
    parts = key.split('/')
    return '/'.join(parts[2:3] + parts[4:5]) if len(parts) > 4 and parts[0] == 'users' else 'other'
