"""Follow-ups through the chat worker: "why is it ranked so high?", "the second one", "the next 2",
"and in Lapai?", "map that", "the last one", "and the least vulnerable?" are read against the conversation's stored answers (their tool calls and
tables, from S3 when too large for their item), so a focus never reaches another conversation or user."""
import json

import pytest

from chalicelib.conversations import requests as conversations, turns
from chalicelib.deps import Deps
from chalicelib.storage.conversations import DONE
from tests.processing.test_progress import FakeWebsocketApi
from tests.unit.support import ready_dataset, succeeded_analysis
from tests.unit.test_tokens import verify

ALICE, BOB = 'user-a-0001', 'user-b-0002'


@pytest.fixture
def deps(aws):
    return Deps(aws, FakeWebsocketApi(), verify=verify)


def ranking(prefix, lgas, per_lga=4):
    """Wards ranked in order, `per_lga` in each LGA in turn (rank 1 in the first LGA, rank 2 in the next...)."""
    n = per_lga * len(lgas)
    return [{'ward_code': f'{prefix}{i:04d}', 'ward_name': f'{prefix} Ward {i}', 'lga': lgas[i % len(lgas)],
             'composite_score': round(1 - i / n, 4), 'composite_rank': i + 1, 'composite_category': 'High',
             'pca_score': None, 'pca_rank': None, 'pca_category': None,
             'rank_spread': {'min': 1, 'p10': 1, 'p90': 2, 'max': 3}, 'imputed': []} for i in range(n)]


def analysed(deps, user_id, rows, moved=()):
    """A conversation on a dataset whose finished analysis ranks `rows`, with what explain_ward reads and
    a comparison of the methods in which the wards `moved` move most."""
    dataset_id = ready_dataset(deps, user_id)
    compared = [{'ward_code': w['ward_code'], 'ward_name': w['ward_name'], 'composite_rank': w['composite_rank'],
                 'pca_rank': w['composite_rank'] + len(moved) - i, 'rank_difference': len(moved) - i,
                 'category_agrees': False} for i, w in enumerate(moved)]
    diagnostics = {'pca': {'ran': True}, 'comparison': {'wards': compared, 'spearman': 0.5, 'top10_overlap': 0.5}}
    analysis_id = succeeded_analysis(deps, user_id, dataset_id, rows=rows, files=[
        ('diagnostics.json', json.dumps(diagnostics).encode(), 'application/json')])
    result = {'variables': [], 'imputation': [],
              'ward_values': [{'ward_code': w['ward_code'], 'ward_name': w['ward_name'], 'value': {},
                               'normalised': {}, 'raw': {}} for w in rows]}
    deps.objects.put_file(user_id, 'analyses', analysis_id, ('work', 'result.json'), json.dumps(result).encode(),
                          'application/json')
    return conversations.create(user_id, {'dataset_id': dataset_id}, deps)['conversation_id']


def turn(deps, user_id, conversation_id, text):
    """`text` posted and answered by the worker; the assistant's message as clients read it."""
    turn_id = conversations.post_message(user_id, conversation_id, {'text': text}, deps)['turn_id']
    assert turns.answer(user_id, conversation_id, turn_id, deps) == DONE
    shown = conversations.get(user_id, conversation_id, {}, deps)['messages']
    return next(m for m in shown if m['turn_id'] == turn_id and m['role'] == 'assistant')


def called(message):
    return [(c['name'], c['input'], c['status']) for c in message['tool_calls']]


def asked_which_ward(message):
    return message['tool_calls'] == [] and message['text'].endswith('Which ward should I explain (its name or its code)?')


def table_of(message):
    return next(a for a in message['attachments'] if a['kind'] == 'table')


def test_a_conversations_follow_ups_are_read_against_its_stored_answers(deps):
    chat = analysed(deps, ALICE, ranking('NI', ('Bida', 'Lapai')))

    top = turn(deps, ALICE, chat, 'What are the top 3 highest risk wards?')
    assert [r['ward_name'] for r in table_of(top)['rows']] == ['NI Ward 0', 'NI Ward 1', 'NI Ward 2']

    why = turn(deps, ALICE, chat, 'why is it ranked so high?')
    assert called(why) == [('explain_ward', {'ward': 'NI Ward 0'}, 'ok')] and 'NI Ward 0 (Bida) ranks 1' in why['text']
    second = turn(deps, ALICE, chat, 'and the second one?')
    assert called(second) == [('explain_ward', {'ward': 'NI Ward 1'}, 'ok')]

    more = turn(deps, ALICE, chat, 'show me the next 2')
    assert called(more) == [('top_wards', {'n': 5, 'order': 'most'}, 'ok')]
    assert 'New after the 3 already shown: 4. NI Ward 3, 5. NI Ward 4.' in more['text']

    lapai = turn(deps, ALICE, chat, 'and in Lapai?')
    assert called(lapai) == [('top_wards', {'n': 5, 'order': 'most', 'lga': 'Lapai'}, 'ok')]
    assert {r['lga'] for r in table_of(lapai)['rows']} == {'Lapai'}
    third = turn(deps, ALICE, chat, 'why is number 3 so high?')
    assert called(third) == [('explain_ward', {'ward': 'NI Ward 5'}, 'ok')]     # Lapai's third

    [(name, given, _)] = called(turn(deps, ALICE, chat, 'map that'))   # (these made-up files have no map)
    assert (name, given) == ('show_map', {'kind': 'vulnerability'})


def test_the_rows_of_a_comparison_and_the_end_of_a_table_are_pointed_at_and_a_table_turned_round(deps):
    rows = ranking('NI', ('Bida', 'Lapai'))
    chat = analysed(deps, ALICE, rows, moved=rows[5:8])

    compared = turn(deps, ALICE, chat, 'compare the methods')
    assert [r['ward_name'] for r in table_of(compared)['rows']] == ['NI Ward 5', 'NI Ward 6', 'NI Ward 7']
    assert called(turn(deps, ALICE, chat, 'why is the first one so different?')) == [
        ('explain_ward', {'ward': 'NI Ward 5'}, 'ok')]
    assert called(turn(deps, ALICE, chat, 'the last one')) == [('explain_ward', {'ward': 'NI Ward 7'}, 'ok')]

    turn(deps, ALICE, chat, 'top 3 wards in Lapai')
    least = turn(deps, ALICE, chat, 'and the least vulnerable?')
    assert called(least) == [('top_wards', {'n': 3, 'order': 'least', 'lga': 'Lapai'}, 'ok')]
    assert [r['ward_name'] for r in table_of(least)['rows']] == ['NI Ward 7', 'NI Ward 5', 'NI Ward 3']
    assert called(turn(deps, ALICE, chat, 'the bottom one')) == [('explain_ward', {'ward': 'NI Ward 3'}, 'ok')]


def test_a_table_too_large_for_its_item_is_read_back_from_s3_for_the_focus(deps):
    long_lgas = tuple(name * 60 for name in ('Bida', 'Agaie'))      # 100 rows of them: past 32 KB
    chat = analysed(deps, ALICE, ranking('NI', long_lgas, per_lga=50))
    top = turn(deps, ALICE, chat, 'top 100 wards')
    stored = deps.conversations.message(ALICE, chat, top['message_id'])
    assert stored['attachments'] == [] and stored['attachments_key']     # kept in S3

    assert called(turn(deps, ALICE, chat, 'the 42nd one')) == [('explain_ward', {'ward': 'NI Ward 41'}, 'ok')]


def test_one_conversations_focus_never_reaches_another_conversation_or_user(deps):
    alice = analysed(deps, ALICE, ranking('NI', ('Bida', 'Lapai')))
    alice_again = conversations.create(ALICE, {'dataset_id': deps.conversations.header(ALICE, alice)['dataset_id']},
                                       deps)['conversation_id']
    bob = analysed(deps, BOB, ranking('KN', ('Dala', 'Fagge')))

    turn(deps, ALICE, alice, 'What are the top 3 highest risk wards?')
    assert asked_which_ward(turn(deps, BOB, bob, 'why is it ranked so high?'))
    assert asked_which_ward(turn(deps, ALICE, alice_again, 'why is the first one so high?'))
    nothing = turn(deps, BOB, bob, 'show me the next 5')
    assert nothing['tool_calls'] == [] and 'no list of wards' in nothing['text']

    turn(deps, BOB, bob, 'top 3 wards')
    assert called(turn(deps, ALICE, alice, 'the second one')) == [('explain_ward', {'ward': 'NI Ward 1'}, 'ok')]
    assert called(turn(deps, BOB, bob, 'the second one')) == [('explain_ward', {'ward': 'KN Ward 1'}, 'ok')]
    assert called(turn(deps, BOB, bob, 'and in Fagge?')) == [('top_wards', {'n': 3, 'order': 'most', 'lga': 'Fagge'},
                                                                 'ok')]
    assert asked_which_ward(turn(deps, ALICE, alice_again, 'why is it ranked so high?'))
