"""Unit fixtures: the app under chalice's test client, callers with unsigned tokens."""
import pytest

from tests.raw_aws import Bucket
from tests.unit.support import Caller


@pytest.fixture
def http(aws):
    from chalice.test import Client
    from app import app
    with Client(app, stage_name='local') as client:
        yield client.http


@pytest.fixture
def alice(http):
    return Caller(http, 'user-a-0001', organization='nmep')


@pytest.fixture
def bob(http):
    return Caller(http, 'user-b-0002', organization='kano-smep', region='KN')


@pytest.fixture
def carol(http):
    """A viewer in Alice's organization."""
    return Caller(http, 'user-c-0003', role='viewer', organization='nmep')


@pytest.fixture
def admin(http):
    return Caller(http, 'user-d-0004', role='admin', organization='nmep')


@pytest.fixture
def stores(aws):
    from chalicelib.deps import Deps
    return Deps(aws)


@pytest.fixture
def bucket(aws):
    """The data bucket through a plain S3 client, not the adapter's."""
    return Bucket(aws)
