"""The audit trail: what each request did or was refused, and who may read it."""
import re
from types import MappingProxyType

from chalicelib.errors import BadRequest, Forbidden
from chalicelib.requests import page_limit

OUTCOMES = MappingProxyType({401: 'denied', 403: 'denied', 404: 'not_found'})
_SINCE = re.compile(r'^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$')


def outcome(status):
    if status < 400:
        return 'ok'
    return OUTCOMES.get(status, 'error')


def record(audit, actor, action, resource, status, request_id, source_ip):
    """Append one event; `actor` is the Identity, or None when the caller is unknown."""
    return audit.append(
        actor.user_id if actor else 'anonymous', actor.organization if actor else '',
        action, resource, outcome(status), status, request_id, source_ip)


def read(identity, query, audit):
    """An admin's view of its own organization's events (`user_id`, `since` filters).

    A user id from another organization simply matches nothing.
    """
    if identity.role != 'admin':
        raise Forbidden('only an admin can read the audit log')
    if not identity.organization:
        raise Forbidden('your account has no organization, so it has no audit log to read')
    query = query or {}
    since = query.get('since', '')
    if since and not _SINCE.match(since):
        raise BadRequest('since must be an ISO date or time, e.g. 2026-01-31 or '
                         '2026-01-31T08:00:00Z', {'field': 'since'})
    items, token = audit.by_organization(identity.organization, since.rstrip('Z'), query.get('user_id'),
                                         page_limit(query), query.get('next_token'))
    return {'items': [{k: v for k, v in i.items() if k != 'event_key'} for i in items],
            'next_token': token}
