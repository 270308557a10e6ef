"""The Datasets table: a user's uploaded ward data and its validation state."""
from chalicelib.storage.base import StaleTransition, StatusTable, now_iso

AWAITING_UPLOAD, PROCESSING, READY, INVALID = 'AWAITING_UPLOAD', 'PROCESSING', 'READY', 'INVALID'


class Datasets(StatusTable):
    sort_key = 'dataset_id'

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
