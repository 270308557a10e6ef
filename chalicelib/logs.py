"""Structured JSON logs that carry the request id and never a secret.

Every record is one JSON object. The request id of the current invocation is
kept in a context variable (per thread / per task, never shared between
requests). A final scrub, over the fields before they become text, removes
tokens, passwords and presigned URL signatures from whatever a caller logged by
mistake.
"""
import contextvars
import json
import logging
import re
import sys
import time

REQUEST_ID = contextvars.ContextVar('request_id', default='-')

# Fields whose value is a secret whatever it looks like (presigned POST fields,
# credentials, headers), matched on the lower-cased key.
_SECRET_KEYS = re.compile(r'password|passwd|secret|token|authorization|credential|signature|'
                          r'^policy$|^x-amz-security-token$')

# Secrets inside free text: JWTs (three base64url parts, the first starting with
# eyJ), bearer values, presigned query strings, and password-like key/value pairs
# (quoted with ", ' or an escaped \").
_SECRET_PATTERNS = (
    (re.compile(r'eyJ[\w-]+\.[\w-]+\.[\w-]*'), '[token]'),
    (re.compile(r'(?i)\b(Bearer\s+)\S+'), r'\1[redacted]'),
    (re.compile(r'(?i)(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"\']+'), r'\1[redacted]'),
    (re.compile(r'(?i)(\b(?:Signature|AWSAccessKeyId)=)[^&\s"\']+'), r'\1[redacted]'),
    (re.compile(r'(?i)((?:password|passwd|secret|x-amz-signature|policy)\\?["\']?\s*[:=]\s*\\?)'
                r'(?:"[^"\\]*"|\'[^\']*\'|[^,\s}]+)'), r'\1"[redacted]"'),
)

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {'message', 'asctime'}


def scrub(value):
    """`value` (text, or a structure of dicts, lists and text) with every secret replaced.

    Keys that name a secret lose their value outright; text anywhere is searched
    for tokens, signatures and password pairs.
    """
    if isinstance(value, dict):
        return {key: '[redacted]' if _SECRET_KEYS.search(str(key).lower()) else scrub(item)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    if not isinstance(value, str):
        return value
    for pattern, replacement in _SECRET_PATTERNS:
        value = pattern.sub(replacement, value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            'time': time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(record.created))
                    + f'.{int(record.msecs):03d}Z',
            'level': record.levelname,
            'logger': record.name,
            'request_id': REQUEST_ID.get(),
            'message': record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith('_'):
                entry[key] = value
        if record.exc_info:
            entry['error'] = self.formatException(record.exc_info)
        return json.dumps(scrub(entry), default=lambda value: scrub(str(value)))


def configure(logger, level='INFO'):
    """Send `logger` to stdout as JSON at `level` (Chalice's app.log is ERROR otherwise)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    return logger


def bind_request_id(request_id):
    """Make `request_id` the id of every record logged in this context."""
    return REQUEST_ID.set(request_id or '-')
