"""The stores: conditional writes, per-user keys, TTLs, object keys and presigning."""
import threading
import time

import pytest
from hypothesis import given, strategies as st

from chalicelib.storage.analyses import FAILED, QUEUED, RUNNING, SUCCEEDED
from chalicelib.storage.base import AlreadyExists, StaleTransition, new_id
from chalicelib.storage.objects import UPLOAD_PREFIX, object_key, parse_upload_key, upload_key


def analysis(stores, user_id='u-1', status=QUEUED):
    analysis_id = new_id('an')
    stores.analyses.put_new(user_id, {'analysis_id': analysis_id, 'status': status,
                                      'updated_at': 'x', 'artifacts': {}})
    return analysis_id


def test_concurrent_duplicate_creates_leave_exactly_one_winner(stores, atomic_dynamodb_writes):
    item_id = new_id('ds')
    outcomes = []
    start = threading.Barrier(8)

    def create(n):
        start.wait()
        try:
            stores.datasets.put_new('u-1', {'dataset_id': item_id, 'name': f'writer {n}'})
            outcomes.append(('ok', n))
        except AlreadyExists:
            outcomes.append(('refused', n))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [n for outcome, n in outcomes if outcome == 'ok']
    assert len(winners) == 1 and len(outcomes) == 8
    assert stores.datasets.get('u-1', item_id)['name'] == f'writer {winners[0]}'


def test_a_stale_transition_is_refused_and_changes_nothing(stores):
    analysis_id = analysis(stores)
    stores.analyses.transition('u-1', analysis_id, QUEUED, RUNNING, stage='prepare')
    with pytest.raises(StaleTransition):        # a redelivered job tries to start again
        stores.analyses.transition('u-1', analysis_id, QUEUED, RUNNING, stage='again')
    done = stores.analyses.transition('u-1', analysis_id, RUNNING, SUCCEEDED, progress=100)
    assert done['status'] == SUCCEEDED
    with pytest.raises(StaleTransition):        # a late failure cannot clobber success
        stores.analyses.transition('u-1', analysis_id, RUNNING, FAILED, error='late')
    item = stores.analyses.get('u-1', analysis_id)
    assert item['status'] == SUCCEEDED and item['stage'] == 'prepare' and 'error' not in item


def test_transition_accepts_one_of_several_statuses(stores):
    analysis_id = analysis(stores)
    moved = stores.analyses.transition('u-1', analysis_id, (QUEUED, RUNNING), FAILED, error='x')
    assert moved['status'] == FAILED


def test_a_transition_of_another_users_item_is_stale(stores):
    analysis_id = analysis(stores, 'u-1')
    with pytest.raises(StaleTransition):
        stores.analyses.transition('u-2', analysis_id, QUEUED, RUNNING)
    assert stores.analyses.get('u-2', analysis_id) is None   # no item was conjured up
    assert stores.analyses.get('u-1', analysis_id)['status'] == QUEUED


def test_artifacts_are_recorded_only_while_running(stores):
    analysis_id = analysis(stores, status=RUNNING)
    item = stores.analyses.add_artifacts('u-1', analysis_id, {'rankings.csv': ('k', 'text/csv', 3),
                                                              'report.html': ('r', 'text/html', 9)})
    assert item['artifacts'] == {'rankings.csv': {'key': 'k', 'content_type': 'text/csv', 'size': 3},
                                 'report.html': {'key': 'r', 'content_type': 'text/html', 'size': 9}}
    item = stores.analyses.add_artifacts('u-1', analysis_id, {'rankings.csv': ('k3', 'text/csv', 4)})
    assert item['artifacts']['rankings.csv']['key'] == 'k3' and 'report.html' in item['artifacts']
    stores.analyses.transition('u-1', analysis_id, RUNNING, SUCCEEDED)
    with pytest.raises(StaleTransition):
        stores.analyses.add_artifacts('u-1', analysis_id, {'late.csv': ('k2', 'text/csv', 3)})


def test_numbers_round_trip_as_plain_python(stores):
    stores.datasets.put_new('u-1', {'dataset_id': 'ds_1', 'summary': {
        'variables': [{'name': 'pfpr', 'min': 0.125, 'max': 3, 'missing': 0}]}})
    variable = stores.datasets.get('u-1', 'ds_1')['summary']['variables'][0]
    assert variable == {'name': 'pfpr', 'min': 0.125, 'max': 3, 'missing': 0}
    assert isinstance(variable['max'], int) and isinstance(variable['min'], float)


def test_users_are_created_once(stores):
    first = stores.users.create('u-1', 'a@health.gov.ng', 'nmep', 'analyst', 'NI')
    again = stores.users.create('u-1', 'changed@health.gov.ng', 'other', 'admin', 'KN')
    assert again == first
    assert stores.users.set_status('u-1', 'DISABLED')['status'] == 'DISABLED'
    assert stores.users.set_status('u-missing', 'DISABLED') is None
    assert stores.users.get('u-missing') is None


def test_connections_find_their_owner_and_subscriptions(stores):
    stores.connections.put('u-1', 'conn-1', domain='ws.example.org', stage='ws')
    stores.connections.put('u-2', 'conn-2')
    assert stores.connections.owner_of('conn-1') == 'u-1'
    assert stores.connections.owner_of('conn-unknown') is None
    assert stores.connections.subscribe('u-1', 'conn-1', 'an_1') is True
    assert stores.connections.subscribe('u-1', 'conn-1', 'an_1') is True     # repeat: no duplicate
    assert stores.connections.subscribe('u-2', 'conn-1', 'an_1') is False    # not u-2's connection
    [subscribed] = stores.connections.subscribers('u-1', 'an_1')
    assert (subscribed['connection_id'], subscribed['domain'], subscribed['stage']) == (
        'conn-1', 'ws.example.org', 'ws')
    assert stores.connections.subscribers('u-2', 'an_1') == []
    assert [conn['subscriptions'] for conn in stores.connections.list('u-1')] == [['an_1']]
    stores.connections.delete('u-1', 'conn-1')
    assert stores.connections.owner_of('conn-1') is None


def test_audit_records_are_append_only(stores):
    first = stores.audit.append('u-1', 'nmep', 'datasets.create', 'dataset/ds_1', 'ok', 201,
                                'req-1', '10.0.0.1')
    with pytest.raises(AlreadyExists):
        stores.audit.put_new('u-1', dict(first, action='forged'))
    [kept] = stores.audit.page('u-1')[0]
    assert kept['action'] == 'datasets.create'


def test_ids_sort_in_creation_order_and_do_not_repeat():
    ids = []
    for _ in range(5):
        ids.append(new_id('ds'))
        time.sleep(0.002)
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert len({new_id('an') for _ in range(1000)}) == 1000


@given(user_id=st.from_regex(r'[A-Za-z0-9_-]{1,40}', fullmatch=True),
       dataset_id=st.from_regex(r'ds_[0-9a-f]{28}', fullmatch=True),
       role=st.sampled_from(['data', 'boundaries', 'population', 'tpr']),
       ext=st.sampled_from(['.csv', '.xlsx', '.zip', '.geojson', '.json']))
def test_upload_keys_parse_back_to_their_owner(user_id, dataset_id, role, ext):
    key = upload_key(user_id, dataset_id, role, ext)
    assert key == f'{UPLOAD_PREFIX}{user_id}/{dataset_id}/{role}{ext}'
    assert parse_upload_key(key) == (user_id, dataset_id, role, ext)


@given(user_id=st.from_regex(r'[A-Za-z0-9_-]{1,40}', fullmatch=True),
       kind=st.sampled_from(['datasets', 'analyses']),
       item_id=st.from_regex(r'(ds|an)_[0-9a-f]{28}', fullmatch=True),
       parts=st.lists(st.from_regex(r'[A-Za-z0-9][A-Za-z0-9._-]{0,20}', fullmatch=True).filter(
           lambda part: '..' not in part), max_size=3))
def test_no_key_the_service_writes_is_under_the_upload_prefix(user_id, kind, item_id, parts):
    """The upload notification filters on UPLOAD_PREFIX: a service-written key there would invoke it."""
    key = object_key(user_id, kind, item_id, *parts)
    assert not key.startswith(UPLOAD_PREFIX) and parse_upload_key(key) is None


def test_the_upload_notification_app_py_declares_selects_the_upload_prefix():
    from chalice.app import S3EventConfig
    from app import app
    [source] = [s for s in app.event_sources if isinstance(s, S3EventConfig)]
    assert (source.prefix, source.suffix, source.events) == (UPLOAD_PREFIX, None, ['s3:ObjectCreated:*'])


@given(st.text(min_size=1, max_size=30))
def test_no_id_can_climb_out_of_its_prefix(value):
    try:
        key = object_key(value, 'analyses', 'an_1', 'report.html')
    except ValueError:
        return
    assert key.split('/')[:2] == ['users', value] and '..' not in key.split('/')


@pytest.mark.parametrize('key', ['uploads/u/ds/../x.csv', 'uploads/u/ds/sub/data.csv', 'uploads/u/data.csv',
                                 'users/u/analyses/an/report.html', 'users/u/datasets/ds/data.csv',
                                 'users/u/datasets/ds/uploads/data.csv', 'other/u/ds/data.csv'])
def test_keys_that_are_not_uploads_do_not_parse(key):
    assert parse_upload_key(key) is None


def test_objects_refuse_keys_outside_the_callers_prefix(stores):
    key = stores.objects.put_file('u-1', 'analyses', 'an_1', ('rankings.json',), b'[]', 'application/json')
    assert stores.objects.get_object('u-1', key) == b'[]'
    with pytest.raises(PermissionError):
        stores.objects.get_object('u-2', key)
    with pytest.raises(PermissionError):
        stores.objects.presigned_download('u-2', key, 'rankings.json')


def test_objects_read_the_callers_own_uploads_and_no_one_elses(stores, bucket):
    key = bucket.put(upload_key('u-1', 'ds_1', 'data', '.csv'), b'WardName\n')
    assert stores.objects.get_object('u-1', key) == b'WardName\n'
    for caller in ('u-2', 'u'):
        with pytest.raises(PermissionError):
            stores.objects.get_object(caller, key)


def test_deleting_a_dataset_deletes_its_uploads_and_nothing_of_another_item(stores, bucket):
    mine = [upload_key('u-1', 'ds_1', 'data', '.csv'), object_key('u-1', 'datasets', 'ds_1', 'processed', 'data.csv')]
    kept = [upload_key('u-1', 'ds_10', 'data', '.csv'), object_key('u-1', 'datasets', 'ds_10', 'canonical', 'x.csv'),
            upload_key('u-2', 'ds_1', 'data', '.csv'), object_key('u-1', 'analyses', 'ds_1', 'report.html')]
    for key in mine + kept:
        bucket.put(key, b'x')

    stores.objects.delete_prefix('u-1', 'datasets', 'ds_1')

    assert bucket.keys() == sorted(kept)


@given(st.text(max_size=200))
def test_any_page_token_is_either_the_callers_own_or_a_400(token):
    from chalicelib.errors import BadRequest
    from chalicelib.storage.base import start_key
    try:
        key = start_key(token, ('user_id', 'dataset_id'), ('user_id', 'u-1'))
    except BadRequest as refused:
        assert refused.details == {'field': 'next_token'}
    else:
        assert key['user_id'] == 'u-1'


@given(st.text(max_size=12))
def test_any_limit_is_a_number_in_range_or_a_400(raw):
    from chalicelib.errors import BadRequest
    from chalicelib.requests import page_limit
    try:
        limit = page_limit({'limit': raw})
    except BadRequest as refused:
        assert refused.details == {'field': 'limit'}
    else:
        assert 1 <= limit <= 100 and str(limit) == raw.lstrip('0')
