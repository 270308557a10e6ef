"""Chalice's local server behaving like the deployed API Gateway at its edges.

`chalice local` decodes Cognito tokens without verifying them and answers its own
errors in API Gateway's raw shapes. Here the gateway's checks that run before the
app (declared method, Cognito ID token) verify for real, and every answer the
gateway gives itself uses the contract's error format (404 `not_found` for an
unknown route, 405 `method_not_allowed`, 401 `unauthorized`, 403 `forbidden`,
500 `internal`), with CORS headers for allowed origins, so clients see what the
deployed gateway responses give.
"""
import json
import logging
import uuid

from chalice.app import CognitoUserPoolAuthorizer
from chalice.local import (
    ChaliceRequestHandler, ForbiddenError, InvalidAuthorizerError, LocalChalice, LocalGateway,
    LocalGatewayAuthorizer, LocalGatewayException, NotAuthorizedError)
from http.server import BaseHTTPRequestHandler

from chalicelib.config import settings
from chalicelib.errors import error_body
from chalicelib.logs import REQUEST_ID, bind_request_id
from chalicelib.tokens import TokenError

log = logging.getLogger('devstack.gateway')

SIGN_IN_HINT = 'send a Cognito ID token as "Authorization: Bearer <token>"'


class GatewayError(LocalGatewayException):
    """An answer the gateway gives without running the app, in the contract's format."""

    def __init__(self, status, code, message, details=None):
        self.request_id = REQUEST_ID.get()
        self.CODE = status
        body = dict(error_body(status, code, message, details))
        body['error']['details'] = {**body['error']['details'], 'request_id': self.request_id}
        super().__init__({'Content-Type': 'application/json', 'x-amzn-RequestId': self.request_id},
                         json.dumps(body).encode())


class VerifyingAuthorizer(LocalGatewayAuthorizer):
    """Cognito routes get claims only from a verified ID token; methods must be declared.

    `verify(authorization_header)` returns the claims (strings) or raises TokenError.
    Other authorizer types keep chalice's local behaviour.
    """

    def __init__(self, app_object, verify):
        super().__init__(app_object)
        self._verify = verify

    def authorize(self, raw_path, lambda_event, lambda_context):
        context = lambda_event['requestContext']
        context['requestId'] = REQUEST_ID.get()  # the app logs under the gateway's id, as in AWS
        methods = self._app_object.routes.get(context['resourcePath'], {})
        if context['httpMethod'] not in methods:
            raise GatewayError(405, 'method_not_allowed',
                               f'{context["httpMethod"]} is not allowed on {context["resourcePath"]}',
                               {'allowed': sorted(methods)})
        route = methods[context['httpMethod']]
        if not isinstance(route.authorizer, CognitoUserPoolAuthorizer):
            return super().authorize(raw_path, lambda_event, lambda_context)
        try:
            claims = self._verify(lambda_event['headers'].get('authorization'))
        except TokenError as refused:
            log.info('token refused', extra={'reason': refused.reason, 'path': context['path']})
            raise GatewayError(401, 'unauthorized', f'{refused.reason}: {SIGN_IN_HINT}')
        context['authorizer'] = {'claims': claims}
        return lambda_event, lambda_context


class ContractGateway(LocalGateway):
    """chalice's LocalGateway with the verifying authorizer and contract-shaped errors."""

    def __init__(self, app_object, config, verify):
        super().__init__(app_object, config)
        self._authorizer = VerifyingAuthorizer(app_object, verify)

    def handle_request(self, method, path, headers, body):
        try:
            return super().handle_request(method, path, headers, body)
        except GatewayError:
            raise
        except ForbiddenError as error:
            if error.headers.get('x-amzn-ErrorType') == 'AccessDeniedException':
                raise GatewayError(403, 'forbidden', 'the authorizer denied this request')
            # chalice answers an unknown route like API Gateway: 403 "Missing Authentication Token".
            raise GatewayError(404, 'not_found', f'no route {method} {path.split("?")[0]}')
        except NotAuthorizedError:
            raise GatewayError(401, 'unauthorized', SIGN_IN_HINT)
        except InvalidAuthorizerError:
            raise GatewayError(500, 'internal', 'the authorizer returned no policy')


class RequestHandler(ChaliceRequestHandler):
    """HTTP to the contract gateway; nothing escapes as a dropped connection."""

    def __init__(self, request, client_address, server, app_object, config, verify):
        # ChaliceRequestHandler.__init__ would build its own gateway, and handling
        # starts inside BaseHTTPRequestHandler.__init__, so the gateway is set first.
        self.local_gateway = ContractGateway(app_object, config, verify)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def _generic_handle(self):
        """One request id per request, bound before anything logs, as API Gateway's."""
        bound = bind_request_id(str(uuid.uuid4()))
        try:
            super()._generic_handle()
        except Exception:
            error = GatewayError(500, 'internal', 'the local gateway failed; see the stack log')
            log.exception('request failed in the local gateway', extra={'path': self.path.split('?')[0]})
            self._send_error_response(error)
        finally:
            REQUEST_ID.reset(bound)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def __getattr__(self, name):
        """Any other verb (TRACE, CONNECT, a made-up one) reaches the gateway too and gets
        the contract's 405; without a `do_<VERB>` the server would answer a 501 HTML page."""
        if name.startswith('do_'):
            return self._generic_handle
        raise AttributeError(name)

    def _send_error_response(self, error):
        """Gateway errors carry CORS headers for allowed origins, or a browser could not read them."""
        origin = self.headers.get('Origin')
        if origin and origin == settings().frontend_origin:
            error.headers = {**error.headers, 'Access-Control-Allow-Origin': origin, 'Vary': 'Origin'}
        super()._send_error_response(error)

    def log_message(self, format, *args):
        """Access log as JSON, path without its query string (it may carry a token)."""
        log.info('request', extra={'method': self.command, 'path': (self.path or '').split('?')[0],
                                   'status': str(args[1]) if len(args) > 1 else ''})


def thread_safe(app):
    """Give `app` a per-thread current_request, as `chalice local` does, for a threaded server."""
    if not isinstance(app, LocalChalice):
        app.__class__ = type(f'Local{type(app).__name__}', (LocalChalice, type(app)), {})
    return app
