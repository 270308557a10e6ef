"""The figures are written as plotly would write them, without plotly's Python package.

The oracle: each figure dict of Niger's pages (and of an ITN coverage map), validated by
plotly's `graph_objects.Figure` (it raises on an attribute plotly.js does not have) and
written by `plotly.io.to_json`, reads the same as the JSON the page carries. Beside it, the
traces and attributes every figure must have, so one dropped or renamed in the figure
itself (which both writers would agree on) fails too.
"""
import copy
import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from chalicelib.analysis.itn import plan_itn
from chalicelib.viz import coverage_map, draw, figures, maps
from tests.viz.test_coverage_map import population_of
from tests.viz.test_maps import figure_data

MAP_LAYOUT = {'geo', 'height', 'margin', 'showlegend', 'template', 'title'}
RANKED = ('choropleth', {'colorbar', 'colorscale', 'customdata', 'hovertemplate', 'locations', 'marker', 'name',
                         'type', 'z', 'zmax', 'zmin'})
GREY = ('choropleth', {'colorscale', 'customdata', 'hovertemplate', 'locations', 'marker', 'name', 'showscale',
                       'type', 'z'})
LGAS = [('scattergeo', {'hoverinfo', 'lat', 'line', 'lon', 'mode', 'name', 'type'}),
        ('scattergeo', {'hoverinfo', 'lat', 'lon', 'mode', 'name', 'text', 'textfont', 'type'})]
VARIABLE = {'colorbar', 'colorscale', 'hovertemplate', 'marker', 'name', 'type', 'visible', 'z'}
SPREAD = [('bar', {'base', 'hoverinfo', 'marker', 'name', 'orientation', 'type', 'x', 'y'}),
          ('bar', {'base', 'hoverinfo', 'marker', 'name', 'orientation', 'type', 'width', 'x', 'y'}),
          ('scatter', {'customdata', 'hovertemplate', 'marker', 'mode', 'name', 'type', 'x', 'y'}),
          ('scatter', {'hoverinfo', 'marker', 'mode', 'name', 'type', 'x', 'y'})]
# Per page: (its layout's attributes, each trace's type and attributes). Niger ranks every ward,
# so its maps have no grey trace of unmatched boundaries; the coverage map greys wards without nets.
EXPECTED = {
    'vulnerability_map.html': (MAP_LAYOUT, [RANKED, *LGAS]),
    'pca_map.html': (MAP_LAYOUT, [RANKED, *LGAS]),
    'urban_map.html': (MAP_LAYOUT | {'updatemenus'}, [(RANKED[0], RANKED[1] | {'text'}), *LGAS]),
    'rank_spread.html': ({'barmode', 'height', 'legend', 'margin', 'template', 'title', 'xaxis', 'yaxis'}, SPREAD),
    'coverage': (MAP_LAYOUT, [RANKED, GREY, *LGAS]),
}


def shape(figure):
    """(layout attributes, [(trace type, trace attributes)]) of a figure read from JSON."""
    return set(figure['layout']), [(trace['type'], set(trace)) for trace in figure['data']]


def plotly_writes(figure):
    """The figure as plotly writes it after validating every attribute (a copy: plotly may keep what it is given)."""
    return json.loads(pio.to_json(go.Figure(copy.deepcopy(figure)), validate=False, remove_uids=True))


@pytest.fixture(scope='module')
def niger_figures(niger_result):
    """{page: (the figure dict, the figure JSON its page carries)} for Niger's pages and a coverage map."""
    drawing = maps.prepare(niger_result)
    built = {name: figure for name, (_, figure, _) in maps.page_figures(drawing, {}).items()}
    pages = {name: figure_data(body.decode()) for name, (body, _) in draw(niger_result).items()}
    plan = plan_itn(niger_result['rankings'], population_of(niger_result), total_nets=556 * 40, urban_threshold=100)
    built['coverage'] = figures.coverage_figure(drawing.view, drawing.keys, plan, drawing.sheet)
    pages['coverage'] = figure_data(coverage_map(niger_result, plan).decode())
    return {name: (built[name], pages[name]) for name in built}


def test_every_figure_reads_as_plotly_writes_it(niger_figures):
    assert set(niger_figures) == set(EXPECTED) | {'variable_maps.html'}
    for name, (figure, written) in niger_figures.items():
        assert written == plotly_writes(figure), name


def test_every_figure_keeps_its_traces_and_attributes(niger_figures):
    for name, (layout, traces) in EXPECTED.items():
        assert shape(niger_figures[name][1]) == (layout, traces), name
    layout, traces = shape(niger_figures['variable_maps.html'][1])
    assert layout == MAP_LAYOUT | {'updatemenus'}
    # Per variable: its raw values (colours reversed for an inverse one), its 0-1 risk score, and the
    # wards missing a raw value greyed; 7 variables, 3 of them with wards missing in the data.
    assert [keys for _, keys in traces].count(VARIABLE | {'reversescale'}) == 7
    assert [keys for _, keys in traces].count(VARIABLE | {'zmin', 'zmax'}) == 7
    assert [keys for _, keys in traces].count(GREY[1] | {'visible'}) == 3 and len(traces) == 17
    assert {kind for kind, _ in traces} == {'choropleth'}


def test_maps_carry_plotly_white_as_plotly_writes_it(niger_figures):
    white = json.loads(pio.to_json(go.Figure(layout={'template': 'plotly_white'})))['layout']['template']
    for name, (_, written) in niger_figures.items():
        assert written['layout']['template'] == white, name
