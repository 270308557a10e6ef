"""The data bucket and the analysis queue as a plain boto3 client sees them (moto is active).

Tests seed here what a browser or AWS would put there, and look here at what is there
after a request, rather than through an adapter's own client: the adapters are among
the things the tests check.
"""
from chalicelib.aws import client


class Bucket:
    def __init__(self, settings):
        self.name = settings.data_bucket
        self.s3 = client('s3', settings.region)

    def put(self, key, body):
        """Store `body` at `key`, as a presigned POST would; the key."""
        self.s3.put_object(Bucket=self.name, Key=key, Body=body)
        return key

    def read(self, key):
        return self.s3.get_object(Bucket=self.name, Key=key)['Body'].read()

    def objects(self, prefix=''):
        """Every object under `prefix`, in key order."""
        pages = self.s3.get_paginator('list_objects_v2').paginate(Bucket=self.name, Prefix=prefix)
        return [o for page in pages for o in page.get('Contents', [])]

    def keys(self, prefix=''):
        return [o['Key'] for o in self.objects(prefix)]


def queue_url(settings, name=None):
    """The URL of the analysis queue (or of the queue `name`)."""
    return client('sqs', settings.region).get_queue_url(QueueName=name or settings.analysis_queue)['QueueUrl']


def queued_records(settings):
    """The analysis queue's messages as Lambda hands them to the handler."""
    got = client('sqs', settings.region).receive_message(
        QueueUrl=queue_url(settings), MaxNumberOfMessages=10, AttributeNames=['ApproximateReceiveCount'])
    return [{'messageId': m['MessageId'], 'receiptHandle': m['ReceiptHandle'], 'body': m['Body'],
             'attributes': m['Attributes']} for m in got.get('Messages', [])]
