"""The real local stack (`python -m devstack`) run as a subprocess on free ports.

A subprocess keeps the stack's environment (endpoint, pool ids) out of the unit
tests, which run moto in decorator mode in the pytest process.
"""
import json
import time
import uuid
from dataclasses import dataclass

import requests

from devstack.process import StackProcess


@dataclass(frozen=True)
class User:
    username: str
    password: str
    token: str
    sub: str


class LocalStack(StackProcess):
    """The stack process (devstack.process) with what the tests add: its settings, new users,
    plain requests."""

    @property
    def settings(self):
        """The stack's Settings, as the app inside it sees them."""
        from chalicelib.config import settings
        s = self.state
        return settings({'STAGE': s['stage'], 'AWS_REGION': s['region'],
                         'USER_POOL_ID': s['user_pool_id'],
                         'USER_POOL_CLIENT_ID': s['user_pool_client_id'],
                         'JWKS_URL': s['jwks_url'], 'DATA_BUCKET': s['data_bucket'],
                         'ANALYSIS_QUEUE': s['analysis_queue'],
                         **{f'{role.upper()}_TABLE': name for role, name in s['tables'].items()}})

    def create_user(self, role='analyst', organization='org-a', region='NI', email=None):
        """A new confirmed user in the stack's pool, signed in."""
        from devstack.provision import create_user
        email = email or f'user-{uuid.uuid4().hex[:8]}@example.org'
        cognito = self.client('cognito-idp')
        password = create_user(cognito, self.state['user_pool_id'], email, email,
                               organization, role, region)
        sub = next(a['Value'] for a in cognito.admin_get_user(
            UserPoolId=self.state['user_pool_id'], Username=email)['UserAttributes']
            if a['Name'] == 'sub')
        return User(email, password, self.token_for(email, password), sub)

    def request(self, method, path, token=None, json=None, headers=None):
        headers = dict(headers or {})
        if token is not None:
            headers['Authorization'] = f'Bearer {token}'
        return requests.request(method, self.api_url + path, json=json, headers=headers, timeout=30)


def wait_for(check, seconds=20, interval=0.2):
    """The first truthy result of `check()`, or None after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    return None


def received(stack, kind):
    """What the test app's handlers recorded under received/{kind}/."""
    s3 = stack.client('s3')
    bucket = stack.state['data_bucket']
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f'received/{kind}/').get('Contents', [])
    return [json.loads(s3.get_object(Bucket=bucket, Key=item['Key'])['Body'].read())
            for item in listing]
