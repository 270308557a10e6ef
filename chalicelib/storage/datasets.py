"""The Datasets table: a user's uploaded ward data and its validation state."""
from chalicelib.storage.base import StaleTransition, StatusTable, now_iso

AWAITING_UPLOAD, PROCESSING, READY, INVALID = 'AWAITING_UPLOAD', 'PROCESSING', 'READY', 'INVALID'


class Datasets(StatusTable):
    sort_key = 'dataset_id'

    def set_tpr(self, user_id, dataset_id, tpr, canonical, summary, warnings):
        """Record a ward TPR computed for a READY dataset, with the canonical files and
        summary that now carry it, in one conditional write; StaleTransition when the
        dataset is no longer READY (deleted, or being replaced)."""
        updated = self.update(user_id, dataset_id,
                              {'tpr': tpr, 'canonical': canonical, 'summary': summary,
                               'warnings': warnings, 'updated_at': now_iso()},
                              'attribute_exists(user_id) AND #status = :ready', {':ready': READY},
                              {'#status': 'status'})
        if updated is None:
            raise StaleTransition(f'dataset {dataset_id} is no longer READY; reload it')
        return updated

    def append_warning(self, user_id, dataset_id, warning):
        """Add one warning to a READY dataset; False when it is no longer READY."""
        try:
            self._client.update_item(
                TableName=self.name, Key=self._key(user_id, dataset_id),
                UpdateExpression='SET warnings = list_append(if_not_exists(warnings, :none), :w), updated_at = :now',
                ConditionExpression='attribute_exists(user_id) AND #status = :ready',
                ExpressionAttributeNames={'#status': 'status'},
                ExpressionAttributeValues=self._av({':none': [], ':w': [warning], ':now': now_iso(),
                                                    ':ready': READY}))
        except self._error():
            return False
        return True
