"""The drawing stage: which files it makes, how big they are, how they load plotly.js."""
import base64
import json

import numpy as np
import plotly.offline
import pytest
import shapely
from shapely.geometry import shape

from chalicelib.analysis.synthetic import generate_state
from chalicelib.viz import draw
from chalicelib.viz.page import PLOTLYJS_URL, PLOTLYJS_VERSION
from tests.viz.conftest import analyse, renamed_state

STATE_BUDGET = 600 * 1024
NATIONAL_BUDGET = 6 * 1024 * 1024
MAPS = ('vulnerability_map.html', 'pca_map.html', 'variable_maps.html', 'urban_map.html')


def figure_data(html, index=0):
    """The plotly figure JSON of the page's n-th figure."""
    block = html.split('<script type="application/json" class="figure-data"')[1 + index]
    return json.loads(block.split('>', 1)[1].split('</script>', 1)[0])


def values(array):
    """A plotly array as a list: plotly 6 writes numeric arrays as base64 typed arrays."""
    if isinstance(array, dict) and 'bdata' in array:
        return [None if np.isnan(v) else v.item() for v in
                np.frombuffer(base64.b64decode(array['bdata']), dtype=np.dtype(array['dtype'])).astype(float)]
    return array


def choropleths(figure):
    """The figure's ward traces (LGA outlines and names are scattergeo traces on top)."""
    return [trace for trace in figure['data'] if trace['type'] == 'choropleth']


def wards_data(html):
    return json.loads(html.split('<script type="application/json" id="wards-data">', 1)[1].split('</script>', 1)[0])


@pytest.fixture(scope='module')
def niger_maps(niger_result):
    return draw(niger_result)


def test_niger_maps_are_all_drawn_within_the_state_budget(niger_maps):
    assert set(niger_maps) == set(MAPS) | {'rank_spread.html'}
    for name, (body, content_type) in niger_maps.items():
        assert content_type == 'text/html; charset=utf-8'
        assert len(body) <= STATE_BUDGET, f'{name} is {len(body)} bytes'


def test_maps_load_plotlyjs_from_one_pinned_url_or_embed_it(niger_result, niger_maps):
    html = niger_maps['vulnerability_map.html'][0].decode()
    assert PLOTLYJS_URL == f'https://cdn.plot.ly/plotly-{PLOTLYJS_VERSION}.min.js'
    # The pinned version is plotly's own: upgrading plotly without moving it fails here, not in a browser.
    assert PLOTLYJS_VERSION == plotly.offline.get_plotlyjs_version()
    assert html.count('<script src=') == 1 and PLOTLYJS_URL in html
    offline = draw(niger_result, {'embed_plotlyjs': True})['vulnerability_map.html'][0].decode()
    assert '<script src=' not in offline
    assert plotly.offline.get_plotlyjs()[-2000:] in offline  # plotly.js itself is inside
    # Where plotly.js cannot load, the static map stays in its place (no note about API fields).
    static = html.split('<div class="static-figure" id="figure-static">', 1)[1]
    assert static.count('<use href=') >= 275 and 'offline: true' not in html


def test_niger_vulnerability_map_colours_categories_with_lga_outlines_and_hover_facts(niger_result, niger_maps):
    html = niger_maps['vulnerability_map.html'][0].decode()
    shared, figure = wards_data(html), figure_data(html)
    [trace] = choropleths(figure)
    assert len(shared['geojson']['features']) == 275 and len(shared['locations']) == 275
    assert trace['colorbar']['ticktext'] == ['Low', 'Medium', 'High']  # High at the top
    categories = [trace['colorbar']['ticktext'][int(z)] for z in values(trace['z'])]
    assert categories == [row[3] for row in trace['customdata']]
    assert [categories.count(c) for c in ('High', 'Medium', 'Low')] == [91, 92, 92]
    top = niger_result['rankings'][0]
    [row] = [row for row in trace['customdata'] if row[5] == '1']
    assert row[0] == top['ward_name'] and row[1] == top['lga'] and row[3] == 'High'
    assert row[2] == f'{top["composite_score"]:.3f}'
    assert row[4].startswith(f'{top["rank_spread"]["min"]}–{top["rank_spread"]["max"]}')
    assert 'of 275' in trace['hovertemplate']
    lines, names = [t for t in figure['data'] if t['type'] == 'scattergeo']
    assert len(names['text']) == 25 and 'Shiroro' in names['text']
    assert lines['mode'] == 'lines'


def test_variable_maps_offer_raw_and_normalised_for_each_selected_variable(niger_result, niger_maps):
    from chalicelib.viz.dictionary import describe
    figure = figure_data(niger_maps['variable_maps.html'][0].decode())
    names = [describe(v['name']).label for v in niger_result['variables']]
    buttons = figure['layout']['updatemenus'][0]['buttons']
    labels = [b['label'] for b in buttons]
    assert len(labels) == 2 * len(names)
    assert 'Night-time lights: nW/cm²/sr' in labels and not any(label.startswith('avgRAD') for label in labels)
    for name in names:
        assert sum(1 for label in labels if label.startswith(name)) == 2
        assert f'{name}: risk score 0–1' in labels
    normalised = [values(figure['data'][i]['z']) for b in buttons if 'risk score' in b['label']
                  for i, shown in enumerate(b['args'][0]['visible']) if shown]
    assert all(0 <= v <= 1 for z in normalised for v in z if v is not None)


def test_raw_variable_map_greys_the_wards_missing_in_the_data_and_says_what_was_filled(niger_result, niger_maps):
    figure = figure_data(niger_maps['variable_maps.html'][0].decode())
    [button] = [b for b in figure['layout']['updatemenus'][0]['buttons']
                if b['label'].startswith('Housing quality') and 'risk score' not in b['label']]
    raw, grey = [figure['data'][i] for i, shown in enumerate(button['args'][0]['visible']) if shown]
    z = values(raw['z'])
    assert sum(1 for v in z if v is None) == 17 == len(grey['locations'])
    data = {f'w{r["row"]}': r for r in niger_result['ward_values']}
    assert all(data[k]['raw']['housing_quality'] is None for k in grey['locations'])
    present = [v for v in z if v is not None]
    assert present and all(data[k]['raw']['housing_quality'] is not None
                           for k, v in zip(wards_data(niger_maps['variable_maps.html'][0].decode())['locations'], z)
                           if v is not None)
    filled = {f'w{c["row"]}': c['value'] for c in niger_result['imputation'] if c['variable'] == 'housing_quality'}
    for key, row in zip(grey['locations'], grey['customdata']):
        assert row[2].startswith('Housing quality: missing in the data; ')
        assert f'{filled[key]:.3g}' in row[2] and 'used for scoring' in row[2]


def test_urban_map_greys_the_wards_below_the_chosen_threshold_in_bands(niger_result):
    from chalicelib.viz.layers import ABOVE_BLUES, BELOW_GREYS
    urban = [w['urban_percentage'] for w in niger_result['rankings']]
    for threshold in (30, 75):
        figure = figure_data(draw(niger_result, {'urban_threshold': threshold})['urban_map.html'][0].decode())
        [trace] = choropleths(figure)
        bands = trace['colorbar']['ticktext']
        assert bands == ['below 30%', '30–50%', '50–75%', '75–100%', '100%']
        colour_of = dict(zip(range(len(bands)), trace['colorscale'][::2]))
        z = [int(v) for v in values(trace['z'])]
        blue = sum(1 for v in z if colour_of[v][1] in ABOVE_BLUES)
        expected = sum(1 for v in urban if v is not None and v >= threshold)
        assert blue == expected and sum(1 for v in z if colour_of[v][1] in BELOW_GREYS) == 275 - expected
        assert len(set(z)) > 2  # below the threshold, wards still show how urban they are
        assert f'{expected} of 275 wards at or above {threshold}% urban' in figure['layout']['title']['text']
        # One button per threshold of the spec, the chosen one active; each greys its own wards.
        menu = figure['layout']['updatemenus'][0]
        assert [b['label'] for b in menu['buttons']] == ['≥ 30%', '≥ 50%', '≥ 75%', '≥ 100%']
        assert menu['buttons'][menu['active']]['label'] == f'≥ {threshold}%'
        for button, t in zip(menu['buttons'], (30, 50, 75, 100)):
            [scale] = button['args'][0]['colorscale']
            colours = dict(zip(range(len(bands)), scale[::2]))
            assert sum(1 for v in z if colours[v][1] in ABOVE_BLUES) == sum(
                1 for v in urban if v is not None and v >= t)


def test_composite_only_analysis_has_no_pca_map():
    result = analyse(generate_state(40, seed=5), {'method': 'composite'})
    assert 'pca_map.html' not in draw(result) and 'vulnerability_map.html' in draw(result)


def test_pca_only_analysis_maps_the_pca_ranking():
    result = analyse(generate_state(275, seed=5), {'method': 'pca'})
    assert result['pca']['ran'] and all(item['composite_rank'] is None for item in result['rankings'])
    drawn = draw(result)
    assert 'pca_map.html' not in drawn and 'rank_spread.html' not in drawn  # no composite models, no spread
    trace = choropleths(figure_data(drawn['vulnerability_map.html'][0].decode()))
    assert len(trace) == 1 and sorted(int(row[5]) for row in trace[0]['customdata']) == list(range(1, 276))
    assert 'PCA score' in trace[0]['name']


def test_boundaries_without_data_are_drawn_grey():
    result = analyse(renamed_state(30, {}, drop_rows={4, 5}))
    html = draw(result)['vulnerability_map.html'][0].decode()
    ranked, grey = choropleths(figure_data(html))
    assert len(ranked['locations']) == 28 and len(grey['locations']) == 2
    assert all(row[2] == 'No ranking (no data matched)' for row in grey['customdata'])


def test_variable_maps_tell_boundaries_without_data_from_values_missing_in_the_data():
    result = analyse(renamed_state(30, {}, drop_rows={4, 5}))
    figure = figure_data(draw(result)['variable_maps.html'][0].decode())
    for button in figure['layout']['updatemenus'][0]['buttons']:
        shown = [figure['data'][i] for i, visible in enumerate(button['args'][0]['visible']) if visible]
        no_data = [t for t in shown if t['name'] == 'No ranking (no data matched)']
        assert len(no_data) == 1 and set(no_data[0]['locations']) == {'b4', 'b5'}, button['label']
        for trace in shown:
            if trace['name'] == 'missing':
                assert not set(trace['locations']) & set(no_data[0]['locations']), button['label']


def test_national_scale_maps_stay_within_six_megabytes():
    from tests.viz.test_geometry import assert_coverage_kept
    files = generate_state(9400, seed=1)
    result = analyse(files)
    drawn = draw(result)
    for name in MAPS:
        assert len(drawn[name][0]) <= NATIONAL_BUDGET, f'{name} is {len(drawn[name][0])} bytes'
    shared = wards_data(drawn['vulnerability_map.html'][0].decode())
    assert len(shared['locations']) == 9400
    original = [shape(f['geometry']) for f in json.loads(files['boundaries'][1])['features']]
    shown = [shape(f['geometry']) for f in shared['geojson']['features']]
    vertices = shapely.get_num_coordinates(np.asarray(original)).sum()
    assert shapely.get_num_coordinates(np.asarray(shown)).sum() < vertices / 4  # simplification did the work
    assert_coverage_kept(original, shown)


def test_without_boundaries_only_the_chart_is_drawn_and_the_report_says_why():
    from chalicelib.reports import build
    result = analyse({'data': generate_state(40, seed=5)['data']})
    assert set(draw(result)) == {'rank_spread.html'}
    built = build(result, {})
    assert 'no map can be drawn' in built['report.html'][0].decode()
    assert json.loads(built['wards.geojson'][0])['features'] == []


def test_kano_tie_is_ranked_but_not_mapped_and_the_orphan_boundary_is_grey(sample_results):
    result = sample_results['kano_metro']
    html = draw(result)['vulnerability_map.html'][0].decode()
    ranked, grey = choropleths(figure_data(html))
    names = {row[0] for row in ranked['customdata']}
    assert 'Fagg c' in {item['ward_name'] for item in result['rankings']} and 'Fagg c' not in names
    assert len(ranked['locations']) == len(result['rankings']) - 1 and len(grey['locations']) == 1
    assert len(wards_data(html)['locations']) == 66
