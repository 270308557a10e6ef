"""Niger from upload to SUCCEEDED with its maps and report (goal: under 1.5 s), on the local stack.

Measured twice. First the local stack itself, as `make run` starts it (devstack.process, without
the web app): the demo user creates a dataset, the clock starts, both files go to their presigned
POSTs, the upload function processes them (S3 events), the dataset is READY (asked every 50 ms),
POST /analyses starts the Step Functions execution whose tasks run the stages, and the clock
stops when the WebSocket says SUCCEEDED. The first upload after the stack is ready is cold (the
functions import what they need, as a cold Lambda does), the next ones warm; each repeat is a
fresh stack. Then the same work as function calls in a fresh interpreter, against moto in its own
process (devstack.aws) as in the stack: moto is far slower than DynamoDB, S3 and SQS, so its
calls are counted and timed apart (calls in flight together as one round); own work is the rest,
and the estimate in AWS prices each round at bench_chat.ESTIMATED_CALL_MS. `python -m bench.bench_pipeline` runs it alone.
"""
import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time

from bench import fresh_json, niger_files, spread
from bench.bench_chat import ALICE, ESTIMATED_CALL_MS, AwsCalls, uploaded

GOAL_SECONDS = 1.5
READY_POLL_SECONDS = 0.05


def on_the_stack(runs):
    """[seconds from the first file posted to SUCCEEDED] for `runs` uploads on a fresh local stack."""
    from devstack.demo import Api, follow
    from devstack.process import StackProcess
    files = niger_files()
    measured = []
    with tempfile.TemporaryDirectory(prefix='bench-pipeline-') as scratch:
        stack = StackProcess(scratch).start()
        try:
            token = stack.demo_token()
            api = Api(stack.api_url, token)
            for _ in range(runs):
                created = api.create_dataset('bench', files)
                started = time.perf_counter()
                api.send_files(created, files)
                api.wait_for_dataset(created['dataset_id'], interval=READY_POLL_SECONDS)
                analysis_id = api.start_analysis(created['dataset_id'])
                last = asyncio.run(follow(stack.ws_url, token, analysis_id))[-1]
                measured.append(time.perf_counter() - started)
                if last.get('status') != 'SUCCEEDED':
                    raise RuntimeError(f'the analysis ended {last}\n{stack.log_text()[-3000:]}')
        finally:
            stack.stop()
    return measured


def upload_to_succeeded(deps, files):
    """(seconds, AWS calls, rounds of calls, the rounds' seconds) from the uploads' processing to the
    analysis SUCCEEDED, each stage run as the state machine's task runs it. Calls in flight together
    (a stage's files, written and read at once) are one round."""
    from chalicelib.analyses import requests as analyses, runner
    from chalicelib.analyses.stages import STAGES
    from chalicelib.datasets import processing
    dataset_id, keys = uploaded(deps, files)
    calls = AwsCalls()
    with calls.recording():
        started = time.perf_counter()
        for key in keys:
            processing.process_upload(key, deps)
        analysis_id = analyses.create(ALICE, {'dataset_id': dataset_id}, deps)['analysis_id']
        for stage in STAGES:
            status = runner.run_stage_event({'user_id': ALICE, 'analysis_id': analysis_id, 'stage': stage.name},
                                            deps)['status']
        seconds = time.perf_counter() - started
    if status != 'SUCCEEDED':
        raise RuntimeError(f'the analysis ended {status}')
    rounds = calls.merged()
    return seconds, len(calls.spans), len(rounds), sum(b - a for a, b in rounds)


def as_functions(warm):
    """In this (fresh) interpreter, against moto in a process of its own: the cold run, then
    `warm` more; JSON on stdout."""
    import os

    from chalicelib import aws
    from chalicelib.config import settings
    from chalicelib.deps import Deps
    from devstack.aws import AwsProcess
    from devstack.provision import create_data_resources
    from devstack.stack import aws_environment
    files = niger_files()
    moto = AwsProcess('127.0.0.1', 0)
    try:
        os.environ.update(aws_environment(moto.start(), 'eu-west-1'))
        aws.reset_clients()
        s = settings()
        create_data_resources(lambda service: aws.client(service, s.region), s)
        deps = Deps(s)
        measured = [upload_to_succeeded(deps, files) for _ in range(warm + 1)]
    finally:
        moto.stop()
    print(json.dumps({'cold': measured[0], 'warm': measured[1:]}))


def functions_line(label, measured):
    seconds, calls, rounds, moto = zip(*measured)
    own = [s - m for s, m in zip(seconds, moto)]
    estimate = [o + r * ESTIMATED_CALL_MS / 1000 for o, r in zip(own, rounds)]
    return (f'  {label:<5} {spread(seconds, digits=2)}; own work {spread(own, digits=2)}, '
            f'{statistics.median(calls):.0f} AWS calls in {statistics.median(rounds):.0f} rounds ({statistics.median(moto):.2f} s waiting on moto); '
            f'estimate in AWS {spread(estimate, digits=2)}')


def report(repeats=3, warm=3):
    """Print the cold and warm medians (min-max) over `repeats` fresh stacks and interpreters."""
    if niger_files() is None:
        return
    print(f'\nNiger from upload to SUCCEEDED with maps and report (goal under {GOAL_SECONDS} s), on the local '
          f'stack as make run starts it ({repeats} fresh stacks: the first upload after start, then {warm} more):')
    cold, warm_runs = [], []
    for _ in range(repeats):
        first, *after = on_the_stack(warm + 1)
        cold.append(first)
        warm_runs.extend(after)
    print(f'  cold  {spread(cold, digits=2)}\n  warm  {spread(warm_runs, digits=2)}')
    print(f'the same as function calls, each stage as its Step Functions task ({repeats} fresh interpreters; '
          f'estimate: own work + {ESTIMATED_CALL_MS} ms a round of AWS calls):')
    cold, warm_runs = [], []
    for _ in range(repeats):
        measured = fresh_json(['-m', 'bench.bench_pipeline', '--runs', str(warm)], 'upload to SUCCEEDED')
        cold.append(measured['cold'])
        warm_runs.extend(measured['warm'])
    print(functions_line('cold', cold))
    print(functions_line('warm', warm_runs))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench.bench_pipeline', description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--runs', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs is not None:
        as_functions(args.runs)
    else:
        report(args.repeats)
    return 0


if __name__ == '__main__':
    sys.exit(main())
