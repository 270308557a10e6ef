"""Niger from upload to SUCCEEDED with its maps and report (goal: under 1.5 s), on the local stack's moto server.

As the local stack runs it, minus the browser: moto server in this process's threads (as
`make run` starts it), reached over HTTP; the dataset is created, its two files put where the
presigned posts would put them, the upload function processes each (the S3 events), the
analysis is created and the worker runs every stage (prepare, score, publish, draw, report).
moto is far slower than DynamoDB, S3 and SQS, so its calls are counted and timed apart: own
work is the rest, and the estimate in AWS prices each call at bench_chat.ESTIMATED_CALL_MS.
Cold is the first run in a fresh interpreter (the workers' imports included, as their cold
start pays them); warm, the runs after it. `python -m bench.bench_pipeline` runs it alone.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

from bench import ROOT, niger_files
from bench.bench_chat import ALICE, ESTIMATED_CALL_MS, AwsCalls

GOAL_SECONDS = 1.5


def upload_to_succeeded(deps, files):
    """(seconds, moto calls, their seconds) from the uploads' processing to the analysis SUCCEEDED."""
    from chalicelib import aws
    from chalicelib.analyses import requests as analyses, runner
    from chalicelib.datasets import processing, requests as datasets
    created = datasets.create(ALICE, {'name': 'bench', 'files': [
        {'role': role, 'filename': name, 'size': len(body)} for role, (name, body) in files.items()]}, deps)
    item = deps.datasets.get(ALICE, created['dataset_id'])
    s3 = aws.client('s3', deps.settings.region)
    for role, (_, body) in files.items():
        s3.put_object(Bucket=deps.settings.data_bucket, Key=item['files'][role]['key'], Body=body)
    calls = AwsCalls()
    with calls.recording():
        started = time.perf_counter()
        for role in files:
            processing.process_upload(item['files'][role]['key'], deps)
        analysis_id = analyses.create(ALICE, {'dataset_id': created['dataset_id']}, deps)['analysis_id']
        status = runner.run_job(ALICE, analysis_id, deps)
        seconds = time.perf_counter() - started
    if status != 'SUCCEEDED':
        raise RuntimeError(f'the analysis ended {status}')
    return seconds, len(calls.spans), sum(b - a for a, b in calls.spans)


def runs(warm):
    """In this (fresh) interpreter, against a moto server of its own: the cold run, then `warm`
    more; JSON on stdout."""
    import os
    from moto.server import ThreadedMotoServer
    from chalicelib import aws
    from chalicelib.config import settings
    from chalicelib.deps import Deps
    from devstack.provision import create_data_resources
    from devstack.stack import aws_environment
    files = niger_files()
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=free_port(), verbose=False)
    server.start()
    try:
        os.environ.update(aws_environment('http://{}:{}'.format(*server.get_host_and_port()), 'eu-west-1'))
        aws.reset_clients()
        s = settings()
        create_data_resources(lambda service: aws.client(service, s.region), s)
        deps = Deps(s)
        measured = [upload_to_succeeded(deps, files) for _ in range(warm + 1)]
    finally:
        server.stop()
    print(json.dumps({'cold': measured[0], 'warm': measured[1:]}))


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def line(label, measured):
    seconds, calls, moto = zip(*measured)
    own = [s - m for s, m in zip(seconds, moto)]
    estimate = [o + c * ESTIMATED_CALL_MS / 1000 for o, c in zip(own, calls)]

    def spread(values):
        return f'{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})'
    return (f'  {label:<5} local stack {spread(seconds)}; own work {spread(own)}, {statistics.median(calls):.0f} '
            f'moto calls ({statistics.median(moto):.2f} s); estimate in AWS {spread(estimate)}')


def report(repeats=3, warm=3):
    """Print the cold and warm medians (min-max) over `repeats` fresh interpreters."""
    if niger_files() is None:
        return
    print(f'\nNiger from upload to SUCCEEDED with maps and report (goal under {GOAL_SECONDS} s; '
          f'{repeats} fresh interpreters, {warm} warm runs each; estimate: own work + '
          f'{ESTIMATED_CALL_MS} ms a storage call):')
    cold, warm_runs = [], []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, '-m', 'bench.bench_pipeline', '--runs', str(warm)],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            raise SystemExit(f'upload to SUCCEEDED failed\n{out.stderr[-3000:]}')
        measured = json.loads(out.stdout.strip().splitlines()[-1])
        cold.append(measured['cold'])
        warm_runs.extend(measured['warm'])
    print(line('cold', cold))
    print(line('warm', warm_runs))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench.bench_pipeline', description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--runs', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs is not None:
        runs(args.runs)
    else:
        report(args.repeats)
    return 0


if __name__ == '__main__':
    sys.exit(main())
