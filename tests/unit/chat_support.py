"""Test helpers of the chat: the chat queue as Lambda hands its records over, and conversations
put in place through the REST routes."""
import json

from chalicelib.aws import client
from tests.raw_aws import queue_url


def chat_records(settings, name=None):
    """The chat queue's (or its DLQ's) messages as Lambda hands them to the handler, with the
    FIFO group and deduplication id SQS kept."""
    got = client('sqs', settings.region).receive_message(
        QueueUrl=queue_url(settings, name or settings.chat_queue), MaxNumberOfMessages=10, AttributeNames=['All'])
    return [{'messageId': m['MessageId'], 'receiptHandle': m['ReceiptHandle'], 'body': m['Body'],
             'attributes': m['Attributes']} for m in got.get('Messages', [])]


def handed_over(settings):
    """The chat queue's records, deleted as Lambda deletes them once handled: the FIFO group
    hands out a conversation's next turn only then."""
    records = chat_records(settings)
    url = queue_url(settings, settings.chat_queue)
    for record in records:
        client('sqs', settings.region).delete_message(QueueUrl=url, ReceiptHandle=record['receiptHandle'])
    return records


def chat_jobs(settings):
    return [json.loads(record['body']) for record in chat_records(settings)]


def conversation(caller, **body):
    """A new conversation of `caller`; its id."""
    response = caller.post('/conversations', body)
    assert response.status_code == 201, response.json_body
    return response.json_body['conversation_id']


def say(caller, conversation_id, text, **body):
    """`text` posted to the conversation; the 202 body."""
    response = caller.post(f'/conversations/{conversation_id}/messages', dict(body, text=text))
    assert response.status_code == 202, response.json_body
    return response.json_body
