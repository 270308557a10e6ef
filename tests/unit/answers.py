"""The response models as an oracle: a real answer must be what its route's model says.

Success bodies validate strictly, from the JSON on the wire, against the route's response
model (no field it lacks, none it requires missing, no int where it says string); any other
status must be one the route's document lists, with the error body.
"""
import json

from chalice.local import RouteMatcher

from app import OPENAPI, app
from chalicelib.models import Error


DOC = json.loads(OPENAPI.read_text())
ROUTES = RouteMatcher(list(app.routes))


def check(method, path, response):
    """`response` to `method path` against the route's models (an error body for a path or
    method no route serves)."""
    try:
        route = ROUTES.match_route(path).route
    except ValueError:
        route = None
    operation = app.operations.get((route, method))
    status = response.status_code
    if operation and status == operation.status:
        if operation.response is None:
            assert not response.body, f'{method} {path} answered {status} with a body'
        else:
            operation.response.model_validate_json(response.body, strict=True)
        return
    if operation:
        assert str(status) in DOC['paths'][route][method.lower()]['responses'], \
            f'{method} {route} answered {status}, which its document does not list'
    Error.model_validate_json(response.body, strict=True)
