"""Structured JSON logs that carry the request id and never a secret.

Every record is one JSON object. The request id of the current invocation is
kept in a context variable (per thread / per task, never shared between
requests). A final scrub removes tokens, passwords and presigned URL signatures
from whatever a caller logged by mistake.
"""
import contextvars
import json
import logging
import re
import sys
import time

REQUEST_ID = contextvars.ContextVar('request_id', default='-')

# JWTs (three base64url parts, the first starting with eyJ), presigned query
# strings, and password-like key/value pairs.
_SECRET_PATTERNS = (
    (re.compile(r'eyJ[\w-]+\.[\w-]+\.[\w-]*'), '[token]'),
    (re.compile(r'(?i)(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"\']+'), r'\1[redacted]'),
    (re.compile(r'(?i)(Signature=|AWSAccessKeyId=|x-amz-signature["\']?\s*[:=]\s*["\']?)[^&\s"\']+'), r'\1[redacted]'),
    (re.compile(r'(?i)("?(?:password|passwd|secret|authorization|token|policy)"?\s*[:=]\s*"?)[^",\s}]+'), r'\1[redacted]'),
)

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {'message', 'asctime'}


def scrub(text):
    """Text with every token, password and signature replaced by a marker."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


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
        return scrub(json.dumps(entry, default=str))


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
