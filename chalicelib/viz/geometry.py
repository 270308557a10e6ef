"""Ward boundaries on the map: GEOS reads the display wards once, and LGA outlines are made from them.

The display wards were simplified as a *coverage* when the dataset was prepared
(`analysis/spatial.py`, once per dataset): an edge two wards share was simplified
once and rounded pointwise, so neighbours still share it exactly and the union of
an LGA's wards is a clean outline.
"""
import json

import numpy as np
import shapely

from chalicelib.analysis.spatial import polygonal, round_to_grid

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
