"""A run that dies half-way, a rollback after people have used what was migrated, and verify
finding what changed; in moto, on a small instance of two people."""
import json

import pytest

from chalicelib.conversations import requests as conversations
from chalicelib.datasets import requests as datasets
from chalicelib.errors import NotFound
from chalicelib.storage.conversations import Conversations
from tests.migration import instances as build
from tests.migration.conftest import cli


class Killed(BaseException):
    """The operator's process dying (nothing in the run catches it)."""


def pair(root):
    """Alice (ward data with old rankings, a conversation of three messages) and Bob (ward data)."""
    i = build.Instance(root / 'instance')
    alice, bob = i.user('alice@example.org'), i.user('bob@example.org')
    upload = build.grid_upload()
    variables, old = build.legacy_results(upload)
    sid = i.conversation(alice, 'Grid', [('user', 'rank my wards'), ('assistant', 'Ranked.'), ('user', 'thanks')],
                         analysis={'variables_used': variables})
    i.upload(sid, {**upload, **old})
    i.upload(i.conversation(bob, 'Bob', [('user', 'hi')]), build.grid_upload(3, 2))
    mapping = build.mapping_csv(root / 'mapping.csv', [('alice@example.org', 'demo-org', 'analyst', 'NI'),
                                                       ('bob@example.org', 'nmep', 'analyst', 'NI')])
    return ['--instance', str(i.root), '--mapping', str(mapping), '--manifest', str(root / 'run.json')]


def subs(root):
    entries = json.loads((root / 'run.json').read_text())['entries']
    return {e['email']: e['user_id'] for e in entries if e['kind'] == 'cognito_user'}


def dies_on_call(function, number):
    """`function`, except that its `number`-th call does its work and then the process dies."""
    calls = []

    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        calls.append(1)
        if len(calls) == number:
            raise Killed()
        return result
    return wrapped


def test_an_interrupted_apply_continues_and_creates_nothing_twice(target, tmp_path, monkeypatch):
    args = pair(tmp_path)
    with monkeypatch.context() as m:       # dies once Bob's dataset exists, before the run recorded it
        m.setattr(datasets, 'create', dies_on_call(datasets.create, 2))
        with pytest.raises(Killed):
            cli(target, 'apply', *args)
    with monkeypatch.context() as m:       # dies after writing the second message of Alice's conversation
        m.setattr(Conversations, 'add_message', dies_on_call(Conversations.add_message, 2))
        with pytest.raises(Killed):
            cli(target, 'apply', *args)
    code, text = cli(target, 'apply', *args)
    assert code == 0, text

    deps, people = target.deps, subs(tmp_path)
    assert [len(deps.datasets.all(people[e])) for e in ('alice@example.org', 'bob@example.org')] == [1, 1]
    assert all(d['status'] == 'READY' for sub in people.values() for d in deps.datasets.all(sub))
    assert len(deps.analyses.all(people['alice@example.org'])) == 1
    [header] = conversations.list_page(people['alice@example.org'], {}, deps)['items']
    messages = conversations.get(people['alice@example.org'], header['conversation_id'], {}, deps)['messages']
    assert [m['text'] for m in messages] == ['rank my wards', 'Ranked.', 'thanks']
    assert 'REPRODUCED' in text
    assert cli(target, 'apply', *args)[1].count('created this time: nothing') == 1
    assert cli(target, 'verify', args[-1])[0] == 0


def test_a_rollback_keeps_what_people_did_after_the_migration(target, tmp_path):
    args = pair(tmp_path)
    assert cli(target, 'apply', *args)[0] == 0
    deps, people = target.deps, subs(tmp_path)
    alice, bob = people['alice@example.org'], people['bob@example.org']
    [migrated] = conversations.list_page(alice, {}, deps)['items']
    conversations.post_message(alice, migrated['conversation_id'], {'text': 'and the top 5?'}, deps)
    [alice_dataset], [bob_migrated] = deps.datasets.all(alice), deps.datasets.all(bob)
    files = [{'role': 'data', 'filename': 'w.csv', 'size': 9}, {'role': 'boundaries', 'filename': 'w.zip', 'size': 9}]
    own = datasets.create(bob, {'name': 'his own', 'files': files}, deps)

    code, text = cli(target, 'rollback', args[-1], '--yes')
    assert code == 0
    assert 'messages were added to it after the migration' in text
    kept = conversations.get(alice, migrated['conversation_id'], {}, deps)['messages']
    assert [m['text'] for m in kept][:4] == ['rank my wards', 'Ranked.', 'thanks', 'and the top 5?']
    for sub, dataset in ((alice, alice_dataset), (bob, bob_migrated)):
        with pytest.raises(NotFound):
            datasets.get(sub, dataset['dataset_id'], deps)
    assert datasets.get(bob, own['dataset_id'], deps)['name'] == 'his own'
    assert deps.users.get(alice) and deps.users.get(bob)          # they own something the run did not write

    conversations.delete(alice, migrated['conversation_id'], deps)
    datasets.delete(bob, own['dataset_id'], deps)
    code, text = cli(target, 'rollback', args[-1], '--yes')        # again, once they let go of it
    assert code == 0 and text.strip().endswith('kept')
    assert deps.users.get(alice) is None and deps.users.get(bob) is None
    assert target.cognito.list_users(UserPoolId=target.settings.user_pool_id)['Users'] == []

    assert cli(target, 'apply', *args)[0] == 0                     # and migrated again, whole
    alice = subs(tmp_path)['alice@example.org']
    [again] = conversations.list_page(alice, {}, deps)['items']
    texts = [m['text'] for m in conversations.get(alice, again['conversation_id'], {}, deps)['messages']]
    assert texts == ['rank my wards', 'Ranked.', 'thanks']
    assert cli(target, 'verify', args[-1])[0] == 0


def test_verify_names_a_changed_message_and_a_changed_source(target, tmp_path):
    args = pair(tmp_path)
    assert cli(target, 'apply', *args)[0] == 0
    alice = subs(tmp_path)['alice@example.org']
    [header] = conversations.list_page(alice, {}, target.deps)['items']
    first = conversations.get(alice, header['conversation_id'], {}, target.deps)['messages'][0]
    target.deps.conversations.update(alice, Conversations.message_key(header['conversation_id'], first['message_id']),
                                     {'text': 'edited by hand'}, 'attribute_exists(user_id)')
    memory = next(p for p in (tmp_path / 'instance' / 'memory').glob('*_memory.json') if 'thanks' in p.read_text())
    memory.write_text(memory.read_text().replace('thanks', 'thank you'))

    code, text = cli(target, 'verify', args[-1])
    assert code == 1
    assert f'source changed or gone since the run: memory/{memory.name}' in text
    assert f'checksum differs: message from memory/{memory.name}#0' in text
    # The plan of the changed instance: "thanks" in the memory service's file is no longer a copy.
    assert 'message                     5         4        3   <- differs' in text
