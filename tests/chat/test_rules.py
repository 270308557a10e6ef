"""The rules provider on ChatMRPT's own phrasings, over the real Niger wards: each conversation below
(one message or several, the pending request kept between them as the conversation header keeps it)
ends in the tool call a model would make, or in the question back and its options."""
import pytest

from chalicelib.conversations import tools
from chalicelib.conversations.assistant import Names, ToolCall, ToolResult, TurnContext
from chalicelib.conversations.rules import RulesProvider
from tests.chat.niger import niger  # noqa: F401  (fixture)
from tests.unit.test_layout import AWS_LIBRARIES, breaches, within

BOUND = {'dataset_id': 'ds_niger', 'analysis_id': 'an_niger'}
LEVELS, AGES = ('primary', 'secondary', 'tertiary', 'all'), ('u5', 'o5', 'pw', 'all')
SABON_GARI = ('Sabon Gari (Chanchaga)', 'Sabon Gari (Wushishi)', 'Sabon Gari (Rafi)')


def calls(tool, **given):
    return ('call', tool, given)


def asks(*fragments, options=()):
    return ('ask', fragments, options)


def says(*fragments):
    return ('say', fragments)


def chat(names, messages, header=BOUND):
    """Each message through the provider as a turn's first step; the reply to the last one."""
    provider, pending, loaded = RulesProvider(), None, []

    def load():
        loaded.append(1)
        return names
    for text in messages:
        reply = provider.respond(TurnContext(text, (), dict(header, pending=pending), (), load))
        pending = reply.pending
    return reply


def check(reply, expected):
    kind = expected[0]
    if kind == 'call':
        _, tool, given = expected
        assert (reply.text, reply.options, reply.pending) == ('', (), None)
        assert reply.tool_calls == (ToolCall('rules-1', tool, given),)
        tools.TOOLS[tool].model.model_validate(given)  # the inputs B's registry takes
    elif kind == 'ask':
        _, fragments, options = expected
        assert reply.tool_calls == ()
        assert reply.text.endswith('?') and reply.pending is not None, reply.text
        assert reply.options == options
        assert all(f in reply.text for f in fragments), reply.text
    else:
        assert reply.tool_calls == () and reply.pending is None and reply.options == ()
        assert all(f in reply.text for f in expected[1]), reply.text


PHRASINGS = [
    # the analysis
    (['run malaria risk analysis'], calls('run_analysis')),
    (['Run the analysis please'], calls('run_analysis')),
    (['rank my wards'], calls('run_analysis')),
    (['start the analysis using PCA only'], calls('run_analysis', method='pca')),
    (['run the analysis with both composite and pca'], calls('run_analysis', method='both')),
    (['run the analysis with rainfall, evi and tpr'],
     calls('run_analysis', variables=['mean_rainfall', 'mean_EVI', 'u5_tpr_rdt'])),
    (['rerun the analysis with the mrpt legacy preset'], calls('run_analysis', preset='mrpt-legacy')),
    (['analyse my data'], calls('run_analysis')),
    (['run the analysis on ds_0192abc'], calls('run_analysis', dataset_id='ds_0192abc')),
    (['is the analysis done?'], calls('analysis_status')),
    (['how is the analysis going'], calls('analysis_status')),
    # TPR: facility level and age group asked back, answered in any order and words
    (['start the tpr workflow'], asks('facility level', options=LEVELS)),
    (['start the tpr workflow', 'primary'], asks('age group', options=AGES)),
    (['start the tpr workflow', 'primary', 'u5'], calls('compute_tpr', facility_level='primary', age_group='u5')),
    (['start the tpr workflow', 'all', 'all'], calls('compute_tpr', facility_level='all', age_group='all')),
    (['start the tpr workflow', 'u5', 'Tertiary'], calls('compute_tpr', facility_level='tertiary', age_group='u5')),
    (['start the tpr workflow', 'primary, pregnant women'],
     calls('compute_tpr', facility_level='primary', age_group='pw')),
    (['tpr for under 5s at primary facilities'], calls('compute_tpr', facility_level='primary', age_group='u5')),
    (['compute tpr for pregnant women in all facilities using rdt'],
     calls('compute_tpr', facility_level='all', age_group='pw', test='rdt')),
    (['calculate the test positivity rate for children over five'], asks('facility level', options=LEVELS)),
    (['calculate the test positivity rate for children over five', 'secondary'],
     calls('compute_tpr', facility_level='secondary', age_group='o5')),
    (['compute the tpr from 2024-01 to 2024-06 for all ages at all levels'],
     calls('compute_tpr', facility_level='all', age_group='all', period_from='2024-01', period_to='2024-06')),
    # the ranked table, with typos in LGA names
    (['what are the top 10 highest risk wards?'], calls('top_wards', n=10, order='most')),
    (['Which wards are most at risk?'], calls('top_wards', n=10, order='most')),
    (['show me the least vulnerable wards in Bosso'], calls('top_wards', n=10, order='least', lga='Bosso')),
    (['top twenty wards in chanchaga by pca'], calls('top_wards', n=20, order='most', method='pca', lga='Chanchaga')),
    (['list the 5 most vulnerable wards in Bosoo'], calls('top_wards', n=5, order='most', lga='Bosso')),
    (['bottom 15 wards'], calls('top_wards', n=15, order='least')),
    (['give me the top 10'], calls('top_wards', n=10, order='most')),
    (['top ten wards in Shirroro'], calls('top_wards', n=10, order='most', lga='Shiroro')),
    (['show the twenty five highest risk wards'], calls('top_wards', n=25, order='most')),
    (['highest risk wards in suleja by the composite score'],
     calls('top_wards', n=10, order='most', method='composite', lga='Suleja')),
    # one ward explained, by name (typos), by code, or asked back when the name repeats
    (['why is Manta ranked so high?'], calls('explain_ward', ward='Manta')),
    (['why is Bosoo 1 ranked so high?'], calls('explain_ward', ward='Bosso 1')),
    (['explain chachanga'], calls('explain_ward', ward='Chachanga')),
    (['tell me about ward NISMAK01'], calls('explain_ward', ward='Beji')),
    (['Manta?'], calls('explain_ward', ward='Manta')),
    (['why is Tegina Centrl so high'], calls('explain_ward', ward='Tegina Central')),
    (['why is Sabon Gari ranked so high?'], asks('3 wards are called Sabon Gari', options=SABON_GARI)),
    (['why is Sabon Gari ranked so high?', 'the one in Rafi'], calls('explain_ward', ward='NISKAG09')),
    (['why is Sabon Gari ranked so high?', 'Sabon Gari (Wushishi)'], calls('explain_ward', ward='NISWSH09')),
    (['why is Sabon Gari in Chanchaga ranked so high'], calls('explain_ward', ward='NISMNA09')),
    (['why is Kawo ranked so low?'], asks('2 wards are called Kawo', options=('Kawo (Kontagora)', 'Kawo (Magama)'))),
    (['explain a ward'], asks('Which ward', options=())),
    (['explain a ward', 'kutigi'], calls('explain_ward', ward='Kutigi')),
    # maps
    (['create composite vulnerability map'], calls('show_map', kind='vulnerability', method='composite')),
    (['show me the vulnerability map'], calls('show_map', kind='vulnerability')),
    (['map the rainfall'], calls('show_map', kind='variable', variable='mean_rainfall')),
    (['show me a map of distance to water'], calls('show_map', kind='variable', variable='distance_to_water')),
    (['plot the EVI'], calls('show_map', kind='variable', variable='mean_EVI')),
    (['map the temprature'], calls('show_map', kind='variable', variable='temp_mean')),
    (['show the pca map'], calls('show_map', kind='pca')),
    (['show the urban extent map'], calls('show_map', kind='urban')),
    (['map the itn coverage'], calls('show_map', kind='itn')),
    (['map a variable'], asks('Which variable', 'mean_rainfall')),
    (['map a variable', 'rainfal'], calls('show_map', kind='variable', variable='mean_rainfall')),
    # the two methods, the report, the data
    (['compare the methods'], calls('compare_methods')),
    (['do the composite and pca rankings agree?'], calls('compare_methods')),
    (['which wards move the most between methods'], calls('compare_methods')),
    (['show me the report'], calls('get_report')),
    (['download the results as excel'], calls('get_report')),
    (['what datasets do I have'], calls('list_datasets')),
    (['describe my data'], calls('describe_dataset')),
    (['use dataset ds_0192abc'], calls('describe_dataset', dataset_id='ds_0192abc')),
    # bed nets: total nets asked back; numbers in words and digits
    (['I want to plan bed net distribution'], asks('household size of 5', 'How many nets')),
    (['I want to plan bed net distribution', '2 million'], calls('plan_itn', total_nets=2_000_000)),
    (['I have 2 million nets and average household size is 4'],
     calls('plan_itn', total_nets=2_000_000, household_size=4)),
    (['plan itn with 500,000 nets, 6 people per household and urban threshold of 50%'],
     calls('plan_itn', total_nets=500_000, household_size=6, urban_threshold=50)),
    (['plan the net distribution', 'we have 1.5 million nets'], calls('plan_itn', total_nets=1_500_000)),
    (['distribute bed nets by pca', 'twenty five thousand'], calls('plan_itn', method='pca', total_nets=25_000)),
    (['allocate 750k nets'], calls('plan_itn', total_nets=750_000)),
    (['I want to plan bed net distribution', 'household size is six'], asks('household size of 6', 'How many nets')),
    (['I want to plan bed net distribution', 'household size is six', 'three hundred thousand'],
     calls('plan_itn', household_size=6, total_nets=300_000)),
    # how the analysis works
    (['how does pca work?'], calls('explain_method', topic='pca')),
    (['how are the nets allocated?'], calls('explain_method', topic='itn')),
    (['how is tpr calculated'], calls('explain_method', topic='tpr')),
    (['how were missing values filled?'], calls('explain_method', topic='imputation')),
    (['how are the wards ranked?'], calls('explain_method', topic='scores')),
    (['explain the methodology'], calls('explain_method')),
    # a new request abandons a stale question; an answer that is no answer repeats it
    (['start the tpr workflow', 'what are the top 10 highest risk wards?'], calls('top_wards', n=10, order='most')),
    (['I want to plan bed net distribution', 'show me the report'], calls('get_report')),
    (['why is Sabon Gari ranked so high?', 'map the rainfall'],
     calls('show_map', kind='variable', variable='mean_rainfall')),
    (['start the tpr workflow', 'hmm'], asks('I did not catch that', 'facility level', options=LEVELS)),
    (['start the tpr workflow', 'why are children under 5 most vulnerable?'], says('Source: WHO World Malaria Report 2023')),
    # greetings, help and malaria questions (no tool)
    (['hello'], None),
    (['Good morning!'], None),
    (['what can you do?'], None),
    (['hi, run the analysis'], calls('run_analysis')),
    (['help me plan bed nets'], asks('How many nets')),
    (['why are children under 5 most vulnerable?'], says('Children under five', 'Source: WHO World Malaria Report 2023')),
    (['what is SMC?'], says('Seasonal malaria chemoprevention', 'Source: WHO Guidelines for malaria')),
    (['when is malaria season in Nigeria'], says("Source: Nigeria's National Malaria Strategic Plan 2021–2025")),
    (['what is the capital of France?'], says('I do not know')),
]


@pytest.mark.shared_data
@pytest.mark.parametrize('messages, expected', PHRASINGS, ids=[' / '.join(m) for m, _ in PHRASINGS])
def test_a_phrasing_ends_in_its_tool_call_or_its_question(niger, messages, expected):
    reply = chat(niger, messages)
    if expected is None:  # a greeting or help: what the conversation can do next, as options
        assert reply.tool_calls == () and reply.pending is None
        assert reply.text.endswith('?') and 'what are the top 10 highest risk wards?' in reply.options
    else:
        check(reply, expected)


def test_the_table_holds_at_least_sixty_phrasings():
    assert len(PHRASINGS) >= 60


@pytest.mark.shared_data
def test_nothing_is_called_until_the_inputs_are_complete_and_the_pending_request_is_then_cleared(niger):
    provider, header = RulesProvider(), dict(BOUND, pending=None)
    steps = []
    for text in ('start the tpr workflow', 'secondary', 'o5'):
        reply = provider.respond(TurnContext(text, (), header, (), lambda: niger))
        steps.append((bool(reply.tool_calls), reply.pending))
        header = dict(header, pending=reply.pending)
    assert steps == [(False, {'tool': 'compute_tpr', 'input': {}, 'asked': 'facility_level'}),
                     (False, {'tool': 'compute_tpr', 'input': {'facility_level': 'secondary'}, 'asked': 'age_group'}),
                     (True, None)]


@pytest.mark.parametrize('header, text, expected', [
    ({}, 'what are the top 10 highest risk wards?', 'upload ward data'),
    ({}, 'run malaria risk analysis', 'no dataset yet'),
    ({}, 'I want to plan bed net distribution', 'run malaria risk analysis'),
    ({}, 'start the tpr workflow', 'facility export'),
])
def test_without_data_the_router_says_what_to_do_first_and_asks_nothing(header, text, expected):
    reply = chat(Names(), [text], header)
    check(reply, says(expected))


def test_without_names_a_ward_is_passed_as_typed_for_the_tool_to_resolve():
    check(chat(Names(), ['explain a ward', 'Manta']), calls('explain_ward', ward='Manta'))
    check(chat(Names(), ['what are the top 10 highest risk wards?']), calls('top_wards', n=10, order='most'))


def test_a_greeting_or_a_request_without_names_never_loads_the_datas_names():
    loaded = []

    def names():
        loaded.append(1)
        return Names()
    provider = RulesProvider()
    for text in ('hello', 'what can you do?', 'compare the methods', 'show me the report', 'is it done?'):
        provider.respond(TurnContext(text, (), BOUND, (), names))
    assert loaded == []


@pytest.mark.parametrize('header, options', [
    ({}, ('what datasets do I have', 'why are children under 5 most vulnerable?')),
    ({'dataset_id': 'ds_1'}, ('describe my data', 'run malaria risk analysis', 'start the tpr workflow')),
])
def test_a_greeting_suggests_what_the_conversation_can_do_next(header, options):
    assert chat(Names(), ['hi there'], header).options == options


# -- later steps: the answer composed from the tools' results --------------------------------------

def result(name, summary, status='ok', given=None, **extra):
    return ToolResult(ToolCall('rules-1', name, given or {}), status, summary, **extra)


def compose(*results):
    context = TurnContext('-', (), BOUND, (), Names, results=tuple(results))
    return RulesProvider().respond(context)


def test_the_answer_is_the_tools_summaries_and_the_natural_next_step():
    table = {'kind': 'table', 'title': 'The 10 most vulnerable wards', 'columns': ['rank', 'ward_code', 'ward_name'],
             'rows': [{'rank': 1, 'ward_code': 'NISKUT12', 'ward_name': 'Manta'}]}
    reply = compose(result('top_wards', 'The 10 most vulnerable wards: Manta (Shiroro), ...', attachments=(table,)))
    assert reply.tool_calls == () and reply.pending is None
    assert reply.text.startswith('The 10 most vulnerable wards: Manta (Shiroro), ...')
    assert 'why is Manta ranked so high?' in reply.text
    least = compose(result('top_wards', 'The 10 least vulnerable wards', given={'order': 'least'},
                           attachments=(table,)))
    assert 'why is Manta ranked so low?' in least.text


@pytest.mark.parametrize('name, content, follows', [
    ('run_analysis', {}, 'what are the top 10 highest risk wards?'),
    ('plan_itn', {}, 'show me the report'),
    ('compare_methods', {}, 'I want to plan bed net distribution'),
    ('describe_dataset', {}, 'run malaria risk analysis'),
    ('compute_tpr', {}, 'run malaria risk analysis'),
    ('analysis_status', {'status': 'SUCCEEDED'}, 'what are the top 10 highest risk wards?'),
    ('analysis_status', {'status': 'RUNNING'}, 'progress appears here'),
])
def test_each_tool_is_followed_by_the_step_that_comes_after_it(name, content, follows):
    reply = compose(result(name, 'Done.', content=content))
    assert reply.text.startswith('Done.') and follows in reply.text


def test_a_failed_tool_is_said_as_it_failed_without_a_next_step():
    reply = compose(result('top_wards', 'analysis an_1 is RUNNING; its rankings are ready when it has SUCCEEDED.',
                           status='error'))
    assert reply.text == 'That did not work: analysis an_1 is RUNNING; its rankings are ready when it has SUCCEEDED.'


def test_the_provider_is_named_rules():
    assert RulesProvider.name == 'rules'


def test_the_router_its_language_and_knowledge_are_pure_python():
    """No storage, no AWS, no environment: the router reads only what the turn's context hands it."""
    pure = tuple(f'chalicelib.conversations.{name}' for name in ('rules', 'language', 'knowledge', 'focus'))
    inside = pure + ('chalicelib.conversations.assistant', 'chalicelib.analysis')

    def allowed(imported):
        return within(imported, inside) or not within(imported, ('chalicelib', 'os') + AWS_LIBRARIES)
    assert breaches(pure, allowed) == []
