"""ChatMRPT: every entry point AWS invokes, declared as Chalice decorators.

Handlers stay thin: take the identity from the verified claims, call one service
function, shape the response. Heavy modules (pandas, plotly, pyproj) are never
imported here; the services import them where they compute.

One mechanism shapes every answer: `endpoint` registers a route and turns the
service's errors into the contract's format and audits it; the `http`
middleware binds the request id, reshapes Chalice's own errors and writes the
access log line.
"""
import contextvars
import json
import os
import pathlib
import time
import uuid
from types import MappingProxyType

from chalice import Chalice, CognitoUserPoolAuthorizer, CORSConfig, Response
from chalice.app import BadRequestError

from chalicelib import logs
from chalicelib.config import settings
from chalicelib.errors import (ApiError, BadRequest, Forbidden, Throttled, Unauthorized,
                               error_body)
from chalicelib.identity import Identity
from chalicelib.services import analyses, audit, datasets, profiles, programme
from chalicelib.services.wiring import stores

VERSION = '0.1.0'
OPENAPI = pathlib.Path(__file__).resolve().parent / 'chalicelib' / 'openapi.json'
AUDITED_REFUSALS = frozenset({401, 403, 404})
THROTTLING_CODES = frozenset({'ThrottlingException', 'ProvisionedThroughputExceededException',
                              'RequestLimitExceeded', 'SlowDown', 'Throttling'})
CHALICE_ERROR_CODES = MappingProxyType({
    400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found',
    405: 'method_not_allowed', 413: 'too_large', 415: 'unsupported_media_type',
    429: 'throttled'})
# What a client does about Chalice's own refusals, added to its message.
CHALICE_ERROR_HINTS = MappingProxyType({
    415: 'Send the body as JSON with the header "Content-Type: application/json".'})

app = Chalice(app_name='chatmrpt')
# The WebSocket API is still behind a feature flag in Chalice 1.x.
app.experimental_feature_flags.update(['WEBSOCKETS'])
logs.configure(app.log, os.environ.get('LOG_LEVEL', 'INFO'))

cognito = CognitoUserPoolAuthorizer(
    'cognito',
    provider_arns=[os.environ.get(
        'USER_POOL_ARN', 'arn:aws:cognito-idp:eu-west-1:000000000000:userpool/eu-west-1_local')])

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


CORS = cors_config(settings())


@app.middleware('http')
def per_request(event, get_response):
    started = time.monotonic()
    request_id = (event.context.get('requestId')
                  or getattr(event.lambda_context, 'aws_request_id', None) or uuid.uuid4().hex)
    bound, current = logs.bind_request_id(request_id), REQUEST.set(event)
    try:
        response = _contract_errors(get_response(event), request_id)
        response.headers['X-Request-Id'] = request_id
        app.log.info('request', extra={
            'method': event.method, 'path': event.path, 'status': response.status_code,
            'user_id': _claims(event).get('sub'),
            'duration_ms': round((time.monotonic() - started) * 1000, 1)})
        return response
    finally:
        REQUEST.reset(current)
        logs.REQUEST_ID.reset(bound)


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


def json_body(request):
    """The request's JSON body; 400 for one that is not JSON (or nested past parsing)."""
    try:
        return request.json_body
    except (BadRequestError, RecursionError):
        raise BadRequest('The request body is not valid JSON.', {'field': 'body'}) from None


def endpoint(path, method='GET', action=None, resource=None, writes=False, status=200):
    """Register `view(identity, request, data, **path_params)` behind the Cognito authorizer.

    `data` is this request's Stores.
    `writes` routes refuse viewers (403) and are always audited as `action`; any
    route's 401/403/404 is audited too. `resource` names the kind of item the
    route addresses, for the audit record.
    """
    def register(view):
        def handle(**params):
            request = REQUEST.get()
            request_id = logs.REQUEST_ID.get()
            data = stores(settings())
            identity = None
            try:
                identity = _caller(request)
                if writes and not identity.can_write:
                    raise Forbidden(f'A {identity.role} can read but not change data.')
                result = view(identity, request, data, **params)
                response = Response(body=result if status != 204 else '', status_code=status)
            except ApiError as error:
                response = _error_response(error, request_id)
            except Exception as error:
                app.log.exception('unhandled error', extra={'action': action})
                response = _error_response(_unexpected(error), request_id)
            if action and (writes or response.status_code in AUDITED_REFUSALS):
                _audit(data.audit, identity, request, action,
                       _resource(resource, params, response), response.status_code, request_id)
            return response

        handle.__name__ = view.__name__
        handle.__doc__ = view.__doc__
        app.route(path, methods=[method], authorizer=cognito, cors=CORS)(handle)
        return view
    return register


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


def _audit(log, identity, request, action, resource, status, request_id):
    """Append the audit record; a failure is logged, never turned into the user's error."""
    try:
        audit.record(log, identity, action, resource, status, request_id,
                     (request.context.get('identity') or {}).get('sourceIp', ''))
    except Exception:
        app.log.exception('audit write failed', extra={'action': action, 'status': status})


# -- public --------------------------------------------------------------------

@app.route('/health', cors=CORS)
def health():
    return {'status': 'ok', 'version': VERSION}


@app.route('/openapi.json', cors=CORS)
def openapi():
    """The API description; read per request (small, and not user data)."""
    return json.loads(OPENAPI.read_text())


# -- the caller ----------------------------------------------------------------

@endpoint('/me', action='me.get')
def me(identity, request, data):
    return profiles.me(identity, data.users)


@endpoint('/audit', action='audit.read')
def read_audit(identity, request, data):
    return audit.read(identity, request.query_params, data.audit)


# -- datasets ------------------------------------------------------------------

@endpoint('/datasets', 'POST', 'datasets.create', 'dataset', writes=True, status=201)
def create_dataset(identity, request, data):
    return datasets.create(identity.user_id, json_body(request), data.datasets, data.objects,
                           settings().max_upload_bytes)


@endpoint('/datasets', action='datasets.list')
def list_datasets(identity, request, data):
    return datasets.list_page(identity.user_id, request.query_params, data.datasets)


@endpoint('/datasets/{dataset_id}', action='datasets.get', resource='dataset')
def get_dataset(identity, request, data, dataset_id):
    return datasets.get(identity.user_id, dataset_id, data.datasets)


@endpoint('/datasets/{dataset_id}', 'DELETE', 'datasets.delete', 'dataset', writes=True,
          status=204)
def delete_dataset(identity, request, data, dataset_id):
    datasets.delete(identity.user_id, dataset_id, data.datasets, data.objects)


@endpoint('/datasets/{dataset_id}/tpr', 'POST', 'datasets.tpr', 'dataset', writes=True)
def compute_tpr(identity, request, data, dataset_id):
    return programme.compute_tpr(identity.user_id, dataset_id, json_body(request),
                                 programme.ProgrammeDeps.from_stores(data, settings()))


# -- analyses ------------------------------------------------------------------

@endpoint('/analyses', 'POST', 'analyses.create', 'analysis', writes=True, status=202)
def create_analysis(identity, request, data):
    return analyses.create(identity.user_id, json_body(request), data.datasets, data.analyses,
                           data.jobs, data.objects)


@endpoint('/analyses', action='analyses.list')
def list_analyses(identity, request, data):
    return analyses.list_page(identity.user_id, request.query_params, data.analyses)


@endpoint('/analyses/{analysis_id}', action='analyses.get', resource='analysis')
def get_analysis(identity, request, data, analysis_id):
    return analyses.get(identity.user_id, analysis_id, data.analyses)


@endpoint('/analyses/{analysis_id}/rankings', action='analyses.rankings', resource='analysis')
def analysis_rankings(identity, request, data, analysis_id):
    return analyses.rankings(identity.user_id, analysis_id, request.query_params, data.analyses,
                             data.objects)


@endpoint('/analyses/{analysis_id}/artifacts/{name}', action='analyses.artifact',
          resource='analysis')
def analysis_artifact(identity, request, data, analysis_id, name):
    return analyses.artifact(identity.user_id, analysis_id, name, data.analyses, data.objects)


@endpoint('/analyses/{analysis_id}', 'DELETE', 'analyses.delete', 'analysis', writes=True,
          status=204)
def delete_analysis(identity, request, data, analysis_id):
    analyses.delete(identity.user_id, analysis_id, data.analyses, data.objects)


@endpoint('/analyses/{analysis_id}/itn-plans', 'POST', 'analyses.itn_plan', 'analysis', writes=True,
          status=201)
def create_itn_plan(identity, request, data, analysis_id):
    return programme.create_itn_plan(identity.user_id, analysis_id, json_body(request),
                                     programme.ProgrammeDeps.from_stores(data, settings()))


@endpoint('/analyses/{analysis_id}/itn-plans', action='analyses.itn_plans', resource='analysis')
def list_itn_plans(identity, request, data, analysis_id):
    return programme.list_itn_plans(identity.user_id, analysis_id, data.analyses)


# -- Cognito triggers ----------------------------------------------------------

@app.lambda_function(name='pre_signup')
def pre_signup(event, context):
    config = settings()
    return profiles.check_signup(event, config.allowed_email_domains,
                                 config.allowed_organizations)


@app.lambda_function(name='post_confirmation')
def post_confirmation(event, context):
    return profiles.confirmed(event, stores(settings()).users)


@app.lambda_function(name='pre_authentication')
def pre_authentication(event, context):
    return profiles.check_signin(event, stores(settings()).users)


# --- Events: upload processing, analysis worker, progress ---
# One `analysis_stage` function runs any stage (the event names it): Chalice puts
# every function in one package anyway, so a stage added to worker.STAGES needs
# no new Lambda or IAM wiring, only a state in the Step Functions machine.
from chalicelib.services import progress, uploads, worker  # noqa: E402

app.websocket_api.session = progress.AwsSession()


def _bind_invocation(event, get_response):
    logs.bind_request_id(getattr(event.context, 'aws_request_id', None))
    return get_response(event)


for _event_type in ('s3', 'sqs', 'websocket'):
    app.register_middleware(_bind_invocation, _event_type)


def _worker_deps():
    s = settings()
    return worker.WorkerDeps.from_settings(s, progress.ProgressSender.from_settings(s, app.websocket_api))


def _ws_deps():
    return progress.WsDeps.from_settings(settings(), app.websocket_api, worker.catch_up)


@app.on_s3_event(bucket=settings().data_bucket, prefix='uploads/', events=['s3:ObjectCreated:*'])
def on_upload(event):
    uploads.process_upload(event.key, uploads.UploadDeps.from_settings(settings()))


@app.on_sqs_message(queue=settings().analysis_queue, batch_size=1)
def on_analysis_job(event):
    for record in event:
        worker.handle_message(record.to_dict(), _worker_deps())


@app.on_sqs_message(queue=settings().analysis_dlq, batch_size=1)
def on_analysis_dead_letter(event):
    for record in event:
        worker.handle_dead_letter(record.to_dict(), _worker_deps())


@app.lambda_function(name='analysis_stage')
def analysis_stage(event, context):
    return worker.run_stage_event(event, _worker_deps())


@app.on_ws_connect()
def ws_connect(event):
    return progress.connect(event.to_dict(), _ws_deps())


@app.on_ws_message()
def ws_message(event):
    progress.receive(event.to_dict(), _ws_deps())


@app.on_ws_disconnect()
def ws_disconnect(event):
    progress.disconnect(event.to_dict(), _ws_deps())
