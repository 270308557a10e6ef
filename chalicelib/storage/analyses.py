"""The Analyses table: one ranking job per item, moved through its statuses."""
from chalicelib.storage.base import StaleTransition, StatusTable, now_iso
from chalicelib.storage.leases import Lease

QUEUED, RUNNING, SUCCEEDED, FAILED = 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'
TERMINAL = (SUCCEEDED, FAILED)   # an analysis in one of these never changes again
# A live worker renews its lease while a stage runs; a dead one stops, so its lease has long
# expired when SQS redelivers the job after the queue's 900 s visibility timeout.
LEASE_SECONDS = 120


class Analyses(StatusTable):
    sort_key = 'analysis_id'

    def __init__(self, name, client):
        super().__init__(name, client)
        self.job = Lease(self, QUEUED, RUNNING, 'lease_owner', 'lease_until', LEASE_SECONDS)

    def unfinished_since(self, cutoff):
        """`(user_id, analysis_id)` of every QUEUED or RUNNING analysis created before `cutoff`
        (ISO time), across users: operations' check for analyses past their deadline. The
        status index keeps the query to the few unfinished analyses; nothing else is read."""
        found = []
        for status in (QUEUED, RUNNING):
            kwargs = dict(TableName=self.name, IndexName='status-index',
                          KeyConditionExpression='#status = :status', FilterExpression='created_at < :cutoff',
                          ExpressionAttributeNames={'#status': 'status'},
                          ExpressionAttributeValues=self._av({':status': status, ':cutoff': cutoff}),
                          ProjectionExpression='user_id, analysis_id')
            while True:
                result = self._client.query(**kwargs)
                items = [self._plain(item) for item in result.get('Items', [])]
                found.extend((item['user_id'], item['analysis_id']) for item in items)
                if 'LastEvaluatedKey' not in result:
                    break
                kwargs['ExclusiveStartKey'] = result['LastEvaluatedKey']
        return found

    def add_artifacts(self, user_id, analysis_id, artifacts):
        """Record stored artifacts, `{name: (key, content type, size)}`, under `artifacts[name]` (a
        repeat overwrites it), all in one write.

        Only while the analysis is RUNNING: a finished or deleted analysis gets no
        late files.
        """
        names = sorted(artifacts)
        try:
            result = self._client.update_item(
                TableName=self.name, Key=self._key(user_id, analysis_id),
                UpdateExpression='SET ' + ', '.join(f'artifacts.#n{i} = :a{i}' for i in range(len(names)))
                                 + ', updated_at = :now',
                ConditionExpression='attribute_exists(user_id) AND #status = :running',
                ExpressionAttributeNames={'#status': 'status', **{f'#n{i}': name for i, name in enumerate(names)}},
                ExpressionAttributeValues=self._av({
                    **{f':a{i}': dict(zip(('key', 'content_type', 'size'), artifacts[name]))
                       for i, name in enumerate(names)},
                    ':now': now_iso(), ':running': RUNNING}),
                ReturnValues='ALL_NEW')
        except self._error() as error:
            raise StaleTransition(f'analysis {analysis_id} is not RUNNING') from error
        return self._plain(result['Attributes'])

    def add_itn_plan(self, user_id, analysis_id, summary, artifacts):
        """Append a plan summary to `itn_plans` and register its files, in ONE write.

        `artifacts` maps name -> {key, content_type, size}. Only on a SUCCEEDED
        analysis (a deleted or re-run one gets no plan); StaleTransition otherwise.
        """
        names = {'#status': 'status'}
        values = {':plan': [summary], ':empty': [], ':now': now_iso(), ':succeeded': SUCCEEDED}
        sets = ['itn_plans = list_append(if_not_exists(itn_plans, :empty), :plan)', 'updated_at = :now']
        for i, (name, artifact) in enumerate(sorted(artifacts.items())):
            names[f'#a{i}'] = name
            values[f':a{i}'] = artifact
            sets.append(f'artifacts.#a{i} = :a{i}')
        try:
            result = self._client.update_item(
                TableName=self.name, Key=self._key(user_id, analysis_id),
                UpdateExpression='SET ' + ', '.join(sets),
                ConditionExpression='attribute_exists(user_id) AND #status = :succeeded',
                ExpressionAttributeNames=names, ExpressionAttributeValues=self._av(values),
                ReturnValues='ALL_NEW')
        except self._error() as error:
            raise StaleTransition(f'analysis {analysis_id} is no longer SUCCEEDED') from error
        return self._plain(result['Attributes'])
