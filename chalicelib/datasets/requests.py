"""Dataset requests: create one with presigned uploads, renew the uploads of files still missing, list,
read, delete with its files."""
import posixpath

from chalicelib.datasets import EXTENSIONS
from chalicelib.errors import BadRequest, Conflict, TooLarge
from chalicelib.requests import find, page, parse
from chalicelib.storage.base import new_id, now_iso
from chalicelib.storage.datasets import AWAITING_UPLOAD, READY
from chalicelib.storage.objects import content_type, upload_key

REQUIRED_ROLES = ('boundaries',)
# The wards' values: ward data, or a facility export whose ward TPR is used alone with the boundaries.
WARD_VALUE_ROLES = ('data', 'tpr')
PUBLIC_FIELDS = ('dataset_id', 'name', 'status', 'errors', 'warnings', 'created_at', 'updated_at')


def missing_roles(roles):
    """The file roles a dataset of these `roles` lacks ('data' standing for ward values: a data
    file or a tpr facility export); empty when they make a dataset."""
    missing = [role for role in REQUIRED_ROLES if role not in roles]
    if set(roles).isdisjoint(WARD_VALUE_ROLES):
        missing.insert(0, 'data')
    return missing


def _check_files(files, max_bytes):
    """The extension of each file, after the rules a person can fix in the request."""
    seen = set()
    extensions = []
    for i, f in enumerate(files):
        if f.role in seen:
            raise BadRequest(f'files[{i}].role: only one {f.role} file per dataset',
                             {'field': f'files[{i}].role'})
        seen.add(f.role)
        ext = posixpath.splitext(f.filename.lower())[1]
        if ext not in EXTENSIONS[f.role]:
            raise BadRequest(
                f'files[{i}].filename: {f.filename!r} is not a {f.role} file; '
                f'use one of {", ".join(EXTENSIONS[f.role])}', {'field': f'files[{i}].filename'})
        if f.size > max_bytes:
            raise TooLarge(
                f'{f.filename} is {f.size} bytes; the limit is {max_bytes} bytes '
                f'({max_bytes // (1024 * 1024)} MB)',
                {'field': f'files[{i}].size', 'filename': f.filename, 'limit': max_bytes})
        extensions.append(ext)
    return extensions


def _presign(user_id, dataset_id, files, extensions, deps):
    """One presigned POST per file, to the dataset's key for its role and extension."""
    return [deps.objects.presigned_upload(user_id, dataset_id, f.role, ext, f.size, content_type(ext))
            for f, ext in zip(files, extensions)]


def _awaiting(dataset_id, files, posts):
    """The answer that says where to send each file."""
    return {'dataset_id': dataset_id, 'status': AWAITING_UPLOAD,
            'uploads': [{'role': f.role, 'url': p['url'], 'fields': p['fields'], 'expires_at': p['expires_at']}
                        for f, p in zip(files, posts)]}


def create(user_id, body, deps):
    """A new AWAITING_UPLOAD dataset and one presigned POST per file."""
    from chalicelib.datasets.models import CreateDataset
    request = parse(CreateDataset, body)
    extensions = _check_files(request.files, deps.max_bytes)
    missing = missing_roles([f.role for f in request.files])
    if missing:
        raise BadRequest(f'files: a dataset needs a {" and a ".join(missing)} file (a tpr facility export '
                         'can stand in for the data file)', {'field': 'files', 'missing': missing})
    dataset_id = new_id('ds')
    posts = _presign(user_id, dataset_id, request.files, extensions, deps)
    now = now_iso()
    deps.datasets.put_new(user_id, {
        'dataset_id': dataset_id, 'name': request.name, 'status': AWAITING_UPLOAD,
        'files': {f.role: {'filename': f.filename, 'key': p['key'], 'size': f.size,
                           'content_type': content_type(ext), 'uploaded': False}
                  for f, ext, p in zip(request.files, extensions, posts)},
        'errors': [], 'warnings': [], 'created_at': now, 'updated_at': now})
    return _awaiting(dataset_id, request.files, posts)


def renew_uploads(user_id, dataset_id, body, deps):
    """New presigned POSTs for files of an AWAITING_UPLOAD dataset that have not arrived, to the
    keys it already has: an expired or failed upload sends again only what is missing, on the
    same dataset. The declared filename and size become the ones given now."""
    from chalicelib.datasets.models import RenewUploads
    request = parse(RenewUploads, body)
    dataset = find(deps.datasets, user_id, dataset_id, 'dataset')
    extensions = _check_files(request.files, deps.max_bytes)
    for i, (f, ext) in enumerate(zip(request.files, extensions)):
        declared = dataset['files'].get(f.role)
        if declared is None:
            raise BadRequest(f'files[{i}].role: dataset {dataset_id} has no {f.role} file; create a new '
                             'dataset to add one', {'field': f'files[{i}].role'})
        if declared['key'] != upload_key(user_id, dataset_id, f.role, ext):
            raise BadRequest(f'files[{i}].filename: {f.filename!r} is not the kind of file dataset {dataset_id} '
                             f'was created with ({declared["filename"]!r}); choose that kind of file, or create a '
                             'new dataset for a different kind of file', {'field': f'files[{i}].filename'})
    roles = [f.role for f in request.files]
    refusal = _not_awaiting(dataset, roles)
    if refusal:
        raise refusal
    posts = _presign(user_id, dataset_id, request.files, extensions, deps)
    if deps.datasets.redeclare(user_id, dataset_id, {f.role: (f.filename, f.size) for f in request.files}) is None:
        # A late upload arrived (or the dataset moved on, or went) between the read and the write.
        raise _not_awaiting(find(deps.datasets, user_id, dataset_id, 'dataset'), roles) or Conflict(
            f'dataset {dataset_id} changed meanwhile; reload it')
    return _awaiting(dataset_id, request.files, posts)


def _not_awaiting(dataset, roles):
    """The 409 for a dataset that takes no new links for `roles`: it no longer awaits files, or
    one of them arrived; None when it takes them."""
    dataset_id, status = dataset['dataset_id'], dataset['status']
    if status != AWAITING_UPLOAD:
        return Conflict(f'dataset {dataset_id} is {status}, no longer waiting for files; create a new dataset '
                        'to send files again', {'dataset_id': dataset_id, 'status': status})
    arrived = [role for role in roles if dataset['files'][role].get('uploaded')]
    if arrived:
        return Conflict(f'the {" and ".join(arrived)} file of dataset {dataset_id} arrived already; send only '
                        'the files still missing', {'dataset_id': dataset_id, 'arrived': arrived})
    return None


# Where a ward TPR's files are stored: not the caller's business.
TPR_STORAGE_FIELDS = frozenset({'base', 'key', 'series_key'})


def view(item):
    """A Datasets item as the API shows it (no storage keys)."""
    shown = {name: item.get(name) for name in PUBLIC_FIELDS}
    shown['errors'] = shown['errors'] or []
    shown['warnings'] = shown['warnings'] or []
    shown['files'] = {role: {'filename': f['filename'], 'size': f['size'],
                             'uploaded': f.get('uploaded', False)}
                      for role, f in (item.get('files') or {}).items()}
    if item.get('status') == READY:
        shown['summary'] = item.get('summary')
    if item.get('tpr'):
        shown['tpr'] = {k: v for k, v in item['tpr'].items() if k not in TPR_STORAGE_FIELDS}
    return shown


def get(user_id, dataset_id, deps):
    return view(find(deps.datasets, user_id, dataset_id, 'dataset'))


def list_page(user_id, query, deps):
    return page(deps.datasets, user_id, query, view)


def delete(user_id, dataset_id, deps):
    """Remove the dataset's files, then the item (a retry finishes a half-done delete)."""
    find(deps.datasets, user_id, dataset_id, 'dataset')
    deps.objects.delete_prefix(user_id, 'datasets', dataset_id)
    deps.datasets.delete(user_id, dataset_id)
