"""Create locally what Terraform owns in AWS (tables, bucket, queues, user pool).

Used by the local stack against moto server and by the unit tests in moto's
decorator mode, so both see the same resources.
"""
import json
import secrets
from dataclasses import dataclass

from chalicelib.storage.queue import (
    ANALYSIS_VISIBILITY_SECONDS, CHAT_VISIBILITY_SECONDS, DEAD_LETTER_VISIBILITY_SECONDS, MAX_RECEIVES)
from chalicelib.storage.tables import create_tables

FIFO = {'FifoQueue': 'true'}


def create_data_resources(clients, settings):
    """Tables, the data bucket, the analysis queue and the chat queue (FIFO), each with its
    dead-letter queue.

    `clients(service)` returns a boto3 client for that service.
    """
    create_tables(clients('dynamodb'), settings)
    s3 = clients('s3')
    s3.create_bucket(Bucket=settings.data_bucket,
                     CreateBucketConfiguration={'LocationConstraint': settings.region})
    sqs = clients('sqs')
    _queue_with_dead_letters(sqs, settings.analysis_queue, settings.analysis_dlq, ANALYSIS_VISIBILITY_SECONDS)
    _queue_with_dead_letters(sqs, settings.chat_queue, settings.chat_dlq, CHAT_VISIBILITY_SECONDS, FIFO)


def _queue_with_dead_letters(sqs, name, dlq_name, visibility, attributes=None):
    """A queue whose message moves to its dead-letter queue after MAX_RECEIVES receives (a FIFO
    queue's dead-letter queue is FIFO too)."""
    attributes = attributes or {}
    dlq_url = sqs.create_queue(QueueName=dlq_name, Attributes=dict(
        attributes, VisibilityTimeout=str(DEAD_LETTER_VISIBILITY_SECONDS)))['QueueUrl']
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=['QueueArn'])['Attributes']['QueueArn']
    sqs.create_queue(QueueName=name, Attributes=dict(
        attributes, VisibilityTimeout=str(visibility),
        RedrivePolicy=json.dumps({'deadLetterTargetArn': dlq_arn, 'maxReceiveCount': str(MAX_RECEIVES)})))


CUSTOM_ATTRIBUTES = ('organization', 'role', 'region')
# What the app client may read: the ID token carries exactly these claims.
READ_ATTRIBUTES = ('email', 'email_verified') + tuple(f'custom:{name}' for name in CUSTOM_ATTRIBUTES)
AUTH_FLOWS = ('ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH')


@dataclass(frozen=True)
class UserPool:
    pool_id: str
    client_id: str
    arn: str


def create_user_pool(cognito, settings):
    """The Cognito user pool and its app client, as Terraform creates them in AWS.

    Custom attributes carry the programme's organization, role and region; the app
    client allows USER_PASSWORD_AUTH and can read email and the custom attributes,
    so they appear in the ID token.
    """
    pool = cognito.create_user_pool(
        PoolName=f'chatmrpt-{settings.stage}',
        AutoVerifiedAttributes=['email'],
        Schema=[{'Name': name, 'AttributeDataType': 'String', 'Mutable': True,
                 'StringAttributeConstraints': {'MinLength': '0', 'MaxLength': '128'}}
                for name in CUSTOM_ATTRIBUTES],
    )['UserPool']
    client = cognito.create_user_pool_client(
        UserPoolId=pool['Id'], ClientName=f'chatmrpt-{settings.stage}-web', GenerateSecret=False,
        ExplicitAuthFlows=list(AUTH_FLOWS), ReadAttributes=list(READ_ATTRIBUTES),
    )['UserPoolClient']
    return UserPool(pool_id=pool['Id'], client_id=client['ClientId'], arn=pool['Arn'])


def create_user(cognito, pool_id, username, email, organization, role, region, password=None):
    """A confirmed user with a permanent password (moto fires no Cognito trigger).

    Returns the password, generated when not given.
    """
    password = password or f'Local-{secrets.token_urlsafe(12)}-9a'
    cognito.admin_create_user(
        UserPoolId=pool_id, Username=username, MessageAction='SUPPRESS',
        UserAttributes=[
            {'Name': 'email', 'Value': email},
            {'Name': 'email_verified', 'Value': 'true'},
            {'Name': 'custom:organization', 'Value': organization},
            {'Name': 'custom:role', 'Value': role},
            {'Name': 'custom:region', 'Value': region},
        ])
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    return password


def id_token(cognito, client_id, username, password):
    """An ID token for `username`, the way a browser signs in."""
    result = cognito.initiate_auth(
        ClientId=client_id, AuthFlow='USER_PASSWORD_AUTH',
        AuthParameters={'USERNAME': username, 'PASSWORD': password})
    return result['AuthenticationResult']['IdToken']
