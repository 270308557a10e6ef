"""Apply or destroy a stage with Terraform (`make deploy`, `make destroy`).

Works on build/, the root module `make package` writes (Chalice's functions and
APIs plus infra/*.tf). State lives in S3, one key per stage: set TF_STATE_BUCKET
(and TF_STATE_REGION when the state bucket is elsewhere). docs/runbook.md walks
through a first deployment, a rollback and a teardown.

The app's Cognito ids need no hand-copying: Terraform resolves them into every
function's environment (USER_POOL_ARN, USER_POOL_ID, USER_POOL_CLIENT_ID) and
into the REST authorizer. After an apply the outputs the web app and operators
need are written to infra/stacks/<stage>.json, in the shape of the local
stack's .local/stack.json.

The web app is built before Terraform runs (a broken build changes nothing) and
published after it: web/dist to the frontend bucket, hashed assets first, then
index.html and a config.json from the outputs, then a CloudFront invalidation.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack import web  # noqa: E402  (needs ROOT on the path)
from infra import release  # noqa: E402

BUILD = ROOT / 'build'
STACKS = ROOT / 'infra' / 'stacks'
PLAN_FILE = 'tfplan'
# The S3 state lock file (use_lockfile below) came in Terraform 1.10; infra/versions.tf requires the same.
MIN_TERRAFORM = (1, 10)


class DeployError(Exception):
    """The stage cannot be applied or destroyed as asked; the message says what to do."""


def backend_args(stage, state_bucket, state_region):
    """`terraform init` arguments for the S3 state of `stage` (locked by a lock file in S3)."""
    if not state_bucket:
        raise DeployError('set TF_STATE_BUCKET to the S3 bucket that keeps Terraform state '
                          '(docs/runbook.md, "First deployment")')
    return [f'-backend-config=bucket={state_bucket}',
            f'-backend-config=key=chatmrpt/{stage}/terraform.tfstate',
            f'-backend-config=region={state_region}',
            '-backend-config=encrypt=true',
            '-backend-config=use_lockfile=true']


def stage_vars(stage, extra=()):
    return ['-var', f'stage={stage}', *extra]


def stack(outputs):
    """The deployed stage as the web app and operators read it, from `terraform output -json`."""
    value = {name: output['value'] for name, output in outputs.items()}
    return {
        'api_url': value.get('EndpointURL'),
        'ws_url': value.get('WebsocketConnectEndpointURL'),
        'region': value['region'],
        'user_pool_id': value['user_pool_id'],
        'user_pool_client_id': value['user_pool_client_id'],
        'identity_pool_id': value['identity_pool_id'],
        'data_bucket': value['data_bucket'],
        'frontend_bucket': value['frontend_bucket'],
        'frontend_url': value['frontend_url'],
        'frontend_distribution_id': value['frontend_distribution_id'],
        'tables': value['tables'],
        'alarm_topic_arn': value['alarm_topic_arn'],
        'code_bucket': value['code_bucket'],
    }


def packaged_stage(build):
    """The stage build/ was packaged for, or None."""
    tfvars = build / 'chalice.auto.tfvars.json'
    if not tfvars.exists():
        return None
    return json.loads(tfvars.read_text())['stage']


class Terraform:
    """Runs terraform in the build directory; every call echoes its command line."""

    def __init__(self, build, binary='terraform'):
        self.build = build
        self.binary = shutil.which(binary)
        wanted = '.'.join(map(str, MIN_TERRAFORM))
        if self.binary is None:
            raise DeployError(f'terraform (>= {wanted}) is not on PATH: '
                              'https://developer.hashicorp.com/terraform/install')
        found = terraform_version(self.binary)
        if found[:2] < MIN_TERRAFORM:
            raise DeployError(f'{self.binary} is Terraform {".".join(map(str, found))}; the S3 state lock '
                              f'file needs >= {wanted}: install a newer one '
                              '(https://developer.hashicorp.com/terraform/install)')

    def __call__(self, *args, capture=False):
        command = [self.binary, f'-chdir={self.build}', *args]
        print('+', ' '.join(command), flush=True)
        proc = subprocess.run(command, capture_output=capture, text=True)
        if proc.returncode != 0:
            raise DeployError(f'terraform {args[0]} failed (exit {proc.returncode})')
        return proc.stdout


def terraform_version(binary):
    """(major, minor, patch) from `terraform version`, whose first line every release spells the same."""
    proc = subprocess.run([binary, 'version'], capture_output=True, text=True)
    match = re.match(r'Terraform v(\d+)\.(\d+)\.(\d+)', proc.stdout)
    if proc.returncode != 0 or match is None:
        raise DeployError(f'`{binary} version` did not say its version: {(proc.stdout + proc.stderr)[:200]!r}')
    return tuple(int(part) for part in match.groups())


def confirm(question, expected):
    if not sys.stdin.isatty():
        raise DeployError(f'{question}: needs a terminal, or --yes')
    return input(f'{question} Type {expected!r} to go on: ').strip() == expected


def apply(terraform, stage, yes, dist):
    terraform('plan', '-input=false', f'-out={PLAN_FILE}', *stage_vars(stage))
    if not yes and not confirm(f'Apply this plan to {stage}?', stage):
        raise DeployError('not applied')
    terraform('apply', '-input=false', PLAN_FILE)
    outputs = json.loads(terraform('output', '-json', capture=True))
    STACKS.mkdir(parents=True, exist_ok=True)
    path = STACKS / f'{stage}.json'
    deployed = stack(outputs)
    path.write_text(json.dumps(deployed, indent=2) + '\n')
    print(f'deploy: {stage} is up; its endpoints and ids are in {path.relative_to(ROOT)}')
    import boto3   # only a deployment talks to AWS from here
    session = boto3.session.Session(region_name=deployed['region'])
    keys = publish_web(deployed, dist, session.client('s3'), session.client('cloudfront'))
    print(f'deploy: the web app ({len(keys)} files) is at {deployed["frontend_url"]}')
    packages = json.loads((BUILD / 'packages.json').read_text())   # infra/package.py: functions by package
    live = release.record(stage, deployed, packages, commit(), session.client('s3'))
    print(f'deploy: release {live["commit"][:12]} recorded; `make rollback STAGE={stage}` returns to the one before')


def commit():
    """The commit being deployed: CI's, or the work tree's."""
    return os.environ.get('GITHUB_SHA') or subprocess.run(
        ['git', '-C', str(ROOT), 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout.strip() or 'unknown'


def rollback(terraform, stage, yes):
    """Functions and web app back to the release before the live one (infra/release.py)."""
    if not yes and not confirm(f'Roll {stage} back to the previous release?', stage):
        raise DeployError('not rolled back')
    deployed = stack(json.loads(terraform('output', '-json', capture=True)))
    import boto3
    session = boto3.session.Session(region_name=deployed['region'])
    try:
        previous = release.rollback(stage, deployed, session.client('s3'), session.client('lambda'),
                                    session.client('cloudfront'))
    except release.RollbackError as error:
        raise DeployError(str(error)) from None
    print(f'rollback: {stage} runs release {previous["commit"][:12]} of {previous["deployed_at"]} again '
          '(code and web app; infrastructure is unchanged)')


def publish_web(stack, dist, s3, cloudfront):
    """Upload the built app and its runtime config; invalidate CloudFront. The keys written.

    Hashed assets go first and old ones stay, so a browser holding the previous
    index.html still finds its scripts; index.html and config.json go last.
    """
    built = {relative: path for path, relative in web.published_files(dist) if relative != 'config.json'}
    order = sorted(built, key=lambda key: (not key.startswith(web.IMMUTABLE_PREFIX), key == 'index.html', key))
    config = json.dumps(web.runtime_config(stack, 'USER_SRP_AUTH'), indent=2).encode()
    uploads = [*((key, built[key].read_bytes()) for key in order), ('config.json', config)]
    for key, body in uploads:
        s3.put_object(Bucket=stack['frontend_bucket'], Key=key, Body=body,
                      ContentType=web.content_type(key), CacheControl=web.cache_control(key))
    cloudfront.create_invalidation(DistributionId=stack['frontend_distribution_id'], InvalidationBatch={
        'Paths': {'Quantity': 1, 'Items': ['/*']}, 'CallerReference': uuid.uuid4().hex})
    return [key for key, _ in uploads]


def destroy(terraform, stage, yes):
    """Turn deletion protection off, then destroy. Buckets must be emptied first (runbook)."""
    if not yes and not confirm(f'DESTROY {stage}: tables, users and every uploaded file go.', f'destroy {stage}'):
        raise DeployError('not destroyed')
    unprotected = stage_vars(stage, ['-var', 'deletion_protection=false'])
    terraform('apply', '-input=false', '-auto-approve', *unprotected)
    terraform('destroy', '-input=false', '-auto-approve', *unprotected)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=('plan', 'apply', 'destroy', 'rollback'))
    parser.add_argument('--stage', required=True)
    parser.add_argument('--yes', action='store_true', help='do not ask (CI); destroy still needs it spelled out')
    parser.add_argument('--state-bucket', default=os.environ.get('TF_STATE_BUCKET', ''))
    parser.add_argument('--state-region', default=os.environ.get('TF_STATE_REGION')
                        or os.environ.get('AWS_REGION') or 'eu-west-1')
    args = parser.parse_args(argv)
    try:
        packaged = packaged_stage(BUILD)
        if packaged != args.stage:
            raise DeployError(f'build/ holds stage {packaged!r}, not {args.stage!r}: '
                              f'run `make package STAGE={args.stage}` first')
        terraform = Terraform(BUILD)
        dist = web.build() if args.action == 'apply' else None
        terraform('init', '-input=false', '-reconfigure',
                  *backend_args(args.stage, args.state_bucket, args.state_region))
        if args.action == 'plan':
            terraform('plan', '-input=false', *stage_vars(args.stage))
        elif args.action == 'apply':
            apply(terraform, args.stage, args.yes, dist)
        elif args.action == 'rollback':
            rollback(terraform, args.stage, args.yes)
        else:
            destroy(terraform, args.stage, args.yes)
    except (DeployError, web.WebBuildError) as error:
        print(f'deploy: {error}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
