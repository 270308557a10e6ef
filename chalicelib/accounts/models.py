"""The caller's models: the profile and the audit log's page and query (see chalicelib/models.py
for why models live apart from the services)."""
from datetime import datetime
from typing import Literal, Optional

from pydantic import Field

from chalicelib.identity import ROLES
from chalicelib.models import Page, PageQuery, ResponseBody
from chalicelib.storage.users import ACTIVE, DISABLED


class Profile(ResponseBody):
    """The profile."""
    user_id: str
    email: str
    organization: str
    role: Literal[ROLES]
    region: str
    status: Optional[Literal[ACTIVE, DISABLED]]
    created_at: Optional[datetime]


class AuditEvent(ResponseBody):
    user_id: str
    at: datetime
    organization: str
    action: str
    resource: str
    outcome: Literal['ok', 'denied', 'not_found', 'error']
    status: int
    request_id: str
    source_ip: str


class AuditPage(Page[AuditEvent]):
    """One page of events."""


class AuditQuery(PageQuery):
    user_id: str = Field(None, description='Only this actor (nothing matches outside your organization).')
    since: str = Field(None, description='ISO date or time: events at or after it.')
