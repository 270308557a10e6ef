"""The storage objects of one invocation, built from the settings.

Constructors are cheap and the boto3 clients underneath are cached by
chalicelib.aws, so every request gets fresh stores and nothing user-related
survives it.
"""
from dataclasses import dataclass

from chalicelib import aws
from chalicelib.storage.analyses import Analyses
from chalicelib.storage.audit import AuditLog
from chalicelib.storage.connections import Connections
from chalicelib.storage.datasets import Datasets
from chalicelib.storage.objects import Objects, signing_client
from chalicelib.storage.queue import JobQueue
from chalicelib.storage.sessions import Sessions
from chalicelib.storage.users import Users


@dataclass(frozen=True)
class Stores:
    users: Users
    datasets: Datasets
    analyses: Analyses
    sessions: Sessions
    connections: Connections
    audit: AuditLog
    objects: Objects
    jobs: JobQueue


def stores(settings):
    dynamo = aws.client('dynamodb', settings.region)
    return Stores(
        users=Users(settings.users_table, dynamo),
        datasets=Datasets(settings.datasets_table, dynamo),
        analyses=Analyses(settings.analyses_table, dynamo),
        sessions=Sessions(settings.sessions_table, dynamo),
        connections=Connections(settings.connections_table, dynamo),
        audit=AuditLog(settings.audit_table, dynamo),
        objects=Objects(settings.data_bucket, signing_client(settings.region)),
        jobs=JobQueue(settings.analysis_queue, aws.client('sqs', settings.region)),
    )
