"""Ward neighbours (queen contiguity) and the display copy of the boundaries."""
import json

import numpy as np

DISPLAY_TOLERANCE_DEGREES = 0.0005  # about 55 m: invisible on a state map, much smaller files
DISPLAY_DECIMALS = 6


def queen_neighbours(geometries):
    """CSR neighbour lists (indptr, indices): wards whose boundaries share at least one point.

    Built from an STRtree query, so cost grows with wards x neighbours, not wards squared.
    Rows without a geometry have no neighbours.
    """
    import shapely
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
    """A FeatureCollection of simplified WGS84 polygons with the given per-feature properties."""
    import shapely
    features = []
    geoms = np.asarray(geometries, dtype=object)
    present = np.array([g is not None for g in geoms])
    simplified = geoms.copy()
    if present.any():
        simplified[present] = shapely.transform(
            shapely.simplify(geoms[present], DISPLAY_TOLERANCE_DEGREES, preserve_topology=True),
            lambda coords: np.round(coords, DISPLAY_DECIMALS))
    for geometry, props in zip(simplified, properties):
        features.append({'type': 'Feature', 'properties': props,
                         'geometry': json.loads(shapely.to_geojson(geometry)) if geometry is not None else None})
    return {'type': 'FeatureCollection', 'features': features}
