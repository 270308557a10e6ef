"""Ward boundaries on the map: the display wards made shapely in one call, and LGA outlines from them.

The display wards were simplified as a *coverage* when the dataset was prepared
(`analysis/spatial.py`, once per dataset): an edge two wards share was simplified
once and rounded pointwise, so neighbours still share it exactly and the union of
an LGA's wards is a clean outline (a coverage union, edge-matched).
"""
import numpy as np
import shapely

from chalicelib.analysis.polygons import build, geojson_rings, ragged_of
from chalicelib.analysis.spatial import geojson_geometries, polygonal, round_to_grid

LGA_DECIMALS = 5  # about a metre: the outlines follow the ward edges they are made of


def shapes(collection):
    """The collection's geometries as shapely objects in feature order, all made in one call
    (as the engine reads boundaries: no JSON text in between)."""
    if not collection['features']:
        return []
    kinds = [f['geometry']['type'] for f in collection['features']]
    rings = [geojson_rings(kind, f['geometry']['coordinates']) for kind, f in zip(kinds, collection['features'])]
    return list(build(ragged_of([(kind == 'MultiPolygon', polygons) for kind, polygons in zip(kinds, rings)])))


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
    unions = [polygonal(union(groups[name])) for name in names]
    rounded = round_to_grid(np.asarray(unions, dtype=object), LGA_DECIMALS) if unions else []
    return list(zip(names, rounded))


def union(wards):
    """The union of wards that form a coverage, edge-matched (GEOS's coverage union: a tenth of the
    time of a general union); checked, and made the general way when the wards overlap."""
    wards = np.asarray(wards, dtype=object)
    merged = shapely.coverage_union_all(wards)
    total = shapely.area(wards).sum()
    if shapely.is_valid(merged) and abs(shapely.area(merged) - total) <= 1e-9 * total:
        return merged
    return shapely.union_all(wards)


def lga_feature_collection(outlines):
    """The LGA outlines as a FeatureCollection with the property `lga`."""
    shapes_of = geojson_geometries([g for _, g in outlines])
    return {'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'properties': {'lga': lga}, 'geometry': geometry}
        for (lga, _), geometry in zip(outlines, shapes_of)]}
