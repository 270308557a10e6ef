"""infra/deploy.py publishes the web app: every built file with its type and cache policy, the
stage's config.json, index.html after the assets it names, and a CloudFront invalidation."""
import json

import boto3
import pytest
from moto import mock_aws

from tests.infra.hcl import load_script

REGION = 'eu-west-1'
STACK = {'api_url': 'https://api.example/api', 'ws_url': 'wss://ws.example/api', 'region': REGION,
         'user_pool_id': 'eu-west-1_pool', 'user_pool_client_id': 'client-1',
         'frontend_bucket': 'chatmrpt-dev-frontend', 'frontend_url': 'https://d1.cloudfront.net'}


@pytest.fixture
def dist(tmp_path):
    (tmp_path / 'assets').mkdir()
    (tmp_path / 'index.html').write_text('<!doctype html><script src="/assets/index-1a.js"></script>')
    (tmp_path / 'assets' / 'index-1a.js').write_text('console.log(1)')
    (tmp_path / 'assets' / 'index-2b.css').write_text('body{}')
    (tmp_path / 'assets' / 'map-3c.js').write_text('export {}')
    (tmp_path / 'favicon.svg').write_text('<svg/>')
    (tmp_path / 'config.json').write_text('{"apiUrl": "a stale local file"}')
    (tmp_path / '.chatmrpt-built').write_text('stamp')
    return tmp_path


@pytest.fixture
def aws():
    with mock_aws():
        s3 = boto3.client('s3', region_name=REGION)
        s3.create_bucket(Bucket=STACK['frontend_bucket'], CreateBucketConfiguration={'LocationConstraint': REGION})
        cloudfront = boto3.client('cloudfront', region_name=REGION)
        distribution = cloudfront.create_distribution(DistributionConfig={
            'CallerReference': 'ref', 'Comment': '', 'Enabled': True,
            'Origins': {'Quantity': 1, 'Items': [{'Id': 'frontend', 'DomainName': 'b.s3.amazonaws.com',
                                                  'S3OriginConfig': {'OriginAccessIdentity': ''}}]},
            'DefaultCacheBehavior': {'TargetOriginId': 'frontend', 'ViewerProtocolPolicy': 'redirect-to-https',
                                     'MinTTL': 0, 'ForwardedValues': {'QueryString': False,
                                                                     'Cookies': {'Forward': 'none'}}}})
        yield s3, cloudfront, distribution['Distribution']['Id']


def test_the_built_app_and_the_stages_config_are_published_and_cloudfront_invalidated(dist, aws):
    deploy = load_script('deploy')
    s3, cloudfront, distribution_id = aws
    stack = {**STACK, 'frontend_distribution_id': distribution_id}

    keys = deploy.publish_web(stack, dist, s3, cloudfront)

    assert keys[:3] == ['assets/index-1a.js', 'assets/index-2b.css', 'assets/map-3c.js'], 'assets first'
    assert keys[-2:] == ['index.html', 'config.json'], 'the page that names the assets after them'
    listed = {item['Key'] for item in s3.list_objects_v2(Bucket=STACK['frontend_bucket'])['Contents']}
    assert listed == set(keys) == {'assets/index-1a.js', 'assets/index-2b.css', 'assets/map-3c.js',
                                   'favicon.svg', 'index.html', 'config.json'}, 'no stamp or dotfile'

    def head(key):
        answer = s3.head_object(Bucket=STACK['frontend_bucket'], Key=key)
        return answer['ContentType'], answer['CacheControl']
    immutable = 'public, max-age=31536000, immutable'
    assert head('assets/index-1a.js') == ('text/javascript; charset=utf-8', immutable)
    assert head('assets/index-2b.css') == ('text/css; charset=utf-8', immutable)
    assert head('index.html') == ('text/html; charset=utf-8', 'no-cache')
    assert head('favicon.svg') == ('image/svg+xml', 'no-cache')
    assert head('config.json') == ('application/json', 'no-cache')

    config = json.loads(s3.get_object(Bucket=STACK['frontend_bucket'], Key='config.json')['Body'].read())
    assert config == {'apiUrl': 'https://api.example/api', 'wsUrl': 'wss://ws.example/api', 'region': REGION,
                      'userPoolId': 'eu-west-1_pool', 'userPoolClientId': 'client-1',
                      'authFlow': 'USER_SRP_AUTH'}, 'AWS signs in with SRP and no endpoint override'

    invalidations = cloudfront.list_invalidations(DistributionId=distribution_id)['InvalidationList']['Items']
    assert len(invalidations) == 1
    batch = cloudfront.get_invalidation(DistributionId=distribution_id, Id=invalidations[0]['Id'])
    assert batch['Invalidation']['InvalidationBatch']['Paths']['Items'] == ['/*']
