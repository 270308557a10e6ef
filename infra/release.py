"""Releases of a stage, and `make rollback STAGE=...` back to the one before.

After every apply, infra/deploy.py records the release: the version in the code bucket of
each package and the functions that run it (infra/package.py's packages.json: the API's
functions one zip, the workers another) and the versions of the web app's index.html and
config.json in the versioned frontend bucket (hashed assets are never deleted, so an old
index.html still finds its scripts). The history lives in the code bucket at
`releases/{stage}.json`, newest last.

A rollback points every function at its package's version in the previous release, puts the
previous index.html and config.json back, invalidates CloudFront and drops the failed release
from the history (a second rollback goes one further back). It changes code and the web app,
not infrastructure; Terraform puts the newer package back on the next `make deploy` (the
functions' source_code_hash differs), so roll forward by deploying a fix.
"""
import datetime
import json
import uuid

HISTORY = 'releases/{stage}.json'
WEB_ENTRY_POINTS = ('index.html', 'config.json')


class RollbackError(Exception):
    """There is nothing to roll back to; the message says why."""


def history(s3, bucket, stage):
    try:
        body = s3.get_object(Bucket=bucket, Key=HISTORY.format(stage=stage))['Body'].read()
    except s3.exceptions.NoSuchKey:
        return []
    return json.loads(body)


def _save(s3, bucket, stage, releases):
    s3.put_object(Bucket=bucket, Key=HISTORY.format(stage=stage), Body=json.dumps(releases, indent=2).encode(),
                  ContentType='application/json', ServerSideEncryption='aws:kms')


def record(stage, stack, packages, commit, s3):
    """Append the release now live (the packages' and web entry points' current versions).

    `packages`: {key in the code bucket: [names of the functions that run it]}."""
    release = {
        'commit': commit,
        'deployed_at': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'functions': sorted(name for names in packages.values() for name in names),
        'packages': [{'bucket': stack['code_bucket'], 'key': key, 'functions': sorted(names),
                      'version_id': s3.head_object(Bucket=stack['code_bucket'], Key=key)['VersionId']}
                     for key, names in sorted(packages.items())],
        'web': {key: s3.head_object(Bucket=stack['frontend_bucket'], Key=key)['VersionId']
                for key in WEB_ENTRY_POINTS},
    }
    releases = history(s3, stack['code_bucket'], stage)
    _save(s3, stack['code_bucket'], stage, releases + [release])
    return release


def packages_of(release):
    """The release's packages, each with its functions (one package for all of them in the
    releases recorded before the functions ran two)."""
    return release.get('packages') or [dict(release['package'], functions=release['functions'])]


def rollback(stage, stack, s3, lambda_, cloudfront):
    """Return the stage's functions and web app to the release before the live one; that release."""
    releases = history(s3, stack['code_bucket'], stage)
    if len(releases) < 2:
        raise RollbackError(f'{stage} has {len(releases)} recorded release(s): there is no previous '
                            'release to return to (docs/runbook.md, "Rollback")')
    live, previous = releases[-1], releases[-2]
    for package in packages_of(previous):
        for name in sorted(set(package['functions']) & set(live['functions'])):
            lambda_.update_function_code(FunctionName=name, S3Bucket=package['bucket'], S3Key=package['key'],
                                         S3ObjectVersion=package['version_id'])
    for name in sorted(set(previous['functions']) & set(live['functions'])):
        lambda_.get_waiter('function_updated_v2').wait(FunctionName=name)
    for key in WEB_ENTRY_POINTS:   # in the order a deploy writes them
        s3.copy_object(Bucket=stack['frontend_bucket'], Key=key, MetadataDirective='COPY',
                       CopySource={'Bucket': stack['frontend_bucket'], 'Key': key,
                                   'VersionId': previous['web'][key]})
    cloudfront.create_invalidation(DistributionId=stack['frontend_distribution_id'], InvalidationBatch={
        'Paths': {'Quantity': len(WEB_ENTRY_POINTS), 'Items': [f'/{key}' for key in WEB_ENTRY_POINTS]},
        'CallerReference': uuid.uuid4().hex})
    _save(s3, stack['code_bucket'], stage, releases[:-1])
    return previous
