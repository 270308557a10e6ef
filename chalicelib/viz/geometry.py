"""Ward boundaries simplified for display, keeping neighbours' shared edges identical.

A map of 275 wards must stay under 600 KB and one of 9,400 wards under 6 MB, so
boundaries are simplified as a *coverage* (`shapely.coverage_simplify`): an edge
two wards share is simplified once, so no slivers or gaps open between them.
Coordinates are then rounded pointwise, which maps a shared vertex to the same
rounded vertex on both sides. The simplification itself lives with the engine's display
boundaries (`analysis/spatial.py`), so both draw the same shapes.
"""
import json

import numpy as np
import shapely

from chalicelib.analysis.spatial import DECIMALS, polygonal, round_to_grid, simplify_for_display


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


LGA_DECIMALS = 5  # about a metre: the outlines follow the ward edges they are made of


def shapes(collection):
    """The collection's geometries as shapely objects in feature order, read by GEOS in one go."""
    if not collection['features']:
        return []
    return list(shapely.get_parts(shapely.from_geojson(json.dumps(collection))))


def lga_outlines(keys, geometries, lga_of):
    """[(LGA, geometry)] sorted by LGA: the union of each LGA's display wards.

    `lga_of` maps a ward key to its LGA; wards without one belong to no outline.
    The display wards share their edges exactly, so each union is a clean outline
    that lies on the ward edges drawn beside it (no second simplification moves it).
    """
    groups = {}
    for key, geometry in zip(keys, geometries):
        lga = lga_of.get(key)
        if lga:
            groups.setdefault(lga, []).append(geometry)
    names = sorted(groups)
    unions = [polygonal(shapely.union_all(groups[name])) for name in names]
    rounded = round_to_grid(np.asarray(unions, dtype=object), LGA_DECIMALS) if unions else []
    return list(zip(names, rounded))


def lga_feature_collection(outlines):
    """The LGA outlines as a FeatureCollection with the property `lga`."""
    texts = shapely.to_geojson(np.asarray([g for _, g in outlines], dtype=object)) if outlines else []
    return {'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'properties': {'lga': lga}, 'geometry': json.loads(text)}
        for (lga, _), text in zip(outlines, texts)]}
