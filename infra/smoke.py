"""Smoke test of a deployed stage: health, a signed-in request and a small analysis.

Reads the stage's endpoints from infra/stacks/<stage>.json (written by every deploy; the
local stack's .local/stack.json has the same shape, so `--stack .local/stack.json` tests
`make run`). The signed-in user exists only for the run: created in the user pool with an
organization and e-mail domain the stage allows, signed in through the admin flow (IAM
credentials, so only the deploy role can), its dataset and analysis deleted and the user
removed afterwards (from the pool and its profile from the Users table), pass or fail. The release workflow rolls the stage back when this fails.
"""
import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import pathlib
import struct
import sys
import time
import uuid

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.demo import Api, DemoError  # noqa: E402  (needs ROOT on the path)
from chalicelib.storage.users import Users  # noqa: E402
from devstack.provision import create_user  # noqa: E402

WARDS = 20                  # the small analysis: a synthetic state of this many wards
ANALYSIS_SECONDS = 600      # cold starts and a retry after a dead stage's lease fit in it


class SmokeFailed(Exception):
    """A check failed; the message says which and what was seen."""


def totp(secret, at):
    """The 6-digit TOTP code (RFC 6238, SHA-1, 30 s) of a base32 secret: an MFA-enforcing pool
    asks the new user to set up an authenticator before its first sign-in completes."""
    key = base64.b32decode(secret + '=' * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack('>Q', int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f'{(struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}'


def sign_in(cognito, stack, username, password):
    """An ID token through ADMIN_USER_PASSWORD_AUTH, setting up TOTP when the pool demands MFA."""
    pool, client = stack['user_pool_id'], stack['user_pool_client_id']
    answer = cognito.admin_initiate_auth(UserPoolId=pool, ClientId=client, AuthFlow='ADMIN_USER_PASSWORD_AUTH',
                                         AuthParameters={'USERNAME': username, 'PASSWORD': password})
    if answer.get('ChallengeName') == 'MFA_SETUP':
        secret = cognito.associate_software_token(Session=answer['Session'])
        verified = cognito.verify_software_token(Session=secret['Session'],
                                                 UserCode=totp(secret['SecretCode'], time.time()))
        answer = cognito.admin_respond_to_auth_challenge(
            UserPoolId=pool, ClientId=client, ChallengeName='MFA_SETUP', Session=verified['Session'],
            ChallengeResponses={'USERNAME': username})
    if 'AuthenticationResult' not in answer:
        raise SmokeFailed(f'sign-in stopped at the {answer.get("ChallengeName")} challenge')
    return answer['AuthenticationResult']['IdToken']


@contextlib.contextmanager
def temporary_user(cognito, users, stack, domain, organization):
    """(username, ID token) of a user made for this run; removed afterwards from the pool and, its
    profile, from the Users table (`users`: its adapter), so no trace of the run stays."""
    username = f'smoke-{uuid.uuid4().hex[:12]}@{domain}'
    password = create_user(cognito, stack['user_pool_id'], username, username, organization, 'analyst', 'NI')
    sub = next(a['Value'] for a in cognito.admin_get_user(UserPoolId=stack['user_pool_id'], Username=username)
               ['UserAttributes'] if a['Name'] == 'sub')
    try:
        yield username, sign_in(cognito, stack, username, password)
    finally:
        cognito.admin_delete_user(UserPoolId=stack['user_pool_id'], Username=username)
        users.delete(sub)


def check(name, passed, seen):
    if not passed:
        raise SmokeFailed(f'{name}: {seen}')
    print(f'  ok  {name}', flush=True)


def run(stack, cognito, users, domain, organization, analysis_seconds=ANALYSIS_SECONDS):
    """Every check in order; SmokeFailed at the first that fails."""
    health = requests.get(stack['api_url'].rstrip('/') + '/health', timeout=30)
    check('health', health.status_code == 200 and health.json().get('status') == 'ok',
          f'{health.status_code} {health.text[:200]}')
    with temporary_user(cognito, users, stack, domain, organization) as (username, token):
        api = Api(stack['api_url'], token)
        me = _call(api, 'GET', '/me')
        check('signed-in request (GET /me)', me.get('email') == username, me)
        from chalicelib.analysis.synthetic import generate_state
        dataset_id = _call(api, 'upload_dataset', 'smoke test', generate_state(WARDS, seed=1))
        try:
            dataset = _call(api, 'wait_for_dataset', dataset_id)
            check('upload processed', dataset['status'] == 'READY', dataset.get('errors'))
            analysis_id = _call(api, 'start_analysis', dataset_id)
            analysis = _wait_for_analysis(api, analysis_id, analysis_seconds)
            check('small analysis', analysis['status'] == 'SUCCEEDED', analysis.get('error') or analysis['status'])
            rankings = _call(api, 'rankings', analysis_id)
            check('rankings', len(rankings) == WARDS, f'{len(rankings)} wards ranked of {WARDS}')
            _call(api, 'DELETE', f'/analyses/{analysis_id}', expect=204)
        finally:
            _call(api, 'DELETE', f'/datasets/{dataset_id}', expect=204)


def _call(api, what, *args, **kwargs):
    """An Api method, or a plain REST call when `what` is an HTTP method; DemoError as SmokeFailed."""
    try:
        if what.isupper():
            return api.call(what, *args, **kwargs)
        return getattr(api, what)(*args, **kwargs)
    except (DemoError, requests.RequestException) as error:
        raise SmokeFailed(str(error)) from None


def _wait_for_analysis(api, analysis_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        analysis = _call(api, 'GET', f'/analyses/{analysis_id}')
        if analysis['status'] in ('SUCCEEDED', 'FAILED'):
            return analysis
        time.sleep(2)
    raise SmokeFailed(f'analysis {analysis_id} had not ended after {seconds} s')


def allowed(stage, name):
    """The first value of the stage's ALLOWED_... setting (.chalice/config.json): pre_signup refuses others."""
    config = json.loads((ROOT / '.chalice' / 'config.json').read_text())
    environment = {**config.get('environment_variables', {}),
                   **config['stages'][stage].get('environment_variables', {})}
    values = [v.strip() for v in environment.get(name, '').split(',') if v.strip()]
    if not values:
        raise SmokeFailed(f'{name} of stage {stage} is empty: the smoke test cannot make a user the stage allows')
    return values[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--stage', required=True, help='a stage of .chalice/config.json')
    parser.add_argument('--stack', type=pathlib.Path, help='default: infra/stacks/<stage>.json')
    args = parser.parse_args(argv)
    import boto3
    try:
        stack = json.loads((args.stack or ROOT / 'infra' / 'stacks' / f'{args.stage}.json').read_text())
        local = {'endpoint_url': stack['aws_endpoint_url'], 'aws_access_key_id': 'local',
                 'aws_secret_access_key': 'local'} if 'aws_endpoint_url' in stack else {}
        session = boto3.session.Session()
        cognito = session.client('cognito-idp', region_name=stack['region'], **local)
        users = Users(stack['tables']['users'], session.client('dynamodb', region_name=stack['region'], **local))
        print(f'smoke test of {args.stage} at {stack["api_url"]}', flush=True)
        run(stack, cognito, users, allowed(args.stage, 'ALLOWED_EMAIL_DOMAINS'),
            allowed(args.stage, 'ALLOWED_ORGANIZATIONS'))
    except (OSError, SmokeFailed) as error:
        print(f'smoke: FAILED: {error}', file=sys.stderr)
        return 1
    print('smoke: passed', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
