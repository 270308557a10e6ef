"""Shared fixtures. moto is imported before any boto3 client exists."""
import contextlib
import os
import pathlib
import threading

import moto  # noqa: F401  (must come before any boto3 client is created)
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / 'shared' / 'data'

# Unit tests never reach a real endpoint: fake credentials, a fixed region, and
# no endpoint override left over from a shell that ran the local stack.
os.environ.update({
    'AWS_ACCESS_KEY_ID': 'testing', 'AWS_SECRET_ACCESS_KEY': 'testing',
    'AWS_SECURITY_TOKEN': 'testing', 'AWS_SESSION_TOKEN': 'testing',
    'AWS_DEFAULT_REGION': 'eu-west-1', 'AWS_REGION': 'eu-west-1',
})
# The local stage's frontend origin, set before any test module imports app.py (its CORS
# configuration is read then), whichever folder's tests run first.
os.environ.setdefault('ALLOWED_ORIGINS', 'http://localhost:3000')
os.environ.pop('AWS_ENDPOINT_URL', None)
os.environ.pop('AWS_PROFILE', None)


@pytest.fixture
def shared_data():
    """The real ward data beside the project; tests skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f'{SHARED_DATA} is absent: the real ward data lives in ../shared/data')
    return SHARED_DATA


@contextlib.contextmanager
def mocked_aws():
    """moto with every table, the data bucket and the queues; the settings that name them."""
    from moto import mock_aws
    from chalicelib import aws as aws_clients
    from chalicelib.config import settings
    from devstack.provision import create_data_resources

    aws_clients.reset_clients()
    with mock_aws():
        s = settings()
        create_data_resources(lambda service: aws_clients.client(service, s.region), s)
        yield s
    aws_clients.reset_clients()


@pytest.fixture
def aws():
    """A fresh mocked AWS for each test."""
    with mocked_aws() as s:
        yield s


@pytest.fixture
def atomic_dynamodb_writes(monkeypatch):
    """moto checks a condition and writes in two steps; DynamoDB does both atomically per item.
    (moto's transaction also copies every table to roll back, which a concurrent write breaks; it
    writes through put_item and update_item, hence a lock the same thread may take again.)"""
    from moto.dynamodb.models import DynamoDBBackend
    lock = threading.RLock()
    for name in ('put_item', 'update_item', 'transact_write_items'):
        original = getattr(DynamoDBBackend, name)

        def atomic(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)
        monkeypatch.setattr(DynamoDBBackend, name, atomic)
