"""The caller's own profile and the Cognito triggers that keep the Users table.

Cognito refuses a sign-up or sign-in when a trigger raises: the exception's
message is what the person sees, so it says what to do.
"""
import re

from chalicelib.identity import ROLES
from chalicelib.nigeria import STATE_CODES
from chalicelib.storage.users import DISABLED

ORGANIZATION = re.compile(r'^[a-z0-9][a-z0-9-]{1,62}$')
SELF_SIGNUP_ROLES = ('viewer', 'analyst')     # admins are created by an administrator


class Refused(Exception):
    """Cognito shows this message to the person signing up or in."""


def me(identity, users):
    """The caller's profile, created from the token's claims on the first request.

    Users an administrator created never pass through post confirmation, and
    the local stack's user pool calls no triggers at all.
    """
    profile = users.get(identity.user_id) or users.create(
        identity.user_id, identity.email, identity.organization, identity.role, identity.region)
    return {'user_id': identity.user_id, 'email': identity.email,
            'organization': identity.organization, 'role': identity.role,
            'region': identity.region, 'status': profile.get('status'),
            'created_at': profile.get('created_at')}


def check_signup(event, allowed_email_domains, allowed_organizations):
    """The pre sign-up trigger's rules; returns the event unchanged when they pass."""
    attributes = event['request']['userAttributes']
    email = attributes.get('email', '')
    domain = email.rpartition('@')[2].lower()
    if not email or domain not in {d.lower() for d in allowed_email_domains}:
        raise Refused(f'Sign up with an email address of an approved organization '
                      f'({", ".join(allowed_email_domains) or "none configured"}).')
    organization = attributes.get('custom:organization', '')
    if not ORGANIZATION.match(organization) or (
            allowed_organizations and organization not in allowed_organizations):
        raise Refused('Choose your organization from the list (custom:organization).')
    role = attributes.get('custom:role', '')
    allowed_roles = ROLES if event['triggerSource'] == 'PreSignUp_AdminCreateUser' else SELF_SIGNUP_ROLES
    if role not in allowed_roles:
        raise Refused(f'Choose a role: {" or ".join(allowed_roles)} (custom:role).')
    if attributes.get('custom:region', '') not in STATE_CODES:
        raise Refused('Choose your state by its two-letter code, e.g. NI for Niger (custom:region).')
    return event


def _profile_from(attributes, users):
    return users.create(attributes['sub'], attributes.get('email', ''),
                        attributes.get('custom:organization', ''),
                        attributes.get('custom:role', 'viewer'),
                        attributes.get('custom:region', ''))


def confirmed(event, users):
    """Post confirmation: the user's profile exists afterwards (a repeat changes nothing)."""
    _profile_from(event['request']['userAttributes'], users)
    return event


def check_signin(event, users):
    """Pre authentication: a disabled account cannot sign in.

    Users an administrator created never pass through post confirmation, so a
    missing profile is created here.
    """
    attributes = event['request'].get('userAttributes') or {}
    if event['request'].get('userNotFound') or not attributes.get('sub'):
        return event            # Cognito answers an unknown user itself
    profile = _profile_from(attributes, users)
    if profile.get('status') == DISABLED:
        raise Refused('This account is disabled. Ask your organization\'s administrator.')
    return event
