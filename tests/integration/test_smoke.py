"""infra/smoke.py, the check the release workflow runs after every deploy (and rolls back on),
run here against the real local stack: it passes on a working stage and fails, naming the
check, on one that does not answer."""
import json
import subprocess
import sys

from tests.infra.hcl import INFRA


def smoke(stack_file):
    return subprocess.run([sys.executable, str(INFRA / 'smoke.py'), '--stage', 'local', '--stack', str(stack_file)],
                          capture_output=True, text=True, timeout=300)


def test_the_smoke_test_passes_on_a_working_stage_and_leaves_no_user_behind(stack):
    done = smoke(stack.state_dir / 'stack.json')
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ('health', 'signed-in request (GET /me)', 'upload processed', 'small analysis', 'rankings'):
        assert f'ok  {check}' in done.stdout
    users = stack.client('cognito-idp').list_users(UserPoolId=stack.state['user_pool_id'])['Users']
    assert not [u for u in users if u['Username'].startswith('smoke-')]
    profiles = stack.client('dynamodb').scan(TableName=stack.state['tables']['users'])['Items']
    assert not [p for p in profiles if p['email']['S'].startswith('smoke-')], 'its profile stayed in Users'


def test_the_smoke_test_fails_naming_the_check_when_the_stage_does_not_answer(stack, tmp_path):
    dead = dict(stack.state, api_url='http://127.0.0.1:9')    # nothing listens on the discard port
    (tmp_path / 'stack.json').write_text(json.dumps(dead))
    done = smoke(tmp_path / 'stack.json')
    assert done.returncode == 1 and 'smoke: FAILED' in done.stderr
    assert 'ok  health' not in done.stdout
