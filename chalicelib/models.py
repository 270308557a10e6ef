"""The models every lifecycle shares: a response body, a page, a page's query, a URL, the error
body, /health and the API document.

Pydantic models live in one `models.py` per lifecycle (this one, datasets/, analyses/, accounts/,
conversations/), which nothing on the REST cold path imports: app.py names them by reference
(chalicelib.web.model), and a service imports its request model where it parses a body. So
pydantic loads with the first body parsed, the API document's generation and the tests' checks.
"""
from typing import Annotated, Any, Dict, List, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from chalicelib.errors import CODES
from chalicelib.requests import PAGE_SIZE

NEXT_TOKEN = Field(description='Pass it as ?next_token= for the next page; null on the last.')


def _checked_url(value):
    """`value` once pydantic's AnyUrl takes it (imported here: pydantic.networks loads importlib.metadata,
    10 ms that no body parsed needs)."""
    from pydantic import AnyUrl
    AnyUrl(value)
    return value


# A URL in a response: checked as pydantic's AnyUrl, documented as it documents one.
Url = Annotated[str, AfterValidator(_checked_url), WithJsonSchema({'format': 'uri', 'minLength': 1, 'type': 'string'})]


class ResponseBody(BaseModel):
    """A response's JSON as the contract states it. The services answer plain dicts: these
    models are what the OpenAPI document is generated from (devstack.openapi) and what the
    tests validate real answers with. Built on first use, so importing a models module is cheap."""
    model_config = ConfigDict(extra='forbid', defer_build=True)


class Page(ResponseBody):
    """One page of items: `Page[Item]` is the model of a page of `Item`s.

    A plain subclass rather than a pydantic generic, which pydantic builds at import (65 ms);
    like every response model it is built on first use."""

    def __class_getitem__(cls, item):
        return type(f'Page[{item.__name__}]', (cls,), {'__module__': cls.__module__, '__annotations__': {
            'items': List[item], 'next_token': Optional[str]}, 'next_token': NEXT_TOKEN})


class PageQuery(BaseModel):
    """The query of a page; `page_limit` reads it (with its own refusals), this documents it."""
    model_config = ConfigDict(defer_build=True)
    limit: int = Field(PAGE_SIZE, ge=1, le=PAGE_SIZE,
                       description=f'Items per page (1..{PAGE_SIZE}, default {PAGE_SIZE}).')
    next_token: str = Field(None, description='The next_token of the previous page.')


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra='forbid', defer_build=True)
    code: Literal[CODES]
    message: str
    details: Dict[str, Any]


class Error(BaseModel):
    """The body of every error (documentation and the tests' oracle, like the response models)."""
    model_config = ConfigDict(extra='forbid', defer_build=True)
    error: ErrorDetail


class Health(ResponseBody):
    """The service is up."""
    status: Literal['ok']
    version: str


class ApiDocument(ResponseBody, extra='allow'):
    """OpenAPI 3 document."""
    openapi: str
    info: Dict[str, Any]
    paths: Dict[str, Any]
    components: Dict[str, Any]
