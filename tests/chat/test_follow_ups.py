"""Follow-ups in rules mode ("why is it ranked so high?", "the second one", "the last one", "the next 5",
"and in Bida?", "and by PCA?", "and the least vulnerable?", "map that"), over the real Niger wards: each conversation keeps its messages as the worker stores them
(tool calls and attachments), the focus is read from them as the turn reads it, and the follow-up ends in
the tool call it means, or, with nothing shown before, in a question back."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib.conversations import focus, knowledge, tools
from chalicelib.conversations.assistant import ToolCall, ToolResult, TurnContext
from chalicelib.conversations.language import ORDINALS, UNITS
from chalicelib.conversations.rules import BY_METHOD, FIRST_LISTS, MAPS, MAX_ROWS, RulesProvider
from tests.chat.niger import niger  # noqa: F401  (fixture)
from tests.chat.test_rules import BOUND, asks, calls, check as check_reply, says

RANKED_COLUMNS = ['rank', 'ward_code', 'ward_name', 'lga', 'score', 'category']
TOP = 'what are the top 10 highest risk wards?'
# The made-up ranking the tables below show: Niger's wards in file order (Adahe, Adono, Agwata, ...).
FIRST = ('Adahe', 'Adono', 'Agwata', 'Akari', 'Allawa', 'Anaba/Ibelu West', 'Arewa', 'Arewa/Yamma', 'Auna', 'Babana')
# compare_methods' table (its columns as tools.compare_methods makes them): Niger's 21st to 25th wards.
COMPARED_COLUMNS = ['ward_code', 'ward_name', 'composite_rank', 'pca_rank', 'rank_difference']
MOVED = ('Bassa/Kukoki', 'Batagi', 'Batako', 'Batati', 'Beji')
COMPARE = 'compare the methods'


class Chat:
    """One conversation in rules mode: each message answered by the provider, and a tool call it makes
    answered and stored as the worker stores it (a top_wards table ranks the wards in file order)."""

    def __init__(self, names, header=BOUND):
        self.names, self.header, self.messages, self.read = names, dict(header, pending=None), [], 0

    def context(self, text, results=()):
        def focus_of():
            self.read += 1
            return focus.read(self.messages)
        return TurnContext(text, (), self.header, (), lambda: self.names, results=results, focus=focus_of)

    def say(self, text):
        reply = RulesProvider().respond(self.context(text))
        self.header = dict(self.header, pending=reply.pending)
        calls = [{'name': c.name, 'input': c.input, 'status': 'ok', 'summary': '-'} for c in reply.tool_calls]
        attachments = [a for c in reply.tool_calls for a in self.attachments(c)]
        self.messages += [{'role': 'user', 'text': text},
                          {'role': 'assistant', 'status': 'DONE', 'text': reply.text or '-', 'tool_calls': calls,
                           'attachments': attachments}]
        return reply

    def attachments(self, call):
        if call.name == 'top_wards':
            return [ranked_table(self.ranked(call.input))]
        if call.name == 'explain_ward':      # its own table has no rank column: never taken for a list
            return [{'kind': 'table', 'title': '-', 'columns': ['variable', 'ward_value'], 'rows': []}]
        if call.name == 'compare_methods':
            return [compared_table(self.names.wards[20:25])]
        return []

    def ranked(self, given):
        wards = [w for w in self.names.wards if w[2] == given.get('lga', w[2])]
        return (wards if given.get('order') != 'least' else wards[::-1])[:given['n']]


def ranked_table(wards):
    return {'kind': 'table', 'title': '-', 'columns': RANKED_COLUMNS,
            'rows': [{'rank': i, 'ward_code': code, 'ward_name': name, 'lga': lga, 'score': 0.5, 'category': 'High'}
                     for i, (code, name, lga) in enumerate(wards, 1)]}


def compared_table(wards):
    return {'kind': 'table', 'title': '-', 'columns': COMPARED_COLUMNS,
            'rows': [{'ward_code': code, 'ward_name': name, 'composite_rank': i, 'pca_rank': 100 + i,
                      'rank_difference': 100} for i, (code, name, _) in enumerate(wards, 1)]}


def offers(*fragments, options):
    """A question back whose options are whole requests (nothing is pending: the answer is a new request)."""
    return ('offer', fragments, options)


def check(reply, expected):
    if expected[0] != 'offer':
        return check_reply(reply, expected)
    _, fragments, options = expected
    assert (reply.tool_calls, reply.pending, reply.options) == ((), None, options)
    assert reply.text.endswith('?') and all(f in reply.text for f in fragments), reply.text


def follow(names, messages):
    chat = Chat(names)
    for text in messages:
        reply = chat.say(text)
    return reply


FOLLOW_UPS = [
    # a ward the last answer showed: 'it' is the one explained since the table, else the table's first
    ([TOP, 'why is it ranked so high?'], calls('explain_ward', ward='Adahe')),
    ([TOP, 'why is the first one so high?'], calls('explain_ward', ward='Adahe')),
    ([TOP, 'the second'], calls('explain_ward', ward='Adono')),
    ([TOP, 'number 3'], calls('explain_ward', ward='Agwata')),
    ([TOP, 'and the 4th one?'], calls('explain_ward', ward='Akari')),
    ([TOP, 'tell me about the top one'], calls('explain_ward', ward='Adahe')),
    ([TOP, 'tell me more about that ward'], calls('explain_ward', ward='Adahe')),
    ([TOP, 'explain it'], calls('explain_ward', ward='Adahe')),
    ([TOP, 'why is Manta ranked so high?', 'why is it so high?'], calls('explain_ward', ward='Manta')),
    ([TOP, 'why is Manta ranked so high?', 'and the third one?'], calls('explain_ward', ward='Agwata')),
    ([TOP, 'map the rainfall', 'why is the second one so high?'], calls('explain_ward', ward='Adono')),
    (['why is Manta ranked so high?', 'why is this ward so high?'], calls('explain_ward', ward='Manta')),
    # the last table continued: top_wards has no offset, so n grows
    ([TOP, 'show me the next 5'], calls('top_wards', n=15, order='most')),
    ([TOP, 'and the next five?'], calls('top_wards', n=15, order='most')),
    ([TOP, '5 more'], calls('top_wards', n=15, order='most')),
    ([TOP, 'show me more'], calls('top_wards', n=20, order='most')),
    ([TOP, 'show me the next 5', 'next 5'], calls('top_wards', n=20, order='most')),
    (['top 5 wards in chanchaga by pca', 'the next 5 wards'],
     calls('top_wards', n=10, order='most', method='pca', lga='Chanchaga')),
    ([TOP, 'why is the second one so high?', 'the next 5'], calls('top_wards', n=15, order='most')),
    (['top 95 wards', 'the next 10'], calls('top_wards', n=MAX_ROWS, order='most')),
    (['top 100 wards', 'the next 10'], says('already shows 100 wards', 'show me the report')),
    # the last table in another LGA
    ([TOP, 'and in Bida?'], calls('top_wards', n=10, order='most', lga='Bida')),
    ([TOP, 'what about Bosoo?'], calls('top_wards', n=10, order='most', lga='Bosso')),
    (['show me the 5 least vulnerable wards by pca', 'how about Suleja'],
     calls('top_wards', n=5, order='least', method='pca', lga='Suleja')),
    (['bottom 15 wards', 'and in Rafi?'], calls('top_wards', n=15, order='least', lga='Rafi')),
    # the last table or variable on a map
    ([TOP, 'map that'], calls('show_map', kind='vulnerability')),
    (['top 10 wards by pca', 'show it on a map'], calls('show_map', kind='vulnerability', method='pca')),
    ([TOP, 'map the rainfall', 'show that on the map again'],
     calls('show_map', kind='variable', variable='mean_rainfall')),
    (['map the rainfall', TOP, 'put those on a map'], calls('show_map', kind='vulnerability')),
    # a ward counted from the end of the last table
    ([TOP, 'the last one'], calls('explain_ward', ward='Babana')),
    ([TOP, 'why is the bottom one ranked so high?'], calls('explain_ward', ward='Babana')),
    ([TOP, 'the second to last'], calls('explain_ward', ward='Auna')),
    ([TOP, 'and the second last one?'], calls('explain_ward', ward='Auna')),
    (['top 3 wards in Bida', 'the final one'], calls('explain_ward', ward='Dokoza')),
    # a ward of the latest table, whichever tool made it: compare_methods' wards that move most
    ([TOP, COMPARE, 'why is the first one so different?'], calls('explain_ward', ward='Bassa/Kukoki')),
    ([TOP, COMPARE, 'explain the second'], calls('explain_ward', ward='Batagi')),
    ([COMPARE, 'the last one'], calls('explain_ward', ward='Beji')),
    ([COMPARE, TOP, 'the second one'], calls('explain_ward', ward='Adono')),
    # the latest answer by the other method: the table, the ranking's map, the ward explained (by both)
    ([TOP, 'and by PCA?'], calls('top_wards', n=10, order='most', method='pca')),
    ([TOP, 'what about PCA'], calls('top_wards', n=10, order='most', method='pca')),
    (['top 5 wards in Bida by pca', 'and with the composite score?'],
     calls('top_wards', n=5, order='most', method='composite', lga='Bida')),
    ([TOP, COMPARE, 'and by pca?'], calls('top_wards', n=10, order='most', method='pca')),
    ([TOP, 'create composite vulnerability map', 'and by PCA?'], calls('show_map', kind='vulnerability', method='pca')),
    ([TOP, 'map the rainfall', 'and with the composite score?'],
     calls('show_map', kind='vulnerability', method='composite')),
    ([TOP, 'why is the second one so high?', 'what about PCA'], calls('explain_ward', ward='Adono')),
    # the last table turned round, its n, LGA and method kept
    ([TOP, 'and the least vulnerable?'], calls('top_wards', n=10, order='least')),
    (['top 5 wards in Bida by pca', 'the bottom ones'], calls('top_wards', n=5, order='least', method='pca', lga='Bida')),
    ([TOP, 'and the lowest risk?'], calls('top_wards', n=10, order='least')),
    (['top 5 wards', 'and the least vulnerable wards?'], calls('top_wards', n=5, order='least')),
    (['bottom 15 wards', 'and the most vulnerable?'], calls('top_wards', n=15, order='most')),
    # a named request is not a follow-up, and the options asked are what an ordinal picks
    ([TOP, 'why is Kutigi ranked so high?'], calls('explain_ward', ward='Kutigi')),
    ([TOP, 'top 3 wards in Bida'], calls('top_wards', n=3, order='most', lga='Bida')),
    ([TOP, 'create composite vulnerability map'], calls('show_map', kind='vulnerability', method='composite')),
    ([TOP, 'what about Manta?'], calls('explain_ward', ward='Manta')),
    ([TOP, 'I need 5 more nets'], calls('plan_itn', total_nets=5)),
    ([TOP, 'why is Sabon Gari ranked so high?', 'the second one'], calls('explain_ward', ward='NISWSH09')),
    ([TOP, 'why is Manta ranked first?'], calls('explain_ward', ward='Manta')),
    ([TOP, 'why is Manta ranked last?'], calls('explain_ward', ward='Manta')),
    (['top 5 wards in Bida', 'show me the least vulnerable wards'], calls('top_wards', n=10, order='least')),
    ([TOP, 'what is pca?'], calls('explain_method', topic='pca')),
    ([TOP, 'show the pca map'], calls('show_map', kind='pca')),
]

ASKED_BACK = [
    (['why is it ranked so high?'], asks('Which ward should I explain')),
    (['the second one'], asks('Which ward should I explain')),
    (['why is number 3 so high?'], asks('Which ward should I explain')),
    ([TOP, 'why is the 12th one so high?'], asks('The last list shows 10 wards.', 'Which ward should I explain')),
    (['show me the next 5'], offers('no list of wards', options=FIRST_LISTS)),
    (['and in Bida?'], offers('Bida', options=('the top 10 highest risk wards in Bida',
                                                'the least vulnerable wards in Bida'))),
    (['map that'], offers('Which map', options=MAPS)),
    (['the last one'], asks('Which ward should I explain')),
    (['the bottom one'], asks('Which ward should I explain')),
    ([COMPARE, 'the 6th one'], asks('The last list shows 5 wards.', 'Which ward should I explain')),
    (['and by PCA?'], offers('PCA', options=BY_METHOD['pca'])),
    (['and with the composite score?'], offers('composite', options=BY_METHOD['composite'])),
    (['and the least vulnerable?'], offers('no list of wards', options=FIRST_LISTS)),
]


@pytest.mark.shared_data
@pytest.mark.parametrize('messages, expected', FOLLOW_UPS + ASKED_BACK,
                         ids=[' / '.join(m) for m, _ in FOLLOW_UPS + ASKED_BACK])
def test_a_follow_up_ends_in_the_call_it_means_or_asks_back_without_a_lead_in(niger, messages, expected):
    check(follow(niger, messages), expected)


def test_a_continued_table_grows_to_at_most_the_rows_top_wards_takes():
    assert MAX_ROWS == tools.TABLE_ROWS


@pytest.mark.shared_data
def test_the_options_a_question_back_offers_are_requests_the_router_reads(niger):
    for options in (FIRST_LISTS, MAPS, *BY_METHOD.values(), ('the top 10 highest risk wards in Bida', 'the least vulnerable wards in Bida')):
        for option in options:
            reply = follow(niger, [option])
            assert reply.tool_calls or reply.pending, option


POINTING = ('{}', '{}?', 'and {}?', 'what about {}?', 'why is {} ranked so high?', 'tell me about {}', 'explain {}',
            'why is {} so low')
ORDINAL_WORDS = {position: word for word, position in ORDINALS.items()}
NUMBER_WORDS = {value: word for word, value in UNITS.items()}


def suffixed(k):
    return f'{k}{"th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")}'


@pytest.mark.shared_data
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(1, 10),
       said=st.sampled_from([lambda k: f'the {ORDINAL_WORDS[k]}', lambda k: ORDINAL_WORDS[k],
                             lambda k: f'the {suffixed(k)}', lambda k: suffixed(k), lambda k: f'number {k}',
                             lambda k: f'number {NUMBER_WORDS[k]}', lambda k: f'the {ORDINAL_WORDS[k]} one',
                             lambda k: f'#{k}']),
       template=st.sampled_from(POINTING))
def test_any_way_of_saying_a_place_in_the_last_table_explains_the_ward_there(niger, k, said, template):
    check(follow(niger, [TOP, template.format(said(k))]), calls('explain_ward', ward=FIRST[k - 1]))


FROM_THE_END = {1: ('the last one', 'the bottom one', 'last', 'the final one', 'the last', 'the last ward', 'final'),
                2: ('the second to last', 'second last', 'the 2nd to last one', 'the second-to-last ward', '2nd last'),
                3: ('the third to last', 'third last one', 'the 3rd last')}


@pytest.mark.shared_data
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from([(k, said) for k, phrases in FROM_THE_END.items() for said in phrases]),
       template=st.sampled_from(POINTING))
def test_any_way_of_saying_a_place_from_the_end_of_the_last_table_explains_the_ward_there(niger, place, template):
    k, said = place
    check(follow(niger, [TOP, template.format(said)]), calls('explain_ward', ward=FIRST[-k]))


# -- the focus, read from the messages as stored ---------------------------------------------------

def answered(*calls, attachments=(), status='DONE'):
    return {'role': 'assistant', 'status': status, 'text': '-', 'attachments': list(attachments),
            'tool_calls': [{'name': n, 'input': i, 'status': s, 'summary': '-'} for n, i, s in calls]}


def wards(*names):
    return [(f'C{i}', name, 'Bida') for i, name in enumerate(names)]


def test_the_focus_is_the_latest_table_and_the_ward_explained_since_with_failed_calls_ignored():
    messages = [answered(('top_wards', {'n': 2}, 'ok'), attachments=[ranked_table(wards('A', 'B'))]),
                answered(('explain_ward', {'ward': 'B'}, 'ok')),
                answered(('top_wards', {'n': 3, 'lga': 'Bida'}, 'ok'), ('explain_ward', {'ward': 'X'}, 'ok'),
                         attachments=[ranked_table(wards('C', 'D', 'E')),
                                      {'kind': 'table', 'columns': ['variable'], 'rows': []}]),
                answered(('top_wards', {'n': 9}, 'error'), ('explain_ward', {'ward': 'Y'}, 'error'))]
    read = focus.read(messages)
    assert read == focus.Focus(ward='X', rows=tuple(wards('C', 'D', 'E')), table={'n': 3, 'lga': 'Bida'},
                               map={'kind': 'vulnerability'}, latest='explain_ward')
    assert focus.read(messages[:1]).ward is None and focus.read([]) == focus.Focus()


def test_two_tables_in_one_answer_each_keep_their_own_rows_and_only_the_latest_is_read():
    first, second = ranked_table(wards('A')), ranked_table(wards('B', 'C'))
    message = answered(('top_wards', {'n': 1}, 'ok'), ('top_wards', {'n': 2, 'method': 'pca'}, 'ok'),
                       attachments=[first, second])
    asked = []

    def attachments(m):
        asked.append(m)
        return focus.stored(m)
    read = focus.read([answered(('top_wards', {'n': 5}, 'ok')), message, answered(('show_map', {}, 'ok'))],
                      attachments)
    assert read.rows == tuple(wards('B', 'C')) and read.map == {'kind': 'vulnerability', 'method': 'pca'}
    assert asked == [message]          # only the latest table's message: S3 is read for that one at most


def test_the_latest_table_may_be_the_comparisons_while_the_ranked_query_stays_the_last_top_wards():
    top, compared = ranked_table(wards('A', 'B')), compared_table(wards('M', 'N'))
    both = answered(('top_wards', {'n': 2}, 'ok'), ('compare_methods', {}, 'ok'), attachments=[top, compared])
    read = focus.read([answered(('explain_ward', {'ward': 'A'}, 'ok')), both])
    assert read.rows == (('C0', 'M', None), ('C1', 'N', None)) and read.table == {'n': 2}
    assert (read.ward, read.latest) == (None, 'compare_methods')
    turned = answered(('compare_methods', {}, 'ok'), ('top_wards', {'n': 2}, 'ok'), attachments=[compared, top])
    assert focus.read([turned]).rows == tuple(wards('A', 'B'))
    assert focus.read([both, answered(('show_map', {'kind': 'pca'}, 'ok'))]).latest == 'show_map'


@pytest.mark.shared_data
def test_a_message_that_points_at_nothing_never_reads_the_focus(niger):
    chat = Chat(niger)
    for text in (TOP, 'hello', 'compare the methods', 'run malaria risk analysis', 'why is Manta ranked so high?'):
        chat.say(text)
    assert chat.read == 0


# -- the answer to a continued table says which wards are new -------------------------------------

def compose(chat, call_input, wards):
    result = ToolResult(ToolCall('rules-1', 'top_wards', call_input), 'ok', 'The wards.',
                        attachments=(ranked_table(wards),))
    return RulesProvider().respond(chat.context('-', results=(result,))).text


@pytest.mark.shared_data
def test_the_next_rows_are_named_as_the_new_ones(niger):
    chat = Chat(niger)
    chat.say('top 3 wards')
    [call] = RulesProvider().respond(chat.context('and the next 2')).tool_calls   # the turn's first step
    assert call.input == {'n': 5, 'order': 'most'}
    text = compose(chat, call.input, niger.wards[:5])                              # and its answer
    assert 'New after the 3 already shown: 4. Akari, 5. Allawa.' in text
    assert 'no more wards after the 3' in compose(chat, {'n': 5, 'order': 'most'}, niger.wards[:3])
    assert 'New after' not in compose(chat, {'n': 3, 'order': 'most'}, niger.wards[:3])
    assert 'New after' not in compose(chat, {'n': 5, 'order': 'least'}, niger.wards[:5])



@pytest.mark.parametrize('question', ['why is it important to sleep under a net?',
                                      'why is it that children under 5 are most vulnerable?',
                                      'why is malaria worse in the rainy season?',
                                      'which age group is most vulnerable?'])
@pytest.mark.parametrize('after_a_table', [False, True], ids=['alone', 'after a table'])
def test_a_general_why_is_question_is_answered_from_knowledge_not_taken_for_a_ward(niger, question, after_a_table):
    chat = Chat(niger)
    if after_a_table:
        chat.say(TOP)
    reply = chat.say(question)
    assert not reply.tool_calls and knowledge.best(question).text in reply.text, reply.text
