"""The analysis queue: hands a job (user id and analysis id, nothing else) to the worker."""
import json


class JobQueue:
    def __init__(self, name, client):
        self.name = name
        self._client = client

    def send(self, user_id, analysis_id):
        url = self._client.get_queue_url(QueueName=self.name)['QueueUrl']
        self._client.send_message(QueueUrl=url, MessageBody=json.dumps(
            {'user_id': user_id, 'analysis_id': analysis_id}))
