"""Upload processing of a facility export: the ward TPR is part of the dataset when it is READY,
with ward data or alone with the boundaries, and an analysis can choose its own TPR options."""
import csv
import io
import json

import pytest

from chalicelib.analyses import requests as analysis_service, runner, stages
from chalicelib.datasets import tpr
from chalicelib.deps import Deps
from chalicelib.storage.datasets import Datasets
from chalicelib.storage.objects import object_key
from tests.analysis import fixtures_tpr as fx
from tests.processing import builders as b
from tests.processing.conftest import ALICE
from tests.unit.test_tpr_datasets import WARDS, ward_data

BROKEN = b'orgunitlevel4,periodname\nAfon,2024-01\n'


def kwara(export, data=True):
    """Kwara boundaries with a facility export, and the ward data unless `data` is False."""
    wards = [{'WardCode': code, 'WardName': name, 'LGA': lga} for code, name, lga in WARDS]
    files = {'boundaries': ('kwara.geojson', b.geojson_bytes(wards, 3)), 'tpr': ('kwara_tpr.csv', export)}
    return dict(files, data=ward_data()) if data else files


def canonical_wards(files, item):
    return list(csv.DictReader(io.StringIO(files.bucket.read(item['canonical']['wards.csv']).decode())))


def test_boundaries_and_a_facility_export_alone_make_a_dataset_of_the_ward_tpr(files):
    item = files.upload(ALICE, kwara(fx.export_csv(mangled=True), data=False))

    assert item['status'] == 'READY', item['errors']
    assert item['summary']['wards'] == len(WARDS)
    assert [v['name'] for v in item['summary']['variables']] == ['tpr']
    rows = canonical_wards(files, item)
    assert [(r['ward_code'], r['ward_name']) for r in rows] == [(code, name) for code, name, _ in WARDS]
    assert rows[-1]['tpr'] == '' and all(r['tpr'] for r in rows[:-1])   # Eiyenkorin has no reports
    assert any("'kw'" in w for w in item['warnings'])                   # header repairs are shown
    # Other options are chosen on it like on any dataset with a facility export.
    deps = files.deps
    result = tpr.compute_tpr(ALICE, item['dataset_id'], {'age': 'u5', 'test': 'rdt'}, deps)
    assert [w['ward_code'] for w in result['wards']] == [code for code, _, _ in WARDS]
    assert result['column'] == 'u5_tpr_rdt' and result['wards_with_tpr'] == len(WARDS) - 1


def test_boundaries_with_an_unusable_facility_export_are_invalid_naming_it(files):
    item = files.upload(ALICE, kwara(BROKEN, data=False))

    assert item['status'] == 'INVALID'
    assert item['errors'][0]['file'] == 'kwara_tpr.csv' and 'malaria test columns' in item['errors'][0]['message']


def test_a_dataset_is_ready_with_its_tpr_in_the_same_write(files, monkeypatch):
    """No READY without the TPR: the upload never records it in a second write afterwards."""
    def later(*args, **kwargs):
        raise AssertionError('the TPR was written after READY')
    monkeypatch.setattr(Datasets, 'set_tpr', later)

    item = files.upload(ALICE, kwara(fx.export_csv(mangled=True)))

    assert item['status'] == 'READY', item['errors']
    assert item['tpr']['column'] == 'tpr' and item['tpr']['options']['age'] == 'all'
    assert 'tpr' in [v['name'] for v in item['summary']['variables']]
    assert set(item['tpr']['warnings']) <= set(item['warnings'])


@pytest.mark.parametrize('data, status', [(True, 'READY'), (False, 'INVALID')])
def test_an_unexpected_failure_of_the_tpr_is_told_to_the_user(files, monkeypatch, data, status):
    def broken(*args):
        raise RuntimeError('bug in the TPR join')
    monkeypatch.setattr(tpr, 'ward_tpr', broken)

    item = files.upload(ALICE, kwara(fx.export_csv(), data=data))

    assert item['status'] == status
    told = item['warnings'] if data else [e['message'] for e in item['errors']]
    assert any('ward TPR' in text for text in told)
    assert 'tpr' not in item


def test_an_analysis_ranks_with_the_tpr_options_it_chose(files, aws, worker_deps):
    item = files.upload(ALICE, kwara(fx.export_csv(mangled=True)))
    s = Deps(aws)
    request = {'dataset_id': item['dataset_id'], 'method': 'composite', 'tpr': {'age': 'u5', 'test': 'rdt'},
               'variables': ['u5_tpr_rdt', 'housing_quality', 'mean_rainfall']}
    analysis_id = analysis_service.create(ALICE, request, s)['analysis_id']

    ranking = tuple(stage for stage in stages.STAGES if stage.name in ('prepare', 'score'))
    assert runner.run_job(ALICE, analysis_id, worker_deps, stages=ranking) == 'SUCCEEDED'
    assert s.analyses.get(ALICE, analysis_id)['error'] is None
    work = {name: worker_deps.objects.get_object(ALICE, object_key(ALICE, 'analyses', analysis_id, 'work', *parts))
            for name, parts in (('wards', ('canonical', 'wards.csv')), ('result', ('result.json',)))}
    assert 'u5_tpr_rdt' in [v['name'] for v in json.loads(work['result'])['variables']]
    used = work['wards'].decode()
    hand = fx.expected(fx.records(), age='u5', test='rdt')[('Ilorin South Local Government Area', 'Akanbi I Ward')]
    akanbi = next(r for r in csv.DictReader(io.StringIO(used)) if r['ward_code'] == 'KWSILS02')
    assert float(akanbi['u5_tpr_rdt']) == pytest.approx(hand['tpr'])
    # The dataset keeps the TPR it had: the analysis's options changed only its own copy.
    dataset = s.datasets.get(ALICE, item['dataset_id'])
    assert 'u5_tpr_rdt' not in [v['name'] for v in dataset['summary']['variables']]


def test_a_reader_of_the_dataset_before_new_tpr_options_never_gets_their_files(files):
    """An analysis that read the dataset before other TPR options were chosen loads the files
    that dataset named or none (and is retried), never the new computation's under the old record."""
    from botocore.exceptions import ClientError
    item = files.upload(ALICE, kwara(fx.export_csv(mangled=True)))
    before = {name: files.deps.objects.get_object(ALICE, key) for name, key in item['canonical'].items()}
    deps = files.deps
    tpr.compute_tpr(ALICE, item['dataset_id'], {'age': 'u5', 'test': 'rdt'}, deps)
    for name, key in item['canonical'].items():
        try:
            assert files.deps.objects.get_object(ALICE, key) == before[name], name
        except ClientError as error:
            assert error.response['Error']['Code'] == 'NoSuchKey'
    now = files.deps.datasets.get(ALICE, item['dataset_id'])
    assert 'u5_tpr_rdt' in canonical_wards(files, now)[0]


@pytest.mark.parametrize('state, status', [('niger', 'READY'), ('ilorin', 'INVALID')])
def test_niger_boundaries_with_an_export_naming_its_lgas(files, shared_data, state, status):
    """Niger's shapefile names LGAs by code only; the export by name. Against Niger's boundaries
    its 60 wards all get a TPR; against Ilorin's, none matches and the dataset is INVALID naming
    the export (it was READY over empty wards)."""
    zipped = {'niger': 'niger/Niger_State.zip', 'ilorin': 'ilorin/Ilorin_3LGA.zip'}[state]
    rows = fx.niger_rows(shared_data)
    chosen = rows[:57] + [r for r in rows if r['WardName'] == 'Sabon Gari']
    item = files.upload(ALICE, {'boundaries': (zipped.split('/')[1], (shared_data / zipped).read_bytes()),
                                'tpr': ('niger_tpr.csv', fx.niger_export(chosen))})

    assert item['status'] == status
    if status == 'READY':
        assert item['tpr']['wards_with_tpr'] == 60
        return
    [error] = item['errors']
    assert error['file'] == 'niger_tpr.csv' and error['code'] == 'no_matches'
    assert 'Only 0 of the 60 wards the facility export reports' in error['message']
