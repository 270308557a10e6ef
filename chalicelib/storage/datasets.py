"""The Datasets table: a user's uploaded ward data and its validation state."""
from chalicelib.storage.base import StatusTable

AWAITING_UPLOAD, PROCESSING, READY, INVALID = 'AWAITING_UPLOAD', 'PROCESSING', 'READY', 'INVALID'


class Datasets(StatusTable):
    sort_key = 'dataset_id'
