"""`python -m devstack.openapi` (or `make openapi`): chalicelib/openapi.json from the app's routes
and models, so the document cannot drift from what the routes take and answer.

Each route's `Operation` (chalicelib.web) names its models; the error statuses follow from
its shape plus the ones it declares. The file is written with sorted keys, so the same app
always gives the same bytes; GET /openapi.json serves the file, so the REST path never
builds a schema, and tests/unit/test_openapi.py fails when the file is not what this writes.
"""
import argparse
import inspect
import json
import re
from types import MappingProxyType

from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from app import OPENAPI, VERSION, app
from chalicelib.models import Error

TITLE = 'ChatMRPT API'
DESCRIPTION = ('Malaria risk prioritisation of wards. Every route but /health and /openapi.json needs a Cognito '
               "ID token; another user's resource is a 404.")
SCHEMAS = '#/components/schemas/{model}'
COGNITO = MappingProxyType({'type': 'apiKey', 'in': 'header', 'name': 'Authorization',
                            'description': 'A Cognito ID token, "Bearer <token>" or bare.'})
# Each error status: its response's name under components/responses, and what it means.
ERRORS = MappingProxyType({
    400: ('BadRequest', 'The request is wrong; details.field names what to fix.'),
    401: ('Unauthorized', 'No valid token.'),
    403: ('Forbidden', 'Your role may not do this.'),
    404: ('NotFound', 'No such item of yours.'),
    409: ('Conflict', 'The item is not in a state that allows this.'),
    413: ('TooLarge', 'A declared file is over the size limit.'),
    415: ('UnsupportedMediaType', 'Send the body as application/json.'),
    422: ('InvalidData', 'The data was read and is wrong: the message says what, where and what to do.'),
    429: ('Throttled', 'Too many requests; retry after a few seconds.'),
    500: ('Internal', 'Something failed on our side; details.request_id identifies it.'),
})
# Every route behind the authorizer may answer these.
SIGNED_IN = (401, 429, 500)
NO_CONTENT = 'Deleted.'
PATH_PARAMETER = re.compile(r'{(\w+)}')


class Schemas(GenerateJsonSchema):
    """Pydantic's JSON schemas, with a one-value Literal as an enum of one (as OpenAPI tools
    generate an enum from it, where many ignore `const`)."""

    def literal_schema(self, schema):
        result = super().literal_schema(schema)
        if 'const' in result:
            result['enum'] = [result.pop('const')]
        return result


def document(operations=app.operations, version=VERSION):
    """The OpenAPI 3.1 document of `operations` ({(path, method): Operation})."""
    models = {Error} | {m for o in operations.values() for m in (o.request, o.response) if m}
    refs, schemas = models_json_schema([(model, 'validation') for model in sorted(models, key=lambda m: m.__name__)],
                                       ref_template=SCHEMAS, schema_generator=Schemas)

    def content(model):
        return {'application/json': {'schema': refs[model, 'validation']}}

    paths = {}
    for (path, method), operation in operations.items():
        item = paths.setdefault(path, {})
        names = PATH_PARAMETER.findall(path)
        if names:
            item['parameters'] = [{'name': name, 'in': 'path', 'required': True, 'schema': {'type': 'string'}}
                                  for name in names]
        item[method.lower()] = _operation(operation, bool(names), content)
    return {
        'openapi': '3.1.0',
        'info': {'title': TITLE, 'version': version, 'description': DESCRIPTION},
        'paths': paths,
        'components': {
            'securitySchemes': {'cognito': dict(COGNITO)},
            'schemas': schemas['$defs'],
            'responses': {name: {'description': description, 'content': content(Error)}
                          for name, description in ERRORS.values()},
        },
    }


def _operation(operation, addressed, content):
    """One operation: its answer, the errors its shape implies and those it declares."""
    statuses = set(operation.errors)
    if not operation.public:
        statuses.update(SIGNED_IN)
    if operation.request:
        statuses.update((400, 415))
    if operation.query:
        statuses.add(400)
    if operation.writes:
        statuses.add(403)
    if addressed:
        statuses.add(404)
    answer = ({'description': inspect.getdoc(operation.response), 'content': content(operation.response)}
              if operation.response else {'description': NO_CONTENT})
    responses = {str(operation.status): answer}
    responses.update({str(status): {'$ref': f'#/components/responses/{ERRORS[status][0]}'}
                      for status in sorted(statuses)})
    result = {'operationId': operation.name, 'summary': operation.summary,
              'security': [] if operation.public else [{'cognito': []}], 'responses': responses}
    if operation.request:
        result['requestBody'] = {'required': True, 'content': content(operation.request)}
    if operation.query:
        result['parameters'] = _query(operation.query)
    return result


def _query(model):
    """The query model's fields as parameters; an absent one is simply not given (no null default)."""
    properties = model.model_json_schema()['properties']
    return [{'name': name, 'in': 'query', 'required': field.is_required(), 'description': field.description,
             'schema': {k: v for k, v in properties[name].items()
                        if k not in ('title', 'description') and not (k == 'default' and v is None)}}
            for name, field in model.model_fields.items()]


def text(doc):
    """The document as the checked-in file holds it: sorted keys, one space per level."""
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=str(OPENAPI), help='where to write it (default: %(default)s)')
    out = parser.parse_args(argv).out
    with open(out, 'w', encoding='utf-8') as file:
        file.write(text(document()))
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
