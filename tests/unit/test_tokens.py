"""The Cognito ID-token verifier, with tokens minted here by a test key."""
import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings as hypothesis_settings, strategies as st

from chalicelib.config import settings
from chalicelib.tokens import TokenConfigError, TokenError, bare_token, verify_id_token

POOL = 'eu-west-1_TestPool'
CLIENT = 'test-client-id'
LOCAL_JWKS = 'http://127.0.0.1:1/eu-west-1_TestPool/.well-known/jwks.json'


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


POOL_KEY = _key()
OTHER_KEY = _key()


def _jwks(key, kid='pool-key'):
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {'keys': [{**jwk, 'kid': kid, 'alg': 'RS256', 'use': 'sig'}]}


def pool_jwks(url):
    assert url == LOCAL_JWKS
    return _jwks(POOL_KEY)


def _settings(stage='local', jwks_url=LOCAL_JWKS):
    return settings({'STAGE': stage, 'USER_POOL_ID': POOL, 'USER_POOL_CLIENT_ID': CLIENT,
                     'JWKS_URL': jwks_url, 'AWS_REGION': 'eu-west-1'})


def mint(key=POOL_KEY, kid='pool-key', algorithm='RS256', **overrides):
    now = int(time.time())
    claims = {
        'sub': 'user-123', 'aud': CLIENT, 'token_use': 'id', 'email': 'a@example.org',
        'email_verified': True, 'custom:role': 'analyst', 'custom:organization': 'demo-org',
        'cognito:username': 'alice',
        'iss': f'https://cognito-idp.eu-west-1.amazonaws.com/{POOL}',
        'iat': now, 'auth_time': now, 'exp': now + 3600,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers={'kid': kid})


def verify(token, **kwargs):
    return verify_id_token(token, _settings(**kwargs), jwks=pool_jwks)


def test_valid_id_token_gives_claims_as_strings_like_api_gateway():
    claims = verify('Bearer ' + mint())
    assert claims['sub'] == 'user-123'
    assert claims['custom:role'] == 'analyst'
    assert claims['email_verified'] == 'true'
    assert claims['exp'].endswith(time.strftime('%Y', time.gmtime(time.time() + 3600)))
    assert ' UTC ' in claims['exp']
    assert all(isinstance(value, str) for value in claims.values())


def test_bare_token_is_accepted_too():
    assert verify(mint())['sub'] == 'user-123'


@pytest.mark.parametrize('name, token, reason', [
    ('missing', '', 'no token'),
    ('bearer without token', 'Bearer ', 'no token'),
    ('garbage', 'not-a-token', 'malformed'),
    ('garbage with dots', 'a.b.c', 'malformed'),
    ('forged signature', mint(key=OTHER_KEY), 'signature'),
    ('unknown key', mint(key=OTHER_KEY, kid='attacker'), 'key this user pool does not have'),
    ('expired', mint(exp=int(time.time()) - 3600), 'expired'),
    ('wrong pool', mint(iss='https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other'),
     'another user pool'),
    ('access token', mint(token_use='access', aud=None, client_id=CLIENT), 'access token'),
    ('wrong audience', mint(aud='someone-elses-client'), 'another app client'),
    ('no subject', mint(sub=None), 'sub'),
    ('unsigned', jwt.encode({'sub': 'x'}, None, algorithm='none', headers={'kid': 'pool-key'}),
     'algorithm'),
])
def test_every_unusable_token_is_refused_with_a_reason(name, token, reason):
    with pytest.raises(TokenError) as refused:
        verify(token)
    assert reason in refused.value.reason
    assert len(token) < 20 or token not in refused.value.reason  # never echoes a token


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=')


def test_hs256_signed_with_the_public_key_is_refused():
    """The classic confusion attack: the public key used as an HMAC secret."""
    public_pem = POOL_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {'alg': 'HS256', 'kid': 'pool-key', 'typ': 'JWT'}
    signing_input = _b64(json.dumps(header).encode()) + b'.' + _b64(json.dumps(
        {'sub': 'x', 'token_use': 'id', 'aud': CLIENT}).encode())
    signature = _b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
    with pytest.raises(TokenError, match='algorithm'):
        verify((signing_input + b'.' + signature).decode())


def test_jwks_override_is_refused_outside_the_local_stage():
    with pytest.raises(TokenConfigError, match='local stage'):
        verify(mint(), stage='prod')


def test_real_cognito_jwks_is_used_on_deployed_stages():
    real = f'https://cognito-idp.eu-west-1.amazonaws.com/{POOL}/.well-known/jwks.json'
    seen = []

    def jwks(url):
        seen.append(url)
        return _jwks(POOL_KEY)
    claims = verify_id_token(mint(), _settings(stage='prod', jwks_url=''), jwks=jwks)
    assert claims['sub'] == 'user-123'
    assert seen == [real]


def test_verifier_without_a_pool_refuses_to_run():
    with pytest.raises(TokenConfigError):
        verify_id_token(mint(), settings({'STAGE': 'local'}), jwks=pool_jwks)


def test_bearer_prefix_is_case_insensitive():
    assert bare_token('bearer abc') == 'abc'
    assert bare_token('  abc ') == 'abc'


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_refused_with_token_error_only(text):
    with pytest.raises(TokenError):
        verify(text)
