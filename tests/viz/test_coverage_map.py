"""The ITN coverage map: the wards a plan gives nets, coloured by coverage; the others grey."""
import plotly.offline
import pytest

from chalicelib.analysis.itn import plan_itn
from chalicelib.viz import coverage_map
from chalicelib.viz.page import PLOTLYJS_URL
from tests.viz.test_maps import choropleths, figure_data, values


def population_of(result, people=1000):
    return {w['ward_code']: people for w in result['rankings']}


def plotlyjs_source(html):
    """How a page gets plotly.js: 'embedded' (it opens without internet), 'cdn' (the one
    pinned URL), or None."""
    if '<script src=' not in html and plotly.offline.get_plotlyjs()[-2000:] in html:
        return 'embedded'
    if html.count('<script src=') == 1 and PLOTLYJS_URL in html:
        return 'cdn'
    return None


@pytest.mark.parametrize('options, source', [({}, 'cdn'), ({'embed_plotlyjs': True}, 'embedded')])
def test_coverage_map_loads_plotlyjs_from_the_pinned_url_or_embeds_it(hostile_result, options, source):
    plan = plan_itn(hostile_result['rankings'], population_of(hostile_result), total_nets=556)
    assert plotlyjs_source(coverage_map(hostile_result, plan, options).decode('utf-8')) == source


def test_coverage_map_colours_the_wards_with_nets_and_greys_the_rest(hostile_result):
    # 1000 people need 556 nets: 10 wards' worth covers the ten highest-ranked rural wards.
    plan = plan_itn(hostile_result['rankings'], population_of(hostile_result), total_nets=556 * 10,
                    urban_threshold=100)
    html = coverage_map(hostile_result, plan).decode('utf-8')
    covered, grey = choropleths(figure_data(html))
    assert len(covered['locations']) == 10
    assert values(covered['z']) == [100.0] * 10
    assert len(grey['locations']) == len(hostile_result['rankings']) - 10
    assert '5,560 of 5,560 nets' in figure_data(html)['layout']['title']['text']


def test_coverage_map_follows_the_plans_ranking_and_keeps_names_inert(hostile_result):
    plan = plan_itn(hostile_result['rankings'], population_of(hostile_result), total_nets=556,
                    urban_threshold=100, method='pca')
    html = coverage_map(hostile_result, plan).decode('utf-8')
    [hover] = choropleths(figure_data(html))[0]['customdata']
    [served] = [row for row in plan['rows'] if row['nets_allocated']]
    assert served['rank'] == min(row['rank'] for row in plan['rows'] if row['tier'] == 'rural')
    assert hover[2:4] == ['556', '556']
    assert hover[0] == served['ward_name'].replace('<', '&lt;').replace('>', '&gt;')
    assert '<img' not in html.lower() and ('&lt;img' in html or '\\u0026lt;img' in html)
