"""One migration in moto, through the command line, seen from every side: the plan, what people
find after `apply`, a second `apply`, `verify`, and `rollback`. The instance is tests/migration/
conftest.py's team with small generated wards (the real ones go through the local stack in
test_local_stack.py); the processing and the worker run inline where the stack's bridges would."""
import hashlib
import json
from types import SimpleNamespace

import pytest

from chalicelib import aws as aws_clients
from chalicelib.conversations import requests as conversations
from chalicelib.datasets import requests as datasets
from chalicelib.errors import NotFound
from devstack.provision import create_user
from migration.apply import MAX_TEXT
from tests.conftest import mocked_aws
from tests.migration import instances as build
from tests.migration.conftest import cli, moto_target, team


def snapshot(target):
    """Every item of every table, every object (its sha256) and every Cognito user."""
    s = target.settings
    dynamodb, s3 = aws_clients.client('dynamodb', s.region), target.s3
    items = {role: sorted((json.dumps(i, sort_keys=True) for i in dynamodb.scan(TableName=name)['Items']))
             for role, name in s.tables.items()}
    bodies = {o['Key']: s3.get_object(Bucket=s.data_bucket, Key=o['Key'])['Body'].read()
              for o in s3.list_objects_v2(Bucket=s.data_bucket).get('Contents', [])}
    users = sorted((u['Username'], u['UserStatus'], u['Enabled'], json.dumps(
        {a['Name']: a['Value'] for a in u['Attributes']}, sort_keys=True))
        for u in target.cognito.list_users(UserPoolId=s.user_pool_id)['Users'])
    return SimpleNamespace(items=items, objects={k: hashlib.sha256(v).hexdigest() for k, v in bodies.items()},
                           bodies=bodies, users=users)


def same(one, other):
    return (one.items, one.objects, one.users) == (other.items, other.objects, other.users)


def files_of(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file()}


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp('world')
    instance = team(root / 'instance', root / 'unpickled', build.grid_uploads())
    manifest = root / 'run.json'
    source = ['--instance', str(instance.root), '--mapping', str(instance.mapping)]
    w = SimpleNamespace(instance=instance, files=files_of(instance.root), unpickled=root / 'unpickled')
    with mocked_aws() as settings:
        target = moto_target(settings)
        deps = target.deps

        # Someone already in the new system, with a dataset of their own: the run must not touch them.
        create_user(target.cognito, target.settings.user_pool_id, 'zed@example.org', 'zed@example.org', 'nmep',
                    'analyst', 'NI')
        # Bob has an account already (another region than the mapping's): his data joins it, it stays.
        create_user(target.cognito, target.settings.user_pool_id, 'bob@example.org', 'bob@example.org', 'nmep',
                    'viewer', 'NI')
        zed = {a['Name']: a['Value'] for a in target.cognito.admin_get_user(
            UserPoolId=target.settings.user_pool_id, Username='zed@example.org')['UserAttributes']}['sub']
        datasets.create(zed, {'name': 'mine', 'files': [{'role': 'data', 'filename': 'a.csv', 'size': 10},
                                                        {'role': 'boundaries', 'filename': 'b.zip', 'size': 10}]}, deps)
        w.baseline = snapshot(target)
        w.plan = cli(target, 'plan', *source)
        w.after_plan = snapshot(target)
        w.first = cli(target, 'apply', *source, '--manifest', str(manifest))
        w.manifest = json.loads(manifest.read_text())
        w.applied = snapshot(target)
        w.subs = {e['email']: e['user_id'] for e in w.manifest['entries'] if e['kind'] == 'cognito_user'}
        alice, bob = w.subs['alice@example.org'], w.subs['bob@example.org']
        w.conversations = [conversations.get(alice, c['conversation_id'], {}, deps)
                           for c in conversations.list_page(alice, {}, deps)['items']]
        with pytest.raises(NotFound):
            datasets.get(bob, w.conversations[-1]['dataset_id'], deps)
        w.second = cli(target, 'apply', *source, '--manifest', str(manifest))
        w.entries_after_second = len(json.loads(manifest.read_text())['entries'])
        w.again = snapshot(target)
        w.verify = cli(target, 'verify', str(manifest))
        w.rollback = cli(target, 'rollback', str(manifest), '--yes')
        w.after = snapshot(target)
        w.verify_after = cli(target, 'verify', str(manifest))
        w.manifest_text = manifest.read_text()
    yield w


def test_the_plan_says_per_user_what_happens_and_changes_nothing(world):
    code, text = world.plan
    assert code == 0
    lines = text.splitlines()
    alice = next(line for line in lines if line.startswith('user alice@example.org'))
    assert alice.endswith('-> demo-org, analyst, NI: Cognito user (sets a new password at first sign-in) and profile')
    assert any(line.startswith('user carol@example.org') and 'no row in the mapping file' in line for line in lines)
    assert any(line.startswith('user eve@elsewhere.net') and 'mapping row 5' in line and 'approved organization'
               in line for line in lines)
    assert sum('shares its email' in line for line in lines) == 2          # Frank twice: neither
    assert 'disabled as in ChatMRPT' in next(line for line in lines if line.startswith('user dave@example.org'))
    assert '  mapping row 7: no ChatMRPT user has the email nobody@example.org' in lines
    assert any('claimed by more than one user' in line for line in lines)
    assert any('anonymous' in line for line in lines)
    assert sum('a pickle from the old server is never loaded' in line for line in lines) == 2
    assert 'would write: cognito_user 3, profile 3, dataset 4, uploaded_file 8, analysis 2, archived_result 7, ' \
           'conversation 5, message 10, archived_analytics 2' in lines
    assert same(world.after_plan, world.baseline)


def test_mapped_people_become_users_who_must_set_a_new_password(world):
    users = {json.loads(attributes)['sub']: (status, enabled, json.loads(attributes))
             for _, status, enabled, attributes in world.applied.users}
    before = [json.loads(u[3])['sub'] for u in world.baseline.users]
    assert set(users) == {world.subs[e] for e in ('alice@example.org', 'dave@example.org')} | set(before)
    assert world.subs['bob@example.org'] in before
    alice = users[world.subs['alice@example.org']]
    assert alice[0] == 'FORCE_CHANGE_PASSWORD' and alice[1] is True
    assert (alice[2]['email'], alice[2]['custom:organization'], alice[2]['custom:role'], alice[2]['custom:region']) == \
        ('alice@example.org', 'demo-org', 'analyst', 'NI')
    assert users[world.subs['dave@example.org']][1] is False                           # disabled, as in ChatMRPT
    profiles = {json.loads(i)['user_id']['S']: json.loads(i) for i in world.applied.items['users']}
    assert profiles[world.subs['dave@example.org']]['status']['S'] == 'DISABLED'
    # Bob's account was there before: it is left as it is, and his profile follows it, not the mapping.
    assert users[world.subs['bob@example.org']][0] == 'CONFIRMED'
    bob = profiles[world.subs['bob@example.org']]
    assert (bob['region']['S'], bob['status']['S']) == ('NI', 'ACTIVE')
    assert 'note: bob@example.org was in the user pool already: their data joins that account, left as it is ' \
           '(custom:region NI, not as the mapping says)' in world.first[1]


def test_conversations_keep_their_messages_oldest_first_with_their_times(world):
    tpr, ranked = world.conversations                                    # newest first
    assert (ranked['title'], tpr['title']) == ('Niger risk analysis', 'TPR workflow')
    assert [(m['role'], m['created_at']) for m in ranked['messages']] == [
        ('user', '2024-05-01T09:00:00.000Z'), ('assistant', '2024-05-01T09:01:00.000Z'),
        ('user', '2024-05-01T09:02:00.000Z'), ('assistant', '2024-05-01T09:03:00.000Z')]
    assert ranked['messages'][2]['text'] == 'what are the top 10 highest risk wards?'
    long = ranked['messages'][1]['text']
    assert long.startswith('Done: Wambai ranks first. xxx') and long.endswith(' [shortened]')
    assert len(long) == MAX_TEXT + len(' [shortened]')
    assert all(m['status'] == 'DONE' for m in ranked['messages'] if m['role'] == 'assistant')
    assert ranked['dataset_id'] and ranked['analysis_id'] and tpr['dataset_id'] and tpr['analysis_id'] is None


def test_uploads_become_datasets_validated_like_any_upload_and_old_rankings_are_compared(world):
    report = world.manifest['report']
    found = sorted((d['email'], d['status'], tuple(sorted((c['file'], c.get('reproduced')) for c in d['comparisons'])))
                   for d in report['datasets'])
    assert found == [
        ('alice@example.org', 'READY', (('analysis_vulnerability_rankings.csv', True),
                                        ('analysis_vulnerability_rankings_pca.csv', True))),
        ('alice@example.org', 'READY', (('tpr_results.csv', True),)),
        ('bob@example.org', 'INVALID', ()),
        ('bob@example.org', 'READY', (('analysis_vulnerability_rankings.csv', False),       # ranked otherwise
                                      ('analysis_vulnerability_rankings_pca.csv', True)))]
    broken = next(d for d in report['datasets'] if d['status'] == 'INVALID')
    assert 'ward name column' in broken['errors'][0]
    assert 'DIFFERS' in world.first[1] and 'REPRODUCED' in world.first[1]
    alice, bob = world.subs['alice@example.org'], world.subs['bob@example.org']
    analyses = [json.loads(i) for i in world.applied.items['analyses']]
    assert sorted(a['user_id']['S'] for a in analyses) == sorted([alice, bob])
    assert all(a['status']['S'] == 'SUCCEEDED' and a['request']['M']['preset']['S'] == 'mrpt-legacy' for a in analyses)
    legacy = sorted(f'{k.split("/")[2]}/{k.split("/")[-1]}' for k in world.applied.objects if '/legacy/' in k)
    assert legacy == sorted(['analyses/analysis_vulnerability_rankings.csv', 'analyses/itn_parameters.json',
                             'analyses/analysis_vulnerability_rankings_pca.csv',                  # Alice's re-run
                             'analyses/analysis_vulnerability_rankings.csv',
                             'analyses/analysis_vulnerability_rankings_pca.csv',                  # Bob's
                             'datasets/tpr_results.csv', 'datasets/tpr_results.csv'])  # no analysis: beside the dataset
    assert sorted(k.rsplit('/', 1)[-1] for k in world.applied.objects if k.startswith('migration/')) == \
        ['arena_stats.json', 'interactions.db']


def test_a_second_apply_creates_nothing(world):
    code, text = world.second
    assert code == 0 and 'created this time: nothing' in text
    assert same(world.again, world.applied)
    assert world.entries_after_second == len(world.manifest['entries'])


def test_verify_compares_counts_and_checksums(world):
    code, text = world.verify
    assert code == 0, text
    assert 'message                    10        10       10' in text
    assert text.rstrip().endswith('verify: OK')
    code, text = world.verify_after
    assert code == 1 and 'the run was rolled back' in text
    assert 'message                    10         0        0   <- differs' in text


def test_nothing_of_one_old_user_ends_under_anothers_sub(world):
    texts = {}
    for item in map(json.loads, world.applied.items['sessions']):
        if 'text' in item:
            texts.setdefault(item['user_id']['S'], set()).add(item['text']['S'][:40])
    assert texts[world.subs['bob@example.org']] == {'rank the Ilorin wards', 'Ranked.', 'here is my data'}
    assert texts[world.subs['dave@example.org']] == {'hi'}
    everything = json.dumps(world.applied.items)
    assert 'whose is this?' not in everything and 'no account' not in everything     # leaked and anonymous
    owners = {k.split('/')[1] for k in world.applied.objects if k.startswith(('users/', 'uploads/'))}
    assert owners <= set(world.subs.values()) | {json.loads(u[3])['sub'] for u in world.baseline.users}


def test_no_password_hash_leaves_the_instance_and_no_pickle_is_loaded(world):
    written = json.dumps(world.applied.items) + world.manifest_text + repr(world.applied.bodies)
    for password, hashed in world.instance.instance.passwords.values():
        assert hashed not in written and hashed.split('$')[-1] not in written
    assert not world.unpickled.exists()
    assert files_of(world.instance.root) == world.files
    sources = world.manifest['sources']
    assert sources == world.files                                      # every source file, with its sha256
    assert all(e.get('sha256') for e in world.manifest['entries'])


def test_rollback_removes_exactly_what_the_run_wrote(world):
    code, text = world.rollback
    assert code == 0 and 'kept' not in text.replace('0 kept', '')
    assert same(world.after, world.baseline)
