"""Ward neighbours (queen contiguity) and the display copy of the boundaries.

The display copy is simplified as a *coverage* (`shapely.coverage_simplify`): an
edge two wards share is simplified once, so no slivers or gaps open between
neighbours, and coordinates are rounded pointwise so a shared vertex stays shared
(the vertices of a ward smaller than the rounding grid stay exact on every side).
This is the one display simplification of the project; the maps use it too.
"""
import numpy as np
import shapely

DECIMALS = 4  # about 11 m at the equator: far below what a ward map shows
BASE_VERTICES = 20_000  # a state map keeps this many vertices in all ...
VERTICES_PER_WARD = 16  # ... and a national one about this many per ward


def vertex_budget(n_wards):
    """How many vertices a map of n wards may carry within the size budgets."""
    return max(BASE_VERTICES, VERTICES_PER_WARD * n_wards)


def simplify_for_display(geometries, max_vertices=None, decimals=DECIMALS):
    """Simplify valid polygons (as `ingest.read_boundaries` gives them) as a coverage until
    they fit `max_vertices`, then round.

    The tolerance starts at a ten-thousandth of the extent's diagonal and doubles
    until the budget holds, so a detailed state keeps its detail and a national
    map stays small. Each round simplifies the previous one (still a coverage),
    so only the first pays for every input vertex. Returns a list in input order;
    a missing geometry stays None.
    """
    result = np.full(len(geometries), None, dtype=object)
    present = np.flatnonzero([g is not None for g in geometries])
    if len(present) == 0:
        return list(result)
    geoms = np.asarray([geometries[i] for i in present], dtype=object)
    budget = max_vertices or vertex_budget(len(geoms))
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    tolerance = max(np.hypot(xmax - xmin, ymax - ymin), 1e-6) * 1e-4
    simplified = geoms
    while shapely.get_num_coordinates(simplified).sum() > budget and tolerance < 1.0:
        simplified = shapely.coverage_simplify(simplified, tolerance)
        tolerance *= 2
    result[present] = round_to_grid(simplified, decimals)
    return list(result)


def _grid(coords, decimals):
    scale = 10.0 ** decimals
    return np.floor(coords * scale + 0.5) / scale  # the nearest double to k / scale: written as k / scale


def round_to_grid(geoms, decimals):
    """Coordinates rounded pointwise, except the vertices of rings the grid would spoil.

    A ward (or hole) about as thin as a grid cell would vanish or cross itself when rounded. Its vertices
    stay exact wherever they occur, in the neighbours that share them too, so every
    edge stays identical on both sides: no sliver or gap opens around a tiny ward.
    """
    parts = shapely.get_parts(shapely.get_parts(geoms))
    rings = shapely.get_rings(parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON])
    on_grid = shapely.polygons(shapely.transform(rings, lambda c: _grid(c, decimals)))
    spoilt = (shapely.area(on_grid) == 0) | ~shapely.is_valid(on_grid)  # collapsed, or crossing itself
    exact = shapely.get_coordinates(rings[spoilt]) @ (1, 1j)

    def to_grid(coords):
        rounded = _grid(coords, decimals)
        keep = np.isin(coords @ (1, 1j), exact)
        rounded[keep] = coords[keep]
        return rounded
    return shapely.remove_repeated_points(shapely.transform(geoms, to_grid), 0.0)


def polygonal(geom):
    """The polygons of a geometry (make_valid can add stray lines or points), as one geometry."""
    if geom.geom_type in ('Polygon', 'MultiPolygon'):
        return geom
    parts = shapely.get_parts(shapely.get_parts(geom))
    return shapely.multipolygons([p for p in parts if p.geom_type == 'Polygon'])


def queen_neighbours(geometries):
    """CSR neighbour lists (indptr, indices): wards whose boundaries share at least one point.

    Built from an STRtree query, so cost grows with wards x neighbours, not wards squared.
    Rows without a geometry have no neighbours.
    """
    n = len(geometries)
    present = np.flatnonzero([g is not None for g in geometries])
    if len(present) == 0:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    geoms = np.asarray(geometries, dtype=object)[present]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate='intersects')
    keep = left != right
    left, right = present[left[keep]], present[right[keep]]
    order = np.lexsort((right, left))
    left, right = left[order], right[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, left + 1, 1)
    return np.cumsum(indptr), right.astype(np.int64)


def display_geojson(geometries, properties):
    """A FeatureCollection of the display-simplified WGS84 wards with the given properties."""
    simplified = simplify_for_display(list(geometries))
    present = [i for i, g in enumerate(simplified) if g is not None]
    shapes = geojson_geometries([polygonal(simplified[i]) for i in present])
    made = dict(zip(present, shapes))
    return {'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'properties': props, 'geometry': made.get(i)} for i, props in enumerate(properties)]}


def geojson_geometries(geoms):
    """GeoJSON geometries (x, y) of polygons and multipolygons, made from their coordinates in
    one pass (the exact doubles, as GEOS's GeoJSON read back would give them)."""
    if not geoms:
        return []
    kind, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    rings, polygons = offsets[:2]
    # Polygons alone come as one level less: each geometry is then one polygon.
    multipolygons = offsets[2] if kind == shapely.GeometryType.MULTIPOLYGON else np.arange(len(geoms) + 1)
    points = coords.tolist()
    ring_lists = [points[a:b] for a, b in zip(rings[:-1], rings[1:])]
    polygon_lists = [ring_lists[a:b] for a, b in zip(polygons[:-1], polygons[1:])]
    single = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
    return [{'type': 'Polygon', 'coordinates': polygon_lists[a]} if one else
            {'type': 'MultiPolygon', 'coordinates': polygon_lists[a:b]}
            for one, a, b in zip(single, multipolygons[:-1], multipolygons[1:])]
