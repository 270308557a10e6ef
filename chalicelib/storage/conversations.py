"""The Sessions table as conversations: one header item per conversation, one item per message.

Keys under the caller's `user_id`:
- header   `session_id = <conversation_id>` (ids from new_id, so creation order);
- message  `session_id = <conversation_id>#msg_<sortable>` (after its header, in creation order;
  a turn's user message ends in 0 and its assistant message in 1, so a question always sorts
  before its own answer, even within one millisecond);
- marker   `session_id = <conversation_id>#cm_<client_message_id>` (the client's retry key).
Only headers carry `conversation_id`, so the sparse `conversation-index` lists conversations
without reading their messages. Every item expires through TTL `expires_at` (90 days); the
header's is pushed back whenever the conversation is used.
"""
import time

from chalicelib.storage.base import AlreadyExists, MAX_PAGE, StaleTransition, Table, new_id, now_iso, start_key
from chalicelib.storage.leases import Lease
from chalicelib.storage.queue import CHAT_WORKER_SECONDS
from chalicelib.storage.tables import TTL_ATTRIBUTE

QUEUED, RUNNING, DONE, FAILED = 'QUEUED', 'RUNNING', 'DONE', 'FAILED'
TERMINAL = (DONE, FAILED)       # a turn in one of these is never answered again
TTL_SECONDS = 90 * 24 * 60 * 60
INDEX = 'conversation-index'
# A turn's lease outlasts the worker's Lambda timeout, so only a dead worker's lease runs out,
# and it has when SQS redelivers the turn after the chat queue's visibility timeout.
TURN_LEASE_SECONDS = CHAT_WORKER_SECONDS
MESSAGE = '#msg_'
MARKER = '#cm_'
BATCH = 25                      # BatchWriteItem's limit


class ConversationGone(StaleTransition):
    """The conversation was deleted (or never was): nothing was written."""


def new_turn_id():
    return new_id('tn')


def turn_message_ids(turn_id):
    """(the user's message id, the assistant's message id) of a turn, in that order."""
    sortable = turn_id.split('_', 1)[1]
    return f'msg_{sortable}0', f'msg_{sortable}1'


def lone_message_id():
    """The id of an assistant message outside any turn (the greeting, an analysis that ended)."""
    return new_id('msg') + '0'


class Conversations(Table):
    sort_key = 'session_id'

    def __init__(self, name, client, clock=time.time):
        super().__init__(name, client)
        self._clock = clock
        self.turn = Lease(self, QUEUED, RUNNING, 'lease_owner', 'lease_until', TURN_LEASE_SECONDS)

    def _expiry(self):
        return int(self._clock()) + TTL_SECONDS

    def _message_item(self, conversation_id, message):
        return dict(message, session_id=self.message_key(conversation_id, message['message_id']),
                    **{TTL_ATTRIBUTE: self._expiry()})

    @staticmethod
    def message_key(conversation_id, message_id):
        return conversation_id + MESSAGE + message_id[len('msg_'):]

    # -- headers -------------------------------------------------------------------
    def create(self, user_id, header, greeting=None):
        """The conversation's header, and its first (assistant) message when given, in one write."""
        item = dict(header, session_id=header['conversation_id'], **{TTL_ATTRIBUTE: self._expiry()})
        writes = [self._put(user_id, item)]
        if greeting is not None:
            writes.append(self._put(user_id, self._message_item(header['conversation_id'], greeting)))
        self._transact(writes, {0: AlreadyExists(f'conversation {header["conversation_id"]} already exists')})
        return dict(item, user_id=user_id)

    def header(self, user_id, conversation_id):
        """The conversation's header, or None (a message key is never a header)."""
        return self.get(user_id, conversation_id) if '#' not in conversation_id else None

    def page(self, user_id, limit=MAX_PAGE, next_token=None, newest_first=True):
        """One page of the caller's conversation headers (newest first) from the sparse index."""
        kwargs = dict(TableName=self.name, IndexName=INDEX, Limit=max(1, min(int(limit), MAX_PAGE)),
                      KeyConditionExpression='user_id = :u', ExpressionAttributeValues=self._av({':u': user_id}),
                      ScanIndexForward=not newest_first)
        if next_token:
            kwargs['ExclusiveStartKey'] = self._av(start_key(
                next_token, ('user_id', 'session_id', 'conversation_id'), ('user_id', user_id)))
        return self._query(kwargs)

    def update_header(self, user_id, conversation_id, **fields):
        """Set `fields` on the header (and push its expiry back); None when it is gone."""
        return self.update(user_id, conversation_id,
                           dict(fields, updated_at=now_iso(), **{TTL_ATTRIBUTE: self._expiry()}),
                           'attribute_exists(user_id)')

    def delete_conversation(self, user_id, conversation_id):
        """The header first (no turn can be added after it), then its messages and markers."""
        self.delete(user_id, conversation_id)
        token = None
        while True:
            kwargs = dict(TableName=self.name, ProjectionExpression='user_id, session_id', ConsistentRead=True,
                          KeyConditionExpression='user_id = :u AND begins_with(session_id, :p)',
                          ExpressionAttributeValues=self._av({':u': user_id, ':p': conversation_id + '#'}))
            if token:
                kwargs['ExclusiveStartKey'] = token
            result = self._client.query(**kwargs)
            keys = result.get('Items', [])
            for start in range(0, len(keys), BATCH):
                self._delete_batch(keys[start:start + BATCH])
            token = result.get('LastEvaluatedKey')
            if not token:
                return

    def _delete_batch(self, keys):
        requests = {self.name: [{'DeleteRequest': {'Key': key}} for key in keys]}
        while requests:
            requests = self._client.batch_write_item(RequestItems=requests).get('UnprocessedItems') or None

    # -- messages ------------------------------------------------------------------
    def messages(self, user_id, conversation_id, limit=MAX_PAGE, next_token=None):
        """One page of the conversation's messages, oldest first."""
        prefix = conversation_id + MESSAGE
        kwargs = dict(TableName=self.name, Limit=max(1, min(int(limit), MAX_PAGE)), ConsistentRead=True,
                      KeyConditionExpression='user_id = :u AND begins_with(session_id, :p)',
                      ExpressionAttributeValues=self._av({':u': user_id, ':p': prefix}))
        if next_token:
            kwargs['ExclusiveStartKey'] = self._av(start_key(
                next_token, ('user_id', 'session_id'), ('user_id', user_id), ('session_id', prefix)))
        return self._query(kwargs)

    def before(self, user_id, conversation_id, message_id, count):
        """The `count` messages before `message_id`, oldest first (what a provider sees of the past)."""
        key = self.message_key(conversation_id, message_id)
        result = self._client.query(
            TableName=self.name, Limit=count + 1, ScanIndexForward=False, ConsistentRead=True,
            KeyConditionExpression='user_id = :u AND session_id BETWEEN :lo AND :hi',
            ExpressionAttributeValues=self._av({':u': user_id, ':lo': conversation_id + MESSAGE, ':hi': key}))
        items = [self._plain(i) for i in result.get('Items', [])]
        return [item for item in reversed(items) if item['session_id'] != key][-count:]

    def message(self, user_id, conversation_id, message_id):
        return self.get(user_id, self.message_key(conversation_id, message_id))

    def marker(self, user_id, conversation_id, client_message_id):
        """What the first message sent with `client_message_id` became: {message_id, turn_id}, or None."""
        return self.get(user_id, conversation_id + MARKER + client_message_id)

    def add_turn(self, user_id, conversation_id, question, answer, client_message_id=None):
        """The user's message, the QUEUED assistant message answering it and the client's marker,
        all or nothing. ConversationGone when the header is not there; AlreadyExists when the
        client's `client_message_id` already names a message (nothing is written then)."""
        writes = [self._touch(user_id, conversation_id),
                  self._put(user_id, self._message_item(conversation_id, question)),
                  self._put(user_id, self._message_item(conversation_id, answer))]
        failures = {0: ConversationGone(f'conversation {conversation_id} not found')}
        if client_message_id is not None:
            failures[len(writes)] = AlreadyExists(f'client_message_id {client_message_id} was sent already')
            writes.append(self._put(user_id, {
                'session_id': conversation_id + MARKER + client_message_id, 'message_id': question['message_id'],
                'turn_id': question['turn_id'], TTL_ATTRIBUTE: self._expiry()}))
        self._transact(writes, failures)

    def add_message(self, user_id, conversation_id, message, **header_fields):
        """A message outside any turn, with `header_fields` set on the header; ConversationGone
        when the conversation was deleted."""
        writes = [self._touch(user_id, conversation_id, **header_fields),
                  self._put(user_id, self._message_item(conversation_id, message))]
        self._transact(writes, {0: ConversationGone(f'conversation {conversation_id} not found')})

    def finish_turn(self, user_id, conversation_id, message_id, holder, fields, **header_fields):
        """Write the turn's answer (`fields`, with its status) while `holder` holds the turn, and
        `header_fields` on the header, in one write; False when the lease or the conversation is gone."""
        answer = self._set(user_id, self.message_key(conversation_id, message_id),
                           dict(fields, updated_at=now_iso(), lease_until=0),
                           '#status = :running AND #owner = :me', {'#status': 'status', '#owner': 'lease_owner'},
                           {':running': RUNNING, ':me': holder})
        try:
            self._transact([answer, self._touch(user_id, conversation_id, **header_fields)], {})
        except self._client.exceptions.TransactionCanceledException:
            return False
        return True

    def fail_turn(self, user_id, conversation_id, message_id, text):
        """End a turn that has not ended FAILED with `text` (what to do); the message after, or
        None when it had ended already (or is gone)."""
        return self.update(user_id, self.message_key(conversation_id, message_id),
                           {'status': FAILED, 'text': text, 'updated_at': now_iso(), 'lease_until': 0},
                           'attribute_exists(user_id) AND #status IN (:q, :r)',
                           {':q': QUEUED, ':r': RUNNING}, {'#status': 'status'})

    # -- writes --------------------------------------------------------------------
    def _put(self, user_id, item):
        return {'Put': {'TableName': self.name, 'Item': self._av(dict(item, user_id=user_id)),
                        'ConditionExpression': 'attribute_not_exists(user_id)'}}

    def _touch(self, user_id, conversation_id, **fields):
        """An update of the header that exists (its expiry pushed back), for a transaction."""
        fields = dict(fields, updated_at=now_iso(), **{TTL_ATTRIBUTE: self._expiry()})
        return self._set(user_id, conversation_id, fields, 'attribute_exists(user_id)')

    def _set(self, user_id, key, fields, condition, names=None, values=None):
        """A conditional SET of `fields` on one item, for a transaction."""
        names, values = dict(names or {}), dict(values or {})
        for i, (name, value) in enumerate(fields.items()):
            names[f'#f{i}'], values[f':f{i}'] = name, value
        return {'Update': {
            'TableName': self.name, 'Key': self._key(user_id, key), 'ConditionExpression': condition,
            'UpdateExpression': 'SET ' + ', '.join(f'#f{i} = :f{i}' for i in range(len(fields))),
            'ExpressionAttributeNames': names, 'ExpressionAttributeValues': self._av(values)}}

    def _transact(self, writes, failures):
        """TransactWriteItems; the error of `failures` (by write index) whose condition failed."""
        try:
            self._client.transact_write_items(TransactItems=writes)
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get('CancellationReasons') or []
            for index, reason in enumerate(reasons):
                if reason.get('Code') == 'ConditionalCheckFailed' and index in failures:
                    raise failures[index] from error
            raise
