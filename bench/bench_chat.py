"""A chat turn answered by the rules provider: its service time beyond the tools it calls
(goal: under 300 ms), on a 275-ward synthetic state with a finished analysis.

Everything runs in one process on moto, as the worker runs it: the turn is claimed, the
provider reads the conversation (the names of the bound data loaded on first use), the
tools run, the answer and the conversation's header are written, the events sent. The
tools' own time is read from the turn's `tool` events (each call's start and end). What is
left is the chat's own work (history, the router, the answer's composition) and its
storage calls; moto stands in for DynamoDB and S3 but is far slower than they are (its
expression parser alone takes tens of milliseconds a call), so the calls are counted and
timed apart, and the estimate prices each at ESTIMATED_CALL_MS, a DynamoDB call in-region.
`python -m bench.bench_chat` runs it alone.
"""
import argparse
import contextlib
import json
import statistics
import sys
import time

from chalicelib.analysis.synthetic import generate_state

GOAL_MS = 300
ESTIMATED_CALL_MS = 10     # a DynamoDB or S3 call from Lambda in the same region (usually less)
WARDS = 275
ALICE = 'bench-user'
PHRASES = ('what are the top 10 highest risk wards?', 'why is {ward} ranked so high?', 'top 5 wards in {lga}',
           'and the next 5?',
           'I want to plan bed net distribution', 'I have 2 million nets and average household size is 4',
           'why are children under 5 most vulnerable?', 'hello')


class TimedWebsocket:
    """Stands in for the WebSocket API behind the real sender: notes when each message was posted."""

    def __init__(self):
        self.events = []

    def configure(self, domain, stage):
        pass

    def send(self, connection_id, message):
        self.events.append((time.perf_counter(), json.loads(message)))

    def tool_windows(self):
        """(start, end) of each tool call, from its start and end events."""
        tools = [(at, m['status']) for at, m in self.events if m.get('event') == 'tool']
        starts = [at for at, status in tools if status == 'running']
        ends = [at for at, status in tools if status != 'running']
        return list(zip(starts, ends))

    def tool_seconds(self):
        return sum(end - start for start, end in self.tool_windows())


def uploaded(deps, files):
    """A dataset of `files` ({role: (filename, bytes)}) created and its files put where the presigned
    POSTs put them, not yet processed; (dataset id, the upload keys)."""
    from chalicelib import aws
    from chalicelib.datasets import requests as datasets
    created = datasets.create(ALICE, {'name': 'bench', 'files': [
        {'role': role, 'filename': name, 'size': len(body)} for role, (name, body) in files.items()]}, deps)
    item = deps.datasets.get(ALICE, created['dataset_id'])
    s3 = aws.client('s3', deps.settings.region)
    for role, (_, body) in files.items():
        s3.put_object(Bucket=deps.settings.data_bucket, Key=item['files'][role]['key'], Body=body)
    return created['dataset_id'], [item['files'][role]['key'] for role in files]


def world(deps):
    """A processed dataset, its finished analysis and a conversation on it; (conversation id, a
    ward, an LGA)."""
    from chalicelib.analyses import requests as analyses, runner
    from chalicelib.conversations import requests as conversations
    from chalicelib.datasets import processing
    dataset_id, keys = uploaded(deps, generate_state(WARDS, seed=5))
    for key in keys:
        processing.process_upload(key, deps)
    analysis_id = analyses.create(ALICE, {'dataset_id': dataset_id}, deps)['analysis_id']
    runner.run_job(ALICE, analysis_id, deps)
    top = analyses.rankings(ALICE, analysis_id, {'limit': '1'}, deps)['items'][0]
    conversation_id = conversations.create(ALICE, {'dataset_id': dataset_id}, deps)['conversation_id']
    return conversation_id, top['ward_name'], top['lga']


class AwsCalls:
    """Every AWS call made while it is on: (start, end) of each."""

    def __init__(self):
        self.spans = []

    @contextlib.contextmanager
    def recording(self):
        from botocore.client import BaseClient
        original = BaseClient._make_api_call

        def timed(client, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(client, *args, **kwargs)
            finally:
                self.spans.append((start, time.perf_counter()))
        BaseClient._make_api_call = timed
        try:
            yield self
        finally:
            BaseClient._make_api_call = original

    def merged(self):
        """The calls' spans with overlapping ones joined: calls in flight together count once."""
        joined = []
        for start, end in sorted(self.spans):
            if joined and start <= joined[-1][1]:
                joined[-1][1] = max(joined[-1][1], end)
            else:
                joined.append([start, end])
        return joined

    def outside(self, windows):
        """(count, seconds) of the calls made outside the `windows` (the tools' own)."""
        mine = [(a, b) for a, b in self.spans if not any(start <= a and b <= end for start, end in windows)]
        return len(mine), sum(b - a for a, b in mine)


def turn(deps, conversation_id, text):
    """One turn answered by the worker: (its seconds, the tools' seconds, its own storage calls and
    their seconds, the events it posted to the owner's one connection)."""
    from chalicelib.conversations import requests as conversations, turns
    from chalicelib.progress.sender import ProgressSender
    websocket, calls = TimedWebsocket(), AwsCalls()
    turn_id = conversations.post_message(ALICE, conversation_id, {'text': text}, deps)['turn_id']
    with calls.recording():
        started = time.perf_counter()
        status = turns.answer(ALICE, conversation_id, turn_id,
                              deps.replace(sender=ProgressSender(deps.connections, websocket)))
        done = time.perf_counter()
    if status != 'DONE':
        raise RuntimeError(f'the turn {text!r} ended {status}')
    count, storage = calls.outside(websocket.tool_windows())
    return done - started, websocket.tool_seconds(), count, storage, len(websocket.events)


def report(repeats):
    from moto import mock_aws
    from chalicelib import aws
    from chalicelib.config import settings
    from chalicelib.deps import Deps
    from devstack.provision import create_data_resources

    print(f'\nchat turns answered by the rules provider ({WARDS} wards, moto in-process; median of {repeats}; '
          f'goal: under {GOAL_MS} ms beyond the tools):')
    print(f'  {"message":<50}{"turn":>7}{"tools":>7}{"own work":>9}{"own calls (moto ms)":>21}{"posts":>6}'
          f'{"estimate":>10}')
    aws.reset_clients()
    with mock_aws():
        s = settings({'AWS_REGION': 'eu-west-1'})
        create_data_resources(lambda service: aws.client(service, s.region), s)
        deps = Deps(s, TimedWebsocket(), chat=_NoQueue())
        conversation_id, ward, lga = world(deps)
        deps.connections.put(ALICE, 'bench-connection', domain='ws.example.org', stage='api')
        turn(deps, conversation_id, 'hello')      # a warm worker: the router's first use is not measured
        worst = 0.0
        for phrase in PHRASES:
            text = phrase.format(ward=ward, lga=lga)
            runs = [turn(deps, conversation_id, text) for _ in range(repeats)]
            total, tools, count, storage, posts = (statistics.median(r[i] for r in runs) for i in range(5))
            own = (total - tools - storage) * 1000
            estimate = own + (count + posts) * ESTIMATED_CALL_MS
            worst = max(worst, estimate)
            print(f'  {text[:48]:<50}{total * 1000:7.0f}{tools * 1000:7.0f}{own:9.1f}'
                  f'{f"{count:.0f} ({storage * 1000:.0f})":>21}{posts:6.0f}{estimate:10.0f}')
    aws.reset_clients()
    print(f'  ms; estimate = own work + {ESTIMATED_CALL_MS} ms per own storage call and per event posted to '
          f'the connection. The slowest turn: {worst:.0f} ms beyond its tools '
          f'({"within" if worst < GOAL_MS else "OVER"} the {GOAL_MS} ms goal)')
    return worst


class _NoQueue:
    """The chat queue left out: the bench hands each turn to the worker itself."""

    def send(self, user_id, conversation_id, turn_id):
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench.bench_chat', description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3)
    report(parser.parse_args(argv).repeats)
    return 0


if __name__ == '__main__':
    sys.exit(main())
