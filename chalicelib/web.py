"""The HTTP plumbing of the app, so that app.py stays a list of entry points.

`ServiceApp` is the Chalice app with what every entry point shares: `endpoint`
registers a route behind the Cognito authorizer, hands the view the verified
caller and one `Deps`, turns the service's errors into the contract's format and
audits the request; the `http` middleware binds the request id, reshapes
Chalice's own errors and writes the access log line; event middleware binds the
invocation's request id. Heavy modules (pandas, plotly, pyproj) are never
imported here: the lifecycle modules import them where they compute.

Every route records an `Operation` on the app (its summary and request, query and
response models), from which `python -m devstack.openapi` writes the OpenAPI document.
The models are named by reference and imported when read (`model`), so registering the
routes, and serving any that parses no body, loads no pydantic.
"""
import contextvars
import importlib
import inspect
import os
import time
import uuid
from dataclasses import dataclass
from types import MappingProxyType
from typing import Optional, Tuple

from chalice import Chalice, CognitoUserPoolAuthorizer, CORSConfig, Response
from chalice.app import BadRequestError

from chalicelib import logs
from chalicelib.accounts import audit
from chalicelib.config import settings
from chalicelib.deps import Deps
from chalicelib.errors import ApiError, BadRequest, Forbidden, Throttled, Unauthorized, error_body
from chalicelib.identity import Identity
from chalicelib.progress.sender import AwsSession

AUDITED_REFUSALS = frozenset({401, 403, 404})
THROTTLING_CODES = frozenset({'ThrottlingException', 'ProvisionedThroughputExceededException',
                              'RequestLimitExceeded', 'SlowDown', 'Throttling'})
CHALICE_ERROR_CODES = MappingProxyType({
    400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found',
    405: 'method_not_allowed', 413: 'too_large', 415: 'unsupported_media_type',
    429: 'throttled'})
# What to do about one of Chalice's own refusals, added to its message.
CHALICE_ERROR_HINTS = MappingProxyType({
    415: 'Send the body as JSON with the header "Content-Type: application/json".'})

# The Request of the invocation running in this thread: Chalice keeps one
# `app.current_request` per app object, which concurrent requests would share.
REQUEST = contextvars.ContextVar('request')


def cors_config(config):
    """The CORS configuration of the stage, for its one frontend origin.

    None when no origin is configured (same-origin only); `*` is refused in prod.
    """
    origin = config.frontend_origin
    if not origin:
        return None
    if config.stage == 'prod' and origin == '*':
        raise ValueError('ALLOWED_ORIGINS must name the frontend origin in prod, not *')
    return CORSConfig(allow_origin=origin, allow_headers=['Authorization', 'Content-Type'],
                      expose_headers=['X-Request-Id'], max_age=600)


def model(reference):
    """The pydantic model `reference` names, imported now: 'datasets.CreateDataset' is the class
    CreateDataset of chalicelib/datasets/models.py, a bare 'PageQuery' one of chalicelib/models.py;
    None names none."""
    if reference is None:
        return None
    lifecycle, _, name = reference.rpartition('.')
    module = f'chalicelib.{lifecycle}.models' if lifecycle else 'chalicelib.models'
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Operation:
    """What the API document says of one route; `errors` are the statuses its shape does not
    imply (devstack.openapi adds 400 and 415 for a body, 400 for a query, 403 for `writes`,
    404 for a path parameter, and 401, 429, 500 for any route behind the authorizer).
    Its models are references (see `model`); `response`, `request` and `query` import them."""
    name: str
    summary: str
    status: int
    response_ref: Optional[str]
    request_ref: Optional[str] = None
    query_ref: Optional[str] = None
    writes: bool = False
    errors: Tuple[int, ...] = ()
    public: bool = False
    computes: bool = False   # needs the analysis libraries: in AWS, the worker package serves it (infra/package.py)

    @property
    def response(self):
        return model(self.response_ref)

    @property
    def request(self):
        return model(self.request_ref)

    @property
    def query(self):
        return model(self.query_ref)


class ServiceApp(Chalice):
    def __init__(self, app_name):
        super().__init__(app_name=app_name)
        # The WebSocket API is still behind a feature flag in Chalice 1.x.
        self.experimental_feature_flags.update(['WEBSOCKETS'])
        logs.configure(self.log, os.environ.get('LOG_LEVEL', 'INFO'))
        self.cognito = CognitoUserPoolAuthorizer('cognito', provider_arns=[os.environ.get(
            'USER_POOL_ARN', 'arn:aws:cognito-idp:eu-west-1:000000000000:userpool/eu-west-1_local')])
        self.cors = cors_config(settings())
        self.websocket_api.session = AwsSession()
        self._operations = {}
        self.register_middleware(self._per_request, 'http')
        for event_type in ('s3', 'sqs', 'websocket'):
            self.register_middleware(_bind_invocation, event_type)

    def deps(self):
        """The dependencies of one invocation, each built on first use."""
        return Deps(settings(), self.websocket_api)

    @property
    def operations(self):
        """{(path, method): Operation} of every route, for the API document (set at import)."""
        return MappingProxyType(self._operations)

    def public(self, path, response):
        """Register a GET route anyone may call, without a token."""
        def register(view):
            self._operations[path, 'GET'] = Operation(view.__name__, _summary(view), 200, response, public=True)
            return self.route(path, cors=self.cors)(view)
        return register

    def endpoint(self, path, method='GET', action=None, resource=None, writes=False, status=200,
                 request=None, response=None, query=None, errors=(), computes=False):
        """Register `view(identity, request, deps, **path_params)` behind the Cognito authorizer.

        `writes` routes refuse viewers (403) and are always audited as `action`; any
        route's 401/403/404 is audited too. `resource` names the kind of item the
        route addresses, for the audit record. `request`, `query` and `response` name
        the models of its body, query and answer (see `model`), `errors` the other statuses it may
        answer, and the view's first docstring paragraph its summary: the API document.
        `computes` marks a route whose service runs the engine, which the API's own package
        leaves out: in AWS the same app in the worker package serves it.
        """
        def register(view):
            self._operations[path, method] = Operation(
                view.__name__, _summary(view), status, response_ref=response, request_ref=request, query_ref=query,
                writes=writes, errors=tuple(errors), computes=computes)

            def handle(**params):
                request = REQUEST.get()
                request_id = logs.REQUEST_ID.get()
                deps = self.deps()
                identity = None
                try:
                    identity = _caller(request)
                    if writes and not identity.can_write:
                        raise Forbidden(f'A {identity.role} can read but not change data.')
                    result = view(identity, request, deps, **params)
                    response = Response(body=result if status != 204 else '', status_code=status)
                except ApiError as error:
                    response = _error_response(error, request_id)
                except Exception as error:
                    self.log.exception('unhandled error', extra={'action': action})
                    response = _error_response(_unexpected(error), request_id)
                if action and (writes or response.status_code in AUDITED_REFUSALS):
                    self._audit(deps.audit, identity, request, action,
                                _resource(resource, params, response), response.status_code, request_id)
                return response

            handle.__name__ = view.__name__
            handle.__doc__ = view.__doc__
            self.route(path, methods=[method], authorizer=self.cognito, cors=self.cors)(handle)
            return view
        return register

    def _per_request(self, event, get_response):
        started = time.monotonic()
        request_id = (event.context.get('requestId')
                      or getattr(event.lambda_context, 'aws_request_id', None) or uuid.uuid4().hex)
        bound, current = logs.bind_request_id(request_id), REQUEST.set(event)
        try:
            response = _contract_errors(get_response(event), request_id)
            response.headers['X-Request-Id'] = request_id
            self.log.info('request', extra={
                'method': event.method, 'path': event.path, 'status': response.status_code,
                'user_id': _claims(event).get('sub'),
                'duration_ms': round((time.monotonic() - started) * 1000, 1)})
            return response
        finally:
            REQUEST.reset(current)
            logs.REQUEST_ID.reset(bound)

    def _audit(self, log, identity, request, action, resource, status, request_id):
        """Append the audit record; a failure is logged, never turned into the user's error."""
        try:
            audit.record(log, identity, action, resource, status, request_id,
                         (request.context.get('identity') or {}).get('sourceIp', ''))
        except Exception:
            self.log.exception('audit write failed', extra={'action': action, 'status': status})


def _summary(view):
    """The first paragraph of the view's docstring, on one line."""
    return ' '.join((inspect.getdoc(view) or '').split('\n\n')[0].split())


def json_body(request):
    """The request's JSON body; 400 for one that is not JSON (or nested past parsing)."""
    try:
        return request.json_body
    except (BadRequestError, RecursionError):
        raise BadRequest('The request body is not valid JSON.', {'field': 'body'}) from None


def _bind_invocation(event, get_response):
    logs.bind_request_id(getattr(event.context, 'aws_request_id', None))
    return get_response(event)


def _contract_errors(response, request_id):
    """Chalice's own error bodies (`{"Code", "Message"}`) in the contract's format."""
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and 'Code' in body:
        status = response.status_code
        code = CHALICE_ERROR_CODES.get(status, 'internal' if status >= 500 else 'bad_request')
        message = body.get('Message') if status < 500 else 'An internal error occurred.'
        if status in CHALICE_ERROR_HINTS:
            message = f'{message}. {CHALICE_ERROR_HINTS[status]}'
        response.body = error_body(status, code, message, {'request_id': request_id})
        response.headers['Content-Type'] = 'application/json'
    return response


def _claims(request):
    claims = (request.context.get('authorizer') or {}).get('claims')
    return claims if isinstance(claims, dict) else {}


def _caller(request):
    """The verified caller; 401 when the gateway passed a request without claims."""
    claims = _claims(request)
    if not claims.get('sub'):
        raise Unauthorized('Sign in: send your ID token as "Authorization: Bearer <token>".')
    return Identity.from_claims(claims)


def _error_response(error, request_id):
    body = error.body()
    if error.status >= 500:
        body['error']['details'] = dict(body['error']['details'], request_id=request_id)
    return Response(body=body, status_code=error.status)


def _unexpected(error):
    """AWS throttling is the caller's cue to retry (429); anything else is our fault (500)."""
    code = (getattr(error, 'response', None) or {}).get('Error', {}).get('Code')
    if code in THROTTLING_CODES:
        return Throttled('The service is busy; try again in a few seconds.')
    return ApiError('An internal error occurred.')


def _resource(kind, params, response):
    if not kind:
        return ''
    item_id = params.get(f'{kind}_id')
    if item_id is None and isinstance(response.body, dict):
        item_id = response.body.get(f'{kind}_id')
    return f'{kind}/{item_id}' if item_id else kind
