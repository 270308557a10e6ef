"""Cognito's RevokeToken for the local stack's moto server, which lacks it (moto 5.2).

The web app signs out as it does in AWS: Amplify revokes the refresh token. Without
this, moto answers that call with a 500 page carrying no CORS headers, so the
browser reports a CORS error on every sign-out and the token stays usable.
"""
import base64
import json

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import EmptyResult


def _origin(access_token):
    """The `origin_jti` claim of a moto access token: the refresh token it came from."""
    payload = access_token.split('.')[1]
    return json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4))).get('origin_jti')


def revoke_token(token, client_id):
    """As Cognito: the refresh token and every access token made from it stop working;
    a token already revoked, or unknown, is no error; another client's token is refused."""
    for backends in cognitoidp_backends.values():
        for region, backend in backends.items():
            for pool in () if region == 'global' else backend.user_pools.values():
                issued = pool.refresh_tokens.get(token)
                if issued is None:
                    continue
                owner, _, origin = issued
                if owner != client_id:
                    raise NotAuthorizedError('The token was not issued to this client.')
                pool.refresh_tokens[token] = None
                for access_token in [t for t in pool.access_tokens if _origin(t) == origin]:
                    del pool.access_tokens[access_token]


def _revoke_token_action(response):
    revoke_token(response._get_param('Token'), response._get_param('ClientId'))
    return EmptyResult()


def add_revoke_token():
    """Teaches moto's Cognito responder the RevokeToken action (idempotent)."""
    CognitoIdpResponse.revoke_token = _revoke_token_action
