"""The floor under a ranking: what no implementation can skip, done as plainly and as fast as it goes.

Reading both files (the CSV's cells as numbers, the boundaries' coordinates as arrays and their
attributes: a .shp walked record by record into numpy and its .dbf's fixed-width records viewed
by numpy, or a GeoJSON parsed), building every polygon at once
(`shapely.from_ragged_array`) and the queen neighbours with one STRtree query. None of it
validates, matches, repairs, imputes, scores or explains anything: the service does all of
that on top, so its time over the floor's is what its own work costs. Nothing here is shared
with the service's code.
"""
import csv
import gc
import io
import json
import struct
import time
import zipfile

import numpy as np
import shapely

def read_table(data):
    """The CSV's rows, every cell after the first two as a float (NaN where it is not one)."""
    rows = list(csv.reader(io.StringIO(data.decode('utf-8-sig'))))[1:]

    def number(cell):
        try:
            return float(cell)
        except ValueError:
            return np.nan
    return np.array([[number(cell) for cell in row[2:]] for row in rows])


def read_dbf(dbf):
    """A .dbf's records as one array of fixed-width byte fields (the ward codes and names are there)."""
    count, header, length = struct.unpack_from('<IHH', dbf, 4)
    widths = [dbf[offset + 16] for offset in range(32, header - 1, 32)]
    dtype = np.dtype([('deleted', 'S1')] + [(f'f{i}', f'S{w}') for i, w in enumerate(widths)])
    return np.frombuffer(dbf, dtype, count, header)


def read_shp(data):
    """A zipped shapefile's polygons as (coordinates, ring offsets, polygon offsets), one polygon a
    record; its attribute table read too, as which polygon is which ward is there."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        shp = archive.read(next(n for n in names if n.lower().endswith('.shp')))
        read_dbf(archive.read(next(n for n in names if n.lower().endswith('.dbf'))))
    points, rings, polygons = [], [0], [0]
    position = 100
    while position < len(shp):
        words = struct.unpack_from('>i', shp, position + 4)[0]
        n_parts, n_points = struct.unpack_from('<2i', shp, position + 44)
        parts = np.frombuffer(shp, '<i4', n_parts, position + 52)
        points.append(np.frombuffer(shp, '<f8', 2 * n_points, position + 52 + 4 * n_parts).reshape(-1, 2))
        rings.extend(rings[-1] + np.append(parts[1:], n_points))
        polygons.append(polygons[-1] + n_parts)
        position += 8 + 2 * words
    return np.concatenate(points), np.array(rings), np.array(polygons)


def read_geojson(data):
    """A GeoJSON's polygons as (coordinates, ring offsets, polygon offsets)."""
    features = json.loads(data)['features']
    rings = [np.asarray(ring, dtype=float) for feature in features for ring in feature['geometry']['coordinates']]
    counts = [len(feature['geometry']['coordinates']) for feature in features]
    return (np.concatenate(rings), np.concatenate([[0], np.cumsum([len(r) for r in rings])]),
            np.concatenate([[0], np.cumsum(counts)]))


def floor(files):
    """Seconds of each part of the floor for {'data': (name, bytes), 'boundaries': (name, bytes)}.

    Reading runs with the cyclic garbage collector off: parsing makes millions of lists and no
    cycle, and the collector walking them again and again is most of a large GeoJSON's time."""
    name, data = files['boundaries']
    started = time.perf_counter()
    gc.disable()
    try:
        read_table(files['data'][1])
        coords, rings, polygons = read_shp(data) if name.lower().endswith('.zip') else read_geojson(data)
    finally:
        gc.enable()
    read = time.perf_counter()
    wards = shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, (rings, polygons))
    built = time.perf_counter()
    shapely.STRtree(wards).query(wards, predicate='intersects')
    done = time.perf_counter()
    return {'read': read - started, 'polygons': built - read, 'neighbours': done - built}
