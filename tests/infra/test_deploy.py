"""infra/deploy.py: what it asks Terraform for, and what it refuses before touching a stage."""
import json

import pytest

from tests.infra.hcl import load_script, normalize


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
             'frontend_bucket', 'frontend_url', 'frontend_distribution_id', 'tables', 'alarm_topic_arn',
             'code_bucket')
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


def fake_terraform(directory, version):
    """A `terraform` on PATH that reports `version` and logs every command line it is given."""
    script = directory / 'terraform'
    script.write_text(f'#!/bin/sh\necho "$@" >> "{directory}/calls"\necho "Terraform v{version}"\n'
                      'echo "on linux_amd64"\n')
    script.chmod(0o755)
    return directory / 'calls'


def test_a_terraform_without_the_state_lock_file_is_refused_before_init(deploy, tmp_path, monkeypatch, capsys):
    calls = fake_terraform(tmp_path, '1.9.8')
    monkeypatch.setenv('PATH', str(tmp_path))
    (tmp_path / 'chalice.auto.tfvars.json').write_text(json.dumps({'stage': 'dev'}))
    monkeypatch.setattr(deploy, 'BUILD', tmp_path)
    assert deploy.main(['plan', '--stage', 'dev', '--state-bucket', 'b']) == 1
    assert 'Terraform 1.9.8; the S3 state lock file needs >= 1.10' in capsys.readouterr().err
    assert calls.read_text().split('\n')[:-1] == ['version'], 'nothing but the version check ran'


@pytest.mark.parametrize('version', ['1.10.0', '1.11.4', '2.0.1'])
def test_a_terraform_with_the_state_lock_file_is_used(deploy, tmp_path, monkeypatch, version):
    fake_terraform(tmp_path, version)
    monkeypatch.setenv('PATH', str(tmp_path))
    assert deploy.Terraform(tmp_path).binary == str(tmp_path / 'terraform')


def test_the_version_deploy_checks_is_the_one_the_configuration_requires(deploy, infra):
    required = normalize(infra.files['versions.tf']['terraform'])['required_version']
    assert required == '>= %d.%d' % deploy.MIN_TERRAFORM
    assert '-backend-config=use_lockfile=true' in deploy.backend_args('dev', 'b', 'eu-west-1')
