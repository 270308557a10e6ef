"""Cognito triggers, invoked with the event shapes Cognito sends.

A trigger refuses by raising: Cognito shows the message to the person, so it
must say what to do. The local stage allows example.org and health.gov.ng.
"""
import copy

import pytest
from chalice.test import Client

from app import app
from chalicelib.accounts.profiles import Refused

ATTRIBUTES = {'email': 'amina@health.gov.ng', 'custom:organization': 'nmep',
              'custom:role': 'analyst', 'custom:region': 'NI'}


def event(trigger_source, attributes, **request):
    return {
        'version': '1', 'triggerSource': trigger_source, 'region': 'eu-west-1',
        'userPoolId': 'eu-west-1_local', 'userName': 'amina',
        'callerContext': {'awsSdkVersion': 'aws-sdk-js-3.0.0', 'clientId': 'client123'},
        'request': dict({'userAttributes': dict(attributes)}, **request),
        'response': {},
    }


def sign_up(attributes, source='PreSignUp_SignUp'):
    payload = event(source, attributes, validationData=None, clientMetadata={})
    payload['response'] = {'autoConfirmUser': False, 'autoVerifyEmail': False,
                           'autoVerifyPhone': False}
    return payload


def confirmed(sub, attributes=ATTRIBUTES, source='PostConfirmation_ConfirmSignUp'):
    return event(source, dict(attributes, sub=sub, email_verified='true',
                              **{'cognito:user_status': 'CONFIRMED'}), clientMetadata={})


def signing_in(sub, attributes=ATTRIBUTES):
    return event('PreAuthentication_Authentication', dict(attributes, sub=sub),
                 validationData={}, userNotFound=False)


@pytest.fixture
def lambdas(aws):
    with Client(app, stage_name='local') as client:
        yield client.lambda_


def test_a_valid_sign_up_passes_unchanged(lambdas):
    payload = sign_up(ATTRIBUTES)
    assert lambdas.invoke('pre_signup', copy.deepcopy(payload)).payload == payload


@pytest.mark.parametrize('change, says', [
    ({'email': 'amina@gmail.com'}, 'email address of an approved organization'),
    ({'email': ''}, 'email address'),
    ({'custom:organization': ''}, 'organization'),
    ({'custom:organization': 'NMEP; drop table'}, 'organization'),
    ({'custom:role': 'superuser'}, 'role'),
    ({'custom:role': 'admin'}, 'viewer or analyst'),
    ({'custom:region': 'XX'}, 'two-letter code'),
    ({'custom:region': ''}, 'state'),
])
def test_sign_up_refuses_with_a_message_that_says_what_to_fix(lambdas, change, says):
    with pytest.raises(Refused, match=says):
        lambdas.invoke('pre_signup', sign_up(dict(ATTRIBUTES, **change)))


def test_an_administrator_may_create_an_admin(lambdas):
    payload = sign_up(dict(ATTRIBUTES, **{'custom:role': 'admin'}), 'PreSignUp_AdminCreateUser')
    assert lambdas.invoke('pre_signup', payload).payload['triggerSource'] == 'PreSignUp_AdminCreateUser'


def test_sign_up_refuses_an_organization_outside_the_configured_list(lambdas, monkeypatch):
    monkeypatch.setenv('ALLOWED_ORGANIZATIONS', 'nmep,kano-smep')
    assert lambdas.invoke('pre_signup', sign_up(ATTRIBUTES)).payload
    with pytest.raises(Refused, match='organization'):
        lambdas.invoke('pre_signup', sign_up(dict(ATTRIBUTES, **{'custom:organization': 'acme'})))


def test_post_confirmation_creates_the_profile_once(lambdas, stores):
    lambdas.invoke('post_confirmation', confirmed('sub-1'))
    profile = stores.users.get('sub-1')
    assert profile['email'] == 'amina@health.gov.ng' and profile['status'] == 'ACTIVE'
    assert profile['role'] == 'analyst' and profile['region'] == 'NI'
    changed = dict(ATTRIBUTES, email='other@health.gov.ng')
    lambdas.invoke('post_confirmation', confirmed('sub-1', changed,
                                                  'PostConfirmation_ConfirmForgotPassword'))
    assert stores.users.get('sub-1') == profile


def test_a_disabled_user_cannot_sign_in(lambdas, stores):
    lambdas.invoke('post_confirmation', confirmed('sub-2'))
    assert lambdas.invoke('pre_authentication', signing_in('sub-2')).payload
    stores.users.set_status('sub-2', 'DISABLED')
    with pytest.raises(Refused, match='disabled'):
        lambdas.invoke('pre_authentication', signing_in('sub-2'))


def test_an_administrator_created_user_gets_a_profile_at_first_sign_in(lambdas, stores):
    assert stores.users.get('sub-3') is None
    lambdas.invoke('pre_authentication', signing_in('sub-3'))
    assert stores.users.get('sub-3')['organization'] == 'nmep'


def test_an_unknown_user_is_left_to_cognito(lambdas, stores):
    payload = event('PreAuthentication_Authentication', {}, validationData={}, userNotFound=True)
    assert lambdas.invoke('pre_authentication', payload).payload == payload


def test_me_shows_the_profile_status(alice, lambdas):
    lambdas.invoke('post_confirmation', confirmed(alice.user_id))
    body = alice.get('/me').json_body
    assert body['status'] == 'ACTIVE' and body['created_at']


def test_the_first_me_creates_the_profile_from_the_token(alice, stores):
    """Users created by an administrator (and the local pool's) fire no trigger."""
    assert stores.users.get(alice.user_id) is None
    body = alice.get('/me').json_body
    profile = stores.users.get(alice.user_id)
    assert profile['organization'] == 'nmep' and profile['status'] == 'ACTIVE'
    assert body['status'] == 'ACTIVE' and body['created_at'] == profile['created_at']
    assert alice.get('/me').json_body['created_at'] == profile['created_at']
