"""Fixtures of the real local stack, started once per session on free ports.

`stack` runs the real app; `event_stack` runs tests/integration/stack_app.py,
which declares the S3, SQS and WebSocket handlers the bridges feed. Both stop
with SIGTERM after the last test.

Other integration tests use `stack` (a `support.LocalStack`): `api_url`,
`ws_url`, `aws_endpoint_url`, `settings`, `client(service)`,
`create_user(role=..., organization=...)` (a new signed-in user A or B with
`token` and `sub`), `demo_token()`, `request(method, path, token=..., json=...)`.
"""
import pytest

from tests.integration.support import LocalStack


@pytest.fixture(scope='session')
def stack(tmp_path_factory):
    """The local stack running the real app."""
    running = LocalStack(tmp_path_factory.mktemp('stack'), 'app:app').start()
    yield running
    running.stop()


@pytest.fixture(scope='session')
def event_stack(tmp_path_factory):
    """The local stack running tests/integration/stack_app.py (every event source)."""
    running = LocalStack(tmp_path_factory.mktemp('event-stack'), 'tests.integration.stack_app:app').start()
    yield running
    running.stop()


