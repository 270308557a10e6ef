"""infra/release.py in moto: each deploy recorded, a rollback returning the functions (each to its
package's version) and the web app to the release before the live one, and a second rollback going
one further back."""
import json

import boto3
import pytest
from moto import mock_aws

from tests.infra.hcl import load_script

STACK = {'code_bucket': 'chatmrpt-dev-code', 'frontend_bucket': 'chatmrpt-dev-frontend'}
PACKAGES = {'lambda/api.zip': ['chatmrpt-dev'], 'lambda/worker.zip': ['chatmrpt-dev-analysis_stage']}
FUNCTIONS = [name for names in PACKAGES.values() for name in names]


@pytest.fixture
def release():
    return load_script('release')


@pytest.fixture
def world():
    with mock_aws():
        session = boto3.session.Session(region_name='eu-west-1')
        s3, lambda_ = session.client('s3'), session.client('lambda')
        for bucket in STACK.values():
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={'LocationConstraint': 'eu-west-1'})
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={'Status': 'Enabled'})
        role = session.client('iam').create_role(RoleName='chatmrpt-dev', AssumeRolePolicyDocument='{}')['Role']['Arn']
        cloudfront = session.client('cloudfront')
        distribution = cloudfront.create_distribution(DistributionConfig={
            'CallerReference': 'x', 'Comment': '', 'Enabled': True,
            'Origins': {'Quantity': 1, 'Items': [{'Id': 'o', 'DomainName': 'b.s3.amazonaws.com',
                                                  'S3OriginConfig': {'OriginAccessIdentity': ''}}]},
            'DefaultCacheBehavior': {'TargetOriginId': 'o', 'ViewerProtocolPolicy': 'allow-all',
                                     'MinTTL': 0}})['Distribution']['Id']
        stack = dict(STACK, frontend_distribution_id=distribution)
        updates = []
        lambda_.meta.events.register('provide-client-params.lambda.UpdateFunctionCode',
                                     lambda params, **kwargs: updates.append(dict(params)))
        yield stack, s3, lambda_, cloudfront, role, updates


def deploy(release, world, n):
    """Release number `n`: its packages, its index.html and config.json, then the record;
    {function: the version of its package}."""
    stack, s3, lambda_, _, role, _ = world
    versions = {}
    for key, names in PACKAGES.items():
        version = s3.put_object(Bucket=stack['code_bucket'], Key=key, Body=f'{key} {n}'.encode())['VersionId']
        for name in names:
            versions[name] = version
            code = {'S3Bucket': stack['code_bucket'], 'S3Key': key, 'S3ObjectVersion': version}
            if n == 1:
                lambda_.create_function(FunctionName=name, Runtime='python3.11', Role=role, Handler='app.app',
                                        Code=code)
    for key in ('index.html', 'config.json'):
        s3.put_object(Bucket=stack['frontend_bucket'], Key=key, Body=f'{key} {n}'.encode())
    release.record('dev', stack, PACKAGES, f'commit{n}', s3)
    return versions


def served(world, key):
    stack, s3 = world[0], world[1]
    return s3.get_object(Bucket=stack['frontend_bucket'], Key=key)['Body'].read().decode()


def test_a_rollback_returns_functions_and_web_app_to_the_previous_release(release, world):
    stack, s3, lambda_, cloudfront, _, updates = world
    versions = [deploy(release, world, n) for n in (1, 2, 3)]

    back = release.rollback('dev', stack, s3, lambda_, cloudfront)

    assert back['commit'] == 'commit2'
    assert [(u['FunctionName'], u['S3Key'], u['S3ObjectVersion']) for u in updates] == [
        (name, key, versions[1][name]) for key, names in PACKAGES.items() for name in names]
    assert (served(world, 'index.html'), served(world, 'config.json')) == ('index.html 2', 'config.json 2')
    [invalidation] = cloudfront.list_invalidations(DistributionId=stack['frontend_distribution_id'])[
        'InvalidationList']['Items']
    assert [r['commit'] for r in release.history(s3, stack['code_bucket'], 'dev')] == ['commit1', 'commit2']

    assert release.rollback('dev', stack, s3, lambda_, cloudfront)['commit'] == 'commit1'
    assert served(world, 'index.html') == 'index.html 1'
    assert {u['FunctionName']: u['S3ObjectVersion'] for u in updates[-2:]} == versions[0]


def test_with_one_release_there_is_nothing_to_roll_back_to(release, world):
    stack, s3, lambda_, cloudfront, _, updates = world
    with pytest.raises(release.RollbackError, match='no previous release'):
        release.rollback('dev', stack, s3, lambda_, cloudfront)
    deploy(release, world, 1)
    with pytest.raises(release.RollbackError, match='1 recorded release'):
        release.rollback('dev', stack, s3, lambda_, cloudfront)
    assert updates == [] and served(world, 'index.html') == 'index.html 1'
    assert json.loads(s3.get_object(Bucket=stack['code_bucket'], Key='releases/dev.json')['Body'].read())[0][
        'functions'] == sorted(FUNCTIONS)


def test_a_release_recorded_with_one_package_for_every_function_is_rolled_back_to(release, world):
    """Releases recorded before the functions ran two packages name one package for all of them."""
    stack, s3, lambda_, cloudfront, _, updates = world
    deploy(release, world, 1)
    [first] = release.history(s3, stack['code_bucket'], 'dev')
    old = {key: first[key] for key in ('commit', 'deployed_at', 'functions', 'web')}
    old['package'] = {'bucket': stack['code_bucket'], 'key': 'lambda/deployment.zip', 'version_id': 'v-old'}
    s3.put_object(Bucket=stack['code_bucket'], Key='releases/dev.json', Body=json.dumps([old]).encode())
    deploy(release, world, 2)
    assert release.rollback('dev', stack, s3, lambda_, cloudfront)['commit'] == 'commit1'
    assert [(u['FunctionName'], u['S3Key'], u['S3ObjectVersion']) for u in updates] == [
        (name, 'lambda/deployment.zip', 'v-old') for name in sorted(FUNCTIONS)]
