"""chat.md's whole flow in rules mode, from upload to ITN plan: the real Niger ward data and boundaries
uploaded as a browser and S3 would, then ChatMRPT's own messages through the one tool loop with the
rules provider and the registry's tools, the analysis run by the worker in-process. The header is kept
between turns as the turn worker keeps it (bound ids, the pending question), and each answer's
suggested next question is what the user asks next."""
import re
import types

import pytest

from chalicelib.analyses import runner
from chalicelib.conversations import loop, tools
from chalicelib.conversations.assistant import TurnContext
from chalicelib.conversations.rules import RulesProvider
from chalicelib.conversations.turns import load_names
from chalicelib.deps import Deps
from tests.analysis import fixtures_tpr as fx
from tests.conftest import SHARED_DATA, mocked_aws
from tests.processing.conftest import ALICE, RecordingSender, Uploads
from tests.processing.test_tpr_uploads import kwara

pytestmark = pytest.mark.shared_data


class Conversation:
    """One user's conversation: its header, and every tool event the turns made."""

    def __init__(self, deps, dataset_id):
        self.deps, self.header, self.events = deps, {'conversation_id': 'cv_flow', 'dataset_id': dataset_id}, []

    def say(self, text):
        header = self.header
        context = TurnContext(text, (), dict(header), tools.specs(), lambda: load_names(ALICE, header, self.deps))
        session = tools.ToolSession(ALICE, 'cv_flow', f'tn_{len(self.events)}', dict(header), self.deps)
        answer = loop.run(context, RulesProvider(), session, self.events.append)
        self.header = dict(header, pending=answer.pending, **answer.bound)
        return answer


@pytest.fixture(scope='module')
def world():
    if not SHARED_DATA.is_dir():
        pytest.skip(f'{SHARED_DATA} is absent: the real ward data lives in ../shared/data')
    niger = SHARED_DATA / 'niger'
    with mocked_aws() as settings:
        deps = Deps(settings, sender=RecordingSender())
        uploads = Uploads(settings, deps)
        ward_data = uploads.upload(ALICE, {'data': ('Niger_plus.csv', (niger / 'Niger_plus.csv').read_bytes()),
                                           'boundaries': ('Niger_State.zip', (niger / 'Niger_State.zip').read_bytes())})
        facility = uploads.upload(ALICE, kwara(fx.export_csv(mangled=True)))
        assert (ward_data['status'], facility['status']) == ('READY', 'READY')
        yield types.SimpleNamespace(deps=deps, niger=ward_data['dataset_id'], kwara=facility['dataset_id'])


def called(answer):
    return [(r.call.name, r.call.input, r.status) for r in answer.results]


def suggested(answer):
    """The question the answer suggests asking next."""
    return re.search(r'"((why|what) [^"]+\?)"', answer.text).group(1)


def test_from_upload_to_the_itn_plan(world):
    chat = Conversation(world.deps, world.niger)

    described = chat.say('describe my data')
    assert called(described) == [('describe_dataset', {}, 'ok')]
    assert '275 wards' in described.text and 'run malaria risk analysis' in described.text

    started = chat.say('run malaria risk analysis')
    assert called(started) == [('run_analysis', {}, 'ok')]
    analysis_id = chat.header['analysis_id']
    assert runner.run_job(ALICE, analysis_id, world.deps) == 'SUCCEEDED'
    assert 'SUCCEEDED' not in chat.say('is the analysis done?').text  # said in words, not the status code

    top = chat.say('what are the top 10 highest risk wards?')
    assert called(top) == [('top_wards', {'n': 10, 'order': 'most'}, 'ok')]
    table = next(a for a in top.attachments if a['kind'] == 'table')
    assert len(table['rows']) == 10 and {'ward_code', 'ward_name'} <= set(table['rows'][0])
    first = table['rows'][0]['ward_name']

    why = chat.say(suggested(top))
    assert why.results[0].call.name == 'explain_ward' and why.results[0].status == 'ok', why.text
    assert first in why.text and 'state median' in why.text

    in_bosso = chat.say('show me the least vulnerable wards in Bosoo')
    assert called(in_bosso) == [('top_wards', {'n': 10, 'order': 'least', 'lga': 'Bosso'}, 'ok')]

    for text, given in (('create composite vulnerability map', {'kind': 'vulnerability', 'method': 'composite'}),
                        ('map the night lights', {'kind': 'variable', 'variable': 'avgRAD'})):
        drawn = chat.say(text)
        assert called(drawn) == [('show_map', given, 'ok')], drawn.text
        assert [a['kind'] for a in drawn.attachments] == ['map']

    compared = chat.say('compare the methods')
    assert called(compared) == [('compare_methods', {}, 'ok')] and 'Spearman' in compared.text

    asked = chat.say('I want to plan bed net distribution')
    assert asked.results == () and asked.text.endswith('?') and chat.header['pending']['tool'] == 'plan_itn'
    assert world.deps.analyses.get(ALICE, analysis_id).get('itn_plans') in (None, [])  # nothing created yet

    plan = chat.say('I have 2 million nets and average household size is 4')
    assert called(plan) == [('plan_itn', {'total_nets': 2_000_000, 'household_size': 4}, 'ok')], plan.text
    assert chat.header['pending'] is None
    kinds = [a['kind'] for a in plan.attachments]
    assert kinds[:2] == ['plan', 'map'] and plan.attachments[0]['totals']['nets_total'] == 2_000_000

    report = chat.say('show me the report')
    assert called(report) == [('get_report', {}, 'ok')]
    assert {a['name'] for a in report.attachments} >= {'report.html', 'rankings.csv'}
    assert chat.header['analysis_id'] == analysis_id


def test_the_tpr_workflow_asks_level_and_age_then_computes(world):
    chat = Conversation(world.deps, world.niger)
    switched = chat.say(f'use dataset {world.kwara}')
    assert called(switched) == [('describe_dataset', {'dataset_id': world.kwara}, 'ok')]
    assert chat.header['dataset_id'] == world.kwara

    level = chat.say('start the tpr workflow')
    assert level.options == ('primary', 'secondary', 'tertiary', 'all') and level.results == ()
    age = chat.say('primary')
    assert age.options == ('u5', 'o5', 'pw', 'all') and age.results == ()
    computed = chat.say('under fives')
    assert called(computed) == [('compute_tpr', {'facility_level': 'primary', 'age_group': 'u5'}, 'ok')]
    assert 'run malaria risk analysis' in computed.text and chat.header['pending'] is None


def test_a_general_question_is_answered_with_its_source_and_calls_no_tool(world):
    chat = Conversation(world.deps, world.niger)
    answer = chat.say('why are children under 5 most vulnerable?')
    assert answer.results == () and 'Source: WHO World Malaria Report 2023' in answer.text
