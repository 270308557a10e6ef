"""The chat's tools through `invoke`, as the tool loop calls them, on real data: datasets uploaded
and processed as a browser and S3 would, an analysis started by the run_analysis tool and run by
the worker in-process. One world per module keeps the file fast; tests that create things
(analyses, plans, TPR) create new ones and never change what others read."""
import json
import types

import pytest

from chalicelib.analyses import runner
from chalicelib.analysis.synthetic import generate_state
from chalicelib.conversations import tools
from chalicelib.conversations.assistant import ToolCall
from chalicelib.deps import Deps
from tests.analysis import fixtures_tpr as fx
from tests.conftest import mocked_aws
from tests.processing.conftest import ALICE, BOB, RecordingSender, Uploads
from tests.processing.test_tpr_uploads import kwara

# chat.md's table: the tools and the inputs the contract names.
CONTRACT = {
    'list_datasets': set(), 'describe_dataset': {'dataset_id'},
    'compute_tpr': {'dataset_id', 'age_group', 'facility_level'},
    'run_analysis': {'dataset_id', 'method', 'variables', 'preset'}, 'analysis_status': {'analysis_id'},
    'top_wards': {'analysis_id', 'n', 'method', 'lga', 'order'}, 'explain_ward': {'analysis_id', 'ward'},
    'show_map': {'analysis_id', 'kind', 'method', 'variable'}, 'compare_methods': {'analysis_id'},
    'plan_itn': {'analysis_id', 'total_nets', 'household_size', 'urban_threshold', 'method'},
    'explain_method': {'topic'}, 'get_report': {'analysis_id'}}


def call(session, name, **given):
    return tools.invoke(ToolCall(f'call-{name}', name, given), session)


def session_of(world, user_id, **conversation):
    return tools.ToolSession(user_id, f'cv_{user_id}', 'tn_1', conversation, world.deps)


def finished(world, session, **given):
    """An analysis started through the tool and run by the worker in-process; its id."""
    started = call(session, 'run_analysis', **given)
    assert started.status == 'ok', started.summary
    analysis_id = started.bound['analysis_id']
    assert runner.run_job(session.user_id, analysis_id, world.deps) == 'SUCCEEDED'
    return analysis_id


@pytest.fixture(scope='module')
def world():
    """Alice's synthetic Niger dataset (30 wards with population and urban extent) and its finished
    analysis, her Kwara dataset with a facility export; Bob, who owns nothing."""
    with mocked_aws() as settings:
        deps = Deps(settings, sender=RecordingSender())
        uploads = Uploads(settings, deps)
        niger = uploads.upload(ALICE, generate_state(30, seed=3))
        kwara_item = uploads.upload(ALICE, kwara(fx.export_csv(mangled=True)))
        assert (niger['status'], kwara_item['status']) == ('READY', 'READY')
        world = types.SimpleNamespace(deps=deps, niger=niger['dataset_id'], kwara=kwara_item['dataset_id'])
        world.alice = session_of(world, ALICE, dataset_id=world.niger)
        world.analysis = finished(world, world.alice)
        world.alice = session_of(world, ALICE, dataset_id=world.niger, analysis_id=world.analysis)
        world.ranking = json.loads(deps.objects.get_object(
            ALICE, deps.analyses.get(ALICE, world.analysis)['artifacts']['rankings.json']['key']))
        yield world


def test_the_registry_is_chat_md_table_and_its_schemas_come_from_the_input_models():
    specs = {spec.name: spec for spec in tools.specs()}
    assert set(specs) == set(CONTRACT)
    for name, spec in specs.items():
        schema = spec.input_schema
        assert CONTRACT[name] <= set(schema['properties']), name
        assert schema['additionalProperties'] is False and spec.description
    assert specs['top_wards'].input_schema['properties']['n']['default'] == 10
    assert specs['top_wards'].input_schema['properties']['order']['default'] == 'most'
    assert specs['plan_itn'].input_schema['properties']['household_size']['default'] == 5
    assert set(specs['compute_tpr'].input_schema['required']) == {'age_group', 'facility_level'}


def test_no_tool_input_can_name_an_identity_or_an_owner():
    for spec in tools.specs():
        named = {p.lower() for p in spec.input_schema['properties']}
        assert not named & {'user_id', 'owner', 'owner_id', 'sub', 'identity', 'user', 'organization'}, spec.name


def test_an_identity_slipped_into_the_input_is_refused_naming_it(world):
    result = call(world.alice, 'list_datasets', user_id=BOB)
    assert result.status == 'error' and result.content['error']['field'] == 'user_id'


def test_list_datasets_lists_the_callers_own(world):
    mine = call(world.alice, 'list_datasets')
    assert mine.status == 'ok' and mine.content['count'] == 2
    table, = mine.attachments
    assert {row['dataset_id'] for row in table['rows']} == {world.niger, world.kwara}
    assert call(session_of(world, BOB), 'list_datasets').content['datasets'] == []


def test_describe_dataset_defaults_to_the_conversations_and_binds_one_named(world):
    described = call(world.alice, 'describe_dataset')
    assert described.status == 'ok' and described.bound == {}
    assert described.content['wards'] == 30 and 'u5_tpr_rdt' in described.content['variables']
    assert '30 wards' in described.summary and '30 matched' in described.summary
    other = call(world.alice, 'describe_dataset', dataset_id=world.kwara)
    assert other.bound == {'dataset_id': world.kwara} and other.content['wards'] == 5
    assert call(world.alice, 'describe_dataset', dataset_id=world.niger).bound == {}   # already its own


def test_compute_tpr_gives_a_ward_table_and_the_series_link(world):
    result = call(world.alice, 'compute_tpr', dataset_id=world.kwara, age_group='u5', facility_level='primary')
    assert result.status == 'ok', result.summary
    table, download = result.attachments
    assert table['kind'] == 'table' and {'ward_code', 'ward_name', 'tpr'} <= set(table['columns'])
    assert {row['ward_code'] for row in table['rows']} == {'KWSASA01', 'KWSILS01', 'KWSILS02', 'KWSASA02', 'KWSASA03'}
    assert [row['tpr'] for row in table['rows']][-1] is None          # Eiyenkorin has no reports: last, not 0
    assert download['kind'] == 'download' and download['url'].startswith('http')
    assert result.content['options']['age'] == 'u5' and result.content['options']['level'] == 'primary'
    assert '1 ward without reports' in result.summary


def test_compute_tpr_needs_the_age_group_and_facility_level(world):
    result = call(world.alice, 'compute_tpr', dataset_id=world.kwara, facility_level='all')
    assert result.status == 'error' and result.content['error']['field'] == 'age_group'
    result = call(world.alice, 'compute_tpr', dataset_id=world.kwara, age_group='u5', facility_level='district')
    assert result.status == 'error' and result.content['error']['field'] == 'facility_level'


def test_run_analysis_binds_the_new_analysis_to_the_conversation_that_started_it(world):
    result = call(world.alice, 'run_analysis', method='composite', variables=['TPR', 'Mean Rainfall', 'housing'])
    assert result.status == 'ok', result.summary
    analysis_id = result.bound['analysis_id']
    assert result.bound == {'dataset_id': world.niger, 'analysis_id': analysis_id}
    item = world.deps.analyses.get(ALICE, analysis_id)
    assert item['conversation_id'] == world.alice.conversation_id
    assert item['request']['variables'] == ['u5_tpr_rdt', 'mean_rainfall', 'housing_quality']
    status = call(session_of(world, ALICE, analysis_id=analysis_id), 'analysis_status')
    assert status.content['status'] == 'QUEUED' and 'queued' in status.summary.lower()
    early = call(session_of(world, ALICE, analysis_id=analysis_id), 'top_wards')
    assert early.status == 'error' and 'SUCCEEDED' in early.summary


def test_run_analysis_refuses_a_variable_the_dataset_lacks_naming_it(world):
    result = call(world.alice, 'run_analysis', variables=['rainfall', 'cholera cases'])
    assert result.status == 'error' and result.content['error']['field'] == 'variables[1]'
    assert 'cholera cases' in result.summary and 'mean_rainfall' in result.summary


def test_analysis_status_of_a_finished_analysis(world):
    result = call(world.alice, 'analysis_status')
    assert result.content['status'] == 'SUCCEEDED' and result.content['progress'] == 100
    assert 'finished' in result.summary


def test_top_wards_defaults_to_the_ten_most_vulnerable_by_composite_score(world):
    result = call(world.alice, 'top_wards')
    assert result.status == 'ok'
    table, = result.attachments
    expected = sorted(world.ranking, key=lambda w: w['composite_rank'])[:10]
    assert [(r['ward_code'], r['ward_name']) for r in table['rows']] == [
        (w['ward_code'], w['ward_name']) for w in expected]
    assert [r['rank'] for r in table['rows']] == list(range(1, 11))
    assert expected[0]['ward_name'] in result.summary


def test_top_wards_least_vulnerable_by_pca_in_one_lga_named_loosely(world):
    result = call(world.alice, 'top_wards', n=3, method='pca', order='least', lga='lga-2')
    assert result.status == 'ok', result.summary
    in_lga = sorted((w for w in world.ranking if w['lga'] == 'LGA 2'), key=lambda w: -w['pca_rank'])
    assert [r['ward_code'] for r in result.attachments[0]['rows']] == [w['ward_code'] for w in in_lga[:3]]
    unknown = call(world.alice, 'top_wards', lga='Bida')
    assert unknown.status == 'error' and unknown.content['error']['field'] == 'lga' and 'LGA 1' in unknown.summary


def test_explain_ward_by_a_loosely_typed_name_and_by_code_alike(world):
    ward = next(w for w in world.ranking if w['composite_rank'] == 1)
    typed = ward['ward_name'].upper().replace(' ', '-')
    by_name = call(world.alice, 'explain_ward', ward=typed)
    by_code = call(world.alice, 'explain_ward', ward=ward['ward_code'].lower())
    assert by_name.status == 'ok', by_name.summary
    assert by_name.content == by_code.content
    content = by_name.content
    assert content['ranks']['composite']['rank'] == 1 and content['ranks']['pca']['rank'] == ward['pca_rank']
    assert content['rank_spread'] == ward['rank_spread']
    assert f'1 of 30 by composite score' in by_name.summary
    table, = by_name.attachments
    assert {'variable', 'ward_value', 'state_median', 'imputed'} <= set(table['columns'])
    assert all(r['state_median'] is not None for r in table['rows'])


def test_explain_ward_says_which_values_were_imputed(world):
    ward = next(w for w in world.ranking if w['imputed'])
    result = call(world.alice, 'explain_ward', ward=ward['ward_code'])
    assert result.content['imputed'] == sorted(ward['imputed'])
    assert [r['variable'] for r in result.attachments[0]['rows'] if r['imputed']] == ward['imputed']
    assert 'filled from neighbours' in result.summary


def test_explain_ward_of_a_name_it_cannot_find_names_the_field(world):
    result = call(world.alice, 'explain_ward', ward='Nowhere Ward Zzz')
    assert result.status == 'error' and result.content['error']['field'] == 'ward'


def test_a_name_two_lgas_share_is_asked_back_by_code(world):
    kwara_session = session_of(world, ALICE, dataset_id=world.kwara)
    analysis_id = finished(world, kwara_session)
    result = call(session_of(world, ALICE, analysis_id=analysis_id), 'explain_ward', ward='afon')
    assert result.status == 'error' and result.content['error']['field'] == 'ward'
    assert 'KWSASA01' in result.summary and sorted(result.content['error']['choices']) == ['KWSASA01', 'KWSILS01']


@pytest.mark.parametrize('given, name', [
    ({'kind': 'vulnerability'}, 'vulnerability_map.html'),
    ({'kind': 'vulnerability', 'method': 'pca'}, 'pca_map.html'),
    ({'kind': 'pca'}, 'pca_map.html'),
    ({'kind': 'variable', 'variable': 'soil wetness'}, 'variable_maps.html'),
    ({'kind': 'urban'}, 'urban_map.html'),
])
def test_show_map_links_the_map_of_the_kind_asked_for(world, given, name):
    result = call(world.alice, 'show_map', **given)
    assert result.status == 'ok', result.summary
    attachment, = result.attachments
    assert attachment['kind'] == 'map' and attachment['name'] == name and attachment['title']
    assert name in attachment['url'] and 'Expires=' in attachment['url']


def test_show_map_of_a_variable_names_it_and_refuses_an_unknown_one(world):
    shown = call(world.alice, 'show_map', kind='variable', variable='distance to water')
    assert 'distance_to_water' in shown.attachments[0]['title']
    unknown = call(world.alice, 'show_map', kind='variable', variable='cholera')
    assert unknown.status == 'error' and unknown.content['error']['field'] == 'variable'


def test_show_map_of_a_dataset_variable_the_analysis_left_out_says_how_to_map_it(world):
    dataset = world.deps.datasets.get(ALICE, world.niger)
    diagnostics = world.deps.analyses.get(ALICE, world.analysis)['artifacts']['diagnostics.json']
    ranked = {v['name'] for v in json.loads(world.deps.objects.get_object(ALICE, diagnostics['key']))['variables']}
    left_out = next(v['name'] for v in dataset['summary']['variables'] if v['name'] not in ranked)
    result = call(world.alice, 'show_map', kind='variable', variable=left_out)
    assert result.status == 'error' and result.content['error']['field'] == 'variable'
    assert f'{left_out} is in the dataset' in result.summary and 'run an analysis that includes it' in result.summary


def test_plan_itn_gives_the_plan_its_coverage_map_and_downloads(world):
    session = session_of(world, ALICE, dataset_id=world.niger, analysis_id=finished(world, world.alice))
    before = call(session, 'show_map', kind='itn')
    assert before.status == 'error' and before.content['error']['field'] == 'kind'
    result = call(session, 'plan_itn', total_nets=200000, household_size=4)
    assert result.status == 'ok', result.summary
    plan, coverage, *downloads = result.attachments
    assert plan['kind'] == 'plan' and plan['plan_id'] and plan['totals']['nets_total'] == 200000
    assert plan['household_size'] == 4 and plan['method'] == 'composite'
    assert coverage == dict(coverage, kind='map', name=f'itn-coverage-{plan["plan_id"]}.html')
    assert [d['name'] for d in downloads] == [f'itn-plan-{plan["plan_id"]}.csv', f'itn-plan-{plan["plan_id"]}.xlsx']
    assert f'{plan["totals"]["nets_used"]:,}' in result.summary
    after = call(session, 'show_map', kind='itn')
    assert after.attachments[0]['name'] == coverage['name']


def test_plan_itn_refuses_nonsense_naming_the_field(world):
    result = call(world.alice, 'plan_itn', total_nets=-5)
    assert result.status == 'error' and result.content['error']['field'] == 'total_nets'
    missing = call(world.alice, 'plan_itn', household_size=4)
    assert missing.status == 'error' and missing.content['error']['field'] == 'total_nets'


def test_compare_methods_reports_agreement_and_the_wards_that_move_most(world):
    result = call(world.alice, 'compare_methods')
    assert result.status == 'ok', result.summary
    moves = [abs(w['composite_rank'] - w['pca_rank']) for w in world.ranking]
    table, = result.attachments
    assert abs(table['rows'][0]['rank_difference']) == max(moves)
    agree = sum(w['composite_category'] == w['pca_category'] for w in world.ranking) / len(world.ranking)
    assert result.content['same_category'] == pytest.approx(agree)
    assert -1 <= result.content['spearman'] <= 1 and 'Spearman' in result.summary


@pytest.mark.parametrize('topic', [None, 'scores', 'pca', 'imputation', 'tpr', 'itn'])
def test_explain_method_answers_every_topic_in_words(world, topic):
    result = call(world.alice, 'explain_method', **({'topic': topic} if topic else {}))
    assert result.status == 'ok' and len(result.summary) > 80


def test_get_report_gives_the_report_and_downloads(world):
    result = call(world.alice, 'get_report')
    assert result.status == 'ok'
    assert [a['name'] for a in result.attachments] == ['report.html', 'rankings.xlsx', 'rankings.csv',
                                                        'wards.geojson']
    assert all(a['kind'] == 'download' and a['url'].startswith('http') for a in result.attachments)


def test_no_analysis_in_the_conversation_is_said_naming_the_field(world):
    result = call(session_of(world, ALICE), 'top_wards')
    assert result.status == 'error' and result.content['error']['field'] == 'analysis_id'
    assert 'run the malaria risk analysis' in result.summary


def test_a_conversation_without_an_analysis_takes_its_datasets_latest_and_remembers_it(world):
    newest = next(a['analysis_id'] for a in world.deps.analyses.page(ALICE, 100, None)[0]
                  if a['dataset_id'] == world.niger)
    result = call(session_of(world, ALICE, dataset_id=world.niger), 'analysis_status')
    assert result.content['analysis_id'] == newest and result.bound == {'analysis_id': newest}


# Every tool that takes an id, with what else it needs.
ID_TOOLS = [('describe_dataset', 'dataset_id', {}),
            ('compute_tpr', 'dataset_id', {'age_group': 'all', 'facility_level': 'all'}),
            ('run_analysis', 'dataset_id', {}), ('analysis_status', 'analysis_id', {}),
            ('top_wards', 'analysis_id', {}), ('explain_ward', 'analysis_id', {'ward': 'x'}),
            ('show_map', 'analysis_id', {'kind': 'vulnerability'}), ('compare_methods', 'analysis_id', {}),
            ('plan_itn', 'analysis_id', {'total_nets': 1000}), ('get_report', 'analysis_id', {})]


@pytest.mark.parametrize('name, id_field, given', ID_TOOLS)
def test_another_users_id_is_not_found_by_every_tool(world, name, id_field, given):
    theirs = {'dataset_id': world.kwara if name == 'compute_tpr' else world.niger, 'analysis_id': world.analysis}
    bob = session_of(world, BOB)
    named = call(bob, name, **given, **{id_field: theirs[id_field]})
    assert named.status == 'error' and named.content['error']['code'] == 'not_found', named.summary
    assert 'not found' in named.summary and named.bound == {} and named.attachments == ()
    # A conversation header that names it (however it got there) is no key either.
    defaulted = call(session_of(world, BOB, **theirs), name, **given)
    assert defaulted.content['error']['code'] == 'not_found'
    assert world.deps.analyses.page(BOB, 10, None)[0] == []


@pytest.mark.parametrize('name, given, field', [
    ('top_wards', {'n': 0}, 'n'), ('top_wards', {'order': 'best'}, 'order'),
    ('show_map', {'kind': 'heat'}, 'kind'), ('explain_ward', {}, 'ward'),
    ('explain_method', {'topic': 'astrology'}, 'topic'), ('run_analysis', {'method': 'magic'}, 'method'),
])
def test_bad_inputs_are_errors_naming_the_field(world, name, given, field):
    result = call(world.alice, name, **given)
    assert result.status == 'error' and result.content['error']['field'] == field
    assert result.summary.startswith(f'{field}:')


def test_an_unknown_tool_is_an_error_not_an_exception(world):
    result = call(world.alice, 'delete_everything')
    assert result.status == 'error' and 'top_wards' in result.summary
