"""The work queues: the analysis queue hands a job (user id and analysis id, nothing else) to
the analysis worker; the chat queue a turn (user id, conversation id, turn id) to the chat worker."""
import json

# The queues' settings, the one place they are written (infra/queues.tf is checked against
# them; the local stack creates its queues with them).
MAX_RECEIVES = 3                      # a job's last receive before it moves to the dead-letter queue
ANALYSIS_VISIBILITY_SECONDS = 900     # a worker's whole run fits before SQS redelivers it
DEAD_LETTER_VISIBILITY_SECONDS = 60   # its consumer only marks the analysis (or the turn) FAILED
CHAT_WORKER_SECONDS = 240             # the chat worker's Lambda timeout: six tool calls and the model's steps
CHAT_VISIBILITY_SECONDS = 300         # longer than a turn may run, so a running turn is not handed out twice


class _Queue:
    def __init__(self, name, client):
        self.name = name
        self._client = client

    def _send(self, body, **fields):
        url = self._client.get_queue_url(QueueName=self.name)['QueueUrl']
        self._client.send_message(QueueUrl=url, MessageBody=json.dumps(body), **fields)


class JobQueue(_Queue):
    def send(self, user_id, analysis_id):
        self._send({'user_id': user_id, 'analysis_id': analysis_id})


class ChatQueue(_Queue):
    """A FIFO queue: one message group per conversation, so its turns run in order and one at a
    time; the turn id deduplicates a send repeated within SQS's five minutes."""

    def send(self, user_id, conversation_id, turn_id):
        self._send({'user_id': user_id, 'conversation_id': conversation_id, 'turn_id': turn_id},
                   MessageGroupId=f'{user_id}:{conversation_id}', MessageDeduplicationId=turn_id)
