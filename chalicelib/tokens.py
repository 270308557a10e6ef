"""Verify Cognito ID tokens: the only way a caller's identity enters the service.

Used by the local stack's REST authorizer (API Gateway's Cognito authorizer does
this in AWS) and by the WebSocket `$connect` handler, where browsers cannot send
headers and API Gateway checks nothing. RS256 only; issuer, expiry, audience and
`token_use == "id"` are all checked. The JWKS is fetched once per URL and kept
for an hour: signing keys are public and hold no user data.
"""
import datetime
import functools
import json
import time

ALGORITHMS = ('RS256',)
LEEWAY_SECONDS = 30
JWKS_TTL_SECONDS = 3600
FETCH_TIMEOUT_SECONDS = 5
# API Gateway renders these numeric claims as dates when it hands claims to Lambda.
DATE_CLAIMS = frozenset({'exp', 'iat', 'auth_time'})


class TokenError(Exception):
    """The token cannot identify a caller; `reason` says why (never the token)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class TokenConfigError(RuntimeError):
    """The verifier is configured in a way that would accept forged tokens."""


def issuer(user_pool_id):
    """The `iss` Cognito writes into the pool's tokens (the region prefixes the pool id)."""
    region = user_pool_id.split('_', 1)[0]
    return f'https://cognito-idp.{region}.amazonaws.com/{user_pool_id}'


def jwks_url(settings):
    """Where the pool's signing keys are; an override is honoured only on the local stage.

    moto's pools all sign with one published test key, so a JWKS override outside
    the local stack would let anyone mint tokens.
    """
    if not settings.user_pool_id or not settings.user_pool_client_id:
        raise TokenConfigError('USER_POOL_ID and USER_POOL_CLIENT_ID must be set to verify tokens')
    real = f'{issuer(settings.user_pool_id)}/.well-known/jwks.json'
    if settings.jwks_url != real and settings.stage != 'local':
        raise TokenConfigError(f'JWKS_URL may only be overridden on the local stage, not {settings.stage!r}')
    return settings.jwks_url


def fetch_jwks(url):
    """The key set at `url`, cached per URL for an hour."""
    return _fetch_jwks_cached(url, int(time.time() // JWKS_TTL_SECONDS))


@functools.lru_cache(maxsize=8)
def _fetch_jwks_cached(url, _period):
    import urllib.request   # with http.client and ssl: loaded by the first fetch, not at every cold start
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
        return json.loads(response.read())


def bare_token(value):
    """The token from an `Authorization` value: `Bearer <t>` or the bare token."""
    value = (value or '').strip()
    scheme, _, rest = value.partition(' ')
    if scheme.lower() == 'bearer':
        value = rest.strip()
    if not value:
        raise TokenError('no token')
    return value


def _signing_key(token, jwks):
    import jwt   # with cryptography, 60 ms: loaded by the first verification, not at every cold start
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenError('malformed token')
    if header.get('alg') not in ALGORITHMS:
        raise TokenError(f'unsupported signing algorithm {header.get("alg")!r}')
    for key in jwks.get('keys', ()):
        if key.get('kid') == header.get('kid'):
            try:
                return jwt.PyJWK(key, algorithm='RS256').key
            except jwt.PyJWTError:
                raise TokenError('the signing key of this token is unusable')
    raise TokenError('token signed by a key this user pool does not have')


def verify_id_token(authorization, settings, jwks=fetch_jwks):
    """Verified claims of a Cognito ID token, every value a string as API Gateway hands them.

    `authorization` is the header value or the bare token; `jwks(url)` returns the
    key set (tests pass their own). Raises TokenError for any token that must be
    refused, TokenConfigError when the verifier itself is misconfigured.
    """
    url = jwks_url(settings)
    token = bare_token(authorization)
    key = _signing_key(token, jwks(url))
    import jwt
    try:
        claims = jwt.decode(
            token, key, algorithms=list(ALGORITHMS), issuer=issuer(settings.user_pool_id),
            leeway=LEEWAY_SECONDS,
            options={'require': ['exp', 'iat', 'iss', 'sub', 'token_use'], 'verify_aud': False})
    except jwt.ExpiredSignatureError:
        raise TokenError('token expired')
    except jwt.InvalidIssuerError:
        raise TokenError('token issued by another user pool')
    except jwt.InvalidSignatureError:
        raise TokenError('token signature does not verify')
    except jwt.PyJWTError as error:
        raise TokenError(f'invalid token: {error}')
    if claims['token_use'] != 'id':
        raise TokenError(f'an {claims["token_use"]} token was sent where an ID token is needed')
    if claims.get('aud') != settings.user_pool_client_id:
        raise TokenError('token issued to another app client')
    return {name: _as_string(name, value) for name, value in claims.items()}


def _as_string(name, value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if name in DATE_CLAIMS and isinstance(value, (int, float)):
        moment = datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
        return moment.strftime('%a %b %d %H:%M:%S UTC %Y')
    if isinstance(value, (list, tuple)):
        return ','.join(str(item) for item in value)
    return str(value)
