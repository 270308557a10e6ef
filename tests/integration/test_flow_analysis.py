"""End to end through the running local stack: HTTP, presigned POST uploads to moto,
the S3 bridge, the SQS worker and a WebSocket client."""
import asyncio
import json
import urllib.parse

import pytest
import websockets

from chalicelib.analyses.stages import STAGES
from chalicelib.storage.objects import item_folders, parse_upload_key
from devstack.demo import Api, follow
from tests.integration.support import wait_for
from tests.processing import builders

pytestmark = pytest.mark.integration

STAGE_NAMES = [stage.name for stage in STAGES]


def niger_files(shared_data):
    niger = shared_data / 'niger'
    return {'data': ('Niger_plus.csv', (niger / 'Niger_plus.csv').read_bytes()),
            'boundaries': ('Niger_State.zip', (niger / 'Niger_State.zip').read_bytes())}


def ws_url(stack, token):
    return f'{stack.ws_url.rstrip("/")}/?token={urllib.parse.quote(token)}'


def queue_drained(sqs, url):
    """True once every sent message has been received and deleted."""
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'])['Attributes']
    return set(counts.values()) == {'0'}


def keys_of(stack, user_id):
    """Every object key of the user in the data bucket."""
    pages = stack.client('s3').get_paginator('list_objects_v2').paginate(Bucket=stack.settings.data_bucket)
    return [o['Key'] for page in pages for o in page.get('Contents', []) if o['Key'].split('/')[1:2] == [user_id]]


def notified(stack, keys):
    """The keys whose ObjectCreated event the stack's bucket notification (the app's
    on_s3_event filter) delivers to the upload function."""
    config = stack.client('s3').get_bucket_notification_configuration(Bucket=stack.settings.data_bucket)
    [target] = config['QueueConfigurations']
    rules = {r['Name'].lower(): r['Value'] for r in target.get('Filter', {}).get('Key', {}).get('FilterRules', [])}
    return [k for k in keys if k.startswith(rules.get('prefix', '')) and k.endswith(rules.get('suffix', ''))]


def last_occurrence_order(names):
    """Stage names in the order of their last message (a late subscriber's replay may
    repeat a stage that was also pushed live)."""
    return [name for i, name in enumerate(names) if name not in names[i + 1:]]


async def run_analysis_while_bob_listens(stack, alice, bob, analysis_id):
    """Alice follows her analysis; Bob, connected and subscribed to nothing of his own,
    listens all along, then tries to subscribe to Alice's analysis."""
    async with websockets.connect(ws_url(stack, bob.token)) as bobs:
        messages = await follow(stack.ws_url, alice.token, analysis_id, seconds=240)
        try:
            stray = await asyncio.wait_for(bobs.recv(), 1.0)
        except TimeoutError:
            stray = None
        await bobs.send(json.dumps({'action': 'subscribe', 'analysis_id': analysis_id}))
        refusal = json.loads(await asyncio.wait_for(bobs.recv(), 10))
    return messages, stray, refusal


@pytest.mark.shared_data
def test_niger_upload_to_ranked_wards_with_live_progress(stack, shared_data):
    alice, bob = stack.create_user(), stack.create_user()
    api = Api(stack.api_url, alice.token)

    dataset = api.wait_for_dataset(api.upload_dataset('Niger State', niger_files(shared_data)))
    assert dataset['status'] == 'READY', dataset['errors']
    assert dataset['summary']['wards'] == 275

    analysis_id = api.start_analysis(dataset['dataset_id'])
    messages, stray, refusal = asyncio.run(run_analysis_while_bob_listens(stack, alice, bob, analysis_id))

    progress = [m for m in messages if m['type'] == 'progress']
    assert all(m['analysis_id'] == analysis_id for m in progress)
    assert last_occurrence_order([m['stage'] for m in progress]) == STAGE_NAMES
    assert messages[-1] == {'type': 'status', 'analysis_id': analysis_id, 'status': 'SUCCEEDED'}
    assert stray is None, f"Bob's connection received {stray}"
    assert refusal == {'type': 'error', 'code': 'not_found'}

    rankings = api.rankings(analysis_id)
    assert len(rankings) == 275
    assert [r['composite_rank'] for r in rankings] == list(range(1, 276))
    assert len({r['ward_code'] for r in rankings}) == 275
    analysis = api.call('GET', f'/analyses/{analysis_id}')
    assert analysis['status'] == 'SUCCEEDED' and analysis['progress'] == 100
    assert {'rankings.json', 'rankings.csv', 'models.json', 'diagnostics.json',
            'match_report.json', 'imputation.json', 'vulnerability_map.html', 'report.html',
            'rankings.xlsx', 'wards.geojson'} <= set(analysis['artifacts'])

    # A redelivered job for the finished analysis changes nothing.
    sqs = stack.client('sqs')
    queue = sqs.get_queue_url(QueueName=stack.settings.analysis_queue)['QueueUrl']
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(
        {'user_id': alice.sub, 'analysis_id': analysis_id}))
    assert wait_for(lambda: queue_drained(sqs, queue))
    assert api.call('GET', f'/analyses/{analysis_id}') == analysis

    # The upload function ran for the two uploads only, never for a file the service wrote.
    keys = keys_of(stack, alice.sub)
    assert len(keys) > 20
    assert [parse_upload_key(k) for k in notified(stack, keys)] == [
        (alice.sub, dataset['dataset_id'], 'boundaries', '.zip'), (alice.sub, dataset['dataset_id'], 'data', '.csv')]
    assert 'object is not an upload' not in stack.log_text()


def test_a_bad_upload_through_the_stack_ends_invalid_and_stays_in_its_prefix(stack):
    alice = stack.create_user()
    api = Api(stack.api_url, alice.token)
    shapes = builders.shapefile_members(builders.grid_wards(3), 3)
    files = {'data': builders.grid_files(3)['data'],
             'boundaries': ('wards.zip', builders.zip_bytes(dict(shapes, **{'../../escape.shp': b'x'})))}

    dataset = api.wait_for_dataset(api.upload_dataset('escape attempt', files))

    assert dataset['status'] == 'INVALID'
    [error] = dataset['errors']
    assert error['file'] == 'wards.zip' and '..' in error['message']
    keys = keys_of(stack, alice.sub)
    assert keys and all(k.startswith(tuple(item_folders(alice.sub, 'datasets', dataset['dataset_id'])))
                        for k in keys)
    assert not [k for k in keys if '/canonical/' in k]


@pytest.mark.parametrize('token', ['', 'garbage'])
def test_the_websocket_refuses_a_connection_without_a_valid_id_token(stack, token):
    async def attempt():
        async with websockets.connect(ws_url(stack, token)):
            pass

    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(attempt())
    assert refused.value.response.status_code == 401


def test_a_job_whose_worker_died_on_its_last_receive_ends_failed_for_the_subscriber(stack):
    """The job's message reaches the dead-letter queue (Lambda killed it on the third
    receive, so no handler settled the analysis): the stack polls that queue, the app's
    dead-letter handler ends the analysis FAILED and the subscribed owner is told."""
    from chalicelib.storage.analyses import Analyses
    alice = stack.create_user()
    analysis_id = 'an_died_on_last_receive'
    Analyses(stack.settings.analyses_table, stack.client('dynamodb')).put_new(alice.sub, {
        'analysis_id': analysis_id, 'status': 'RUNNING', 'stage': 'score', 'progress': 10,
        'stages_done': ['prepare'], 'lease_until': 0})
    sqs = stack.client('sqs')
    dlq = sqs.get_queue_url(QueueName=stack.settings.analysis_dlq)['QueueUrl']

    async def subscribe_then_die():
        async with websockets.connect(ws_url(stack, alice.token)) as connection:
            await connection.send(json.dumps({'action': 'subscribe', 'analysis_id': analysis_id}))
            replay = [json.loads(await asyncio.wait_for(connection.recv(), 10)) for _ in range(3)]
            sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(
                {'user_id': alice.sub, 'analysis_id': analysis_id}))
            return replay, json.loads(await asyncio.wait_for(connection.recv(), 30))

    replay, status = asyncio.run(subscribe_then_die())

    assert [m['type'] for m in replay] == ['subscribed', 'progress', 'progress']
    assert status['type'] == 'status' and status['status'] == 'FAILED'
    assert '"score" step' in status['error']
    assert Api(stack.api_url, alice.token).call('GET', f'/analyses/{analysis_id}')['status'] == 'FAILED'
    assert wait_for(lambda: queue_drained(sqs, dlq))
