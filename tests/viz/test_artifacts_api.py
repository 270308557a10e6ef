"""The maps, report and exports reach the user: the worker's draw and report stages store
them, the analysis lists them, and GET /analyses/{id}/artifacts/{name} hands out each one."""
import io
import json

import openpyxl
import requests

# Fixtures of the processing and REST unit tests: a READY dataset, the worker's dependencies, a caller.
from tests.processing.conftest import (  # noqa: F401
    ALICE, files, ready_dataset, sender, upload_deps, worker_deps)
from tests.unit.conftest import alice, http  # noqa: F401
from chalicelib.analyses import runner

DRAWN = ('vulnerability_map.html', 'variable_maps.html', 'rank_spread.html', 'report.html', 'rankings.xlsx',
         'wards.geojson', 'lgas.geojson', 'map.topojson')


def test_maps_report_and_exports_are_listed_and_downloadable(alice, ready_dataset, worker_deps):
    assert alice.user_id == ALICE
    analysis_id = alice.post('/analyses', {'dataset_id': ready_dataset['dataset_id']}).json_body['analysis_id']
    assert runner.run_job(ALICE, analysis_id, worker_deps) == 'SUCCEEDED'
    analysis = alice.get(f'/analyses/{analysis_id}').json_body
    assert set(DRAWN) <= set(analysis['artifacts'])
    bodies = {}
    for name in DRAWN:
        link = alice.get(f'/analyses/{analysis_id}/artifacts/{name}').json_body
        download = requests.get(link['url'], timeout=30)
        assert download.status_code == 200, name
        assert (download.headers.get('Content-Encoding') == 'gzip') == (name == 'map.topojson'), name
        bodies[name] = download.content   # undone as a browser undoes it
    for name in DRAWN:
        if name.endswith('.html'):
            assert bodies[name].startswith(b'<!DOCTYPE html>'), name
    workbook = openpyxl.load_workbook(io.BytesIO(bodies['rankings.xlsx']))
    assert workbook.sheetnames == ['Rankings', 'Models', 'Data used', 'Variables']
    assert b'"FeatureCollection"' in bodies['wards.geojson']
    assert json.loads(bodies['map.topojson'])['type'] == 'Topology'
