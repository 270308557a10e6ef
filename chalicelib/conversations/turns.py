"""The chat worker: one turn of a conversation from the chat queue to the assistant's message.

A turn is the QUEUED assistant message POST .../messages wrote beside the user's. The worker
claims it with a lease (a redelivered turn that has ended is a no-op; a RUNNING one is taken
over only once its lease ran out, that is when its worker died), gives the provider what it may
read (TurnContext), runs the one tool loop, and stores the answer DONE with the conversation's
new dataset, analysis and pending request in one write. A turn that raises ends FAILED with a
sentence a person can act on; the owner's connections hear every step as chat events.
"""
import csv
import io
import json
import logging
import secrets

from chalicelib.analyses import requests as analyses
from chalicelib.conversations import focus, loop, tools
from chalicelib.conversations.assistant import HISTORY_MESSAGES, Names, ProviderError, TurnContext
from chalicelib.conversations.events import ERROR, MESSAGE, STARTED, TOOL, tell
from chalicelib.conversations.messages import attachments_of, view_message
from chalicelib.storage.analyses import SUCCEEDED
from chalicelib.storage.conversations import DONE, FAILED, TERMINAL, turn_message_ids
from chalicelib.storage.datasets import READY
from chalicelib.storage.objects import content_type

log = logging.getLogger('chatmrpt.chat')

INLINE_BYTES = 32 * 1024     # an answer's attachments above this go to S3, so no item nears 400 KB
EVENT_BYTES = 120 * 1024     # API Gateway refuses a WebSocket frame over 128 KB
WARDS_FILE = 'wards.csv'


def handle_message(record, deps):
    """One chat queue record `{"user_id", "conversation_id", "turn_id"}`; the turn's status after."""
    turn = _turn_of(record)
    return answer(*turn, deps) if turn else None


def handle_dead_letter(record, deps):
    """A turn whose worker died on every receive (timeout, out of memory): it ends FAILED."""
    turn = _turn_of(record)
    if turn is None:
        return None
    user_id, conversation_id, turn_id = turn
    return _fail(deps, user_id, conversation_id, turn_id,
                 'I stopped before I could answer this message because of a problem on our side. '
                 f'Send it again; if it fails again, send support the turn id {turn_id}.')


def _turn_of(record):
    try:
        body = json.loads(record['body'])
        return str(body['user_id']), str(body['conversation_id']), str(body['turn_id'])
    except (ValueError, KeyError, TypeError):
        log.error('chat message without user_id, conversation_id and turn_id dropped')
        return None


def answer(user_id, conversation_id, turn_id, deps):
    """Answer the turn unless it has ended or another worker holds it; its status after."""
    where = {'user_id': user_id, 'conversation_id': conversation_id, 'turn_id': turn_id}
    question_id, answer_id = turn_message_ids(turn_id)
    store = deps.conversations
    current = store.message(user_id, conversation_id, answer_id)
    if current is None or current['status'] in TERMINAL:
        log.info('turn gone or answered already; duplicate ignored', extra=where)
        return current and current['status']
    holder = secrets.token_hex(8)
    claimed = store.turn.claim(user_id, store.message_key(conversation_id, answer_id), holder, deps.clock())
    if claimed is None:
        log.info('another worker holds this turn; duplicate ignored', extra=where)
        return None
    header = store.header(user_id, conversation_id)
    question = store.message(user_id, conversation_id, question_id)
    if header is None or question is None:
        log.info('conversation deleted; turn dropped', extra=where)
        return None
    listening = deps.connections.list(user_id)     # once a turn, not once an event
    tell(deps, user_id, STARTED, conversation_id, turn_id, listening)
    session = tools.ToolSession(user_id, conversation_id, turn_id, header, deps)
    try:
        reply = loop.run(_context(user_id, header, question, deps), deps.assistant, session,
                         lambda payload: tell(deps, user_id, TOOL, conversation_id, turn_id, listening,
                                              **{k: v for k, v in payload.items() if k != 'event'}))
    except ProviderError as error:
        return _fail(deps, user_id, conversation_id, turn_id, str(error), listening)
    except Exception:
        log.exception('turn failed', extra=where)
        return _fail(deps, user_id, conversation_id, turn_id,
                     'I could not answer this message because of a problem on our side. '
                     f'Send it again; if it fails again, send support the turn id {turn_id}.', listening)
    return _finish(deps, where, claimed, holder, reply, listening)


def _context(user_id, header, question, deps):
    past = deps.conversations.before(user_id, header['conversation_id'], question['message_id'],
                                     HISTORY_MESSAGES)
    answered = [m for m in past if m['role'] == 'user' or m.get('status') == DONE]
    history = tuple({'role': m['role'], 'text': m['text'], 'tool_calls': m.get('tool_calls') or []}
                    for m in answered)
    conversation = {k: header.get(k) for k in ('conversation_id', 'dataset_id', 'analysis_id', 'pending')}
    return TurnContext(text=question['text'], history=history, conversation=conversation, tools=tools.specs(),
                       names=_once(lambda: load_names(user_id, header, deps)),
                       focus=_once(lambda: focus.read(answered, lambda m: attachments_of(user_id, m, deps))))


def _once(load):
    """`load`, called at most once (the rules provider asks for names and focus; Bedrock never does)."""
    loaded = []

    def names():
        if not loaded:
            loaded.append(load())
        return loaded[0]
    return names


def load_names(user_id, header, deps):
    """The names of the conversation's data: wards and LGAs of its analysis's ranking (or of its
    dataset's wards), and the dataset's variables; empty when nothing is bound or ready."""
    analysis = deps.analyses.get(user_id, header['analysis_id']) if header.get('analysis_id') else None
    dataset_id = (analysis or {}).get('dataset_id') or header.get('dataset_id')
    dataset = deps.datasets.get(user_id, dataset_id) if dataset_id else None
    if analysis and analysis['status'] == SUCCEEDED:
        wards = tuple((w.get('ward_code'), w['ward_name'], w.get('lga'))
                      for w in analyses.ranking(user_id, analysis['analysis_id'], deps, item=analysis))
    elif dataset and dataset['status'] == READY and (dataset.get('canonical') or {}).get(WARDS_FILE):
        wards = _canonical_wards(deps.objects.get_object(user_id, dataset['canonical'][WARDS_FILE]))
    else:
        wards = ()
    variables = tuple(v['name'] for v in ((dataset or {}).get('summary') or {}).get('variables') or ())
    return Names(wards=wards, lgas=tuple(sorted({lga for _, _, lga in wards if lga})), variables=variables)


def _canonical_wards(body):
    """(ward_code, ward_name, lga) of a canonical wards.csv; its identifier columns come first, so
    a variable of the same name further right is never taken for one."""
    rows = csv.reader(io.StringIO(body.decode('utf-8'), newline=''))
    header = next(rows)
    code, name, lga = (header.index(column) for column in ('ward_code', 'ward_name', 'lga'))
    return tuple((row[code] or None, row[name], row[lga] or None) for row in rows)


def _finish(deps, where, claimed, holder, reply, listening):
    """Store the answer DONE and the conversation's new ids and pending request, then send it."""
    user_id, conversation_id, turn_id = where['user_id'], where['conversation_id'], where['turn_id']
    answer_id = claimed['message_id']
    fields = {'status': DONE, 'text': reply.text, 'attachments': list(reply.attachments),
              'tool_calls': [{'name': r.call.name, 'input': r.call.input, 'status': r.status, 'summary': r.summary}
                             for r in reply.results]}
    stored = dict(fields)
    large = len(json.dumps(fields['attachments'])) > INLINE_BYTES
    if large:
        parts = ('messages', f'{answer_id}.json')
        stored.update(attachments=[], attachments_key=deps.objects.put_file(
            user_id, 'conversations', conversation_id, parts, json.dumps(fields['attachments']).encode(),
            content_type(parts[-1])))
    if not deps.conversations.finish_turn(user_id, conversation_id, answer_id, holder, stored,
                                          pending=reply.pending, **reply.bound):
        log.info('turn taken over or conversation deleted; answer dropped', extra=where)
        if large:
            deps.objects.delete_files(user_id, 'conversations', conversation_id, [parts])
        return None
    shown = view_message(user_id, dict(claimed, **fields), deps)
    if len(json.dumps(shown)) > EVENT_BYTES:   # too large to send: GET the conversation for them
        shown = dict(shown, attachments=[], attachments_omitted=True)
    tell(deps, user_id, MESSAGE, conversation_id, turn_id, listening, message=shown)
    return DONE


def _fail(deps, user_id, conversation_id, turn_id, text, listening=None):
    """FAILED with `text` (what to do), told to the owner (`listening`: its connections, when
    the turn listed them); the turn's status after."""
    _, answer_id = turn_message_ids(turn_id)
    failed = deps.conversations.fail_turn(user_id, conversation_id, answer_id, text)
    if failed is None:
        current = deps.conversations.message(user_id, conversation_id, answer_id)
        return current and current['status']
    tell(deps, user_id, ERROR, conversation_id, turn_id, listening, message_id=answer_id, error=text)
    return FAILED
