"""Migration fixtures: a target in moto (the processing and the worker run inline, where the local
stack's event bridges would run them) and the instances the tests migrate."""
import contextlib
import dataclasses
import io
import uuid
from types import SimpleNamespace

import pytest

from chalicelib import aws as aws_clients
from chalicelib.analyses import runner
from chalicelib.datasets import processing
from chalicelib.deps import Deps
from devstack.provision import create_user_pool
from migration.cli import main
from migration.target import Target
from tests.conftest import mocked_aws
from tests.migration import instances as build
from tests.processing.conftest import RecordingSender

ALLOWED = {'allowed_email_domains': ('example.org', 'health.gov.ng'), 'allowed_organizations': ('demo-org', 'nmep')}


class Inline:
    """Runs an upload's processing at once, and the analysis jobs queued while the run waits, as the
    stack's bridges would."""

    def __init__(self, deps):
        self.deps = deps

    def uploaded(self, key):
        processing.process_upload(key, self.deps)

    def settle(self):
        sqs = aws_clients.client('sqs', self.deps.settings.region)
        url = sqs.get_queue_url(QueueName=self.deps.settings.analysis_queue)['QueueUrl']
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get('Messages', []):
            runner.handle_message({'body': message['Body'], 'attributes': {'ApproximateReceiveCount': '1'}},
                                  self.deps.replace(sender=RecordingSender()))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message['ReceiptHandle'])


def moto_target(settings):
    cognito = aws_clients.client('cognito-idp', settings.region)
    pool = create_user_pool(cognito, settings)
    s = dataclasses.replace(settings, user_pool_id=pool.pool_id, user_pool_client_id=pool.client_id, **ALLOWED)
    deps = Deps(s)
    return Target(s, deps, cognito, aws_clients.client('s3', s.region), Inline(deps))


def cli(target, *args):
    """`python -m migration ...` in this process against `target`: (exit status, what it printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args), target=target)
    return code, out.getvalue()


@pytest.fixture
def target():
    with mocked_aws() as settings:
        yield moto_target(settings)


def team(root, sentinel, uploads):
    """An instance: Alice (ward data with old rankings in a child session, a facility export with its
    old ward TPR, a pickle), Bob (ward data with rankings the old tool put in another order, a broken
    upload), Dave disabled, Carol unmapped, Eve outside the allowed domains, Frank twice (emails
    differing in case), a session both Alice's and Bob's histories claim, an anonymous session,
    analytics and caches. `uploads`: Alice's and Bob's ward data and the facility export
    (instances.real_uploads or grid_uploads)."""
    first, second, tpr_files = uploads
    i = build.Instance(root)
    ids = SimpleNamespace(alice=i.user('alice@example.org'), bob=i.user('Bob@Example.org'),
                          carol=i.user('carol@example.org'), dave=i.user('dave@example.org', active=False),
                          eve=i.user('eve@elsewhere.net'), frank=i.user('frank@example.org'),
                          frank2=i.user('FRANK@example.org '))
    variables, old = build.legacy_results(first)
    ranked = i.conversation(ids.alice, 'Niger risk analysis', [
        ('user', 'run the malaria risk analysis'), ('assistant', 'Done: Wambai ranks first. ' + 'x' * 25_000),
        ('user', 'what are the top 10 highest risk wards?'), ('assistant', 'Here are the top 10 wards.')],
        analysis={'status': 'complete', 'variables_used': variables})
    i.upload(f'{ranked}__{uuid.uuid4()}', {**first, **old,
                                         'itn_parameters.json': b'{"total_nets": 2000000, "avg_household_size": 4}',
                                         'vulnerability_map.html': b'<html></html>'})
    i.pickle(f'uploads/{ranked}/state.pickle', sentinel)
    asked = [('user', 'start the tpr workflow'), ('assistant', 'TPR computed.')]
    tpr = i.conversation(ids.alice, 'TPR workflow', asked, build.START.replace(day=2))
    i.upload(tpr, tpr_files)
    reordered = i.conversation(ids.bob, 'Ilorin wards', [('user', 'rank the Ilorin wards'), ('assistant', 'Ranked.')])
    i.upload(reordered, {**second, **build.legacy_results(second, swap=True)[1]})
    broken = i.conversation(ids.bob, 'Broken upload', [('user', 'here is my data')], created=build.START.replace(day=3))
    i.upload(broken, {'raw_data.csv': b'hello,world\nthis is not,ward data\n',
                      'raw_shapefile.zip': second['raw_shapefile.zip'],
                      'tpr_results.csv': b'WardName,Burden\nA,1\n'})
    i.conversation(ids.carol, 'Carol alone', [('user', 'hello')])
    i.conversation(ids.dave, 'Dave', [('user', 'hi')])
    i.conversation(ids.eve, 'Eve', [('user', 'hi')])
    i.conversation(ids.frank, 'Frank', [('user', 'hi')])
    leaked = str(uuid.uuid4())
    i.history(ids.alice, leaked, 'Leaked')
    i.history(ids.bob, leaked, 'Leaked')
    i.memory(leaked, [('user', 'whose is this?')])
    i.upload(leaked, second)
    anonymous = str(uuid.uuid4())
    i.memory(anonymous, [('user', 'no account')])
    i.upload(anonymous, second)
    i.history('local-dev-user', anonymous, 'Dev')
    i.write('interactions.db', b'SQLite format 3\x00 analytics')
    i.write('arena_stats.json', '{"battles": 3}')
    i.write('metadata_cache.json', '{}')
    i.write('.agent_state.json', '{}')
    i.pickle('visualizations/map.pickle', sentinel)
    mapping = build.mapping_csv(root.parent / 'mapping.csv', [
        ('alice@example.org', 'demo-org', 'analyst', 'NI'), ('bob@example.org', 'nmep', 'viewer', 'KW'),
        ('dave@example.org', 'demo-org', 'analyst', 'NI'), ('eve@elsewhere.net', 'demo-org', 'analyst', 'NI'),
        ('frank@example.org', 'demo-org', 'analyst', 'NI'), ('nobody@example.org', 'demo-org', 'analyst', 'NI')])
    return SimpleNamespace(root=root, mapping=mapping, instance=i)
