"""A local stand-in for API Gateway's WebSocket API and its @connections endpoint.

Browsers connect to `ws://host:port/?token=...`; each connect, message and close
becomes an API Gateway shaped event for the app's `on_ws_connect`,
`on_ws_message` and `on_ws_disconnect` handlers. The app answers through
`app.websocket_api.send`, whose boto3 client is pointed at the management
endpoint served here (POST/GET/DELETE `/{stage}/@connections/{id}`); a closed or
unknown connection answers 410 so botocore raises GoneException, as in AWS.
"""
import asyncio
import base64
import datetime
import json
import logging
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chalice.local import LambdaContext
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

log = logging.getLogger('devstack.websocket')

API_ID = 'local'
MAX_PAYLOAD_BYTES = 128 * 1024       # API Gateway's WebSocket frame limit
SEND_TIMEOUT_SECONDS = 10
HANDLER_TIMEOUT_MS = 29_000


@dataclass
class _Connection:
    socket: object
    source_ip: str
    user_agent: str
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)


def _connection_id(connection):
    """An id shaped like API Gateway's (base64, 16 characters), stable per socket."""
    return base64.b64encode(connection.id.bytes[:10]).decode()


def _iso(moment):
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).isoformat()


class ManagementSession:
    """What `app.websocket_api.session` must be: its clients reach this relay.

    Chalice builds the client with `https://{domain}/{stage}`; the endpoint is
    replaced, the client stays a real botocore client so errors parse as in AWS.
    """

    def __init__(self, endpoint_url, region_name):
        self._endpoint_url = endpoint_url
        self.region_name = region_name

    def client(self, service_name, endpoint_url=None, **kwargs):
        import boto3
        return boto3.session.Session().client(
            service_name, endpoint_url=self._endpoint_url, region_name=self.region_name, **kwargs)


class WebsocketRelay:
    """Serves the WebSocket endpoint and the @connections management endpoint for `app`."""

    def __init__(self, app, host, port, management_port, stage='local'):
        self._app = app
        self._host = host
        self._stage = stage
        self._connections = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped = None
        self._requested = (port, management_port)
        self._thread = threading.Thread(target=self._run, name='ws-relay', daemon=True)
        self._management = None
        self.port = self.management_port = None

    @property
    def url(self):
        return f'ws://{self._host}:{self.port}'

    @property
    def management_url(self):
        return f'http://{self._host}:{self.management_port}/{self._stage}'

    def start(self):
        self._management = ThreadingHTTPServer((self._host, self._requested[1]), self._management_handler())
        self._management.daemon_threads = True
        self.management_port = self._management.server_address[1]
        threading.Thread(target=self._management.serve_forever, name='ws-management', daemon=True).start()
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError('the WebSocket relay did not start')
        return self

    def stop(self):
        if self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set_result, None)
            self._thread.join(10)
        if self._management is not None:
            self._management.shutdown()
            self._management.server_close()

    # -- the WebSocket side, on the relay's event loop -------------------------

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.run_until_complete(self._loop.shutdown_default_executor())   # handler threads
        self._loop.close()

    async def _serve(self):
        self._stopped = self._loop.create_future()
        async with serve(self._session, self._host, self._requested[0],
                         process_request=self._connect, max_size=MAX_PAYLOAD_BYTES) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stopped

    async def _connect(self, connection, request):
        """`$connect`: a non-200 answer (or a failing handler) refuses the handshake."""
        event = self._event(connection, 'CONNECT', '$connect', request=request)
        try:
            response = await asyncio.to_thread(self._invoke, '$connect', event)
        except Exception:
            log.exception('on_ws_connect failed')
            return connection.respond(500, 'Internal server error\n')
        status = int(response.get('statusCode', 200))
        if status != 200:
            return connection.respond(status, str(response.get('body') or 'Forbidden') + '\n')
        return None

    async def _session(self, connection):
        connection_id = _connection_id(connection)
        headers = connection.request.headers
        with self._lock:
            self._connections[connection_id] = _Connection(
                connection, connection.remote_address[0], headers.get('User-Agent', ''))
        try:
            async for message in connection:
                self._touch(connection_id)
                if isinstance(message, bytes):
                    message = message.decode('utf-8', 'replace')
                event = self._event(connection, 'MESSAGE', '$default', body=message)
                try:
                    await asyncio.to_thread(self._invoke, '$default', event)
                except Exception:
                    log.exception('on_ws_message failed', extra={'connection_id': connection_id})
                    await connection.send(json.dumps({   # what API Gateway answers then
                        'message': 'Internal server error', 'connectionId': connection_id,
                        'requestId': event['requestContext']['requestId']}))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.pop(connection_id, None)
            event = self._event(connection, 'DISCONNECT', '$disconnect')
            try:
                await asyncio.to_thread(self._invoke, '$disconnect', event)
            except Exception:
                log.exception('on_ws_disconnect failed', extra={'connection_id': connection_id})

    def _invoke(self, route_key, event):
        """Run the app's handler for `route_key` (absent handler: accepted, as a bare route)."""
        config = self._app.websocket_handlers.get(route_key)
        if config is None:
            return {'statusCode': 200}
        context = LambdaContext(config.name, 128, HANDLER_TIMEOUT_MS)
        return self._app.handler_map[config.name](event, context) or {'statusCode': 200}

    def _event(self, connection, event_type, route_key, request=None, body=None):
        now = time.time()
        request = request or connection.request
        headers = dict(request.headers.raw_items())
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)
        context = {
            'routeKey': route_key, 'eventType': event_type, 'messageDirection': 'IN',
            'connectionId': _connection_id(connection), 'domainName': f'{self._host}:{self.port}',
            'stage': self._stage, 'apiId': API_ID, 'requestId': str(uuid.uuid4()),
            'extendedRequestId': str(uuid.uuid4()), 'requestTimeEpoch': int(now * 1000),
            'requestTime': time.strftime('%d/%b/%Y:%H:%M:%S +0000', time.gmtime(now)),
            'connectedAt': int(now * 1000),
            'identity': {'sourceIp': connection.remote_address[0],
                         'userAgent': headers.get('User-Agent', '')},
        }
        event = {'requestContext': context, 'isBase64Encoded': False}
        if event_type == 'CONNECT':
            event.update({
                'headers': headers,
                'multiValueHeaders': {k: request.headers.get_all(k) for k in headers},
                'queryStringParameters': {k: v[-1] for k, v in query.items()} or None,
                'multiValueQueryStringParameters': query or None,
            })
        elif event_type == 'MESSAGE':
            context['messageId'] = str(uuid.uuid4())
            event['body'] = body
        else:
            context['disconnectStatusCode'] = connection.close_code or 1006
            context['disconnectReason'] = connection.close_reason or ''
        return event

    def _touch(self, connection_id):
        with self._lock:
            known = self._connections.get(connection_id)
            if known:
                known.last_active_at = time.time()

    # -- the @connections management endpoint, on HTTP server threads ---------

    def _find(self, connection_id):
        with self._lock:
            return self._connections.get(connection_id)

    def post(self, connection_id, data):
        """Send `data` to the connection; False when it is gone."""
        known = self._find(connection_id)
        if known is None:
            return False
        text = data.decode('utf-8', 'replace')
        try:
            asyncio.run_coroutine_threadsafe(known.socket.send(text), self._loop).result(SEND_TIMEOUT_SECONDS)
        except ConnectionClosed:
            return False
        self._touch(connection_id)
        return True

    def delete(self, connection_id):
        known = self._find(connection_id)
        if known is None:
            return False
        asyncio.run_coroutine_threadsafe(known.socket.close(), self._loop).result(SEND_TIMEOUT_SECONDS)
        return True

    def info(self, connection_id):
        known = self._find(connection_id)
        if known is None:
            return None
        return {'ConnectedAt': _iso(known.connected_at), 'LastActiveAt': _iso(known.last_active_at),
                'Identity': {'SourceIp': known.source_ip, 'UserAgent': known.user_agent}}

    def _management_handler(self):
        relay = self
        prefix = f'/{self._stage}/@connections/'

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def _connection_id(self):
                path = urllib.parse.urlsplit(self.path).path
                if not path.startswith(prefix):
                    self._answer(404, {'message': 'Not Found'}, 'NotFoundException')
                    return None
                return urllib.parse.unquote(path[len(prefix):])

            def _answer(self, status, body=None, error_type=None):
                data = json.dumps(body).encode() if body is not None else b''
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                if error_type:
                    self.send_header('x-amzn-ErrorType', error_type)
                self.end_headers()
                self.wfile.write(data)

            def _gone(self, connection_id):
                self._answer(410, {'message': f'connection {connection_id} is gone'}, 'GoneException')

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                connection_id = self._connection_id()
                if connection_id is None:
                    return
                if len(data) > MAX_PAYLOAD_BYTES:
                    self._answer(413, {'message': 'Message too long'}, 'PayloadTooLargeException')
                elif relay.post(connection_id, data):
                    self._answer(200)
                else:
                    self._gone(connection_id)

            def do_GET(self):
                connection_id = self._connection_id()
                if connection_id is None:
                    return
                info = relay.info(connection_id)
                if info is None:
                    self._gone(connection_id)
                else:
                    self._answer(200, info)

            def do_DELETE(self):
                connection_id = self._connection_id()
                if connection_id is None:
                    return
                if relay.delete(connection_id):
                    self._answer(204)
                else:
                    self._gone(connection_id)

            def log_message(self, format, *args):
                log.debug('management request', extra={'method': self.command})

        return Handler
