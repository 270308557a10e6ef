"""A whole migration into the real local stack, through the command line an operator runs:
plan, apply (the stack's S3 bridge validates the uploads, its worker re-runs the analyses),
apply again, verify, the migrated people signing in and finding their data, rollback."""
import json
import os
import subprocess
import sys

import pytest

from devstack.process import ROOT
from tests.integration.support import LocalStack
from tests.migration.conftest import team
from tests.migration.instances import real_uploads

pytestmark = pytest.mark.integration
NEW_PASSWORD = 'Migrated-Passw0rd!'


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    running = LocalStack(tmp_path_factory.mktemp('migration-stack'), 'app:app').start()
    yield running
    running.stop()


def command(stack, *args):
    """`python -m migration ...` against the stack, with an environment as an operator's shell has it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('AWS_')}
    return subprocess.run([sys.executable, '-m', 'migration', *args, '--stack', str(stack.state_dir / 'stack.json')],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def sign_in_first_time(stack, email):
    """The forced reset: the temporary password Cognito mailed, then a new one, as the web app asks."""
    cognito = stack.client('cognito-idp')
    pool, client = stack.state['user_pool_id'], stack.state['user_pool_client_id']
    assert cognito.admin_get_user(UserPoolId=pool, Username=email)['UserStatus'] == 'FORCE_CHANGE_PASSWORD'
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password='Temporary-9pass!', Permanent=False)
    challenge = cognito.initiate_auth(ClientId=client, AuthFlow='USER_PASSWORD_AUTH',
                                      AuthParameters={'USERNAME': email, 'PASSWORD': 'Temporary-9pass!'})
    assert challenge['ChallengeName'] == 'NEW_PASSWORD_REQUIRED'
    return cognito.respond_to_auth_challenge(
        ClientId=client, ChallengeName='NEW_PASSWORD_REQUIRED', Session=challenge['Session'],
        ChallengeResponses={'USERNAME': email, 'NEW_PASSWORD': NEW_PASSWORD})['AuthenticationResult']['IdToken']


def keys_under(stack, sub):
    s3 = stack.client('s3')
    return [o['Key'] for prefix in (f'users/{sub}/', f'uploads/{sub}/')
            for o in s3.list_objects_v2(Bucket=stack.state['data_bucket'], Prefix=prefix).get('Contents', [])]


def test_a_whole_migration_into_the_local_stack(stack, tmp_path, shared_data):
    instance = team(tmp_path / 'instance', tmp_path / 'unpickled', real_uploads(shared_data))
    manifest = tmp_path / 'run.json'
    source = ('--instance', str(instance.root), '--mapping', str(instance.mapping))

    plan = command(stack, 'plan', *source)
    assert plan.returncode == 0, plan.stderr
    assert 'user alice@example.org' in plan.stdout and 'carol@example.org' in plan.stdout
    assert 'no row in the mapping file' in plan.stdout

    first = command(stack, 'apply', *source, '--manifest', str(manifest), '--wait', '120')
    assert first.returncode == 0, first.stdout + first.stderr
    report = json.loads(manifest.read_text())['report']
    verdicts = sorted((d['email'], c['file'], c['reproduced'])
                      for d in report['datasets'] for c in d['comparisons'] or () if c['comparable'])
    assert verdicts == [('alice@example.org', 'analysis_vulnerability_rankings.csv', True),
                        ('alice@example.org', 'analysis_vulnerability_rankings_pca.csv', True),
                        ('alice@example.org', 'tpr_results.csv', True),
                        ('bob@example.org', 'analysis_vulnerability_rankings.csv', False)], first.stdout  # reordered
    assert 'DIFFERS' in first.stdout and 'INVALID' in first.stdout

    again = command(stack, 'apply', *source, '--manifest', str(manifest), '--wait', '120')
    assert again.returncode == 0 and 'created this time: nothing' in again.stdout, again.stdout

    checked = command(stack, 'verify', str(manifest))
    assert checked.returncode == 0 and 'verify: OK' in checked.stdout, checked.stdout

    entries = json.loads(manifest.read_text())['entries']
    alice = next(e['user_id'] for e in entries if e['kind'] == 'cognito_user' and e['email'] == 'alice@example.org')
    token = sign_in_first_time(stack, 'alice@example.org')
    me = stack.request('GET', '/me', token).json()
    assert (me['user_id'], me['organization'], me['role'], me['region']) == (alice, 'demo-org', 'analyst', 'NI')
    listed = stack.request('GET', '/conversations', token).json()['items']
    assert [c['title'] for c in listed] == ['TPR workflow', 'Niger risk analysis']     # newest first
    niger = stack.request('GET', f'/conversations/{listed[1]["conversation_id"]}', token).json()
    assert [m['role'] for m in niger['messages']] == ['user', 'assistant', 'user', 'assistant']
    assert niger['messages'][0]['text'] == 'run the malaria risk analysis'
    assert niger['messages'][0]['created_at'].startswith('2024-05-01T09:00:00')
    rankings = stack.request('GET', f'/analyses/{niger["analysis_id"]}/rankings?limit=3', token).json()['items']
    assert rankings[0]['composite_rank'] == 1
    bob = stack.create_user(email='someone-else@example.org')
    assert stack.request('GET', f'/datasets/{niger["dataset_id"]}', bob.token).status_code == 404
    assert keys_under(stack, alice)

    undone = command(stack, 'rollback', str(manifest), '--yes')
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert keys_under(stack, alice) == []
    cognito = stack.client('cognito-idp')
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=stack.state['user_pool_id'], Username='alice@example.org')
    assert command(stack, 'verify', str(manifest)).returncode == 1
    assert not (tmp_path / 'unpickled').exists()
