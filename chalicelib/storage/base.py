"""What every table adapter shares: ids, conditional writes, opaque page tokens.

Items cross this boundary as plain Python (str, int, float, bool, None, list,
dict); DynamoDB's Decimal and attribute-value shapes stay inside the adapters.
"""
import base64
import binascii
import json
import math
import time
from decimal import Decimal

from chalicelib.errors import BadRequest, Conflict

MAX_PAGE = 100


class AlreadyExists(Conflict):
    """A create found an item with the same key: nothing was overwritten."""


class StaleTransition(Conflict):
    """The item was not in the expected status (or is gone): nothing was changed."""


def new_id(prefix):
    """A time-ordered, unguessable id: sort key order is creation order."""
    import secrets   # with hmac and hashlib, 4 ms: loaded by the first id made, not at every cold start
    return f'{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(8)}'


def now_iso():
    now = time.time()
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(now)) + f'.{int(now % 1 * 1000):03d}Z'


def to_dynamo(value):
    """Plain Python to what the serializer takes (floats become Decimals)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f'cannot store the non-finite number {value}')
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, set, frozenset)):
        return [from_dynamo(v) for v in value]
    return value


def encode_token(payload):
    """An opaque page token: base64url of JSON."""
    raw = json.dumps(payload, separators=(',', ':'), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def decode_token(token):
    """The payload of a page token; 400 naming `next_token` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4))
        payload = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        raise BadRequest('next_token is not a token this list returned; '
                         'start again without it', {'field': 'next_token'})
    return payload


def start_key(token, key_attrs, owner, within=None):
    """The ExclusiveStartKey a token names, refused unless it is the caller's own.

    `owner` is the attribute/value pair the page must stay in (e.g. user_id); `within`, when
    given, an attribute/prefix pair it must stay under too (e.g. one conversation's messages).
    """
    payload = decode_token(token)
    attr, value = owner
    inside, prefix = within or (attr, '')
    if set(payload) != set(key_attrs) or payload.get(attr) != value or not all(
            isinstance(v, str) for v in payload.values()) or not payload[inside].startswith(prefix):
        raise BadRequest('next_token is not a token this list returned; '
                         'start again without it', {'field': 'next_token'})
    return payload


def _is_condition_failure(error):
    return error.response.get('Error', {}).get('Code') == 'ConditionalCheckFailedException'


class Table:
    """A DynamoDB table whose partition key is `user_id` and sort key `sort_key`."""

    sort_key = None

    def __init__(self, name, client):
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
        self.name = name
        self._client = client
        self._ser = TypeSerializer()
        self._de = TypeDeserializer()

    # -- conversions -------------------------------------------------------
    def _av(self, item):
        return {k: self._ser.serialize(v) for k, v in to_dynamo(item).items()}

    def _plain(self, av):
        return from_dynamo({k: self._de.deserialize(v) for k, v in av.items()})

    def _key(self, user_id, item_id=None):
        key = {'user_id': user_id}
        if self.sort_key:
            key[self.sort_key] = item_id
        return self._av(key)

    def _error(self):
        return self._client.exceptions.ConditionalCheckFailedException

    # -- operations --------------------------------------------------------
    def put_new(self, user_id, item):
        """Create `item` under `user_id`; AlreadyExists if the key is taken."""
        item = dict(item, user_id=user_id)
        try:
            self._client.put_item(TableName=self.name, Item=self._av(item),
                                  ConditionExpression='attribute_not_exists(user_id)')
        except self._error() as error:
            raise AlreadyExists(f'{self._what(item)} already exists') from error
        return item

    def get(self, user_id, item_id=None):
        found = self._client.get_item(TableName=self.name, Key=self._key(user_id, item_id),
                                      ConsistentRead=True).get('Item')
        return self._plain(found) if found else None

    def delete(self, user_id, item_id=None):
        """Remove the item; the removed item, or None when there was none."""
        old = self._client.delete_item(TableName=self.name, Key=self._key(user_id, item_id),
                                       ReturnValues='ALL_OLD').get('Attributes')
        return self._plain(old) if old else None

    def page(self, user_id, limit=MAX_PAGE, next_token=None, newest_first=True):
        """One page of the caller's items and the token of the next page (or None)."""
        kwargs = dict(TableName=self.name, Limit=max(1, min(int(limit), MAX_PAGE)),
                      KeyConditionExpression='user_id = :u',
                      ExpressionAttributeValues=self._av({':u': user_id}),
                      ScanIndexForward=not newest_first, ConsistentRead=True)
        if next_token:
            kwargs['ExclusiveStartKey'] = self._av(
                start_key(next_token, ('user_id', self.sort_key), ('user_id', user_id)))
        return self._query(kwargs)

    def all(self, user_id):
        """Every item of the caller (for small per-user tables: connections, sessions)."""
        items, token = self.page(user_id, newest_first=False)
        while token:
            more, token = self.page(user_id, next_token=token, newest_first=False)
            items.extend(more)
        return items

    def _query(self, kwargs):
        result = self._client.query(**kwargs)
        items = [self._plain(i) for i in result.get('Items', [])]
        last = result.get('LastEvaluatedKey')
        return items, (encode_token(self._plain(last)) if last else None)

    def update(self, user_id, item_id, fields, condition, condition_values=None, names=None):
        """SET `fields` when `condition` holds; the new item, or None when it did not."""
        names = dict(names or {})
        values = dict(condition_values or {})
        sets = []
        for i, (field, value) in enumerate(fields.items()):
            names[f'#f{i}'] = field
            values[f':f{i}'] = value
            sets.append(f'#f{i} = :f{i}')
        kwargs = dict(TableName=self.name, Key=self._key(user_id, item_id),
                      UpdateExpression='SET ' + ', '.join(sets),
                      ConditionExpression=condition, ReturnValues='ALL_NEW',
                      ExpressionAttributeNames=names)
        if values:
            kwargs['ExpressionAttributeValues'] = self._av(values)
        try:
            return self._plain(self._client.update_item(**kwargs)['Attributes'])
        except self._error():
            return None

    def _what(self, item):
        return f'{self.sort_key or "user_id"} {item.get(self.sort_key or "user_id")}'


class StatusTable(Table):
    """A table whose items move through statuses by conditional transitions only."""

    def transition(self, user_id, item_id, expected_status, new_status, **fields):
        """Move from `expected_status` (one or a tuple) to `new_status`, setting `fields`.

        Raises StaleTransition when the item is missing or in another status, so a
        redelivered or late step cannot clobber newer state.
        """
        expected = (expected_status,) if isinstance(expected_status, str) else tuple(expected_status)
        values = {f':e{i}': status for i, status in enumerate(expected)}
        condition = (f'attribute_exists(user_id) AND #status IN ({", ".join(values)})')
        updated = self.update(user_id, item_id,
                              dict(fields, status=new_status, updated_at=now_iso()),
                              condition, values, {'#status': 'status'})
        if updated is None:
            raise StaleTransition(
                f'{self.sort_key} {item_id} is no longer {" or ".join(expected)}; '
                'reload it to see its current status')
        return updated
