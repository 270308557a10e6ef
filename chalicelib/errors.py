"""The error format of the API contract, as exceptions services can raise.

`{"error": {"code", "message", "details"}}` with the matching status. Services
raise these; app.py turns them into responses, so a user's mistake is never a 500.
The body's model (documentation and the tests' oracle) is chalicelib.models.Error.
"""
# Every code an error body can carry: the ApiErrors below and Chalice's own refusals (web.py).
CODES = ('bad_request', 'unauthorized', 'forbidden', 'not_found', 'method_not_allowed', 'conflict',
         'too_large', 'unsupported_media_type', 'invalid_data', 'throttled', 'internal')


class ApiError(Exception):
    status = 500
    code = 'internal'

    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def body(self):
        return error_body(self.status, self.code, self.message, self.details)


class BadRequest(ApiError):
    status, code = 400, 'bad_request'


class Unauthorized(ApiError):
    status, code = 401, 'unauthorized'


class Forbidden(ApiError):
    status, code = 403, 'forbidden'


class NotFound(ApiError):
    status, code = 404, 'not_found'


class Conflict(ApiError):
    status, code = 409, 'conflict'


class TooLarge(ApiError):
    status, code = 413, 'too_large'


class InvalidData(ApiError):
    status, code = 422, 'invalid_data'


class Throttled(ApiError):
    status, code = 429, 'throttled'


def error_body(status, code, message, details=None):
    """The contract's error body for errors raised outside a service (auth, routing)."""
    return {'error': {'code': code, 'message': message, 'details': details or {}}}

