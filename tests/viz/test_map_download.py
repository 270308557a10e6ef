"""The map's data crosses the wire compressed and arrives plain: S3 (here moto's server, as the
local stack runs it) hands out map.topojson with `Content-Encoding: gzip` on the presigned
link, and a browser's fetch undoes it without being asked."""
import gzip
import json

import boto3
import pytest
import requests
from botocore.config import Config

from chalicelib.storage.objects import Objects
from chalicelib.viz.topology import topology
from tests.viz.test_browser import browser  # noqa: F401  (headless Chromium on loopback)
from tests.viz.browser import script_errors

REGION, BUCKET, USER = 'eu-west-1', 'data-bucket', 'user-a-0001'


@pytest.fixture(scope='module')
def objects():
    """The data bucket's adapter on a moto server over real HTTP."""
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)
    server.start()
    try:
        client = boto3.client('s3', region_name=REGION, endpoint_url='http://{}:{}'.format(*server.get_host_and_port()),
                              config=Config(signature_version='s3v4'))
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={'LocationConstraint': REGION})
        yield Objects(BUCKET, client)
    finally:
        server.stop()


@pytest.fixture(scope='module')
def stored_map(objects):
    """(presigned link, bytes) of a map.topojson of 400 square wards, stored as the report stage stores it."""
    squares = [(f'w{i}', {'ward_name': f'Ward {i}'},
                {'type': 'Polygon', 'coordinates': [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]})
               for i, (x, y) in enumerate((x, y) for x in range(20) for y in range(20))]
    body = json.dumps(topology({'wards': squares})).encode()
    key = objects.put_file(USER, 'analyses', 'an-1', ('map.topojson',), body, 'application/json')
    return objects.presigned_download(USER, key, 'map.topojson')['url'], body


def test_the_presigned_link_serves_the_map_gzip_encoded_as_json(stored_map):
    url, body = stored_map
    got = requests.get(url, stream=True, timeout=30)
    assert got.status_code == 200
    assert (got.headers['Content-Encoding'], got.headers['Content-Type']) == ('gzip', 'application/json')
    wire = got.raw.read(decode_content=False)
    assert gzip.decompress(wire) == body and len(wire) < len(body) / 3


def test_chromium_fetches_the_map_and_reads_it_decompressed(browser, stored_map):  # noqa: F811
    url, body = stored_map
    page = ('<!DOCTYPE html><html><head></head><body><pre id="got"></pre><script>'
            f'fetch({json.dumps(url)}).then(r => r.json().then(t => {{ document.getElementById("got").textContent ='
            ' [r.headers.get("content-type"), t.type, t.arcs.length].join(" "); }));'
            '</script></body></html>')
    dom = browser.dom(browser.publish('map_fetch.html', page.encode(), offline=True))
    assert script_errors(dom) == ''
    assert f'<pre id="got">application/json Topology {len(json.loads(body)["arcs"])}</pre>' in dom
