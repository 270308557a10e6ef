"""Reading a caller's own items: one lookup and one page shape for every table."""
import re

from chalicelib.errors import NotFound
from chalicelib.services.validation import page_limit

ITEM_ID = re.compile(r'[A-Za-z0-9_-]{1,64}')


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
