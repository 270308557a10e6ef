"""The Datasets table: a user's uploaded ward data and its validation state."""
from chalicelib.storage.base import StaleTransition, StatusTable, now_iso
from chalicelib.storage.leases import Lease

AWAITING_UPLOAD, PROCESSING, READY, INVALID = 'AWAITING_UPLOAD', 'PROCESSING', 'READY', 'INVALID'
# A live upload invocation renews its lease on a PROCESSING dataset; one that dies (timeout,
# out of memory) stops, so its lease runs out within PROCESSING_SECONDS and S3's retry of the
# event (about 1 and 3 minutes later) takes the dataset over.
PROCESSING_SECONDS = 60


class Datasets(StatusTable):
    sort_key = 'dataset_id'

    def __init__(self, name, client):
        super().__init__(name, client)
        self.processing = Lease(self, AWAITING_UPLOAD, PROCESSING, 'processing_owner', 'processing_until',
                                PROCESSING_SECONDS)

    def mark_uploaded(self, user_id, dataset_id, role, size):
        """Record that `role`'s file arrived: the item after the write, or None when
        the dataset no longer awaits files (processed, or gone)."""
        try:
            result = self._client.update_item(
                TableName=self.name, Key=self._key(user_id, dataset_id),
                UpdateExpression=('SET files.#role.uploaded = :yes, '
                                  'files.#role.received_size = :size, updated_at = :now'),
                ConditionExpression='#status = :awaiting AND attribute_exists(files.#role)',
                ExpressionAttributeNames={'#role': role, '#status': 'status'},
                ExpressionAttributeValues=self._av({
                    ':yes': True, ':size': size, ':now': now_iso(), ':awaiting': AWAITING_UPLOAD}),
                ReturnValues='ALL_NEW')
        except self._error():
            return None
        return self._plain(result['Attributes'])

    def redeclare(self, user_id, dataset_id, files):
        """Record `files` ({role: (filename, size)}) declared again for new upload links, in one
        write that holds only while the dataset awaits files and none of these has arrived (a late
        upload's event may mark one meanwhile): the item after, or None when it did not hold."""
        names = {'#status': 'status', '#filename': 'filename', '#size': 'size'}
        values = {':awaiting': AWAITING_UPLOAD, ':no': False, ':now': now_iso()}
        sets, conditions = ['updated_at = :now'], ['#status = :awaiting']
        for i, (role, (filename, size)) in enumerate(files.items()):
            names[f'#r{i}'] = role
            values[f':n{i}'], values[f':s{i}'] = filename, size
            sets += [f'files.#r{i}.#filename = :n{i}', f'files.#r{i}.#size = :s{i}']
            conditions.append(f'files.#r{i}.uploaded = :no')
        try:
            result = self._client.update_item(
                TableName=self.name, Key=self._key(user_id, dataset_id), UpdateExpression='SET ' + ', '.join(sets),
                ConditionExpression=' AND '.join(conditions), ExpressionAttributeNames=names,
                ExpressionAttributeValues=self._av(values), ReturnValues='ALL_NEW')
        except self._error():
            return None
        return self._plain(result['Attributes'])

    def set_tpr(self, user_id, dataset_id, tpr, canonical, summary, warnings, replacing):
        """Record a ward TPR computed for a READY dataset, with the canonical files and
        summary that now carry it, in one conditional write; StaleTransition when the
        dataset is no longer READY (deleted, or being replaced) or no longer carries the
        ward table `replacing` it was computed over (another TPR was recorded meanwhile)."""
        updated = self.update(user_id, dataset_id,
                              {'tpr': tpr, 'canonical': canonical, 'summary': summary,
                               'warnings': warnings, 'updated_at': now_iso()},
                              'attribute_exists(user_id) AND #status = :ready AND canonical.#wards = :wards',
                              {':ready': READY, ':wards': replacing}, {'#status': 'status', '#wards': 'wards.csv'})
        if updated is None:
            raise StaleTransition(f'dataset {dataset_id} was deleted, replaced or given another TPR meanwhile; '
                                  'reload it')
        return updated
