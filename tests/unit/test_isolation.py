"""Isolation by construction: another user's id is answered exactly like a missing one.

Users A and B are analysts in different organizations; C is a viewer in A's
organization. Every route and verb that takes an id is tried with A's ids by B
and C, and with ids that never existed; the answers must be the same, and A's
data must be unchanged afterwards.
"""
import json
import os
import re
import sys
import threading

import pytest

from chalicelib.storage.base import new_id
from tests.raw_aws import Bucket
from tests.unit.support import Caller, ready_dataset, succeeded_analysis

ID = re.compile(r'\b(?:ds|an)_[0-9a-f]{28}\b')


def routes_with_ids(dataset_id, analysis_id):
    """(method, path, body) for every route that names one of the caller's items."""
    return [
        ('GET', f'/datasets/{dataset_id}', None),
        ('POST', f'/datasets/{dataset_id}/tpr', {}),
        ('DELETE', f'/datasets/{dataset_id}', None),
        ('POST', '/analyses', {'dataset_id': dataset_id}),
        ('GET', f'/analyses/{analysis_id}', None),
        ('GET', f'/analyses/{analysis_id}/rankings', None),
        ('GET', f'/analyses/{analysis_id}/artifacts/report.html', None),
        ('POST', f'/analyses/{analysis_id}/itn-plans', {'total_nets': 1000}),
        ('GET', f'/analyses/{analysis_id}/itn-plans', None),
        ('DELETE', f'/analyses/{analysis_id}', None),
    ]


def comparable(response):
    """Status and body with ids and request ids blanked: what could tell two 404s apart."""
    body = json.loads(response.body or b'null')
    if isinstance(body, dict) and 'error' in body:
        body['error']['details'].pop('request_id', None)
    return response.status_code, ID.sub('<id>', json.dumps(body, sort_keys=True))


def snapshot(owner, dataset_id, analysis_id, stores):
    objects = Bucket(stores.settings).objects(f'users/{owner.user_id}/')
    return (owner.get(f'/datasets/{dataset_id}').json_body,
            owner.get(f'/analyses/{analysis_id}').json_body,
            owner.get(f'/analyses/{analysis_id}/rankings').json_body,
            owner.get(f'/analyses/{analysis_id}/itn-plans').json_body,
            sorted((o['Key'], o['ETag']) for o in objects))


@pytest.fixture
def a_data(alice, stores):
    dataset_id = ready_dataset(stores, alice.user_id)
    return dataset_id, succeeded_analysis(stores, alice.user_id, dataset_id)


@pytest.mark.parametrize('intruder', ['bob', 'carol'])
def test_a_foreign_id_is_answered_like_a_missing_one(request, alice, stores, a_data, intruder):
    other = request.getfixturevalue(intruder)
    ready_dataset(stores, other.user_id)       # the intruder has data of its own too
    before = snapshot(alice, *a_data, stores)
    foreign = routes_with_ids(*a_data)
    missing = routes_with_ids(new_id('ds'), new_id('an'))
    for (method, path, body), (_, missing_path, missing_body) in zip(foreign, missing):
        seen = comparable(other.call(method, path, body))
        assert seen == comparable(other.call(method, missing_path, missing_body)), path
        assert seen[0] == (403 if intruder == 'carol' and method != 'GET' else 404), path
    assert snapshot(alice, *a_data, stores) == before


def test_lists_never_show_another_users_items(alice, bob, carol, stores, a_data):
    bob_dataset = ready_dataset(stores, bob.user_id)
    succeeded_analysis(stores, bob.user_id, bob_dataset)
    for caller, own in ((alice, a_data[0]), (bob, bob_dataset)):
        datasets = caller.get('/datasets').json_body['items']
        assert [d['dataset_id'] for d in datasets] == [own]
        analyses = caller.get('/analyses').json_body['items']
        assert {a['dataset_id'] for a in analyses} == {own}
    assert carol.get('/datasets').json_body['items'] == []
    assert carol.get('/analyses').json_body['items'] == []


def test_a_page_token_from_another_user_is_refused(alice, bob, stores):
    for _ in range(3):
        ready_dataset(stores, alice.user_id)
    token = alice.get('/datasets?limit=1').json_body['next_token']
    response = bob.get(f'/datasets?next_token={token}')
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == 'next_token'


def test_me_is_the_token_owner_whatever_the_query_says(alice):
    body = alice.get('/me?user_id=user-b-0002').json_body
    assert body['user_id'] == alice.user_id


def test_interleaved_users_on_one_app_instance_stay_apart(http, stores, monkeypatch):
    """8 threads, each a different user, share one app object and one gateway.

    Each creates datasets, reads its own profile and list, and tries every id
    route on its neighbour's items; nothing may cross over or change.
    """
    monkeypatch.setattr(os, 'environ', os.environ)   # the test client swaps it per request
    callers = [Caller(http, f'user-t-{i:04d}', organization=f'org-{i % 2}') for i in range(8)]
    owned = {}
    for caller in callers:
        dataset_id = ready_dataset(stores, caller.user_id)
        owned[caller.user_id] = (dataset_id, succeeded_analysis(stores, caller.user_id, dataset_id))
    before = {c.user_id: snapshot(c, *owned[c.user_id], stores) for c in callers}
    missing = [comparable(callers[0].call(*route))
               for route in routes_with_ids(new_id('ds'), new_id('an'))]
    created = {c.user_id: [] for c in callers}
    problems = []
    start = threading.Barrier(len(callers))

    def work(caller, index):
        neighbour = callers[(index + 1) % len(callers)]
        start.wait()
        for round_ in range(3):
            response = caller.post('/datasets', {'name': f'{caller.user_id} #{round_}', 'files': [
                {'role': 'data', 'filename': 'd.csv', 'size': 10},
                {'role': 'boundaries', 'filename': 'b.zip', 'size': 10}]})
            if response.status_code != 201:
                problems.append((caller.user_id, 'create', response.status_code))
                continue
            created[caller.user_id].append(response.json_body['dataset_id'])
            if caller.get('/me').json_body['user_id'] != caller.user_id:
                problems.append((caller.user_id, 'me'))
            names = {d['name'].split(' #')[0] for d in caller.get('/datasets').json_body['items']
                     if d['status'] == 'AWAITING_UPLOAD'}
            if names != {caller.user_id}:
                problems.append((caller.user_id, 'list', names))
            for route, expected in zip(routes_with_ids(*owned[neighbour.user_id]), missing):
                if comparable(caller.call(*route)) != expected:
                    problems.append((caller.user_id, route[0], route[1]))
            for dataset_id in list(created[neighbour.user_id]):
                if caller.get(f'/datasets/{dataset_id}').status_code != 404:
                    problems.append((caller.user_id, 'read', dataset_id))

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)                      # switch threads often: races show up
    threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(callers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert problems == []
    for caller in callers:
        assert snapshot(caller, *owned[caller.user_id], stores) == before[caller.user_id]
        listed = {d['dataset_id'] for d in caller.get('/datasets').json_body['items']}
        assert listed == {owned[caller.user_id][0], *created[caller.user_id]}
