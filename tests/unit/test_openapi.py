"""The checked-in OpenAPI document is the one the app's routes and models generate, and the one served."""
import json

import pytest

from app import OPENAPI, app
from chalicelib.accounts import models as accounts
from chalicelib.errors import CODES, ApiError
from chalicelib.web import CHALICE_ERROR_CODES
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


def test_a_field_added_to_a_response_model_changes_the_document(monkeypatch):
    class Profile(accounts.Profile):
        """The profile."""
        team: str
    monkeypatch.setattr(accounts, 'Profile', Profile)   # what the route's 'accounts.Profile' names
    changed = openapi.document()
    assert 'team' in changed['components']['schemas']['Profile']['properties']
    assert openapi.text(changed) != OPENAPI.read_text()


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


def test_every_error_code_the_app_answers_is_in_the_error_model():
    def family(cls):
        return {cls} | {c for sub in cls.__subclasses__() for c in family(sub)}
    answered = {error.code for error in family(ApiError)} | set(CHALICE_ERROR_CODES.values())
    assert answered == set(CODES)
