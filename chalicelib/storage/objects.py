"""The data bucket: every key is built here, under `uploads/{user_id}/` or `users/{user_id}/`.

Raw uploads live apart, under `uploads/{user_id}/{dataset_id}/`, so that the S3
notification's prefix filter (UPLOAD_PREFIX) selects them alone: nothing the
service writes itself invokes the upload function. Everything else is under
`users/{user_id}/{kind}/{item_id}/`.

The client never chooses a bucket or a key: uploads are presigned POSTs for one
exact server-chosen key, downloads presigned GETs that expire in minutes.
"""
import re
import time
from types import MappingProxyType

from chalicelib import aws

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
# The content type of every object the bucket holds, by extension: uploads and what the service writes.
CONTENT_TYPES = MappingProxyType({
    '.csv': 'text/csv; charset=utf-8', '.xlsx': XLSX, '.zip': 'application/zip',
    '.geojson': 'application/geo+json', '.json': 'application/json', '.html': 'text/html; charset=utf-8',
    '.topojson': 'application/json'})
# Stored gzip-compressed with `Content-Encoding: gzip`, which browsers (and S3 and CloudFront, passing
# it on) undo transparently: the web map's data, fetched on slow links. Downloads for GIS tools stay
# plain, since not every client undoes an encoding it did not ask for.
GZIP_EXTENSIONS = ('.topojson',)
UPLOAD_EXPIRY_SECONDS = 15 * 60
DOWNLOAD_EXPIRY_SECONDS = 5 * 60
UPLOAD_PREFIX = 'uploads/'
USER_PREFIX = 'users/'
# S3 requests one call of put_files or get_objects keeps in flight: a stage's files are written and
# read together, not one round trip after another.
IN_FLIGHT = 8

_ID = r'[A-Za-z0-9_-]+'
_UPLOAD_KEY = re.compile(
    rf'^{UPLOAD_PREFIX}(?P<user_id>{_ID})/(?P<dataset_id>{_ID})/(?P<role>[a-z]+)(?P<ext>\.[a-z]+)$')
_SAFE_PART = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$')


def _ids(*values):
    for value in values:
        if not re.fullmatch(_ID, value or ''):
            raise ValueError(f'not an id: {value!r}')


def _safe(parts):
    """`parts`, once none of them can leave its folder."""
    for part in parts:
        if not _SAFE_PART.match(part) or '..' in part:
            raise ValueError(f'not a safe key part: {part!r}')
    return parts


def object_key(user_id, kind, item_id, *parts):
    """`users/{user_id}/{kind}/{item_id}/{parts...}`: the only way a service-written key is made."""
    _ids(user_id, item_id)
    if kind not in ('datasets', 'analyses', 'conversations'):
        raise ValueError(f'unknown object kind {kind!r}')
    return USER_PREFIX + '/'.join((user_id, kind, item_id) + _safe(parts))


def _upload_folder(user_id, dataset_id):
    _ids(user_id, dataset_id)
    return f'{UPLOAD_PREFIX}{user_id}/{dataset_id}/'


def upload_key(user_id, dataset_id, role, ext):
    """`uploads/{user_id}/{dataset_id}/{role}{ext}`: where the browser's presigned POST puts a file."""
    return _upload_folder(user_id, dataset_id) + _safe((f'{role}{ext}',))[0]


def parse_upload_key(key):
    """`(user_id, dataset_id, role, ext)` of an upload key, or None for any other key."""
    match = _UPLOAD_KEY.match(key)
    return match.group('user_id', 'dataset_id', 'role', 'ext') if match else None


def item_folders(user_id, kind, item_id):
    """The folders holding every object of one dataset (its uploads too), analysis or conversation."""
    folders = [object_key(user_id, kind, item_id) + '/']
    return folders + [_upload_folder(user_id, item_id)] if kind == 'datasets' else folders


def content_type(name):
    """The content type of a file by its extension (application/octet-stream when unknown)."""
    return next((ctype for ext, ctype in CONTENT_TYPES.items() if name.lower().endswith(ext)),
                'application/octet-stream')


def content_encoding(name):
    """'gzip' for a file stored compressed (GZIP_EXTENSIONS), else None."""
    return 'gzip' if name.lower().endswith(GZIP_EXTENSIONS) else None


def signing_client(region):
    """An S3 client that signs with SigV4, as presigned POST conditions need."""
    return aws.client('s3', region, signature_version='s3v4')


class Objects:
    def __init__(self, bucket, client):
        self.bucket = bucket
        self._client = client

    def presigned_upload(self, user_id, dataset_id, role, ext, size, content_type):
        """A presigned POST for exactly this key, at most `size` bytes, this content type."""
        key = upload_key(user_id, dataset_id, role, ext)
        post = self._client.generate_presigned_post(
            Bucket=self.bucket, Key=key,
            Fields={'Content-Type': content_type},
            Conditions=[{'Content-Type': content_type}, ['content-length-range', 1, size]],
            ExpiresIn=UPLOAD_EXPIRY_SECONDS)
        return {'key': key, 'url': post['url'], 'fields': post['fields'],
                'expires_at': _expiry(UPLOAD_EXPIRY_SECONDS)}

    def presigned_download(self, user_id, key, filename):
        """A presigned GET for one of the caller's objects; the key must be under its prefix."""
        _own(user_id, key)
        url = self._client.generate_presigned_url(
            'get_object', ExpiresIn=DOWNLOAD_EXPIRY_SECONDS,
            Params={'Bucket': self.bucket, 'Key': key,
                    'ResponseContentDisposition': f'attachment; filename="{filename}"'})
        return {'url': url, 'expires_at': _expiry(DOWNLOAD_EXPIRY_SECONDS)}

    def upload_size(self, user_id, dataset_id, role, ext):
        """The stored size of an upload in bytes, or None when the object is gone."""
        try:
            head = self._client.head_object(
                Bucket=self.bucket, Key=upload_key(user_id, dataset_id, role, ext))
        except self._client.exceptions.ClientError as error:
            if error.response.get('Error', {}).get('Code') in ('404', 'NoSuchKey', 'NotFound'):
                return None
            raise
        return head['ContentLength']

    def put_file(self, user_id, kind, item_id, parts, body, content_type):
        """Store a file the service derived under one dataset's or analysis's prefix; its key
        (for an analysis's artifact, what its item's `artifacts` records); compressed when
        its name says so (`content_encoding`)."""
        key = object_key(user_id, kind, item_id, *parts)
        encoding = content_encoding(parts[-1])
        extra = {'ContentEncoding': encoding} if encoding else {}
        if encoding:
            import gzip   # the workers' map data only: not on the REST cold path
            body = gzip.compress(body, mtime=0)
        self._client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                ContentType=content_type, ServerSideEncryption='AES256', **extra)
        return key

    def put_files(self, user_id, kind, item_id, files):
        """put_file for several files at once: `{parts: (body, content type)}` -> `{parts: key}`."""
        return dict(zip(files, _together(
            lambda parts: self.put_file(user_id, kind, item_id, parts, *files[parts]), files)))

    def get_objects(self, user_id, keys):
        """get_object for several objects at once: `{name: key}` -> `{name: bytes}`."""
        return dict(zip(keys, _together(lambda name: self.get_object(user_id, keys[name]), keys)))

    def read_upload(self, user_id, upload):
        """The bytes of a dataset's file as processing checked them: its `processed/` copy,
        or the upload itself for a dataset processed before uploads were frozen."""
        return self.get_object(user_id, upload.get('processed_key') or upload['key'])

    def freeze(self, user_id, dataset_id, upload):
        """Copy an upload of the dataset to its `processed/` prefix; the copy's key."""
        if (parse_upload_key(upload) or ())[:2] != (user_id, dataset_id):
            raise PermissionError('not an upload of this dataset')
        key = object_key(user_id, 'datasets', dataset_id, 'processed', upload.rsplit('/', 1)[-1])
        self._client.copy_object(Bucket=self.bucket, Key=key, ServerSideEncryption='AES256',
                                 CopySource={'Bucket': self.bucket, 'Key': upload})
        return key

    def delete_files(self, user_id, kind, item_id, names):
        """Remove derived files (each `parts` as put_file took them) that a refused conditional
        write left without an owner, so nothing half-written stays."""
        keys = [{'Key': object_key(user_id, kind, item_id, *parts)} for parts in names]
        self._client.delete_objects(Bucket=self.bucket, Delete={'Objects': keys, 'Quiet': True})

    def get_object(self, user_id, key):
        """The bytes of one of the caller's objects (decompressed when stored with gzip)."""
        _own(user_id, key)
        stored = self._client.get_object(Bucket=self.bucket, Key=key)
        body = stored['Body'].read()
        if stored.get('ContentEncoding') != 'gzip':
            return body
        import gzip   # as in put_file
        return gzip.decompress(body)

    def delete_prefix(self, user_id, kind, item_id):
        """Delete every object of one dataset (its uploads too), analysis or conversation
        (versioning keeps the old ones)."""
        paginator = self._client.get_paginator('list_objects_v2')
        for prefix in item_folders(user_id, kind, item_id):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys = [{'Key': o['Key']} for o in page.get('Contents', [])]
                if keys:
                    self._client.delete_objects(Bucket=self.bucket, Delete={'Objects': keys, 'Quiet': True})


def _together(call, items):
    """[call(item) for item in items], up to IN_FLIGHT at a time (boto3 clients are thread-safe).
    The thread pool is imported here: only the workers write several files, not the REST cold path."""
    items = list(items)
    if len(items) < 2:
        return [call(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(min(IN_FLIGHT, len(items))) as pool:
        return list(pool.map(call, items))


def _own(user_id, key):
    """Only the caller's own uploads and service-written objects."""
    if not key.startswith((f'{UPLOAD_PREFIX}{user_id}/', f'{USER_PREFIX}{user_id}/')):
        raise PermissionError('object key outside the caller\'s prefix')


def _expiry(seconds):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + seconds))
