"""The S3 and SQS bridges call the app's handlers as AWS would."""
import json
import uuid

import pytest
import requests

from tests.integration.support import received, wait_for

pytestmark = pytest.mark.integration


def test_presigned_upload_reaches_the_s3_handler_with_the_key_as_uploaded(event_stack):
    folder = f'uploads/{uuid.uuid4().hex}/'
    key = folder + 'Kano wards+TPR 2024 (final).csv'
    post = event_stack.client('s3').generate_presigned_post(
        Bucket=event_stack.state['data_bucket'], Key=key, ExpiresIn=900)
    upload = requests.post(post['url'], data=post['fields'],
                           files={'file': ('wards.csv', b'WardCode,TPR\nNG001,0.4\n')}, timeout=30)
    assert upload.status_code == 204
    events = wait_for(lambda: [e for e in received(event_stack, 's3') if e['key'] == key])
    assert events, f'no S3 event for {key!r}: {received(event_stack, "s3")}'
    assert events[0]['bucket'] == event_stack.state['data_bucket']
    assert events[0]['size'] == len(b'WardCode,TPR\nNG001,0.4\n')
    # on the wire as S3 sends it: '/' kept, '+' for a space, a real '+' escaped
    assert events[0]['raw_key'].startswith(folder + 'Kano+wards%2BTPR+2024+')


def _send_job(stack, fail_times):
    job = str(uuid.uuid4())
    sqs = stack.client('sqs')
    queue_url = sqs.get_queue_url(QueueName=stack.state['analysis_queue'])['QueueUrl']
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({'id': job, 'fail_times': fail_times}))
    return job, sqs, queue_url


def _waiting(sqs, queue_url):
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
        'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'])['Attributes']
    return sum(int(value) for value in attributes.values())


def test_a_message_whose_handler_raised_is_redelivered_then_deleted(event_stack):
    job, sqs, queue_url = _send_job(event_stack, fail_times=1)
    done = wait_for(lambda: [r for r in received(event_stack, 'sqs') if r['id'] == job], seconds=30)
    assert done, 'the job was not redelivered after its handler raised'
    assert done[0]['receives'] == 2
    assert done[0]['source'].endswith(':' + event_stack.state['analysis_queue'])
    assert wait_for(lambda: _waiting(sqs, queue_url) == 0), 'the handled message was not deleted'


def test_a_message_that_always_fails_ends_in_the_dead_letter_queue(event_stack):
    job, sqs, queue_url = _send_job(event_stack, fail_times=99)
    dlq_url = sqs.get_queue_url(QueueName=event_stack.settings.analysis_dlq)['QueueUrl']

    def dead_letters():
        messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=0).get('Messages', [])
        return [m for m in messages if json.loads(m['Body'])['id'] == job]
    assert wait_for(dead_letters, seconds=40), 'the failing job never reached the dead-letter queue'
    assert not [r for r in received(event_stack, 'sqs') if r['id'] == job]
