"""Processing fixtures: datasets created through the REST service, files put where the
presigned POST would put them, events delivered to the services as AWS would."""
import pytest

from chalicelib.datasets import processing, requests as dataset_service
from chalicelib.deps import Deps
from tests.processing.builders import grid_files
from tests.raw_aws import Bucket

ALICE, BOB = 'user-a-0001', 'user-b-0002'


class RecordingSender:
    """Stands in for the WebSocket sender: keeps what the worker pushed."""

    def __init__(self):
        self.sent = []

    def send(self, user_id, analysis_id, message):
        self.sent.append((user_id, analysis_id, message))

    def broadcast(self, user_id, message, connections=None):
        """To every connection of the user (the chat's events, a dataset's end): no analysis."""
        self.sent.append((user_id, None, message))

    def progress(self):
        return [m for _, _, m in self.sent if m['type'] == 'progress']

    def statuses(self):
        return [m['status'] for _, _, m in self.sent if m['type'] == 'status']


class Uploads:
    """Creates datasets and uploads their files the way a browser and S3 would."""

    def __init__(self, settings, deps):
        self.settings = settings
        self.deps = deps
        self.bucket = Bucket(settings)

    def create(self, user_id, files, sizes=None):
        body = {'name': 'test dataset', 'files': [
            {'role': role, 'filename': name, 'size': (sizes or {}).get(role, max(len(data), 1))}
            for role, (name, data) in files.items()]}
        return dataset_service.create(user_id, body, self.deps)['dataset_id']

    def item(self, user_id, dataset_id):
        return self.deps.datasets.get(user_id, dataset_id)

    def put(self, user_id, dataset_id, role, data):
        """Store the bytes at the dataset's upload key, as the presigned POST does."""
        return self.bucket.put(self.item(user_id, dataset_id)['files'][role]['key'], data)

    def deliver(self, key):
        return processing.process_upload(key, self.deps)

    def upload(self, user_id, files, sizes=None):
        """Create, upload every file and deliver its event; the dataset item after."""
        dataset_id = self.create(user_id, files, sizes)
        for role, (_, data) in files.items():
            self.deliver(self.put(user_id, dataset_id, role, data))
        return self.item(user_id, dataset_id)

    def keys(self):
        return self.bucket.keys()


@pytest.fixture
def upload_deps(aws):
    return Deps(aws)


@pytest.fixture
def files(aws, upload_deps):
    return Uploads(aws, upload_deps)


@pytest.fixture
def sender():
    return RecordingSender()


@pytest.fixture
def worker_deps(aws, sender):
    return Deps(aws, sender=sender)


@pytest.fixture
def ready_dataset(files):
    item = files.upload(ALICE, grid_files())
    assert item['status'] == 'READY', item.get('errors')
    return item
