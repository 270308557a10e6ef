"""Display boundaries: simplified as a coverage once per dataset, so neighbours still share their edges."""
import io
import zipfile

import numpy as np
import pytest
import shapefile
import shapely
from hypothesis import given, settings, strategies as st
from shapely.geometry import Polygon, shape

from chalicelib.analysis.spatial import display_geojson, simplify_for_display
from chalicelib.viz import display_boundaries, draw
from tests.viz.conftest import niger_files


def neighbour_pairs(geoms):
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate='intersects')
    keep = left < right
    return left[keep], right[keep]


def assert_coverage_kept(original, simplified):
    """Every pair of touching wards still touches, and no two simplified wards overlap."""
    original, simplified = np.asarray(original, dtype=object), np.asarray(simplified, dtype=object)
    left, right = neighbour_pairs(original)
    assert len(left) > 0
    assert shapely.intersects(simplified[left], simplified[right]).all()
    overlap = shapely.area(shapely.intersection(simplified[left], simplified[right]))
    assert overlap.max() <= 1e-9 * shapely.area(simplified).min() + 1e-12
    # No gaps: simplification opens no hole between wards that the original did not have.
    assert holes(shapely.union_all(simplified)) <= holes(shapely.union_all(original))


def vertices(geom):
    return {tuple(p) for p in shapely.get_coordinates(geom)}


def holes(geom):
    return sum(len(p.interiors) for p in getattr(geom, 'geoms', [geom]))


def niger_shapes():
    """The Niger shapefile's records, read directly (not through the engine)."""
    archive = zipfile.ZipFile(io.BytesIO(niger_files()['boundaries'][1]))
    reader = shapefile.Reader(**{ext: io.BytesIO(archive.read(f'Niger_State.{ext}')) for ext in ('shp', 'shx', 'dbf')})
    return list(reader.shapeRecords())


def niger_geometries():
    return [shape(record.shape.__geo_interface__) for record in niger_shapes()]


def test_niger_boundaries_shrink_and_neighbours_still_touch(shared_data):
    original = niger_geometries()
    collection = display_geojson(original, [{} for _ in original])
    simplified = [shape(f['geometry']) for f in collection['features']]
    assert len(simplified) == 275
    assert shapely.get_num_coordinates(np.asarray(simplified)).sum() < 0.7 * shapely.get_num_coordinates(
        np.asarray(original)).sum()
    assert_coverage_kept(original, simplified)


TINY = 0.002  # grid units: 2e-5 degrees on the map, a fifth of the rounding grid


def jittered_grid(rows, cols, jitter, seed, tiny_column=None):
    """A coverage: grid cells whose shared corners (and a wiggly edge midpoint) are moved together.

    `tiny_column`: the wards of that column are TINY wide, smaller than the rounding grid.
    """
    rng = np.random.default_rng(seed)
    corners = np.stack(np.meshgrid(np.arange(cols + 1), np.arange(rows + 1)), axis=-1).astype(float)
    corners += rng.uniform(-jitter, jitter, corners.shape)
    # One extra vertex on every horizontal and vertical edge, shared by the two cells along it.
    horizontal = (corners[:, :-1] + corners[:, 1:]) / 2 + rng.uniform(-jitter, jitter, (rows + 1, cols, 2)) / 3
    vertical = (corners[:-1, :] + corners[1:, :]) / 2 + rng.uniform(-jitter, jitter, (rows, cols + 1, 2)) / 3
    if tiny_column is not None:  # its right edge is its left edge moved TINY to the right
        k = tiny_column
        corners[:, k + 1] = corners[:, k] + (TINY, 0)
        vertical[:, k + 1] = vertical[:, k] + (TINY, 0)
        horizontal[:, k] = (corners[:, k] + corners[:, k + 1]) / 2
    cells = []
    for r in range(rows):
        for c in range(cols):
            ring = [corners[r, c], horizontal[r, c], corners[r, c + 1], vertical[r, c + 1],
                    corners[r + 1, c + 1], horizontal[r + 1, c], corners[r + 1, c], vertical[r, c]]
            cells.append(Polygon([tuple(p * 0.01 + (7.0, 9.0)) for p in ring]))
    return cells


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(2, 7), cols=st.integers(3, 7), jitter=st.floats(0.0, 0.25), seed=st.integers(0, 10 ** 6),
       budget=st.integers(4, 400), tiny=st.booleans())
def test_any_coverage_simplified_to_any_budget_keeps_shared_edges(rows, cols, jitter, seed, budget, tiny):
    original = jittered_grid(rows, cols, jitter, seed, tiny_column=1 if tiny else None)
    simplified = simplify_for_display(original, max_vertices=budget)
    assert all(g is not None and not g.is_empty for g in simplified)
    assert_coverage_kept(original, simplified)


def test_wards_smaller_than_the_rounding_grid_share_their_exact_edges_with_their_neighbours():
    cols = 4
    original = jittered_grid(3, cols, 0.2, 7, tiny_column=1)
    simplified = simplify_for_display(original)
    assert_coverage_kept(original, simplified)
    for row in range(3):
        index = row * cols + 1
        tiny, left, right = simplified[index], simplified[index - 1], simplified[index + 1]
        assert tiny.area > 0 and tiny.is_valid
        for neighbour in (left, right):  # the edge between them: the same vertices on both sides
            assert len(vertices(tiny) & vertices(neighbour)) >= 2
            assert shapely.intersection(tiny, neighbour).length > 0


def test_a_ward_without_geometry_is_kept_in_place_and_left_off_the_map():
    cells = jittered_grid(2, 2, 0.1, 1)
    geometries = [cells[0], None, cells[1], cells[2], cells[3]]
    simplified = simplify_for_display(geometries)
    assert simplified[1] is None and all(g is not None for i, g in enumerate(simplified) if i != 1)
    collection = display_geojson(geometries, [{'row': i} for i in range(5)])
    assert [f['geometry'] is None for f in collection['features']] == [False, True, False, False, False]
    result = {'geojson': collection, 'rankings': [], 'ward_values': []}
    assert [f['id'] for f in display_boundaries(result)['features']] == ['w0', 'w2', 'w3', 'w4']


def test_maps_draw_the_datasets_display_boundaries_without_simplifying_them_again(niger_result, monkeypatch):
    def again(*args, **kwargs):
        raise AssertionError('the display boundaries were simplified when the dataset was prepared')
    monkeypatch.setattr('chalicelib.analysis.spatial.simplify_for_display', again)
    monkeypatch.setattr('chalicelib.viz.geometry.simplify_for_display', again, raising=False)
    shown = display_boundaries(niger_result)['features']
    assert [f['geometry'] for f in shown] == [f['geometry'] for f in niger_result['geojson']['features']]
    assert 'vulnerability_map.html' in draw(niger_result, {}, display_boundaries(niger_result))


def test_drawn_niger_map_keeps_neighbours_touching(niger_result):
    from tests.viz.test_maps import wards_data
    shared = wards_data(draw(niger_result)['vulnerability_map.html'][0].decode())
    original = niger_geometries()
    by_code = {f['properties']['ward_code']: f['properties']['row'] for f in niger_result['geojson']['features']}
    codes = [record.record['WardCode'] for record in niger_shapes()]
    drawn = {f['id']: shape(f['geometry']) for f in shared['geojson']['features']}
    assert_coverage_kept(original, [drawn[f'w{by_code[code]}'] for code in codes])


def test_an_lga_outline_is_the_union_of_its_wards_also_when_wards_overlap():
    from chalicelib.viz.geometry import LGA_DECIMALS, lga_outlines
    cells = jittered_grid(3, 3, 0.1, 4)
    for wards in (cells, cells + [cells[4].buffer(0.003)]):   # a coverage; one ward overlapping its neighbours
        keys = [f'w{i}' for i in range(len(wards))]
        [(lga, outline)] = lga_outlines(keys, wards, dict.fromkeys(keys, 'Bida'))
        expected = shapely.set_precision(shapely.union_all(wards), 10.0 ** -LGA_DECIMALS)
        assert lga == 'Bida' and outline.is_valid
        assert shapely.symmetric_difference(outline, expected).area < 1e-6 * expected.area
