"""infra/deploy.py: what it asks Terraform for, and what it refuses before touching a stage."""
import json

import pytest

from tests.infra.hcl import load_script


@pytest.fixture(scope='module')
def deploy():
    return load_script('deploy')


def test_state_is_one_key_per_stage_in_the_state_bucket(deploy):
    args = deploy.backend_args('prod', 'tfstate-123', 'eu-west-1')
    assert '-backend-config=bucket=tfstate-123' in args
    assert '-backend-config=key=chatmrpt/prod/terraform.tfstate' in args
    assert '-backend-config=encrypt=true' in args
    with pytest.raises(deploy.DeployError, match='TF_STATE_BUCKET'):
        deploy.backend_args('prod', '', 'eu-west-1')


def test_outputs_become_the_stack_file(deploy):
    names = ('region', 'user_pool_id', 'user_pool_client_id', 'identity_pool_id', 'data_bucket',
             'frontend_bucket', 'frontend_url', 'tables', 'alarm_topic_arn')
    outputs = {name: {'value': f'v-{name}'} for name in names}
    outputs['EndpointURL'] = {'value': 'https://api.example/api'}
    stack = deploy.stack(outputs)
    assert stack['api_url'] == 'https://api.example/api'
    assert stack['ws_url'] is None
    assert stack['user_pool_client_id'] == 'v-user_pool_client_id'


def test_every_output_the_stack_file_reads_is_declared(deploy, infra):
    declared = set(infra.blocks('output'))
    outputs = {name: {'value': name} for name in declared | {'EndpointURL', 'WebsocketConnectEndpointURL'}}
    assert set(deploy.stack(outputs)) >= {'api_url', 'user_pool_id', 'tables'}


def test_a_build_for_another_stage_is_refused(deploy, tmp_path, monkeypatch, capsys):
    (tmp_path / 'chalice.auto.tfvars.json').write_text(json.dumps({'stage': 'dev'}))
    monkeypatch.setattr(deploy, 'BUILD', tmp_path)
    assert deploy.main(['apply', '--stage', 'prod', '--state-bucket', 'b']) == 1
    assert "build/ holds stage 'dev', not 'prod'" in capsys.readouterr().err
    monkeypatch.setattr(deploy, 'BUILD', tmp_path / 'absent')
    assert deploy.main(['destroy', '--stage', 'dev', '--state-bucket', 'b']) == 1
