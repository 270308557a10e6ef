"""The demo's data: Niger when ../shared/data is there, a synthetic state otherwise."""
from chalicelib.analysis import prepare_dataset
from devstack import demo


def test_without_the_shared_data_the_demo_uploads_a_valid_synthetic_state(tmp_path):
    files, origin = demo.demo_files(niger=tmp_path)

    assert 'synthetic' in origin
    assert set(files) == {'data', 'boundaries'}
    assert prepare_dataset(files).summary['wards'] == 275


def test_with_the_shared_data_the_demo_uploads_niger(shared_data):
    files, origin = demo.demo_files(niger=shared_data / 'niger')

    assert 'Niger' in origin
    assert files['data'][0] == 'Niger_plus.csv'


def test_following_an_analysis_sends_the_subscribe_again_when_the_connection_was_not_ready():
    import asyncio
    import json

    import websockets

    async def relay(connection):
        """Refuses the first subscribe as the app does before its index has the connection."""
        first = True
        async for raw in connection:
            analysis_id = json.loads(raw)['analysis_id']
            if first:
                first = False
                await connection.send(json.dumps({'type': 'error', 'code': 'conflict', 'message': 'again'}))
                continue
            await connection.send(json.dumps({'type': 'subscribed', 'analysis_id': analysis_id}))
            await connection.send(json.dumps({'type': 'status', 'analysis_id': analysis_id,
                                              'status': 'SUCCEEDED'}))

    async def follow_through_the_relay():
        async with websockets.serve(relay, '127.0.0.1', 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            return await demo.follow(f'ws://127.0.0.1:{port}', 'token', 'an_x', seconds=10)

    messages = asyncio.run(follow_through_the_relay())

    assert [m['type'] for m in messages] == ['subscribed', 'status']
