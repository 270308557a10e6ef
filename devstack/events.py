"""S3 and SQS event sources for the app, bridged through moto's queues.

moto can notify S3 events only to SQS (Lambda targets need Docker), so each
`on_s3_event` bucket notifies a bridge queue and a poller calls the app's handler
with the record real S3 would send. Each `on_sqs_message` queue is polled like
Lambda's event source mapping: a batch succeeds and is deleted, or fails and
stays for redelivery (the queue's redrive policy still counts the receives).
"""
import json
import logging
import threading
import urllib.parse

from chalice.app import S3EventConfig, SQSEventConfig
from chalice.local import LambdaContext

log = logging.getLogger('devstack.events')

POLL_SECONDS = 1               # long-poll wait: also how quickly a bridge notices stop()
RETRY_DELAY_SECONDS = 2        # a failed batch is visible again this soon (AWS: the queue's timeout)
S3_MAX_ATTEMPTS = 3            # Lambda's asynchronous invocation: one try and two retries
HANDLER_TIMEOUT_MS = 900_000


def s3_key_as_sent_by_s3(moto_key):
    """The object key encoded as S3 sends it in events.

    moto quote_plus-encodes the whole key (`/` too); S3 URL-encodes with `+` for a
    space and leaves `/` alone. Chalice's S3Event.key decodes with unquote_plus.
    """
    return urllib.parse.quote_plus(urllib.parse.unquote_plus(moto_key), safe='/')


def s3_record(moto_record):
    """A record of the shape S3 delivers, from the one moto put on the bridge queue."""
    s3 = moto_record['s3']
    return {
        **moto_record,
        'userIdentity': {'principalId': 'AWS:LOCAL'},
        'requestParameters': {'sourceIPAddress': '127.0.0.1'},
        'responseElements': {'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL'},
        's3': {
            **s3,
            'bucket': {**s3['bucket'], 'ownerIdentity': {'principalId': 'LOCAL'}},
            'object': {**s3['object'], 'key': s3_key_as_sent_by_s3(s3['object']['key']),
                       'sequencer': '0'},
        },
    }


def _lower_first(name):
    return name[:1].lower() + name[1:]


def sqs_record(message, queue_arn, region):
    """A Lambda SQS record (camelCase message attributes) from a ReceiveMessage entry."""
    return {
        'messageId': message['MessageId'],
        'receiptHandle': message['ReceiptHandle'],
        'body': message['Body'],
        'attributes': message.get('Attributes', {}),
        'messageAttributes': {
            name: {_lower_first(k): v for k, v in value.items()}
            for name, value in message.get('MessageAttributes', {}).items()},
        'md5OfBody': message['MD5OfBody'],
        'eventSource': 'aws:sqs',
        'eventSourceARN': queue_arn,
        'awsRegion': region,
    }


class QueuePoller:
    """Polls one queue in a thread and hands each batch to `handle(messages)`.

    `handle` returns the messages to delete; the others are made visible again
    after RETRY_DELAY_SECONDS.
    """

    def __init__(self, sqs, queue_url, batch_size, handle, name):
        self._sqs = sqs
        self._queue_url = queue_url
        self._batch_size = max(1, min(batch_size, 10))
        self._handle = handle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f'poll-{name}', daemon=True)

    def start(self):
        self._thread.start()
        return self

    def request_stop(self):
        self._stop.set()

    def join(self):
        self._thread.join(POLL_SECONDS + 10)

    def _run(self):
        while not self._stop.is_set():
            try:
                self._poll_once()
            except Exception:
                log.exception('queue poll failed', extra={'queue_url': self._queue_url})
                self._stop.wait(POLL_SECONDS)

    def _poll_once(self):
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=POLL_SECONDS, AttributeNames=['All'],
            MessageAttributeNames=['All']).get('Messages', [])
        if not messages:
            return
        done = self._handle(messages)
        done_ids = {m['MessageId'] for m in done}
        failed = [m for m in messages if m['MessageId'] not in done_ids]
        if done:
            self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=[
                {'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']} for i, m in enumerate(done)])
        if failed:
            self._sqs.change_message_visibility_batch(QueueUrl=self._queue_url, Entries=[
                {'Id': str(i), 'ReceiptHandle': m['ReceiptHandle'], 'VisibilityTimeout': RETRY_DELAY_SECONDS}
                for i, m in enumerate(failed)])


def _call(app, name, event):
    context = LambdaContext(name, 1024, HANDLER_TIMEOUT_MS)
    app.handler_map[name](event, context)


def sqs_handler(app, source, queue_arn, region):
    """`handle` for a poller of an on_sqs_message queue: the whole batch succeeds or fails."""
    def handle(messages):
        event = {'Records': [sqs_record(m, queue_arn, region) for m in messages]}
        try:
            _call(app, source.name, event)
        except Exception:
            log.exception('SQS handler failed; the batch will be redelivered',
                          extra={'handler': source.name, 'messages': len(messages)})
            return []
        return messages
    return handle


def s3_handler(app, source):
    """`handle` for a bridge queue: each S3 record goes to the handler, retried like Lambda."""
    def handle(messages):
        done = []
        for message in messages:
            body = json.loads(message['Body'])
            attempt = int(message['Attributes']['ApproximateReceiveCount'])
            try:
                for record in body.get('Records', []):   # none in moto's s3:TestEvent
                    _call(app, source.name, {'Records': [s3_record(record)]})
                done.append(message)
            except Exception:
                given_up = attempt >= S3_MAX_ATTEMPTS
                log.exception('S3 handler failed' + ('; event dropped' if given_up else '; will retry'),
                              extra={'handler': source.name, 'attempt': attempt})
                if given_up:
                    done.append(message)
        return done
    return handle


def _queue_arn(sqs, queue_url):
    return sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=['QueueArn'])['Attributes']['QueueArn']


def _s3_notifications(sqs, sources):
    """A bridge queue per S3 source, and each bucket's notification configuration."""
    by_bucket = {}
    queues = {}
    for source in sources:
        queue_url = sqs.create_queue(QueueName=f'devstack-s3-{source.name}')['QueueUrl']
        queues[source.name] = queue_url
        rules = [{'Name': part, 'Value': value}
                 for part, value in (('prefix', source.prefix), ('suffix', source.suffix)) if value]
        config = {'Id': source.name, 'QueueArn': _queue_arn(sqs, queue_url), 'Events': source.events}
        if rules:
            config['Filter'] = {'Key': {'FilterRules': rules}}
        by_bucket.setdefault(source.bucket, []).append(config)
    return queues, by_bucket


def start_bridges(app, clients, region, handled=()):
    """Start a poller for every S3 and SQS event source of `app`; returns them. `handled`: the
    event source types another part of the stack serves (the local Step Functions' EventBridge rule)."""
    sqs = clients('sqs')
    s3_sources = [s for s in app.event_sources if isinstance(s, S3EventConfig)]
    queues, by_bucket = _s3_notifications(sqs, s3_sources)
    for bucket, configs in by_bucket.items():
        clients('s3').put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={'QueueConfigurations': configs})
    pollers = [QueuePoller(sqs, queues[s.name], 10, s3_handler(app, s), s.name) for s in s3_sources]
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            name = source.queue or source.queue_arn.rsplit(':', 1)[-1]
            queue_url = sqs.get_queue_url(QueueName=name)['QueueUrl']
            handle = sqs_handler(app, source, _queue_arn(sqs, queue_url), region)
            pollers.append(QueuePoller(sqs, queue_url, source.batch_size, handle, source.name))
    unsupported = sorted(s.name for s in app.event_sources
                         if not isinstance(s, (S3EventConfig, SQSEventConfig, *handled)))
    if unsupported:
        log.info('functions that run in AWS only (nothing locally sends their events)',
                 extra={'functions': unsupported})
    return [poller.start() for poller in pollers]


def stop_all(pollers):
    """Stop every poller; they finish their current long poll together, not one by one."""
    for poller in pollers:
        poller.request_stop()
    for poller in pollers:
        poller.join()
