"""The real local stack (`python -m devstack`) run as a subprocess on free ports.

A subprocess keeps the stack's environment (endpoint, pool ids) out of the unit
tests, which run moto in decorator mode in the pytest process.
"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
READY_SECONDS = 60
STOP_SECONDS = 30


@dataclass(frozen=True)
class User:
    username: str
    password: str
    token: str
    sub: str


class LocalStack:
    """One `python -m devstack` process and what a client needs to use it.

    `web=True` also serves the built web app (tests/web); the others need no npm build.
    """

    def __init__(self, state_dir, app='app:app', web=False):
        self.state_dir = pathlib.Path(state_dir)
        self.app = app
        self.web = web
        self.process = None
        self.state = None

    def start(self):
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.state_dir / 'stack.log'
        env = {k: v for k, v in os.environ.items() if not k.startswith(('AWS_', 'DEVSTACK_'))}
        command = [sys.executable, '-m', 'devstack', '--state-dir', str(self.state_dir),
                   '--app', self.app, '--api-port', '0', '--ws-port', '0',
                   '--ws-management-port', '0', '--aws-port', '0',
                   *(['--web-port', '0'] if self.web else ['--no-web'])]
        with open(self.log_path, 'wb') as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        state_file = self.state_dir / 'stack.json'
        deadline = time.monotonic() + READY_SECONDS
        while not state_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f'the local stack did not become ready:\n{self.log_text()}')
            time.sleep(0.1)
        self.state = json.loads(state_file.read_text())
        return self

    def stop(self, signum=signal.SIGTERM):
        """Signal the stack as a supervisor (SIGTERM) or Ctrl-C (SIGINT) would; the exit status."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signum)
        try:
            return self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def log_text(self):
        return self.log_path.read_text(errors='replace') if self.log_path.exists() else ''

    @property
    def api_url(self):
        return self.state['api_url']

    @property
    def ws_url(self):
        return self.state['ws_url']

    @property
    def aws_endpoint_url(self):
        return self.state['aws_endpoint_url']

    @property
    def settings(self):
        """The stack's Settings, as the app inside it sees them."""
        from chalicelib.config import settings
        s = self.state
        return settings({'STAGE': s['stage'], 'AWS_REGION': s['region'],
                         'USER_POOL_ID': s['user_pool_id'],
                         'USER_POOL_CLIENT_ID': s['user_pool_client_id'],
                         'JWKS_URL': s['jwks_url'], 'DATA_BUCKET': s['data_bucket'],
                         'ANALYSIS_QUEUE': s['analysis_queue'],
                         **{f'{role.upper()}_TABLE': name for role, name in s['tables'].items()}})

    def client(self, service):
        """A boto3 client of the stack's moto server (explicit endpoint: no mock involved)."""
        import boto3
        return boto3.session.Session().client(
            service, endpoint_url=self.aws_endpoint_url, region_name=self.state['region'],
            aws_access_key_id='local', aws_secret_access_key='local')

    def tokens_for(self, username, password, client_id=None):
        result = self.client('cognito-idp').initiate_auth(
            ClientId=client_id or self.state['user_pool_client_id'], AuthFlow='USER_PASSWORD_AUTH',
            AuthParameters={'USERNAME': username, 'PASSWORD': password})
        return result['AuthenticationResult']

    def token_for(self, username, password):
        return self.tokens_for(username, password)['IdToken']

    def demo_token(self):
        demo = self.state['demo_user']
        return self.token_for(demo['username'], demo['password'])

    def create_user(self, role='analyst', organization='org-a', region='NI', email=None):
        """A new confirmed user in the stack's pool, signed in."""
        from devstack.provision import create_user
        email = email or f'user-{uuid.uuid4().hex[:8]}@example.org'
        cognito = self.client('cognito-idp')
        password = create_user(cognito, self.state['user_pool_id'], email, email,
                               organization, role, region)
        sub = next(a['Value'] for a in cognito.admin_get_user(
            UserPoolId=self.state['user_pool_id'], Username=email)['UserAttributes']
            if a['Name'] == 'sub')
        return User(email, password, self.token_for(email, password), sub)

    def request(self, method, path, token=None, json=None, headers=None):
        headers = dict(headers or {})
        if token is not None:
            headers['Authorization'] = f'Bearer {token}'
        return requests.request(method, self.api_url + path, json=json, headers=headers, timeout=30)


def wait_for(check, seconds=20, interval=0.2):
    """The first truthy result of `check()`, or None after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    return None


def received(stack, kind):
    """What the test app's handlers recorded under received/{kind}/."""
    s3 = stack.client('s3')
    bucket = stack.state['data_bucket']
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f'received/{kind}/').get('Contents', [])
    return [json.loads(s3.get_object(Bucket=bucket, Key=item['Key'])['Body'].read())
            for item in listing]
