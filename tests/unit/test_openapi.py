"""The committed OpenAPI document describes exactly the routes the app serves."""
import json
import pathlib

import pytest

from app import app

DOC = json.loads((pathlib.Path(__file__).resolve().parents[2] / 'chalicelib' / 'openapi.json')
                 .read_text())
METHODS = ('get', 'post', 'put', 'patch', 'delete')


def documented():
    return {(path, method.upper()) for path, item in DOC['paths'].items()
            for method in item if method in METHODS}


def served():
    return {(path, method) for path, entries in app.routes.items()
            for method in entries if method != 'OPTIONS'}


def test_every_route_is_documented():
    assert served() - documented() == set()


def test_every_documented_route_exists():
    assert documented() - served() == set()


def test_every_operation_documents_its_responses_and_errors():
    for path, method in documented():
        operation = DOC['paths'][path][method.lower()]
        assert any(code.startswith('2') for code in operation['responses']), (path, method)
        if operation['security']:
            assert '401' in operation['responses'], (path, method)
        if method == 'POST':
            assert 'requestBody' in operation, path


def _resolve(ref):
    node = DOC
    for part in ref.lstrip('#/').split('/'):
        node = node[part]
    return node


def test_every_reference_resolves():
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if '$ref' in node:
                refs.append(node['$ref'])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(DOC)
    assert refs and all(_resolve(ref) for ref in refs)


@pytest.mark.parametrize('path, model', [
    ('/datasets', 'chalicelib.datasets.requests:CreateDataset'),
    ('/analyses', 'chalicelib.analyses.requests:CreateAnalysis'),
])
def test_request_schemas_are_the_validators_schemas(path, model):
    import importlib
    module, name = model.split(':')
    validator = getattr(importlib.import_module(module), name)
    schema = validator.model_json_schema(ref_template='#/components/schemas/{model}')
    schema.pop('$defs', None)
    ref = DOC['paths'][path]['post']['requestBody']['content']['application/json']['schema']
    assert _resolve(ref['$ref']) == schema


def test_the_document_is_served_without_a_token(http):
    response = http.get('/openapi.json')
    assert response.status_code == 200
    assert response.json_body == DOC
