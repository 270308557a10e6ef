"""Upload processing: the dataset's status follows its files, once, whatever S3 redelivers."""
import threading

import pytest

from chalicelib import analysis
from chalicelib.datasets import processing
from chalicelib.datasets import tpr
from chalicelib.storage import datasets as datasets_store
from chalicelib.storage.objects import object_key, upload_key
from tests.processing import builders as b
from tests.processing.conftest import ALICE, BOB

GOOD = b.grid_files(4)


def test_both_files_make_the_dataset_ready_with_its_summary_and_canonical_files(files):
    item = files.upload(ALICE, GOOD)

    assert item['status'] == 'READY'
    assert item['errors'] == []
    assert item['summary']['wards'] == 16
    assert item['summary']['matched'] == {'by_code': 16, 'by_name': 0, 'fuzzy': 0}
    assert {v['name'] for v in item['summary']['variables']} == set(b.VARIABLES)
    prefix = f'users/{ALICE}/datasets/{item["dataset_id"]}/canonical/'
    assert set(item['canonical'].values()) <= set(files.keys())
    assert all(key.startswith(prefix) for key in item['canonical'].values())


def test_the_first_file_alone_leaves_the_dataset_waiting(files):
    dataset_id = files.create(ALICE, GOOD)

    outcome = files.deliver(files.put(ALICE, dataset_id, 'data', GOOD['data'][1]))

    item = files.item(ALICE, dataset_id)
    assert outcome == 'waiting'
    assert item['status'] == 'AWAITING_UPLOAD'
    assert item['files']['data']['uploaded'] is True
    assert item['files']['boundaries']['uploaded'] is False


def test_a_duplicate_event_after_processing_changes_nothing(files):
    item = files.upload(ALICE, GOOD)

    again = [files.deliver(f['key']) for f in item['files'].values()]

    assert again == ['duplicate', 'duplicate']
    assert files.item(ALICE, item['dataset_id']) == item


def test_a_second_upload_replaces_the_first_while_the_dataset_awaits_files(files):
    dataset_id = files.create(ALICE, GOOD)
    files.deliver(files.put(ALICE, dataset_id, 'data', b'not, the, right\nfile,,\n'))
    files.deliver(files.put(ALICE, dataset_id, 'data', GOOD['data'][1]))

    files.deliver(files.put(ALICE, dataset_id, 'boundaries', GOOD['boundaries'][1]))

    assert files.item(ALICE, dataset_id)['status'] == 'READY'


def test_a_late_upload_after_processing_does_not_replace_the_processed_data(files):
    item = files.upload(ALICE, GOOD)
    canonical = {key: files.bucket.read(key) for key in item['canonical'].values()}

    outcome = files.deliver(files.put(ALICE, item['dataset_id'], 'data', b'garbage'))

    assert outcome == 'duplicate'
    assert files.item(ALICE, item['dataset_id']) == item
    for key, body in canonical.items():
        assert files.bucket.read(key) == body


@pytest.mark.parametrize('key_of', [
    lambda ds: object_key(ALICE, 'datasets', ds, 'canonical', 'wards.csv'),
    lambda ds: upload_key(ALICE, ds, 'data', '.xlsx'), lambda ds: upload_key(ALICE, ds, 'tpr', '.csv'),
    lambda ds: upload_key(ALICE, ds, 'data', '.csv') + '/../x',
    lambda ds: f'users/{ALICE}/datasets/{ds}/uploads/data.csv',   # where uploads were kept before
])
def test_keys_the_dataset_did_not_ask_for_are_ignored(files, key_of):
    dataset_id = files.create(ALICE, GOOD)
    key = key_of(dataset_id)
    files.bucket.put(key, b'x')

    assert files.deliver(key) == 'ignored'
    assert files.item(ALICE, dataset_id)['status'] == 'AWAITING_UPLOAD'


def test_analysis_artifacts_and_foreign_layouts_are_ignored(files):
    for key in (f'users/{ALICE}/analyses/an_1/rankings.csv', 'elsewhere/file.csv',
                upload_key(ALICE, 'ds_missing', 'data', '.csv')):
        assert files.deliver(key) == 'ignored'


def test_another_users_dataset_id_under_ones_own_prefix_is_ignored(files):
    """The key names the owner: Bob's prefix with Alice's dataset id finds no dataset."""
    dataset_id = files.create(ALICE, GOOD)
    key = upload_key(BOB, dataset_id, 'data', '.csv')
    files.bucket.put(key, GOOD['data'][1])

    assert files.deliver(key) == 'ignored'
    assert files.item(ALICE, dataset_id)['files']['data']['uploaded'] is False


def test_an_object_larger_than_declared_is_refused(files):
    """moto does not enforce the POST's content-length-range: the processor does."""
    item = files.upload(ALICE, GOOD, sizes={'data': 100})

    assert item['status'] == 'INVALID'
    [error] = item['errors']
    assert error['code'] == 'too_large'
    assert error['file'] == 'wards.csv'
    assert str(len(GOOD['data'][1])) in error['message']


def test_an_object_over_the_configured_limit_is_refused(files, upload_deps):
    files.deps = upload_deps.replace(max_bytes=1000)
    item = files.upload(ALICE, GOOD, sizes={'data': 500, 'boundaries': 500})

    assert item['status'] == 'INVALID'
    assert item['errors'][0]['code'] == 'too_large'


def test_events_for_both_files_at_once_process_the_dataset_once(files, monkeypatch, atomic_dynamodb_writes):
    calls = []
    real = analysis.prepare_dataset
    monkeypatch.setattr(analysis, 'prepare_dataset', lambda *a: calls.append(1) or real(*a))
    dataset_id = files.create(ALICE, GOOD)
    keys = [files.put(ALICE, dataset_id, role, data) for role, (_, data) in GOOD.items()]
    outcomes = []

    def deliver(key):
        try:
            outcomes.append(files.deliver(key))
        except processing.ProcessingElsewhere:
            outcomes.append('retried later')
    threads = [threading.Thread(target=deliver, args=(k,)) for k in keys * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count('READY') == 1
    assert len(calls) == 1
    assert files.item(ALICE, dataset_id)['status'] == 'READY'


def test_an_unexpected_failure_ends_invalid_with_an_actionable_message(files, monkeypatch, caplog):
    import chalicelib.analysis

    def broken(*args, **kwargs):
        raise RuntimeError('disk on fire at /var/task/secret')
    monkeypatch.setattr(chalicelib.analysis, 'prepare_dataset', broken)
    caplog.set_level('INFO', logger='chatmrpt.uploads')
    import logging
    logging.getLogger('chatmrpt.uploads').addHandler(caplog.handler)

    item = files.upload(ALICE, GOOD)

    assert item['status'] == 'INVALID'
    assert item['errors'][0]['message'] == processing.UNREADABLE
    assert 'disk on fire' not in str(item)
    assert 'disk on fire' in caplog.text


def test_a_dataset_deleted_while_processing_leaves_no_files(files, monkeypatch):
    import chalicelib.analysis
    real = chalicelib.analysis.prepare_dataset
    dataset_id = files.create(ALICE, GOOD)

    def delete_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        files.deps.datasets.delete(ALICE, dataset_id)
        return result
    monkeypatch.setattr(chalicelib.analysis, 'prepare_dataset', delete_meanwhile)
    for role, (_, data) in GOOD.items():
        files.deliver(files.put(ALICE, dataset_id, role, data))

    assert files.item(ALICE, dataset_id) is None
    assert not [k for k in files.keys() if dataset_id in k]


def test_the_s3_handler_of_the_app_processes_an_upload(files):
    from chalice.test import Client
    from app import app
    dataset_id = files.create(ALICE, GOOD)
    keys = [files.put(ALICE, dataset_id, role, data) for role, (_, data) in GOOD.items()]

    with Client(app, stage_name='local') as client:
        for key in keys:
            client.lambda_.invoke('on_upload', client.events.generate_s3_event(
                bucket=files.settings.data_bucket, key=key))

    assert files.item(ALICE, dataset_id)['status'] == 'READY'


@pytest.mark.shared_data
def test_niger_becomes_ready_with_its_275_wards_matched_by_code(files, shared_data):
    niger = shared_data / 'niger'
    item = files.upload(ALICE, {
        'data': ('Niger_plus.csv', (niger / 'Niger_plus.csv').read_bytes()),
        'boundaries': ('Niger_State.zip', (niger / 'Niger_State.zip').read_bytes())})

    assert item['status'] == 'READY', item['errors']
    assert item['summary']['wards'] == 275
    assert item['summary']['matched']['by_code'] == 275
    assert item['summary']['unmatched'] == 0


def test_processing_cut_short_is_taken_over_by_s3s_retry_once_its_lease_ran_out(files, upload_deps):
    dataset_id = files.create(ALICE, GOOD)
    keys = [files.put(ALICE, dataset_id, role, data) for role, (_, data) in GOOD.items()]
    assert files.deliver(keys[0]) == 'waiting'
    # The invocation of the second file marked it, claimed the dataset and died.
    assert upload_deps.datasets.mark_uploaded(ALICE, dataset_id, 'boundaries', 1)
    assert upload_deps.datasets.processing.claim(ALICE, dataset_id, 'dead-invocation', upload_deps.clock())

    # S3's first retry meets the live lease: it fails, so Lambda retries it again later.
    with pytest.raises(processing.ProcessingElsewhere):
        files.deliver(keys[1])
    files.deps = upload_deps.replace(clock=lambda: upload_deps.clock() + datasets_store.PROCESSING_SECONDS + 1)
    assert files.deliver(keys[1]) == 'READY'
    assert files.item(ALICE, dataset_id)['status'] == 'READY'


def test_an_invocation_that_dies_while_processing_is_recovered_by_a_later_retry(files, upload_deps, monkeypatch):
    """Out of memory while the engine reads the files: nothing is caught, the dataset stays
    PROCESSING; the retries S3 makes fail while the lease is live, and the one after it
    has run out finishes the dataset."""
    import chalicelib.analysis

    class Killed(BaseException):
        """The function dies: no handler runs."""
    real = chalicelib.analysis.prepare_dataset

    def dies(*args, **kwargs):
        raise Killed()
    dataset_id = files.create(ALICE, GOOD)
    keys = [files.put(ALICE, dataset_id, role, data) for role, (_, data) in GOOD.items()]
    assert files.deliver(keys[0]) == 'waiting'
    monkeypatch.setattr(chalicelib.analysis, 'prepare_dataset', dies)
    with pytest.raises(Killed):
        files.deliver(keys[1])
    monkeypatch.setattr(chalicelib.analysis, 'prepare_dataset', real)
    assert files.item(ALICE, dataset_id)['status'] == 'PROCESSING'

    with pytest.raises(processing.ProcessingElsewhere):
        files.deliver(keys[1])
    files.deps = upload_deps.replace(clock=lambda: upload_deps.clock() + datasets_store.PROCESSING_SECONDS + 1)
    assert files.deliver(keys[1]) == 'READY'


def during_processing(monkeypatch, step):
    """Run `step()` while the engine reads the dataset's files (a long processing)."""
    import chalicelib.analysis
    real = chalicelib.analysis.prepare_dataset

    def slow(*args, **kwargs):
        step()
        return real(*args, **kwargs)
    monkeypatch.setattr(chalicelib.analysis, 'prepare_dataset', slow)


def driven(files, upload_deps, now):
    """The files' deps with the clock `now[0]` and a heartbeat the test drives; its OneBeat."""
    beats = b.OneBeat()
    files.deps = upload_deps.replace(clock=lambda: now[0], heartbeat_wait=beats.wait)
    return beats


def test_a_live_invocation_keeps_its_lease_through_processing_longer_than_the_lease(
        files, upload_deps, monkeypatch):
    """Only a dead invocation's lease runs out: the heartbeat renews a live one, so a
    retry during a long processing is not let in beside it."""
    now = [1_000_000.0]
    beats = driven(files, upload_deps, now)
    dataset_id = files.create(ALICE, GOOD)
    keys = [files.put(ALICE, dataset_id, role, data) for role, (_, data) in GOOD.items()]
    taken_over = []

    def outlast_the_lease():
        now[0] += datasets_store.PROCESSING_SECONDS + 1
        beats.beat()
        taken_over.append(upload_deps.datasets.processing.claim(ALICE, dataset_id, 'retry', now[0]))
    during_processing(monkeypatch, outlast_the_lease)
    assert files.deliver(keys[0]) == 'waiting'

    assert files.deliver(keys[1]) == 'READY'
    assert taken_over == [None]


def test_an_invocation_whose_lease_was_taken_over_neither_renews_it_nor_ends_the_dataset(
        files, upload_deps, monkeypatch):
    """A stalled invocation whose lease ran out and was taken over by S3's retry: its
    heartbeat must not keep the new holder's lease alive, and it must not write its result
    over the dataset the new holder is processing."""
    now = [1_000_000.0]
    beats = driven(files, upload_deps, now)
    dataset_id = files.create(ALICE, GOOD)
    keys = [files.put(ALICE, dataset_id, role, data) for role, (_, data) in GOOD.items()]
    seen = {}

    def stalled_then_taken_over():
        now[0] += datasets_store.PROCESSING_SECONDS + 1
        seen['new'] = upload_deps.datasets.processing.claim(ALICE, dataset_id, 'retry', now[0])
        now[0] += 10
        beats.beat()
    during_processing(monkeypatch, stalled_then_taken_over)
    written = []
    real_hold = upload_deps.datasets.processing.hold
    monkeypatch.setattr(upload_deps.datasets.processing, 'hold',   # the end of processing writes a status
                        lambda *a, **k: ('status' in k and written.append(a)) or real_hold(*a, **k))
    assert files.deliver(keys[0]) == 'waiting'

    assert files.deliver(keys[1]) == 'duplicate'
    item = files.item(ALICE, dataset_id)
    assert item['status'] == 'PROCESSING'
    assert item['processing_owner'] == 'retry'
    assert item['processing_until'] == seen['new']['processing_until'], 'the old heartbeat renewed it'
    assert written == [], 'a lost lease is noticed: nothing is written'


def test_an_invocation_that_lost_its_lease_unnoticed_cannot_end_the_dataset(files, upload_deps, monkeypatch):
    """Taken over between two heartbeats: the final write is refused, the new holder's
    processing decides."""
    now = [1_000_000.0]
    beats = driven(files, upload_deps, now)
    dataset_id = files.create(ALICE, GOOD)
    keys = [files.put(ALICE, dataset_id, role, data) for role, (_, data) in GOOD.items()]

    def taken_over():
        beats.beat()
        now[0] += datasets_store.PROCESSING_SECONDS + 1
        assert upload_deps.datasets.processing.claim(ALICE, dataset_id, 'retry', now[0])
    during_processing(monkeypatch, taken_over)
    assert files.deliver(keys[0]) == 'waiting'

    assert files.deliver(keys[1]) == 'duplicate'
    item = files.item(ALICE, dataset_id)
    assert (item['status'], item['processing_owner']) == ('PROCESSING', 'retry')


def test_a_failed_copy_of_the_uploads_ends_invalid_and_leaves_no_copies(files, upload_deps, monkeypatch):
    real = upload_deps.objects.freeze
    copies = []

    def second_copy_fails(user_id, dataset_id, upload):
        if copies:
            raise RuntimeError('S3 copy_object: InternalError')
        copies.append(real(user_id, dataset_id, upload))
        return copies[-1]
    monkeypatch.setattr(upload_deps.objects, 'freeze', second_copy_fails)

    item = files.upload(ALICE, GOOD)

    assert item['status'] == 'INVALID'
    assert item['errors'][0]['message'] == processing.NOT_STORED
    assert copies and not [k for k in files.keys() if '/processed/' in k]


def test_a_dataset_processed_before_uploads_were_frozen_is_read_from_its_upload(files, upload_deps):
    """Datasets made before `processed_key` existed: readers use the upload itself."""
    from tests.analysis import fixtures_tpr
    item = files.upload(ALICE, kwara_upload(fixtures_tpr.export_csv(mangled=True)))
    assert item['status'] == 'READY', item['errors']
    files.deps.datasets.update(ALICE, item['dataset_id'], {'files': {
        role: {k: v for k, v in f.items() if k != 'processed_key'} for role, f in item['files'].items()}},
        'attribute_exists(user_id)')

    computed = tpr.compute_tpr(ALICE, item['dataset_id'], {},
                                     files.deps)

    assert computed['wards_with_tpr'] == 4
    assert upload_deps.objects.read_upload(ALICE, files.item(ALICE, item['dataset_id'])['files']['data']) == \
        kwara_upload(b'')['data'][1]


def kwara_upload(export):
    """Kwara ward data and boundaries with a facility export (tests/analysis' generator)."""
    from tests.unit.test_tpr_datasets import WARDS, ward_data
    wards = [{'WardCode': code, 'WardName': name, 'LGA': lga} for code, name, lga in WARDS]
    return {'data': ward_data(), 'boundaries': ('kwara.geojson', b.geojson_bytes(wards, 3)),
            'tpr': ('kwara_tpr.csv', export)}


def test_a_facility_export_makes_the_ward_tpr_a_variable_once_ready(files):
    from tests.analysis import fixtures_tpr
    item = files.upload(ALICE, kwara_upload(fixtures_tpr.export_csv(mangled=True)))

    assert item['status'] == 'READY', item['errors']
    assert 'tpr' in [v['name'] for v in item['summary']['variables']]


def test_a_broken_facility_export_leaves_the_dataset_ready_with_a_warning(files):
    item = files.upload(ALICE, kwara_upload(b'orgunitlevel4,periodname\nAfon,2024-01\n'))

    assert item['status'] == 'READY'
    assert 'tpr' not in [v['name'] for v in item['summary']['variables']]
    assert any(w.startswith('No TPR was computed') for w in item['warnings'])


def test_a_failure_joining_the_tpr_never_undoes_ready(files, monkeypatch):

    def broken(*args):
        raise RuntimeError('bug in the TPR join')
    monkeypatch.setattr(tpr, 'after_upload', broken)

    assert files.upload(ALICE, kwara_upload(b'x'))['status'] == 'READY'


def test_a_late_upload_after_ready_never_changes_the_facility_export_the_tpr_is_computed_from(files):
    """The presigned POST stays valid after READY: a second upload of a different file
    replaces the raw object, but every later reader uses the copy that was checked."""
    from tests.analysis import fixtures_tpr
    item = files.upload(ALICE, kwara_upload(fixtures_tpr.export_csv(mangled=True)))
    assert item['status'] == 'READY', item['errors']
    deps = files.deps
    before = tpr.compute_tpr(ALICE, item['dataset_id'], {}, deps)

    late = files.put(ALICE, item['dataset_id'], 'tpr', b'orgunitlevel4,periodname\nAfon,2024-01\n')
    assert files.deliver(late) == 'duplicate'
    after = tpr.compute_tpr(ALICE, item['dataset_id'], {}, deps)

    assert after['wards'] == before['wards'] and after['wards_with_tpr'] == 4
    frozen = files.item(ALICE, item['dataset_id'])['files']
    assert all(f['processed_key'].startswith(f'users/{ALICE}/datasets/{item["dataset_id"]}/processed/')
               for f in frozen.values())
