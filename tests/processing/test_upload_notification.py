"""The upload function's S3 notification selects uploads alone: nothing the service writes
invokes it (in AWS each such invocation is paid for, and a loop waits if it ever writes)."""
from chalice.app import S3EventConfig

from chalicelib.analyses import itn_plans
from chalicelib.analyses import requests as analysis_service
from chalicelib.analyses import runner
from chalicelib.deps import Deps
from tests.analysis import fixtures_tpr as fx
from tests.processing.conftest import ALICE
from tests.processing.test_tpr_uploads import kwara


def upload_notification():
    """The S3 event source app.py declares: what Terraform and the local stack subscribe."""
    from app import app
    [source] = [s for s in app.event_sources if isinstance(s, S3EventConfig)]
    return source


def selected(keys):
    """The keys whose ObjectCreated event invokes the upload function (S3 filters by prefix and suffix)."""
    source = upload_notification()
    return {key for key in keys if key.startswith(source.prefix or '') and key.endswith(source.suffix or '')}


def test_a_whole_upload_analysis_and_plan_write_nothing_the_upload_notification_selects(aws, files, worker_deps):
    item = files.upload(ALICE, kwara(fx.export_csv(mangled=True)))
    assert item['status'] == 'READY', item['errors']
    s = Deps(aws)
    request = {'dataset_id': item['dataset_id'], 'tpr': {'age': 'u5', 'test': 'rdt'}}
    analysis_id = analysis_service.create(ALICE, request, s)['analysis_id']
    assert runner.run_job(ALICE, analysis_id, worker_deps) == 'SUCCEEDED'
    itn_plans.create_itn_plan(ALICE, analysis_id, {'total_nets': 10_000},
                              s)

    keys = files.keys()
    uploads = {f['key'] for f in item['files'].values()}
    assert uploads <= set(keys)
    assert len(keys) - len(uploads) > 20, 'the service wrote its own files'
    assert selected(keys) == uploads
