"""What every request shares: bodies and query parameters to typed values (or a 400 naming
the field), the caller's own items (or a 404), one page shape, and the engine's refusals
as the API answers them."""
import re
from types import MappingProxyType

from chalicelib.errors import BadRequest, InvalidData, NotFound

ITEM_ID = re.compile(r'[A-Za-z0-9_-]{1,64}')
PAGE_SIZE = 100
# An engine option error names the option as the engine calls it; the API names the body field.
OPTION_FIELDS = MappingProxyType({'from': 'period_from', 'to': 'period_to', 'period': 'period_from'})


def field_path(loc):
    """('files', 0, 'size') -> 'files[0].size', the way a client names the field."""
    path = ''
    for part in loc:
        path += f'[{part}]' if isinstance(part, int) else (f'.{part}' if path else str(part))
    return path


def parse(model, body):
    """`model` (a pydantic model of a lifecycle's models.py) validated from a JSON body; 400 with
    the offending field otherwise."""
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


def page_limit(query, default=PAGE_SIZE, maximum=PAGE_SIZE):
    """The `limit` query parameter: an integer in 1..maximum."""
    raw = (query or {}).get('limit')
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise BadRequest(f'limit must be a whole number from 1 to {maximum}', {'field': 'limit'})
    return int(raw)


def find(store, user_id, item_id, kind):
    """The caller's item; 404 for a missing one and for anyone else's alike.

    An id no item can have (too long for a key, odd characters) is missing too,
    rather than a storage error.
    """
    item = store.get(user_id, item_id) if ITEM_ID.fullmatch(item_id) else None
    if item is None:
        raise NotFound(f'{kind} {item_id} not found', {f'{kind}_id': item_id})
    return item


def page(store, user_id, query, view):
    """One page of the caller's items, newest first, as `view` shows them."""
    items, token = store.page(user_id, page_limit(query), (query or {}).get('next_token'))
    return {'items': [view(i) for i in items], 'next_token': token}


def engine_error(error, option_codes=('invalid_option',), prefix=''):
    """A DataError as the API answers it: a bad option is the request's fault (400 naming
    the field, under `prefix`), anything else is the data's (422 naming file, row and column)."""
    if error.code in option_codes:
        return BadRequest(error.message, {'field': prefix + OPTION_FIELDS.get(error.column, error.column)})
    return InvalidData(error.message, error.to_dict())

