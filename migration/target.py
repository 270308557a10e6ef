"""Where a migration writes: the running local stack (`.local/stack.json`) or a deployed
stage (`infra/stacks/<stage>.json`, which `make deploy` writes), with the stage's
settings from `.chalice/config.json`, the same the app's functions run with.
"""
import json
import os
import pathlib
import time
from dataclasses import dataclass

from chalicelib import aws
from chalicelib.config import settings

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCAL_STACK = ROOT / '.local' / 'stack.json'
STACKS = ROOT / 'infra' / 'stacks'
POLL_SECONDS = 0.5


class TargetError(Exception):
    """The target cannot be reached as asked; the message says what to do."""


@dataclass
class Target:
    """The stage's settings and clients. `events`, when given, is told of each upload put and
    asked to settle what is queued while the run waits (tests run the processing and the worker
    with it; a stack runs them itself)."""
    settings: object
    deps: object
    cognito: object
    s3: object
    events: object = None

    def wait(self, check, seconds):
        """The first truthy `check()` within `seconds`, or None."""
        deadline = time.monotonic() + seconds
        while True:
            if self.events:
                self.events.settle()
            found = check()
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(POLL_SECONDS)


def stage_environment(stage, root=ROOT):
    config = json.loads((root / '.chalice' / 'config.json').read_text())
    if stage not in config['stages']:
        raise TargetError(f'no stage {stage!r} in .chalice/config.json (stages: {", ".join(config["stages"])})')
    return {**config.get('environment_variables', {}), **config['stages'][stage].get('environment_variables', {})}


def stack_file(stage, given=None):
    return pathlib.Path(given) if given else LOCAL_STACK if stage == 'local' else STACKS / f'{stage}.json'


def read_stack(stage, given=None):
    path = stack_file(stage, given)
    if not path.exists():
        how = 'start it with `make run`' if stage == 'local' else f'deploy it with `make deploy STAGE={stage}`'
        raise TargetError(f'{path} is missing: the {stage} stage is not running here; {how}')
    return json.loads(path.read_text())


def target_settings(stage, stack=None):
    """The stage's settings; with its stack (outputs), the resources it really has."""
    env = stage_environment(stage)
    if stack:
        env.update({'AWS_REGION': stack['region'], 'USER_POOL_ID': stack['user_pool_id'],
                    'USER_POOL_CLIENT_ID': stack['user_pool_client_id'], 'DATA_BUCKET': stack['data_bucket'],
                    **{f'{role.upper()}_TABLE': name for role, name in stack['tables'].items()}})
        if stack.get('analysis_queue'):
            env['ANALYSIS_QUEUE'] = stack['analysis_queue']
    return settings(env)


def connect(stage, given=None):
    """The target of `stage`. The local stack's moto endpoint and keys go into this process's
    environment, as the stack sets them for the app; a deployed stage uses the operator's AWS
    credentials."""
    from chalicelib.deps import Deps
    stack = read_stack(stage, given)
    endpoint = stack.get('aws_endpoint_url')
    if endpoint:
        from devstack.stack import aws_environment
        os.environ.pop('AWS_PROFILE', None)
        os.environ.pop('AWS_SESSION_TOKEN', None)
        os.environ.update(aws_environment(endpoint, stack['region']))
    aws.reset_clients()
    s = target_settings(stage, stack)
    return Target(s, Deps(s), aws.client('cognito-idp', s.region), aws.client('s3', s.region))
