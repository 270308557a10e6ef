"""What the app does for every request: request id, access log, CORS, 500s."""
import io
import json
import logging
import pathlib
import subprocess
import sys

import pytest

import app as app_module
from chalicelib import web
from chalicelib.config import settings
from chalicelib.logs import JsonFormatter

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    app_module.app.log.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    app_module.app.log.removeHandler(handler)


def test_one_access_line_per_request_without_token_or_presigned_url(alice, log_lines):
    response = alice.post('/datasets', {'name': 'n', 'files': [
        {'role': 'data', 'filename': 'd.csv', 'size': 5},
        {'role': 'boundaries', 'filename': 'b.zip', 'size': 5}]})
    signature = response.json_body['uploads'][0]['fields']['x-amz-signature']
    [line] = [entry for entry in log_lines() if entry['message'] == 'request']
    assert (line['method'], line['path'], line['status'], line['user_id']) == (
        'POST', '/datasets', 201, alice.user_id)
    assert line['request_id'] == response.headers['X-Request-Id']
    text = json.dumps(log_lines())
    assert 'Bearer' not in text and 'eyJ' not in text and signature not in text


def test_an_unexpected_failure_is_500_with_a_request_id_and_no_trace(alice, log_lines,
                                                                     monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError('disk on fire at /srv/secret/path')
    monkeypatch.setattr(app_module.datasets, 'list_page', broken)
    response = alice.get('/datasets')
    assert response.status_code == 500
    error = response.json_body['error']
    assert error['code'] == 'internal'
    assert error['details']['request_id'] == response.headers['X-Request-Id']
    assert 'fire' not in response.body.decode() and 'Traceback' not in response.body.decode()
    logged = [e for e in log_lines() if e['level'] == 'ERROR']
    assert logged and 'disk on fire' in logged[0]['error']


def test_aws_throttling_is_429_so_the_client_retries(alice, monkeypatch):
    from botocore.exceptions import ClientError

    def throttled(*args, **kwargs):
        raise ClientError({'Error': {'Code': 'ProvisionedThroughputExceededException',
                                     'Message': 'slow down'}}, 'Query')
    monkeypatch.setattr(app_module.datasets, 'list_page', throttled)
    response = alice.get('/datasets')
    assert response.status_code == 429
    assert response.json_body['error']['code'] == 'throttled'


def test_a_method_the_route_lacks_is_405_in_the_contract_format(alice):
    response = alice.call('PUT', '/datasets', body={'name': 'x'})
    assert response.status_code == 405
    assert response.json_body['error']['code'] == 'method_not_allowed'


def test_error_responses_carry_cors_for_the_frontend_origin(alice):
    [origin] = settings().allowed_origins
    response = alice.get('/datasets/ds_missing', headers={'Origin': origin})
    assert response.status_code == 404
    assert response.headers['Access-Control-Allow-Origin'] == origin


def test_cors_for_the_configured_origin_in_a_fresh_app():
    """The preflight a browser sends before every authenticated call, and an actual response."""
    # chalice's test client fails on a body-less preflight answer: ask its gateway directly.
    script = (
        'import json\n'
        'from chalice.config import Config\n'
        'from chalice.local import LocalGateway\n'
        'from chalice.test import Client\n'
        'from app import app\n'
        'preflight = LocalGateway(app, Config()).handle_request(\n'
        '    "OPTIONS", "/datasets", {"Origin": "http://localhost:3000",\n'
        '    "Access-Control-Request-Method": "POST"}, b"")\n'
        'with Client(app, stage_name="local") as c:\n'
        '    actual = dict(c.http.get("/health", headers={"Origin": "http://localhost:3000"}).headers)\n'
        'print(json.dumps({"preflight": preflight["headers"], "actual": actual}))\n')
    result = _fresh_app(script, 'http://localhost:3000')
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out['preflight']['Access-Control-Allow-Origin'] == 'http://localhost:3000'
    assert 'Authorization' in out['preflight']['Access-Control-Allow-Headers']
    assert 'POST' in out['preflight']['Access-Control-Allow-Methods']
    assert out['actual']['Access-Control-Allow-Origin'] == 'http://localhost:3000'


def test_a_second_origin_is_refused_at_start_rather_than_failing_its_preflights():
    result = _fresh_app('import app', 'http://localhost:3000,http://127.0.0.1:3000')
    assert result.returncode != 0
    assert 'one frontend origin per stage' in result.stderr


def _fresh_app(script, origins):
    env = {'PATH': '/usr/bin:/bin', 'ALLOWED_ORIGINS': origins, 'AWS_DEFAULT_REGION': 'eu-west-1'}
    return subprocess.run([sys.executable, '-c', script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_prod_never_allows_any_origin():
    prod = settings({'STAGE': 'prod', 'ALLOWED_ORIGINS': '*'})
    with pytest.raises(ValueError, match='not \\*'):
        web.cors_config(prod)
    config = web.cors_config(settings({'STAGE': 'prod',
                                              'ALLOWED_ORIGINS': 'https://chatmrpt.example.org'}))
    assert config.allow_origin == 'https://chatmrpt.example.org'
    assert web.cors_config(settings({'STAGE': 'prod'})) is None


# what a careless log call could carry: (message or extra field, the secret in it)
CARELESS = {
    'password in a dict': ({'PASSWORD': 'Local-abc def'}, 'Local-abc def'),
    'password pair in text': ('user said "PASSWORD": "p@ss word,x"', 'p@ss word,x'),
    'password repr in text': ("{'password': 'Local-abc def'}", 'Local-abc def'),
    'presigned POST fields': ({'key': 'users/u/d/data.csv', 'policy': 'eyJleHBpcmF0aW9uIjo',
                               'x-amz-signature': 'ab12cd34', 'x-amz-credential': 'AKIA/x'},
                              'ab12cd34'),
    'presigned POST fields as text': (str({'policy': 'cG9saWN5', 'x-amz-signature': 'ab12cd34'}),
                                      'ab12cd34'),
    'opaque bearer value': ('Authorization: Bearer opaque-secret-123', 'opaque-secret-123'),
    'presigned GET URL': ('https://b.s3.amazonaws.com/k?X-Amz-Signature=ff00ee&X-Amz-Credential=AKIA',
                          'ff00ee'),
    'a JWT anywhere': (['eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl'], 'eyJzdWIiOi'),
}


@pytest.mark.parametrize('case', sorted(CARELESS))
def test_a_secret_logged_by_mistake_never_reaches_the_log(case):
    value, secret = CARELESS[case]
    record = logging.makeLogRecord({'msg': 'careless %s', 'args': ('x',), 'levelname': 'INFO',
                                    'name': 'chatmrpt', 'detail': value})
    line = JsonFormatter().format(record)
    assert secret not in line
    assert json.loads(line)['detail'] != value


def test_ordinary_log_fields_pass_unchanged():
    record = logging.makeLogRecord({'msg': 'no token: the request had no Authorization header',
                                    'levelname': 'INFO', 'name': 'chatmrpt',
                                    'path': '/datasets', 'status': 401, 'wards': [275, 'Kawo']})
    entry = json.loads(JsonFormatter().format(record))
    assert (entry['message'], entry['path'], entry['status'], entry['wards']) == (
        'no token: the request had no Authorization header', '/datasets', 401, [275, 'Kawo'])


@pytest.mark.parametrize('path', ['/datasets', '/analyses'])
def test_a_body_nested_past_parsing_is_a_400_naming_the_body(alice, path):
    response = alice.post(path, b'[' * 100000)
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == 'body'


@pytest.mark.parametrize('path', ['/datasets', '/analyses', '/audit'])
def test_a_next_token_nested_past_parsing_is_a_400_naming_it(admin, path):
    import base64
    token = base64.urlsafe_b64encode(b'[' * 50000).decode().rstrip('=')
    response = admin.get(f'{path}?next_token={token}')
    assert response.status_code == 400
    assert response.json_body['error']['details']['field'] == 'next_token'


def test_a_null_body_is_told_to_send_an_object(alice):
    response = alice.post('/datasets', b'null')
    assert response.status_code == 400
    assert 'JSON object' in response.json_body['error']['message']


@pytest.mark.parametrize('path', ['/datasets', '/analyses'])
def test_a_json_body_sent_as_a_form_is_told_to_send_the_json_content_type(alice, path):
    """What `curl -d '{...}'` sends without -H: a form content type."""
    response = alice.post(path, b'{"name": "x"}',
                          headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 415
    error = response.json_body['error']
    assert error['code'] == 'unsupported_media_type'
    assert 'application/x-www-form-urlencoded' in error['message']
    assert 'Content-Type: application/json' in error['message']
