"""Signing out of the web app against the local stack: Amplify revokes the refresh token at the moto server."""
import json

import pytest
import requests

pytestmark = pytest.mark.integration

WEB_ORIGIN = 'http://localhost:3000'


def _cognito(stack, action, body):
    """A call as the browser makes it: unsigned, from the web app's origin."""
    return requests.post(stack.aws_endpoint_url + '/', data=json.dumps(body), timeout=10, headers={
        'Origin': WEB_ORIGIN, 'Content-Type': 'application/x-amz-json-1.1', 'Cache-Control': 'no-store',
        'X-Amz-Target': f'AWSCognitoIdentityProviderService.{action}'})


def test_revoking_the_refresh_token_on_sign_out_is_answered_to_the_browser_and_ends_the_session(stack):
    user = stack.create_user()
    tokens = stack.tokens_for(user.username, user.password)
    client_id = stack.state['user_pool_client_id']
    revoked = _cognito(stack, 'RevokeToken', {'Token': tokens['RefreshToken'], 'ClientId': client_id})
    assert revoked.status_code == 200, revoked.text[:300]
    allowed = revoked.headers.get('Access-Control-Allow-Origin')
    assert allowed in (WEB_ORIGIN, '*'), 'the browser could not read the answer'
    refresh = _cognito(stack, 'InitiateAuth', {'ClientId': client_id, 'AuthFlow': 'REFRESH_TOKEN_AUTH',
                                              'AuthParameters': {'REFRESH_TOKEN': tokens['RefreshToken']}})
    assert refresh.status_code == 400 and refresh.json()['__type'] == 'NotAuthorizedException'
    assert _cognito(stack, 'GetUser', {'AccessToken': tokens['AccessToken']}).status_code == 400
    again = _cognito(stack, 'RevokeToken', {'Token': tokens['RefreshToken'], 'ClientId': client_id})
    assert again.status_code == 200, 'signing out twice (two tabs) is no error'


def test_another_clients_refresh_token_is_not_revoked(stack):
    user = stack.create_user()
    tokens = stack.tokens_for(user.username, user.password)
    refused = _cognito(stack, 'RevokeToken', {'Token': tokens['RefreshToken'], 'ClientId': 'some-other-client'})
    assert refused.status_code == 400 and refused.json()['__type'] == 'NotAuthorizedException'
    still = stack.client('cognito-idp').get_user(AccessToken=tokens['AccessToken'])
    assert still['Username']
