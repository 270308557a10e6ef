"""The local stack run as a child process (`python -m devstack` on free ports), for the tests
and benchmarks that need the real thing: the stack's environment (endpoint, pool ids) stays
in its own process, and a client gets what it needs from `.local/stack.json`'s fields."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
READY_SECONDS = 60
STOP_SECONDS = 30


class StackProcess:
    """One `python -m devstack` process and what a client needs to use it.

    `web=True` also serves the built web app; without it no npm build is needed.
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
