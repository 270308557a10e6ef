"""The local gateway's Cognito authorizer, over HTTP against a running stack."""
import base64
import gzip
import json
import pathlib
import time

import jwt
import moto
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.tokens import TokenError, verify_id_token
from devstack.provision import AUTH_FLOWS, create_user, create_user_pool
from tests.integration.support import wait_for

pytestmark = pytest.mark.integration

MOTO_PRIVATE_JWKS = pathlib.Path(moto.__file__).parent / 'cognitoidp' / 'resources' / 'jwks-private.json.gz'


def _claims(token):
    return jwt.decode(token, options={'verify_signature': False})


def _moto_signed(claims):
    """A token signed with the pool's own (moto's published) key."""
    jwk = json.loads(gzip.decompress(MOTO_PRIVATE_JWKS.read_bytes()))
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    return jwt.encode(claims, key, algorithm='RS256', headers={'kid': jwk['kid']})


def _tampered(token):
    """The same signature over a payload that names another user."""
    header, payload, signature = token.split('.')
    claims = {**_claims(token), 'sub': 'someone-else'}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b'=').decode()
    return f'{header}.{forged}.{signature}'


def _foreign_key_signed(token):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(token), key, algorithm='RS256',
                      headers={'kid': jwt.get_unverified_header(token)['kid']})


def _expired(token):
    return _moto_signed({**_claims(token), 'iat': int(time.time()) - 7200,
                         'exp': int(time.time()) - 3600})


def _other_pool_token(stack):
    cognito = stack.client('cognito-idp')
    pool = create_user_pool(cognito, stack.settings)
    password = create_user(cognito, pool.pool_id, 'other@example.org', 'other@example.org',
                           'org-x', 'analyst', 'NI')
    return stack.tokens_for('other@example.org', password, client_id=pool.client_id)['IdToken']


def _other_client_token(stack):
    cognito = stack.client('cognito-idp')
    other = cognito.create_user_pool_client(
        UserPoolId=stack.state['user_pool_id'], ClientName='not-the-web-app',
        ExplicitAuthFlows=list(AUTH_FLOWS))['UserPoolClient']['ClientId']
    demo = stack.state['demo_user']
    return stack.tokens_for(demo['username'], demo['password'], client_id=other)['IdToken']


def _access_token(stack):
    demo = stack.state['demo_user']
    return stack.tokens_for(demo['username'], demo['password'])['AccessToken']


# case: (how to make the token from the demo user's, what the 401 says)
REFUSED = {
    'garbage': (lambda stack, token: 'garbage', 'malformed'),
    'three dots of garbage': (lambda stack, token: 'eyJ.eyJ.x', 'malformed'),
    'forged payload': (lambda stack, token: _tampered(token), 'signature'),
    'signed by another key': (lambda stack, token: _foreign_key_signed(token), 'signature'),
    'expired': (lambda stack, token: _expired(token), 'expired'),
    'another user pool': (lambda stack, token: _other_pool_token(stack), 'another user pool'),
    'another app client': (lambda stack, token: _other_client_token(stack), 'another app client'),
    'access token': (lambda stack, token: _access_token(stack), 'access token'),
}


def _assert_unauthorized(response, reason):
    assert response.status_code == 401
    assert response.headers['Content-Type'] == 'application/json'
    error = response.json()['error']
    assert error['code'] == 'unauthorized'
    assert reason in error['message'] and 'Bearer' in error['message']


def test_demo_user_token_reaches_the_route_with_string_claims(event_stack):
    token = event_stack.demo_token()
    response = event_stack.request('GET', '/whoami', token=token)
    assert response.status_code == 200
    claims = response.json()['claims']
    assert claims['sub'] == _claims(token)['sub']
    assert claims['custom:role'] == 'analyst'
    assert claims['email'] == event_stack.state['demo_user']['username']
    assert all(isinstance(value, str) for value in claims.values())


def test_bare_token_without_bearer_is_accepted(event_stack):
    token = event_stack.demo_token()
    response = event_stack.request('GET', '/whoami', headers={'Authorization': token})
    assert response.status_code == 200


def test_missing_token_is_401(event_stack):
    _assert_unauthorized(event_stack.request('GET', '/whoami'), 'no token')


@pytest.mark.parametrize('case', sorted(REFUSED))
def test_unusable_token_is_401_in_the_contract_format(event_stack, case):
    make, reason = REFUSED[case]
    token = make(event_stack, event_stack.demo_token())
    _assert_unauthorized(event_stack.request('GET', '/whoami', token=token), reason)


def test_a_new_user_sees_their_own_identity(event_stack):
    user = event_stack.create_user(role='viewer', organization='org-b')
    claims = event_stack.request('GET', '/whoami', token=user.token).json()['claims']
    assert (claims['sub'], claims['custom:organization'], claims['custom:role']) == (
        user.sub, 'org-b', 'viewer')


def test_health_needs_no_token(stack):
    response = stack.request('GET', '/health')
    assert response.status_code == 200
    assert response.json()['status'] == 'ok'


def test_unknown_route_is_404_not_found(stack):
    response = stack.request('GET', '/no-such-route', token=stack.demo_token())
    assert response.status_code == 404
    assert response.json()['error']['code'] == 'not_found'


@pytest.mark.parametrize('method', ['DELETE', 'TRACE', 'CONNECT', 'PROPFIND', 'BREW'])
def test_undeclared_method_is_405_in_the_contract_format(stack, method):
    response = stack.request(method, '/health')
    assert response.status_code == 405
    error = response.json()['error']
    assert (error['code'], error['details']['allowed']) == ('method_not_allowed', ['GET'])
    assert method in error['message']


def test_verifier_fetches_the_pools_jwks_from_moto(stack):
    token = stack.demo_token()
    assert verify_id_token(token, stack.settings)['sub'] == _claims(token)['sub']
    with pytest.raises(TokenError, match='access token'):
        verify_id_token(_access_token(stack), stack.settings)


def test_a_new_users_profile_comes_from_their_token(stack):
    user = stack.create_user(role='viewer', organization='org-b')
    response = stack.request('GET', '/me', token=user.token)
    assert response.status_code == 200
    assert (response.json()['user_id'], response.json()['organization']) == (user.sub, 'org-b')
    _assert_unauthorized(stack.request('GET', '/me', token='garbage'), 'malformed')


def test_a_browser_on_an_allowed_origin_can_read_the_401(stack):
    allowed = stack.request('GET', '/me', headers={'Origin': 'http://localhost:3000'})
    assert allowed.status_code == 401
    assert allowed.headers['Access-Control-Allow-Origin'] == 'http://localhost:3000'
    other = stack.request('GET', '/me', headers={'Origin': 'https://evil.example.com'})
    assert other.status_code == 401
    assert 'Access-Control-Allow-Origin' not in other.headers


def _logged(stack, request_id):
    lines = [json.loads(line) for line in stack.log_text().splitlines() if line.startswith('{')]
    return [line for line in lines if line.get('request_id') == request_id]


def test_a_refused_request_is_found_in_the_log_by_its_id_without_the_token(stack):
    token = _expired(stack.demo_token())
    response = stack.request('GET', '/me', token=token)
    request_id = response.json()['error']['details']['request_id']
    logged = wait_for(lambda: _logged(stack, request_id))
    assert logged and {line['message'] for line in logged} >= {'token refused', 'request'}
    assert token not in stack.log_text() and token.split('.')[2] not in stack.log_text()


def test_the_app_logs_an_accepted_request_under_the_gateways_id(stack):
    response = stack.request('GET', '/me', token=stack.demo_token())
    logged = wait_for(lambda: _logged(stack, response.headers['X-Request-Id']))
    assert {line['logger'] for line in logged} >= {'chatmrpt', 'devstack.gateway'}
