"""The API's functions run a package without numpy, pandas, plotly, pyproj and shapely
(infra/packages.py): every REST route not marked `computes` answers in an interpreter where
those cannot be imported, and the routes marked `computes` (served in AWS by the app in the
workers' package) are the ones that need them."""
import json
import pathlib
import subprocess
import sys

from tests.unit.test_module_state import HEAVY

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Every route, called the way a browser calls it: (method, path template, path, body, status).
SCRIPT = '''
import json, sys


class WithoutTheAnalysisLibraries:
    """What the API's package gives: none of them can be imported."""
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in HEAVY:
            raise ImportError(f'{name} is not in the API package')


HEAVY = %r
FILES = [{'role': 'data', 'filename': 'wards.csv', 'size': 2048},
         {'role': 'boundaries', 'filename': 'wards.zip', 'size': 4096}]
sys.meta_path.insert(0, WithoutTheAnalysisLibraries())
from chalice.test import Client
from tests.conftest import mocked_aws
from tests.unit.support import Caller, ready_dataset, succeeded_analysis

with mocked_aws() as settings:
    from app import app
    from chalicelib.deps import Deps
    stores = Deps(settings)
    with Client(app, stage_name='local') as client:
        alice, admin = Caller(client.http, 'user-a-0001'), Caller(client.http, 'user-d-0004', role='admin')
        dataset = ready_dataset(stores, alice.user_id)
        analysis = succeeded_analysis(stores, alice.user_id, dataset)
        created = alice.post('/datasets', {'name': 'x', 'files': FILES}).json_body['dataset_id']
        conversation = alice.post('/conversations', {'dataset_id': dataset}).json_body['conversation_id']
        calls = [
            ('GET', '/health', '/health', None, 200),
            ('GET', '/openapi.json', '/openapi.json', None, 200),
            ('GET', '/me', '/me', None, 200),
            ('GET', '/audit', '/audit', None, 200),
            ('POST', '/datasets', '/datasets', {'name': 'y', 'files': FILES}, 201),
            ('GET', '/datasets', '/datasets', None, 200),
            ('GET', '/datasets/{dataset_id}', f'/datasets/{dataset}', None, 200),
            ('POST', '/datasets/{dataset_id}/uploads', f'/datasets/{created}/uploads', {'files': FILES[1:]}, 200),
            ('DELETE', '/datasets/{dataset_id}', f'/datasets/{created}', None, 204),
            ('GET', '/analyses', '/analyses', None, 200),
            ('GET', '/analyses/{analysis_id}', f'/analyses/{analysis}', None, 200),
            ('GET', '/analyses/{analysis_id}/rankings', f'/analyses/{analysis}/rankings', None, 200),
            ('GET', '/analyses/{analysis_id}/artifacts/{name}', f'/analyses/{analysis}/artifacts/report.html',
             None, 200),
            ('GET', '/analyses/{analysis_id}/itn-plans', f'/analyses/{analysis}/itn-plans', None, 200),
            ('POST', '/conversations', '/conversations', {'title': 'plans'}, 201),
            ('GET', '/conversations', '/conversations', None, 200),
            ('GET', '/conversations/{conversation_id}', f'/conversations/{conversation}', None, 200),
            ('POST', '/conversations/{conversation_id}/messages', f'/conversations/{conversation}/messages',
             {'text': 'top 10 wards'}, 202),
            ('DELETE', '/conversations/{conversation_id}', f'/conversations/{conversation}', None, 204),
            ('DELETE', '/analyses/{analysis_id}', f'/analyses/{analysis}', None, 204),
        ]
        answered = []
        for method, template, path, body, status in calls:
            caller = admin if template == '/audit' else alice
            answered.append([method, template, caller.call(method, path, body).status_code == status])
        routes = [[method, path] for (path, method), operation in app.operations.items() if not operation.computes]
        print(json.dumps({'answered': answered, 'routes': routes,
                          'loaded': [m for m in HEAVY if m in sys.modules]}))
''' % (HEAVY,)


def test_every_route_not_marked_computes_answers_without_the_analysis_libraries():
    out = subprocess.run([sys.executable, '-c', SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert [[method, template] for method, template, ok in found['answered'] if not ok] == []
    assert sorted([method, template] for method, template, _ in found['answered']) == sorted(found['routes'])
    assert found['loaded'] == []
