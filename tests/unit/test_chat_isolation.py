"""Two users chatting at the same time about different states: each turn of one interleaved with
a turn of the other, neither ever sees the other's messages, tables, links or events."""
import json
import threading

import pytest

from chalicelib.conversations import requests as conversations, turns
from chalicelib.deps import Deps
from chalicelib.progress import websocket
from chalicelib.storage.conversations import DONE
from tests.processing.test_progress import FakeWebsocketApi, event
from tests.unit.support import ready_dataset, succeeded_analysis
from tests.unit.test_tokens import mint, verify

ALICE, BOB = 'user-a-0001', 'user-b-0002'
STATES = {ALICE: ('NI', 'Niger', 'Bida'), BOB: ('KN', 'Kano', 'Dala')}
QUESTIONS = ('What are the top 3 highest risk wards?', 'show me the 2 least vulnerable wards',
             'top 4 wards in {lga}', 'get the report', 'why are children under 5 most vulnerable?',
             'top 10 wards')


def wards(state, name, lga, n=12):
    return [{'ward_code': f'{state}{i:04d}', 'ward_name': f'{name} Ward {i}', 'lga': lga,
             'composite_score': round(1 - i / n, 4), 'composite_rank': i + 1, 'composite_category': 'High',
             'pca_score': None, 'pca_rank': None, 'pca_category': None,
             'rank_spread': {'min': 1, 'p10': 1, 'p90': 2, 'max': 3}, 'imputed': []} for i in range(n)]


def chat(deps, user_id, conversation_id, lga, barrier):
    """Each question posted and answered in step with the other user's."""
    for question in QUESTIONS:
        barrier.wait()
        turn_id = conversations.post_message(user_id, conversation_id, {'text': question.format(lga=lga)},
                                             deps)['turn_id']
        barrier.wait()
        assert turns.answer(user_id, conversation_id, turn_id, deps) == DONE


def test_two_users_chatting_at_once_never_see_each_others_conversation(aws, atomic_dynamodb_writes):
    ws = FakeWebsocketApi()
    deps = Deps(aws, ws, verify=verify)
    started = {}
    for user_id, (state, name, lga) in STATES.items():
        assert websocket.connect(event(f'conn-{user_id}', token=mint(sub=user_id)), deps) is None
        dataset_id = ready_dataset(deps, user_id, name=f'{name} wards')
        succeeded_analysis(deps, user_id, dataset_id, rows=wards(state, name, lga))
        started[user_id] = conversations.create(user_id, {'dataset_id': dataset_id}, deps)['conversation_id']
    barrier = threading.Barrier(2, timeout=60)
    failures = []

    def run(user_id):
        try:
            chat(Deps(aws, ws, verify=verify), user_id, started[user_id], STATES[user_id][2], barrier)
        except BaseException as error:      # re-raised below, in the test's thread
            failures.append(error)
            barrier.abort()
    threads = [threading.Thread(target=run, args=(user_id,)) for user_id in STATES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures

    for user_id, (state, name, lga) in STATES.items():
        other_id = BOB if user_id == ALICE else ALICE
        other_state, other_name, other_lga = STATES[other_id]
        shown = conversations.get(user_id, started[user_id], {}, deps)
        messages = shown['messages']
        assert len(messages) == 1 + 2 * len(QUESTIONS)
        assert [m['role'] for m in messages[1:]] == ['user', 'assistant'] * len(QUESTIONS)
        assert all(m['status'] == DONE for m in messages if m['role'] == 'assistant')
        rows = [row for m in messages for a in m['attachments'] if a['kind'] == 'table' for row in a['rows']]
        assert len(rows) >= 3 + 2 + 4 + 10 and all(row['ward_code'].startswith(state) for row in rows)
        links = [a['url'] for m in messages for a in m['attachments'] if 'url' in a]
        assert links and all(f'users/{user_id}/' in link and other_id not in link for link in links)
        heard = [m for m in ws.to(f'conn-{user_id}') if m['type'] == 'chat']
        assert {m['conversation_id'] for m in heard} == {started[user_id]}
        assert len([m for m in heard if m['event'] == 'message']) == len(QUESTIONS)
        seen = json.dumps([shown, heard])
        for foreign in (other_name, other_lga, f'"{other_state}0', other_id, started[other_id]):
            assert foreign not in seen, (user_id, foreign)
