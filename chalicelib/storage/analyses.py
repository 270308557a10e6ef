"""The Analyses table: one ranking job per item, moved through its statuses."""
from chalicelib.storage.base import StaleTransition, StatusTable, now_iso

QUEUED, RUNNING, SUCCEEDED, FAILED = 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'


class Analyses(StatusTable):
    sort_key = 'analysis_id'

    def add_artifact(self, user_id, analysis_id, name, key, content_type, size):
        """Record a stored artifact under `artifacts[name]` (a repeat overwrites it).

        Only while the analysis is RUNNING: a finished or deleted analysis gets no
        late files.
        """
        try:
            result = self._client.update_item(
                TableName=self.name, Key=self._key(user_id, analysis_id),
                UpdateExpression='SET artifacts.#name = :a, updated_at = :now',
                ConditionExpression='attribute_exists(user_id) AND #status = :running',
                ExpressionAttributeNames={'#name': name, '#status': 'status'},
                ExpressionAttributeValues=self._av({
                    ':a': {'key': key, 'content_type': content_type, 'size': size},
                    ':now': now_iso(), ':running': RUNNING}),
                ReturnValues='ALL_NEW')
        except self._error() as error:
            raise StaleTransition(f'analysis {analysis_id} is not RUNNING') from error
        return self._plain(result['Attributes'])
