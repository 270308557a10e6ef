"""The whole local cloud: moto server (in a child process, devstack.aws), and in this process
the app's REST API behind a verifying authorizer, the WebSocket relay, the S3/SQS event
bridges, the local Step Functions and the web app.

The environment (endpoint, fake credentials, the `local` stage's variables, the
user pool) is set before the app is imported, exactly as Lambda sets it before
importing `app.py`.
"""
import functools
import gc
import importlib
import json
import logging
import os
import pathlib
import socket
import sys
import threading
from dataclasses import astuple, dataclass

from chalice.config import Config
from chalice.local import LocalDevServer

from chalicelib import aws, logs
from chalicelib.config import settings
from chalicelib.tokens import verify_id_token
from devstack import events, provision, stepfunctions, web
from devstack.aws import AwsProcess
from devstack.gateway import RequestHandler, thread_safe
from devstack.websocket import ManagementSession, WebsocketRelay

log = logging.getLogger('devstack')

ROOT = pathlib.Path(__file__).resolve().parent.parent
STAGE = 'local'
DEFAULT_HOST = '127.0.0.1'
DEFAULT_REGION = 'eu-west-1'
STATE_FILE = 'stack.json'
LOOPBACK = '127.0.0.1,localhost'


@dataclass(frozen=True)
class Ports:
    """Where each part listens; 0 picks a free port; web None serves no web app."""
    api: int = 8000
    ws: int = 8001
    ws_management: int = 8002
    aws: int = 5000
    web: int | None = 3000


@dataclass(frozen=True)
class DemoUser:
    username: str = 'demo@example.org'
    organization: str = 'demo-org'
    role: str = 'analyst'
    region: str = 'NI'


def load_app(reference):
    """The Chalice app named by `module:attribute` (imported now, after the environment is set)."""
    module, _, attribute = reference.partition(':')
    return getattr(importlib.import_module(module), attribute or 'app')


def keep_what_functions_load():
    """A middleware freezing the heap (gc.freeze) after an invocation that imported modules.

    Every function runs in this one process, so the cyclic collector's full passes walk all
    that their cold starts loaded (boto3's service models alone are some 140,000 objects):
    0.2-0.3 s each, a few per analysis. Lambda keeps a cold start's imports and clients for the
    container's life; frozen, they are still freed by reference counting but no longer walked.
    """
    modules = [len(sys.modules)]

    def settle(event, get_response):
        try:
            return get_response(event)
        finally:
            if len(sys.modules) != modules[0]:
                modules[0] = len(sys.modules)
                gc.freeze()
    return settle


def chalice_config(project_dir):
    with open(pathlib.Path(project_dir) / '.chalice' / 'config.json') as f:
        disk = json.load(f)
    return Config(chalice_stage=STAGE, config_from_disk=disk, default_params={'project_dir': str(project_dir)})


def aws_environment(endpoint_url, region, environ=os.environ):
    """What every boto3 client of the stack and the app needs: moto and fake keys.

    Loopback is exempted from any HTTP proxy: the JWKS fetch and boto3 must reach moto.
    """
    no_proxy = ','.join(filter(None, (environ.get('NO_PROXY') or environ.get('no_proxy'), LOOPBACK)))
    return {
        'NO_PROXY': no_proxy, 'no_proxy': no_proxy,
        'AWS_ENDPOINT_URL': endpoint_url,
        'AWS_ACCESS_KEY_ID': 'local', 'AWS_SECRET_ACCESS_KEY': 'local',
        'AWS_REGION': region, 'AWS_DEFAULT_REGION': region,
    }


def ensure_free(host, ports):
    """Raise OSError naming the first port something listens on (0 is always free).

    Checked up front, before anything starts: moto binds in its own process. The
    probe binds as the servers do (SO_REUSEADDR), so the TIME_WAIT connections a
    stopped stack leaves for a minute do not count as taken.
    """
    for port in filter(lambda port: port is not None, ports):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                raise OSError(error.errno, f'{host}:{port} is already in use') from error


def pool_environment(pool, endpoint_url):
    return {
        'USER_POOL_ID': pool.pool_id, 'USER_POOL_CLIENT_ID': pool.client_id,
        'USER_POOL_ARN': pool.arn, 'JWKS_URL': f'{endpoint_url}/{pool.pool_id}/.well-known/jwks.json',
    }


class Stack:
    """Start with `start()`, stop with `stop()`; `state` is what `.local/stack.json` holds."""

    def __init__(self, app_reference='app:app', host=DEFAULT_HOST, ports=Ports(),
                 state_dir=ROOT / '.local', project_dir=ROOT, region=DEFAULT_REGION, demo=DemoUser()):
        self._app_reference = app_reference
        self._host = host
        self._ports = ports
        self._state_path = pathlib.Path(state_dir) / STATE_FILE
        self._project_dir = project_dir
        self._region = region
        self._demo = demo
        self._stoppers = []
        self.state = None

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self.state

    def _start(self):
        logs.configure(log, 'INFO')
        logs.configure(logging.getLogger('websockets'), 'WARNING')
        ensure_free(self._host, astuple(self._ports))
        site = self._bind_web()
        config = chalice_config(self._project_dir)
        endpoint_url = self._start_aws(config)
        if site is not None:
            os.environ['ALLOWED_ORIGINS'] = site.url   # the API's CORS origin is where the app is served
        pool, demo_password = self._provision(endpoint_url)
        workflows = stepfunctions.LocalStepFunctions(self._host, self._region, STAGE)
        self._stoppers.append(workflows.stop)
        os.environ.update(workflows.environment(os.environ))   # app.py reads the machine's ARN at import

        app = thread_safe(load_app(self._app_reference))
        app.register_middleware(keep_what_functions_load(), 'all')
        workflows.start(app)
        s = settings()
        api_url = self._serve_rest(app, config)
        relay = WebsocketRelay(app, self._host, self._ports.ws, self._ports.ws_management, STAGE).start()
        self._stoppers.append(relay.stop)
        app.websocket_api.session = ManagementSession(relay.management_url, s.region)
        pollers = events.start_bridges(app, functools.partial(aws.client, region=s.region), s.region,
                                       handled=stepfunctions.HANDLED_EVENTS)
        self._stoppers.append(functools.partial(events.stop_all, pollers))

        self.state = {
            'api_url': api_url, 'ws_url': relay.url, 'ws_management_url': relay.management_url,
            'aws_endpoint_url': endpoint_url, 'region': s.region, 'stage': STAGE,
            'user_pool_id': pool.pool_id, 'user_pool_client_id': pool.client_id,
            'user_pool_arn': pool.arn, 'jwks_url': s.jwks_url,
            'data_bucket': s.data_bucket, 'analysis_queue': s.analysis_queue, 'tables': s.tables,
            'analysis_runner': s.analysis_runner, 'analysis_state_machine_arn': workflows.arn,
            'stepfunctions_url': workflows.url,
            'demo_user': {'username': self._demo.username, 'password': demo_password,
                          'role': self._demo.role},
            'pid': os.getpid(), 'state_file': str(self._state_path),
        }
        if site is not None:
            self.state['web_url'] = site.start(web.local_config(self.state)).url
        gc.freeze()
        self._write_state()

    def _bind_web(self):
        """The web app built from its current sources, its port bound (served once the stack is up)."""
        if self._ports.web is None:
            return None
        site = web.WebServer(self._host, self._ports.web, web.snapshot(self._state_path.parent / 'web'))
        self._stoppers.append(site.stop)
        return site

    def _start_aws(self, config):
        """moto server in its own process, and this process's environment pointed at it; returns its URL."""
        moto = AwsProcess(self._host, self._ports.aws)
        self._stoppers.append(moto.stop)
        endpoint_url = moto.start()
        os.environ.pop('AWS_PROFILE', None)
        os.environ.pop('AWS_SESSION_TOKEN', None)
        os.environ.update({**config.environment_variables,
                           **aws_environment(endpoint_url, self._region)})
        aws.reset_clients()
        return endpoint_url

    def _provision(self, endpoint_url):
        """What Terraform owns, the pool in the environment, and the demo user's password."""
        s = settings()
        clients = functools.partial(aws.client, region=s.region)
        provision.create_data_resources(clients, s)
        pool = provision.create_user_pool(clients('cognito-idp'), s)
        os.environ.update(pool_environment(pool, endpoint_url))
        demo = self._demo
        password = provision.create_user(clients('cognito-idp'), pool.pool_id, demo.username,
                                         demo.username, demo.organization, demo.role, demo.region)
        return pool, password

    def _serve_rest(self, app, config):
        server = LocalDevServer(app, config, self._host, self._ports.api,
                                handler_cls=functools.partial(RequestHandler, verify=_verify))
        thread = threading.Thread(target=server.server.serve_forever, name='rest', daemon=True)
        thread.start()

        def stop():
            server.shutdown()
            server.server.server_close()
            thread.join(10)
        self._stoppers.append(stop)
        return 'http://{}:{}'.format(*server.server.server_address[:2])

    def _write_state(self):
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        partial = self._state_path.with_suffix('.tmp')
        partial.write_text(json.dumps(self.state, indent=2) + '\n')
        os.chmod(partial, 0o600)        # holds the demo password
        partial.replace(self._state_path)   # readers see all of it or none: it also signals ready

    def stop(self):
        """Stop every part, newest first; the state file goes with the stack it describes."""
        if self.state is not None:
            self._state_path.unlink(missing_ok=True)
        while self._stoppers:
            stopper = self._stoppers.pop()
            try:
                stopper()
            except Exception:
                log.exception('stopping a part of the stack failed')


def _verify(authorization):
    """The authorizer's check, against the pool the environment names now."""
    return verify_id_token(authorization, settings())
