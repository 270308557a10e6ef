"""Ward polygons made all at once from their coordinates, never vertex by vertex in Python.

A .shp is read with numpy, one slice of points per record, and its rings are read as pyshp
reads them (`Shape.__geo_interface__`): a clockwise ring is an outer ring and every other ring
a hole of it, one outer ring per polygon, holes after it. A
GeoJSON's rings become arrays while the document is parsed. Then every polygon is made in
one call to shapely. The result is the geometry shapely's `shape()` makes of each record,
ring for ring and vertex for vertex; a record that is not plain (holes to sort among several
outer rings, a ring shapely would refuse, a coordinate that is not a finite number) goes the
old way, alone.
"""
import struct

import numpy as np

from .errors import DataError

POLYGON_SHAPE_TYPES = frozenset({5, 15, 25})   # Polygon, PolygonZ, PolygonM (their z and m are not read)
HEADER_BYTES = 100
RECORD_HEADER = struct.Struct('>2i')    # record number, content length in 16-bit words
SHAPE_TYPE = struct.Struct('<i')
COUNTS = struct.Struct('<2i')           # parts, points (after the type and the bounding box)
COUNTS_AT, PARTS_AT = 44, 52            # from the record header's start
EPSILON = np.finfo(float).eps


class Ragged:
    """Polygons as flat arrays (shapely's ragged layout, one level more for the records):
    `coords` (points x 2); `rings`, `polygons`, `records`: offsets into the level below; `multi`:
    whether each record is a MultiPolygon (else a Polygon of its one polygon)."""
    __slots__ = ('coords', 'rings', 'polygons', 'records', 'multi')

    def __init__(self, coords, rings, polygons, records, multi):
        self.coords, self.rings, self.polygons, self.records, self.multi = coords, rings, polygons, records, multi


def build(ragged):
    """The shapely geometries of the ragged records, made in one call per geometry type."""
    import shapely
    polygons = shapely.from_ragged_array(shapely.GeometryType.POLYGON, ragged.coords,
                                         (ragged.rings, ragged.polygons))
    counts = np.diff(ragged.records)
    out = np.empty(len(counts), dtype=object)
    single = ~ragged.multi
    out[single] = polygons[ragged.records[:-1][single]]
    if ragged.multi.any():
        parts = np.repeat(ragged.multi, counts)
        owners = np.repeat(np.arange(int(ragged.multi.sum())), counts[ragged.multi])
        out[ragged.multi] = shapely.multipolygons(polygons[parts], indices=owners)
    return out


def plain_ring(ring):
    """A ring as a float array (points x 2) when shapely takes it as it is (finite x, y numbers,
    three points or more: shapely closes the ring), else None."""
    try:
        array = np.asarray(ring)
    except (ValueError, TypeError):   # ragged or odd nesting: the old way names the record
        return None
    if array.ndim != 2 or array.shape[1] != 2 or array.dtype.kind not in 'iuf' or len(array) < 3:
        return None
    array = array.astype(float, copy=False)
    return array if np.isfinite(array).all() else None


def geojson_rings(kind, coordinates):
    """A GeoJSON Polygon's or MultiPolygon's coordinates as [[ring array]] per polygon, or None
    when any part is not plain (the caller then makes it with `shape()`, which judges it)."""
    polygons = [coordinates] if kind == 'Polygon' else coordinates
    if not isinstance(polygons, list) or not polygons:
        return None
    out = []
    for rings in polygons:
        if not isinstance(rings, list) or not rings:
            return None
        arrays = [plain_ring(ring) for ring in rings]
        if any(a is None for a in arrays):
            return None
        out.append(arrays)
    return out


def ragged_of(records):
    """Ragged arrays of [(multi, [[ring array]])] records (each with at least one polygon)."""
    rings = [ring for _, polygons in records for polygon in polygons for ring in polygon]
    ring_counts = [len(polygon) for _, polygons in records for polygon in polygons]
    polygon_counts = [len(polygons) for _, polygons in records]
    return Ragged(np.concatenate(rings), _offsets([len(r) for r in rings]), _offsets(ring_counts),
                  _offsets(polygon_counts), np.array([multi for multi, _ in records], dtype=bool))


def _offsets(counts):
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


# --- shapefiles ---------------------------------------------------------------

def read_shp(filename, shp, count):
    """The first `count` records of a .shp as (shape type, parts, points), points a view of the
    bytes; None for a null shape. A truncated file raises struct.error or ValueError."""
    records = []
    position = HEADER_BYTES
    for number in range(1, count + 1):
        _, words = RECORD_HEADER.unpack_from(shp, position)
        kind, = SHAPE_TYPE.unpack_from(shp, position + 8)
        if kind == 0:
            records.append(None)
        elif kind in POLYGON_SHAPE_TYPES:
            n_parts, n_points = COUNTS.unpack_from(shp, position + COUNTS_AT)
            if n_parts < 0 or n_points < 0:
                raise ValueError(f'record {number} counts {n_parts} parts and {n_points} points')
            parts = np.frombuffer(shp, '<i4', n_parts, position + PARTS_AT)
            points = np.frombuffer(shp, '<f8', 2 * n_points, position + PARTS_AT + 4 * n_parts)
            records.append((kind, parts, points.reshape(-1, 2)))
        else:
            raise DataError('not_polygons', f'Record {number} is not a polygon: ward boundaries must be polygons.',
                            file=filename, row=number)
        position += 8 + 2 * words
    return records


def shapefile_polygons(filename, shp, count, one_by_one):
    """The geometry of each of the first `count` records of the .shp bytes (None for a null
    shape), as pyshp and `shape()` read them; `one_by_one(number, kind, parts, points)` makes
    a record the vectorised reading leaves (and refuses a malformed one)."""
    records = read_shp(filename, shp, count)
    out = np.full(count, None, dtype=object)
    shaped = [i for i, r in enumerate(records) if r is not None]
    if shaped:
        out[shaped] = _vectorised([records[i] for i in shaped])
    for i in shaped:
        if out[i] is None:
            out[i] = one_by_one(i + 1, *records[i])
    return out


def _vectorised(records):
    """The (kind, parts, points) records' polygons, None for those that are not plain: parts
    that start at 0 and rise, rings of three points or more (shapely closes them), finite
    coordinates, and no holes to sort among several outer rings."""
    coords = np.concatenate([points for _, _, points in records])
    point_counts = np.array([len(points) for _, _, points in records])
    ring_counts = np.array([len(parts) for _, parts, _ in records])
    first_point, first_ring = _offsets(point_counts), _offsets(ring_counts)
    record_of_ring = np.repeat(np.arange(len(records)), ring_counts)
    starts = np.concatenate([parts for _, parts, _ in records]).astype(np.int64)
    ends = np.append(starts[1:], 0)
    has_rings = ring_counts > 0
    ends[first_ring[1:][has_rings] - 1] = point_counts[has_rings]
    good = (starts >= 0) & (ends - starts >= 3) & (ends <= point_counts[record_of_ring])
    starts, ends = starts + first_point[record_of_ring], ends + first_point[record_of_ring]
    finite = np.isfinite(coords).all(axis=1)
    plain = (has_rings & (np.bincount(record_of_ring, weights=~good, minlength=len(records)) == 0)
             & (np.bincount(np.repeat(np.arange(len(records)), point_counts), weights=~finite,
                            minlength=len(records)) == 0))
    plain[has_rings] &= starts[first_ring[:-1][has_rings]] == first_point[:-1][has_rings]
    kept = plain[record_of_ring]
    if not kept.any():
        return np.full(len(records), None, dtype=object)
    starts, ends, record_of_ring = starts[kept], ends[kept], record_of_ring[kept]
    # A record's only ring is its polygon whichever way it winds: the winding decides among several.
    several = (ring_counts > 1)[record_of_ring]
    outer = np.ones(len(starts), dtype=bool)
    if several.any():
        outer[several] = _clockwise(coords, starts[several], ends[several])
    return _organised(coords, starts, ends, outer, record_of_ring, np.where(plain, ring_counts, 0), plain)


def _clockwise(coords, starts, ends):
    """pyshp's `is_cw` of every ring at once: twice the signed area, sum over i in 1..n-1 of
    x[i] * (y[i+1] - y[i-1]) with y[n] = y[1], negative for clockwise. Where the float sum is
    too close to zero for its order of addition to be sure of the sign, pyshp's own sum decides."""
    import shapefile
    lengths = ends - starts
    points = _ranges(starts, lengths)
    x, y = coords[points, 0], coords[points, 1]
    local = _offsets(lengths)
    following = np.append(y[1:], 0.0)
    following[local[1:] - 1] = y[local[:-1] + 1]
    preceding = np.insert(y[:-1], 0, 0.0)
    terms = x * (following - preceding)
    terms[local[:-1]] = 0.0
    area = np.add.reduceat(terms, local[:-1])
    bound = 2 * lengths * EPSILON * np.add.reduceat(np.abs(terms), local[:-1])
    outer = area < 0
    for r in np.flatnonzero(np.abs(area) <= bound):
        outer[r] = shapefile.is_cw(coords[starts[r]:ends[r]].tolist())
    return outer


def _ranges(starts, lengths):
    """The indices start, start + 1, ... of every range, one after the other."""
    return np.repeat(starts - _offsets(lengths)[:-1], lengths) + np.arange(lengths.sum())


def _organised(coords, starts, ends, outer, record_of_ring, ring_counts, plain):
    """pyshp's polygons of the plain records: one outer ring with every hole after it, or (no
    outer ring, or several and no hole) each ring a polygon of its own. Records with several
    outer rings and holes are None, like those that are not plain (pyshp sorts their holes
    by containment)."""
    outers = np.bincount(record_of_ring, weights=outer, minlength=len(ring_counts)).astype(int)
    simple = plain & ((outers <= 1) | (ring_counts == outers))
    one_outer = (outers == 1)[record_of_ring]
    local = np.arange(len(starts)) - np.repeat(_offsets(ring_counts)[:-1], ring_counts)
    # Within a record: its polygon (0 when it has one outer ring), outer ring before holes, file order.
    polygon = np.where(one_outer, 0, local)
    order = np.lexsort((local, one_outer & ~outer, polygon, record_of_ring))
    order = order[simple[record_of_ring[order]]]
    starts, ends, record_of_ring, polygon = starts[order], ends[order], record_of_ring[order], polygon[order]
    lengths = ends - starts
    new_polygon = np.ones(len(order), dtype=bool)
    new_polygon[1:] = (record_of_ring[1:] != record_of_ring[:-1]) | (polygon[1:] != polygon[:-1])
    polygon_starts = np.flatnonzero(new_polygon)
    polygon_counts = np.bincount(record_of_ring[polygon_starts], minlength=len(ring_counts))[simple]
    out = np.full(len(ring_counts), None, dtype=object)
    if simple.any():
        out[simple] = build(Ragged(coords[_ranges(starts, lengths)], _offsets(lengths),
                                   np.append(polygon_starts, len(order)), _offsets(polygon_counts),
                                   polygon_counts > 1))
    return out
