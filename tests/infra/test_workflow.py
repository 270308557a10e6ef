"""The analysis state machine's definition as AWS gets it: valid ASL (asl-validator, offline),
the one the local stack runs, and created by Terraform with its role, log, tracing and alarms."""
import json
import shutil
import subprocess

import pytest

from chalicelib.analyses import workflow
from devstack.stepfunctions import check_definition
from tests.infra.hcl import ROOT, as_list
from tests.infra.test_package import terraform  # noqa: F401  (the initialised package, a fixture)

ASL_VALIDATOR = ROOT / 'tools' / 'node_modules' / '.bin' / 'asl-validator'
FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:chatmrpt-dev-analysis_stage'


def asl_validator(definition):
    if not ASL_VALIDATOR.exists():
        pytest.fail('tools/node_modules is missing: run `make node-tools` (make test does)')
    return subprocess.run([str(ASL_VALIDATOR), '--json-definition', json.dumps(definition)],
                          capture_output=True, text=True, timeout=60)


def test_the_definition_is_valid_states_language():
    proc = asl_validator(workflow.state_machine(FUNCTION))
    assert proc.returncode == 0 and 'is valid' in proc.stdout, proc.stdout + proc.stderr


def test_asl_validator_refuses_a_broken_definition():
    broken = workflow.state_machine(FUNCTION)
    broken['States']['prepare']['Next'] = 'nowhere'
    proc = asl_validator(broken)
    assert proc.returncode == 1 and 'nowhere' in proc.stdout + proc.stderr


def test_the_package_carries_the_definition_the_local_stack_runs(package):
    out, _ = package
    tf = json.loads((out / 'chalice.tf.json').read_text())
    packaged = json.loads(tf['locals']['analysis_workflow'])
    assert packaged == workflow.state_machine('${aws_lambda_function.analysis_stage.arn}')
    check_definition(packaged)
    rule = tf['resource']['aws_cloudwatch_event_rule']['on_analysis_execution_ended-event']
    assert rule['name'] == '${local.prefix}-on_analysis_execution_ended-event'
    assert json.loads(rule['event_pattern'])['detail']['stateMachineArn'] == ['${local.analysis_state_machine_arn}']
    for function in tf['resource']['aws_lambda_function'].values():
        assert function['environment']['variables']['ANALYSIS_STATE_MACHINE_ARN'] == '${local.analysis_state_machine_arn}'


def test_terraform_creates_the_state_machine_from_the_package(terraform):  # noqa: F811
    run, directory = terraform
    tests = directory / 'tests'
    shutil.rmtree(tests, ignore_errors=True)
    tests.mkdir()
    shutil.copy2(ROOT / 'tests' / 'infra' / 'workflow_plan.tftest.hcl', tests)
    assert '4 passed, 0 failed' in run('test')


def statements(document):
    return {s['sid']: s for s in as_list(document.get('statement'))}


def test_the_state_machine_may_only_invoke_the_stage_function_and_the_app_only_start_it(infra):
    documents = infra.blocks('data', 'aws_iam_policy_document')
    machine = statements(documents['analysis_workflow'])
    assert as_list(machine['InvokeStages']['actions']) == ['lambda:InvokeFunction']
    assert as_list(machine['InvokeStages']['resources']) == [
        '${aws_lambda_function.analysis_stage.arn}', '${aws_lambda_function.analysis_stage.arn}:*']
    trust = documents['states_trust']['statement']
    assert trust['principals']['identifiers'] == 'states.amazonaws.com'
    app = statements(documents['lambda'])['Workflows']
    assert (as_list(app['actions']), as_list(app['resources'])) == (
        ['states:StartExecution'], ['${local.analysis_state_machine_arn}'])
    state_machine = infra.blocks('resource', 'aws_sfn_state_machine')['analysis']
    assert state_machine['definition'] == '${local.analysis_workflow}'
    assert state_machine['tracing_configuration'] == {'enabled': True}
    assert state_machine['encryption_configuration']['kms_key_id'] == '${aws_kms_key.data.arn}'


def test_the_pipeline_roles_trust_only_their_environment_or_pull_requests(infra):
    trust = infra.blocks('data', 'aws_iam_policy_document')['github_trust']
    assert trust['for_each'] == {'deploy': 'environment:${var.stage}', 'plan': 'pull_request'}
    conditions = {c['variable']: as_list(c['values']) for c in as_list(trust['statement']['condition'])}
    assert conditions == {'${local.github_oidc}:aud': ['sts.amazonaws.com'],
                          '${local.github_oidc}:sub': ['repo:${var.github_repository}:${each.value}']}
    deny = statements(infra.blocks('data', 'aws_iam_policy_document')['plan_no_user_data'])
    assert all(s['effect'] == 'Deny' for s in deny.values())
    assert as_list(deny['NoUserObjects']['resources']) == ['${module.data_bucket.arn}/*']
    deploy = statements(infra.blocks('data', 'aws_iam_policy_document')['deploy'])
    assert deploy['AttachKnownPolicies']['condition']['variable'] == 'iam:PolicyARN'
    assert 'iam:AttachRolePolicy' not in as_list(deploy['StageRoles']['actions'])
