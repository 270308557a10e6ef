"""map.topojson: the web map's wards and LGA outlines as one small TopoJSON Topology.

The tests read it with a decoder written here from the specification
(https://github.com/topojson/topojson-specification), as topojson-client would.
"""
import collections
import gzip
import json

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from chalicelib.reports import build
from chalicelib.viz.layers import variable_entry
from chalicelib.viz.maps import prepare
from chalicelib.viz.topology import QUANTIZATION, topology

MAP_PROPERTIES = {'ward_code', 'ward_name', 'lga', 'composite_rank', 'composite_category', 'pca_rank',
                  'pca_category'}


# --- a decoder, from the specification ----------------------------------------------------

def arc_points(topo, ref):
    """The quantized positions of arc `ref` (`~i`: arc i backwards), undoing the delta encoding."""
    x = y = 0
    points = []
    for dx, dy in topo['arcs'][ref if ref >= 0 else ~ref]:
        x, y = x + dx, y + dy
        points.append((x, y))
    return points if ref >= 0 else points[::-1]


def ring_points(topo, refs):
    """A ring's quantized positions: its arcs joined, each starting where the one before ended."""
    points = []
    for ref in refs:
        arc = arc_points(topo, ref)
        assert not points or arc[0] == points[-1], 'an arc must start where the previous one ended'
        points.extend(arc if not points else arc[1:])
    assert points[0] == points[-1] and len(points) >= 4, 'a ring must close and hold at least four positions'
    return points


def position(topo, point):
    (sx, sy), (tx, ty) = topo['transform']['scale'], topo['transform']['translate']
    return point[0] * sx + tx, point[1] * sy + ty


def polygons_of(geometry):
    return {'Polygon': lambda arcs: [arcs], 'MultiPolygon': lambda arcs: arcs}[geometry['type']](geometry['arcs'])


def decode(topo, geometry):
    """The shapely geometry of one geometry object, or None for type null."""
    if geometry['type'] is None:
        return None
    ring = lambda refs: [position(topo, p) for p in ring_points(topo, refs)]  # noqa: E731
    polygons = [Polygon(ring(rings[0]), [ring(hole) for hole in rings[1:]]) for rings in polygons_of(geometry)]
    return polygons[0] if geometry['type'] == 'Polygon' else MultiPolygon(polygons)


def step(topo):
    return max(topo['transform']['scale'])


def same_shape(decoded, expected, tolerance):
    """Both have the same polygons and holes, and no vertex of either is further than `tolerance` from the other."""
    parts = lambda g: sorted(len(p.interiors) for p in getattr(g, 'geoms', [g]))  # noqa: E731
    return parts(decoded) == parts(expected) and shapely.hausdorff_distance(decoded, expected) <= tolerance


def ward_refs(topo, name='wards'):
    """Every ring of the object's geometries as its list of arc references."""
    return [ring for g in topo['objects'][name]['geometries'] if g['type'] for rings in polygons_of(g)
            for ring in rings]


def arc_index(ref):
    return ref if ref >= 0 else ~ref


# --- Niger ------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def niger_map(niger_result):
    """(Niger's map.topojson bytes, its wards.geojson bytes, the drawing they were made from)."""
    built = build(niger_result, {})
    return built['map.topojson'][0], built['wards.geojson'][0], prepare(niger_result)


def test_niger_map_is_a_quantized_topology_of_wards_and_lgas_in_under_60_kb_gzip(niger_map):
    body, _, _ = niger_map
    topo = json.loads(body)
    assert topo['type'] == 'Topology' and set(topo['objects']) == {'wards', 'lgas'}
    assert all(o['type'] == 'GeometryCollection' for o in topo['objects'].values())
    # one step on both axes, QUANTIZATION of them over the longer side: a tenth of a pixel at 1000 px
    x0, y0, x1, y1 = topo['bbox']
    (sx, sy) = topo['transform']['scale']
    assert sx == sy and max(x1 - x0, y1 - y0) / sx == pytest.approx(QUANTIZATION)
    assert topo['transform']['translate'] == [x0, y0]
    assert len(gzip.compress(body)) <= 60 * 1024
    assert len(body) < 200 * 1024


def test_every_niger_ward_decodes_to_its_display_shape_within_one_step(niger_map):
    body, _, drawing = niger_map
    topo = json.loads(body)
    geometries = topo['objects']['wards']['geometries']
    assert [g['id'] for g in geometries] == [f['id'] for f in drawing.collection['features']]
    assert len(geometries) == 275
    for geometry, feature in zip(geometries, drawing.collection['features']):
        assert same_shape(decode(topo, geometry), shape(feature['geometry']), step(topo)), geometry['id']


def test_every_niger_lga_outline_decodes_to_its_outline_within_one_step(niger_map):
    body, _, drawing = niger_map
    topo = json.loads(body)
    lgas = topo['objects']['lgas']['geometries']
    assert [g['properties'] for g in lgas] == [{'lga': lga} for lga, _ in drawing.sheet.outlines]
    assert len(lgas) == 25
    for geometry, (lga, outline) in zip(lgas, drawing.sheet.outlines):
        assert same_shape(decode(topo, geometry), outline, step(topo)), lga


def test_neighbours_and_outlines_share_their_arcs(niger_map):
    body, _, drawing = niger_map
    topo = json.loads(body)
    rings = ward_refs(topo)
    edges = sum(len(ring_points(topo, ring)) - 1 for ring in rings)
    assert len(topo['arcs']) < edges / 10
    # no edge is stored twice: each lies in exactly one arc
    segments = collections.Counter(frozenset(pair) for i in range(len(topo['arcs']))
                                   for pair in zip(arc_points(topo, i), arc_points(topo, i)[1:]))
    assert max(segments.values()) == 1
    # an interior edge is in the rings of both wards beside it, through the one arc
    uses = collections.Counter(arc_index(ref) for ring in rings for ref in ring)
    assert set(uses.values()) == {1, 2} and sum(n == 2 for n in uses.values()) > len(uses) / 2
    # the LGA outlines are made of the wards' arcs, none of their own
    assert {arc_index(ref) for ring in ward_refs(topo, 'lgas') for ref in ring} <= set(uses)


def test_each_ward_carries_its_key_and_the_rankings_the_map_shows(niger_map):
    body, wards_geojson, _ = niger_map
    geometries = json.loads(body)['objects']['wards']['geometries']
    features = json.loads(wards_geojson)['features']
    assert all(set(g['properties']) == MAP_PROPERTIES for g in geometries)
    # the same values as wards.geojson, ward by ward (same order)
    assert [g['properties'] for g in geometries] == [
        {name: f['properties'][name] for name in MAP_PROPERTIES} for f in features]
    assert {g['properties']['composite_category'] for g in geometries} >= {'High', 'Medium', 'Low'}
    ranks = sorted(g['properties']['composite_rank'] for g in geometries)
    assert ranks == list(range(1, 276))


def test_the_wards_carry_once_each_variables_label_unit_and_direction_as_the_server_maps_show_them(niger_map, niger_result):
    """The web's variable maps name each variable as the server's maps and the report do ("Night-time
    lights (nW/cm²/sr)", not `avgRAD`) and shade by risk as they do (darker = riskier, so an inverse
    variable's lowest values darkest): the dictionary's label and unit and the direction the analysis
    used travel with the shapes, once, not per ward."""
    body, _, drawing = niger_map
    wards = json.loads(body)['objects']['wards']
    variables = wards['properties']['variables']
    entries = {v.name: variable_entry(v) for v in drawing.view.variables}
    assert variables == {name: {'label': e.label, 'unit': e.unit, 'direction': e.direction}
                         for name, e in entries.items()}
    assert list(variables) == [v['name'] for v in niger_result['variables']]
    assert {'direct', 'inverse'} <= {v['direction'] for v in variables.values()}
    assert any(v['label'] != name and v['unit'] for name, v in variables.items())
    assert set(wards['properties']) == {'variables'}
    assert not any(set(g['properties']) - MAP_PROPERTIES for g in wards['geometries'])


# --- shapes made by hand ------------------------------------------------------------------

def square(x, y, size=1.0):
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def polygon(*rings):
    return {'type': 'Polygon', 'coordinates': list(rings)}


def test_two_neighbours_share_their_edge_and_their_outline_reuses_both_sides():
    left, right = square(0, 0), square(1, 0)
    outline = [[0, 0], [1, 0], [2, 0], [2, 1], [1, 1], [0, 1], [0, 0]]
    topo = topology({'wards': [('a', {}, polygon(left)), ('b', {}, polygon(right))],
                     'lgas': [(None, {'lga': 'One'}, polygon(outline))]})
    assert len(topo['arcs']) == 3   # the shared edge, and each ward's other three sides
    [a, b], [lga] = topo['objects']['wards']['geometries'], topo['objects']['lgas']['geometries']
    shared = set(map(arc_index, a['arcs'][0])) & set(map(arc_index, b['arcs'][0]))
    assert len(shared) == 1 and {~ref for ref in a['arcs'][0]} & set(b['arcs'][0])  # the other way round
    assert set(map(arc_index, lga['arcs'][0])) == {0, 1, 2} - shared
    assert 'id' not in lga and (a['id'], b['id']) == ('a', 'b')
    for geometry, ring in ((a, left), (b, right), (lga, outline)):
        assert same_shape(decode(topo, geometry), Polygon(ring), step(topo))


def test_an_island_ward_and_the_hole_it_fills_are_one_arc():
    hole = square(1, 1, 2)
    topo = topology({'wards': [('outer', {}, polygon(square(0, 0, 4), hole[::-1])),
                               ('island', {}, {'type': 'MultiPolygon', 'coordinates': [[hole]]})]})
    assert len(topo['arcs']) == 2
    outer, island = topo['objects']['wards']['geometries']
    assert island['type'] == 'MultiPolygon' and island['arcs'] == [[[~outer['arcs'][1][0]]]]  # the hole backwards
    assert same_shape(decode(topo, outer), Polygon(square(0, 0, 4), [hole[::-1]]), step(topo))
    assert same_shape(decode(topo, island), MultiPolygon([Polygon(hole)]), step(topo))


def test_what_quantization_shrinks_below_a_triangle_is_left_out_and_its_ward_kept():
    speck = square(5, 5, 1e-6)
    topo = topology({'wards': [('big', {'n': 1}, polygon(square(0, 0, 10), speck[::-1])),
                               ('speck', {'n': 2}, polygon(speck)), ('none', {'n': 3}, None)]})
    big, tiny, none = topo['objects']['wards']['geometries']
    assert len(big['arcs']) == 1 and decode(topo, big).equals(Polygon(square(0, 0, 10)))
    assert tiny == {'type': None, 'id': 'speck', 'properties': {'n': 2}}
    assert none == {'type': None, 'id': 'none', 'properties': {'n': 3}}


def test_an_empty_map_is_an_empty_topology():
    topo = topology({'wards': [], 'lgas': []})
    assert topo['arcs'] == [] and all(o['geometries'] == [] for o in topo['objects'].values())


def test_a_boundary_that_is_not_a_polygon_is_refused():
    with pytest.raises(ValueError, match='Polygon or MultiPolygon'):
        topology({'wards': [('w', {}, {'type': 'LineString', 'coordinates': [[0, 0], [1, 1]]})]})
