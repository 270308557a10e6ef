"""A dataset's end (READY or INVALID) reaches every WebSocket connection of its owner, and no one else's."""
import pytest

from chalicelib.deps import Deps
from tests.processing import builders as b
from tests.processing.conftest import ALICE, BOB, Uploads
from tests.processing.test_progress import DOMAIN, STAGE, FakeWebsocketApi

GOOD = b.grid_files(4)
BAD_DATA = dict(GOOD, data=('wards.csv', b'not, the, right\nfile,,\n'))


@pytest.fixture
def ws():
    return FakeWebsocketApi()


@pytest.fixture
def uploads(aws, ws):
    """Uploads processed with the app's own sender; Alice has two tabs open, Bob one."""
    deps = Deps(aws, ws)
    for user_id, connection_id in ((ALICE, 'alice-1'), (ALICE, 'alice-2'), (BOB, 'bob-1')):
        deps.connections.put(user_id, connection_id, domain=DOMAIN, stage=STAGE)
    return Uploads(aws, deps)


def dataset_messages(ws, connection_id):
    return [m for m in ws.to(connection_id) if m['type'] == 'dataset']


@pytest.mark.parametrize('files, sizes, status', [
    (GOOD, None, 'READY'),
    (BAD_DATA, None, 'INVALID'),                # the engine refuses the table
    (GOOD, {'data': 10}, 'INVALID'),            # the file is larger than declared: refused on arrival
], ids=['ready', 'invalid-data', 'invalid-size'])
def test_the_end_of_a_dataset_is_pushed_once_to_each_of_the_owners_connections(uploads, ws, files, sizes, status):
    item = uploads.upload(ALICE, files, sizes)

    assert item['status'] == status
    expected = [{'type': 'dataset', 'dataset_id': item['dataset_id'], 'status': status}]
    assert dataset_messages(ws, 'alice-1') == expected
    assert dataset_messages(ws, 'alice-2') == expected
    assert ws.to('bob-1') == []


def test_a_duplicate_event_after_the_end_pushes_nothing(uploads, ws):
    item = uploads.upload(ALICE, GOOD)

    again = [uploads.deliver(f['key']) for f in item['files'].values()]

    assert again == ['duplicate', 'duplicate']
    assert len(dataset_messages(ws, 'alice-1')) == 1


class Unreachable(FakeWebsocketApi):
    def send(self, connection_id, message):
        raise RuntimeError('API Gateway unavailable')


class TableDown:
    def list(self, user_id):
        raise RuntimeError('DynamoDB throttled')


@pytest.mark.parametrize('broken', [
    lambda aws: Deps(aws, Unreachable()),
    lambda aws: Deps(aws, FakeWebsocketApi(), connections=TableDown()),
], ids=['push-fails', 'connections-unreadable'])
def test_a_failed_push_leaves_the_dataset_ready(aws, uploads, broken):
    uploads.deps = broken(aws)
    dataset_id = uploads.create(ALICE, GOOD)
    outcomes = [uploads.deliver(uploads.put(ALICE, dataset_id, role, data)) for role, (_, data) in GOOD.items()]

    assert outcomes == ['waiting', 'READY']
    assert uploads.item(ALICE, dataset_id)['status'] == 'READY'
