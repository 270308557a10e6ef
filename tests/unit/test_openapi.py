"""The checked-in OpenAPI document is the one the app's routes and models generate, and the one served."""
import json
import subprocess
import sys

import pytest

from app import OPENAPI, app
from devstack import openapi

DOC = json.loads(OPENAPI.read_text())
REGENERATE = 'chalicelib/openapi.json is not what the routes and models generate: run `make openapi`'


def served():
    return {(path, method) for path, entries in app.routes.items()
            for method in entries if method != 'OPTIONS'}


def test_the_checked_in_document_is_the_generated_one(tmp_path):
    out = tmp_path / 'openapi.json'
    openapi.main(['--out', str(out)])
    assert out.read_text() == OPENAPI.read_text(), REGENERATE


def test_the_document_is_served_without_a_token(http):
    response = http.get('/openapi.json')
    assert response.status_code == 200
    assert response.json_body == DOC


def test_every_route_served_is_documented_with_its_models():
    assert set(app.operations) == served()
    for (path, method), operation in app.operations.items():
        assert operation.summary, f'{method} {path}: give the view a docstring (its first line is the summary)'
        assert operation.response or operation.status == 204, f'{method} {path}: name its response model'
        if method in ('POST', 'PUT', 'PATCH'):
            assert operation.request, f'{method} {path}: name its request model'


def test_a_route_whose_model_changes_changes_the_document():
    operations = dict(app.operations)
    me = operations['/me', 'GET']
    operations['/me', 'GET'] = type(me)(me.name, me.summary, me.status, openapi.Error)
    changed = openapi.document(operations)
    assert changed['paths']['/me']['get']['responses']['200']['content'] != \
        DOC['paths']['/me']['get']['responses']['200']['content']
    assert openapi.text(openapi.document()) == openapi.text(openapi.document())


def test_every_reference_resolves():
    refs = []

    def walk(node):
        if isinstance(node, dict):
            refs.extend([node['$ref']] if '$ref' in node else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    def resolve(ref):
        node = DOC
        for part in ref.removeprefix('#/').split('/'):
            node = node[part]
        return node
    walk(DOC)
    assert refs and all(resolve(ref) for ref in refs)


@pytest.mark.parametrize('path, method, statuses', [
    ('/datasets', 'post', {'201', '400', '401', '403', '413', '415', '429', '500'}),
    ('/datasets/{dataset_id}', 'get', {'200', '401', '404', '429', '500'}),
    ('/analyses/{analysis_id}/rankings', 'get', {'200', '400', '401', '404', '409', '429', '500'}),
    ('/health', 'get', {'200'}),
])
def test_the_statuses_follow_from_the_route_and_what_it_declares(path, method, statuses):
    assert set(DOC['paths'][path][method]['responses']) == statuses


def test_the_rest_cold_path_builds_no_schema():
    """Importing the app and serving a request defines the models but builds none of the answers'."""
    script = (
        'import json, sys\n'
        'from chalice.test import Client\n'
        'from app import app\n'
        'with Client(app, stage_name="local") as c:\n'
        '    c.http.get("/health")\n'
        'built = [o.response.__name__ for o in app.operations.values()\n'
        '         if o.response and o.response.__pydantic_complete__]\n'
        'print(json.dumps([built, "devstack.openapi" in sys.modules]))\n')
    result = subprocess.run([sys.executable, '-c', script], cwd=OPENAPI.parents[1], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [[], False]
