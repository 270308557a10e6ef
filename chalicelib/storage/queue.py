"""The analysis queue: hands a job (user id and analysis id, nothing else) to the worker."""
import json

# The analysis queue's settings, the one place they are written (infra/queues.tf is checked
# against them; the local stack creates its queues with them).
MAX_RECEIVES = 3                      # a job's last receive before it moves to the dead-letter queue
ANALYSIS_VISIBILITY_SECONDS = 900     # a worker's whole run fits before SQS redelivers it
DEAD_LETTER_VISIBILITY_SECONDS = 60   # its consumer only marks the analysis FAILED


class JobQueue:
    def __init__(self, name, client):
        self.name = name
        self._client = client

    def send(self, user_id, analysis_id):
        url = self._client.get_queue_url(QueueName=self.name)['QueueUrl']
        self._client.send_message(QueueUrl=url, MessageBody=json.dumps(
            {'user_id': user_id, 'analysis_id': analysis_id}))
