"""Create locally what Terraform owns in AWS (tables, data bucket, queues).

Used by the local stack against moto server and by the unit tests in moto's
decorator mode, so both see the same resources.
"""
import json

from chalicelib.storage.tables import create_tables

MAX_RECEIVES = 3               # then the analysis job moves to the dead-letter queue
ANALYSIS_VISIBILITY_SECONDS = 900


def create_data_resources(clients, settings):
    """Tables, the data bucket and the analysis queue with its dead-letter queue.

    `clients(service)` returns a boto3 client for that service.
    """
    create_tables(clients('dynamodb'), settings)
    s3 = clients('s3')
    s3.create_bucket(Bucket=settings.data_bucket,
                     CreateBucketConfiguration={'LocationConstraint': settings.region})
    sqs = clients('sqs')
    dlq_url = sqs.create_queue(QueueName=settings.analysis_dlq)['QueueUrl']
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=['QueueArn'])['Attributes']['QueueArn']
    sqs.create_queue(QueueName=settings.analysis_queue, Attributes={
        'RedrivePolicy': json.dumps({'deadLetterTargetArn': dlq_arn,
                                     'maxReceiveCount': str(MAX_RECEIVES)}),
        'VisibilityTimeout': str(ANALYSIS_VISIBILITY_SECONDS)})
