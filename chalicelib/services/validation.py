"""Request bodies and query parameters to typed values, or a 400 naming the field."""
from chalicelib.errors import BadRequest


def field_path(loc):
    """('files', 0, 'size') -> 'files[0].size', the way a client names the field."""
    path = ''
    for part in loc:
        path += f'[{part}]' if isinstance(part, int) else (f'.{part}' if path else str(part))
    return path


def parse(model, body):
    """`model` validated from a JSON body; 400 with the offending field otherwise."""
    from pydantic import ValidationError
    if not isinstance(body, dict):
        raise BadRequest('The request body must be a JSON object.', {'field': 'body'})
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        field = field_path(first['loc']) or 'body'
        message = ('unknown field: remove it' if first['type'] == 'extra_forbidden'
                   else first['msg'])
        raise BadRequest(f'{field}: {message}', {
            'field': field,
            'errors': [{'field': field_path(e['loc']), 'message': e['msg']} for e in error.errors()],
        }) from None


def page_limit(query, default=100, maximum=100):
    """The `limit` query parameter: an integer in 1..maximum."""
    raw = (query or {}).get('limit')
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise BadRequest(f'limit must be a whole number from 1 to {maximum}', {'field': 'limit'})
    return int(raw)
