"""Ward boundaries simplified for display, keeping neighbours' shared edges identical.

A map of 275 wards must stay under 600 KB and one of 9,400 wards under 6 MB, so
boundaries are simplified as a *coverage* (`shapely.coverage_simplify`): an edge
two wards share is simplified once, so no slivers or gaps open between them.
Coordinates are then rounded pointwise, which maps a shared vertex to the same
rounded vertex on both sides. This is meant as the one display simplification of
the project: the engine's display boundaries (`analysis/spatial.py`) should call
`simplify_for_display` rather than simplify polygon by polygon.
"""
import json

import numpy as np
import shapely

DECIMALS = 4  # about 11 m at the equator: far below what a ward map shows
BASE_VERTICES = 20_000  # a state map keeps this many vertices in all ...
VERTICES_PER_WARD = 16  # ... and a national one about this many per ward


def vertex_budget(n_wards):
    """How many vertices a map of n wards may carry within the size budgets."""
    return max(BASE_VERTICES, VERTICES_PER_WARD * n_wards)


def simplify_for_display(geometries, max_vertices=None, decimals=DECIMALS):
    """Simplify polygons as a coverage until they fit `max_vertices`, then round.

    The tolerance starts at a ten-thousandth of the extent's diagonal and doubles
    until the budget holds, so a detailed state keeps its detail and a national
    map stays small. Returns a list in input order; a missing geometry stays None.
    """
    result = np.full(len(geometries), None, dtype=object)
    present = np.flatnonzero([g is not None for g in geometries])
    if len(present) == 0:
        return list(result)
    geoms = shapely.make_valid(np.asarray([geometries[i] for i in present], dtype=object))
    budget = max_vertices or vertex_budget(len(geoms))
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    tolerance = max(np.hypot(xmax - xmin, ymax - ymin), 1e-6) * 1e-4
    simplified = geoms
    while shapely.get_num_coordinates(simplified).sum() > budget and tolerance < 1.0:
        simplified = shapely.coverage_simplify(geoms, tolerance)
        tolerance *= 2
    rounded = shapely.set_precision(simplified, 10.0 ** -decimals, mode='pointwise')
    rounded = shapely.remove_repeated_points(rounded, 0.0)
    # A ward smaller than the rounding grid would vanish: keep its unrounded shape.
    vanished = shapely.is_empty(rounded) | (shapely.area(rounded) == 0)
    rounded[vanished] = simplified[vanished]
    result[present] = rounded
    return list(result)


def polygonal(geom):
    """The polygons of a geometry (make_valid can add stray lines or points), as one geometry."""
    if geom.geom_type in ('Polygon', 'MultiPolygon'):
        return geom
    parts = shapely.get_parts(shapely.get_parts(geom))
    return shapely.multipolygons([p for p in parts if p.geom_type == 'Polygon'])


def display_feature_collection(ids, geometries, max_vertices=None, decimals=DECIMALS):
    """A FeatureCollection of simplified wards keyed by `id` (the ward key), no properties.

    Wards without a geometry are left out: a map cannot draw them. GEOS writes the
    rounded coordinates in their shortest form (7.1234, not 7.123400000000001).
    """
    kept = [(ward_id, polygonal(g)) for ward_id, g in zip(ids, simplify_for_display(geometries, max_vertices, decimals))
            if g is not None]
    texts = shapely.to_geojson(np.asarray([g for _, g in kept], dtype=object)) if kept else []
    return {'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'id': ward_id, 'properties': {}, 'geometry': json.loads(text)}
        for (ward_id, _), text in zip(kept, texts)]}
