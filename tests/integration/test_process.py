"""`make run`'s process: `python -m devstack` on free ports, ready, then SIGTERM."""
import signal
import socket
import urllib.parse

import jwt
import pytest

from tests.integration.support import LocalStack, wait_for

pytestmark = pytest.mark.integration

# "The local stack" in ../shared/spec/api.md
CONTRACT_FIELDS = ('api_url', 'ws_url', 'aws_endpoint_url', 'region', 'user_pool_id',
                   'user_pool_client_id', 'data_bucket', 'tables', 'demo_user')


def _listening(url):
    address = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((address.hostname, address.port), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT], ids=['SIGTERM', 'Ctrl-C'])
def test_stack_process_serves_the_demo_user_and_stops_cleanly(tmp_path, signum):
    stack = LocalStack(tmp_path).start()
    try:
        state = stack.state
        assert set(CONTRACT_FIELDS) <= set(state)
        assert set(state['tables']) == {'users', 'datasets', 'analyses', 'sessions', 'connections', 'audit'}
        assert stack.request('GET', '/health').status_code == 200
        token = stack.demo_token()
        profile = stack.request('GET', '/me', token=token)
        assert profile.status_code == 200
        assert profile.json()['user_id'] == jwt.decode(token, options={'verify_signature': False})['sub']
        assert profile.json()['role'] == 'analyst'
        urls = [state['api_url'], state['ws_url'], state['aws_endpoint_url'], state['ws_management_url']]
        assert all(_listening(url) for url in urls)
    finally:
        status = stack.stop(signum)
    assert status == 0, stack.log_text()
    assert not any(_listening(url) for url in urls), 'a listener outlived the stack'
    assert not (tmp_path / 'stack.json').exists()
    log = stack.log_text()
    assert token not in log and 'eyJ' not in log


def test_the_local_aws_does_not_outlive_a_stack_that_was_killed(tmp_path):
    """moto runs in a child process (devstack.aws): a stack killed outright (no cleanup) still
    takes it down, so the next `make run` finds its port free."""
    stack = LocalStack(tmp_path).start()
    aws = stack.state['aws_endpoint_url']
    assert _listening(aws)
    stack.stop(signal.SIGKILL)
    assert wait_for(lambda: not _listening(aws), seconds=10), 'moto outlived the stack'
