"""Synthetic wards shaped like a real upload, for tests, demos and scale runs.

A grid of wards with spatially correlated variables (smoothed random fields
sharing a common rural/urban gradient, so PCA finds structure) and a few gaps,
returned as the files of a dataset: 275 wards is a state, 9,400 all of Nigeria.
Ward edges wiggle like real boundaries (about 100 vertices a ward) and two
neighbours share the very same edge coordinates, so display simplification has
real work to do at every scale.
"""
import csv
import io
import json
import math
import zipfile
from types import MappingProxyType

import numpy as np

WGS84_PRJ = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
             'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
NAME_STEMS = ('Sabon Gari', 'Kawo', 'Kodo', 'Kudu', 'Magajiya', 'Tudun Wada', 'Gidan Kwano', 'Badeggi',
              'Lemu', 'Bosso', 'Chanchaga', 'Minna', 'Kutigi', 'Lapai', 'Rijau', 'Wushishi', 'Mokwa', 'Agaie')
# name: (low, high, weight of the shared rural gradient, gap rate multiplier)
VARIABLES = MappingProxyType({
    'population': (3000, 60000, -0.4, 0),
    'u5_tpr_rdt': (8, 75, 0.7, 1),
    'avgRAD': (0.0, 3.0, -0.8, 0),
    'housing_quality': (0.02, 0.5, -0.7, 3),
    'mean_soil_wetness': (0.5, 0.9, 0.3, 0),
    'distance_to_water': (200, 6000, -0.2, 0),
    'NDMI': (-0.2, 0.2, 0.4, 1),
    'NDWI': (-0.5, -0.3, 0.3, 1),
    'mean_rainfall': (60, 160, 0.2, 0),
    'elevation': (100, 700, -0.1, 0),
    'urbanPercentage': (0, 100, -0.9, 0),
})
EDGE_POINTS = 24  # vertices inside each ward edge: four edges make about 100 a ward
CORNER_JITTER = 0.15  # how far a ward corner moves, in cells
WIGGLE = 0.06  # the widest sideways swing of an edge, in cells: edges never cross
COORDINATE_DECIMALS = 6  # as real boundary files carry (about 0.1 m)


def smooth_field(rng, rows, cols, passes=4):
    """White noise smoothed by repeated 3x3 averaging: neighbouring wards get similar values."""
    field = rng.standard_normal((rows, cols))
    for _ in range(passes):
        padded = np.pad(field, 1, mode='edge')
        field = sum(padded[dr:dr + rows, dc:dc + cols] for dr in range(3) for dc in range(3)) / 9.0
    return (field - field.mean()) / (field.std() or 1.0)


def generate_state(n_wards, seed=0, state_code='NI', gap_rate=0.02, cell_degrees=0.05,
                   boundaries_format='geojson', wards_per_lga=11):
    """Files of a synthetic dataset: {'data': (name, csv), 'boundaries': (name, geojson or zip)}."""
    rng = np.random.default_rng(seed)
    cols = math.ceil(math.sqrt(n_wards))
    rows = math.ceil(n_wards / cols)
    rural = smooth_field(rng, rows, cols).ravel()[:n_wards]
    values = {}
    for name, (low, high, weight, gap_factor) in VARIABLES.items():
        own = smooth_field(rng, rows, cols).ravel()[:n_wards]
        mixed = weight * rural + math.sqrt(1 - weight ** 2) * own
        unit = 1.0 / (1.0 + np.exp(-1.5 * mixed))
        column = low + (high - low) * unit
        if name == 'urbanPercentage':
            column = np.where(unit > 0.7, (unit - 0.7) / 0.3 * 100, 0.0)
        column = np.round(column) if name == 'population' else column
        gaps = rng.random(n_wards) < gap_rate * gap_factor
        values[name] = np.where(gaps, np.nan, column)
    lga = np.arange(n_wards) // wards_per_lga + 1
    codes = [f'{state_code}S{i + 1:05d}' for i in range(n_wards)]
    names = [f'{NAME_STEMS[i % len(NAME_STEMS)]}' + (f' {i // len(NAME_STEMS) + 1}' if i % 37 else '')
             for i in range(n_wards)]
    table = io.StringIO()
    writer = csv.writer(table, lineterminator='\n')
    writer.writerow(['WardCode', 'WardName', 'lga_name', 'lga_code', 'state_code'] + list(VARIABLES))
    for i in range(n_wards):
        writer.writerow([codes[i], names[i], f'LGA {lga[i]}', 27000 + lga[i], state_code]
                        + ['NA' if np.isnan(values[v][i]) else repr(float(values[v][i])) for v in VARIABLES])
    properties = [{'StateCode': state_code, 'WardCode': codes[i], 'WardName': names[i],
                   'LGACode': str(27000 + lga[i]), 'Urban': 'Yes' if values['urbanPercentage'][i] >= 50 else 'No'}
                  for i in range(n_wards)]
    rings = ward_rings(np.random.default_rng([seed, 1]), rows, cols, n_wards, cell_degrees)
    stem = f'synthetic_{state_code.lower()}_{n_wards}'
    if boundaries_format == 'shapefile':
        boundaries = (f'{stem}.zip', shapefile_zip(stem, rings, properties))
    else:
        boundaries = (f'{stem}.geojson', geojson_bytes(rings, properties))
    return {'data': (f'{stem}.csv', table.getvalue().encode('utf-8')), 'boundaries': boundaries}


def _edges(rng, starts, ends):
    """Wiggly lines from each start to its end (both left out): a smooth random sideways
    swing, fading to nothing at the corners, so the edges meeting at a corner never cross."""
    t = np.linspace(0.0, 1.0, EDGE_POINTS + 2)[1:-1]
    direction = ends - starts
    normal = np.stack([-direction[..., 1], direction[..., 0]], axis=-1)
    phases = rng.uniform(0, 2 * np.pi, starts.shape[:-1] + (3,))
    swing = sum(np.sin((k + 1) * np.pi * t + phases[..., k, None]) / (k + 1) for k in range(3)) / 1.84
    swing *= np.sin(np.pi * t) * WIGGLE * rng.uniform(0.5, 1.0, starts.shape[:-1] + (1,))
    return starts[..., None, :] + t[:, None] * direction[..., None, :] + swing[..., None] * normal[..., None, :]


def ward_rings(rng, rows, cols, n_wards, cell_degrees):
    """The outer ring (counter-clockwise, closed) of each ward of a rows x cols lattice, row by row.

    Corners and edges are made once, so neighbours share exactly the same coordinates.
    """
    corners = np.stack(np.meshgrid(np.arange(cols + 1.0), np.arange(rows + 1.0)), axis=-1)
    corners += rng.uniform(-CORNER_JITTER, CORNER_JITTER, corners.shape)
    along = _edges(rng, corners[:, :-1], corners[:, 1:])  # [r, c]: corner (r, c) to (r, c + 1)
    up = _edges(rng, corners[:-1, :], corners[1:, :])  # [r, c]: corner (r, c) to (r + 1, c)
    origin = np.array([3.5, 8.0])

    def degrees(points):
        return np.round(origin + points * cell_degrees, COORDINATE_DECIMALS)
    corners, along, up = degrees(corners), degrees(along), degrees(up)
    rings = []
    for i in range(n_wards):
        r, c = divmod(i, cols)
        rings.append(np.concatenate([
            corners[r, c, None], along[r, c], corners[r, c + 1, None], up[r, c + 1],
            corners[r + 1, c + 1, None], along[r + 1, c][::-1], corners[r + 1, c, None], up[r, c][::-1],
            corners[r, c, None]]).tolist())
    return rings


def geojson_bytes(rings, properties):
    """A GeoJSON FeatureCollection of one polygon per ring (a list of [x, y] lists)."""
    features = [{'type': 'Feature', 'properties': props,
                 'geometry': {'type': 'Polygon', 'coordinates': [ring]}}
                for ring, props in zip(rings, properties)]
    return json.dumps({'type': 'FeatureCollection', 'features': features}).encode('utf-8')


def shapefile_zip(stem, rings, properties, prj=WGS84_PRJ):
    """A zipped shapefile (.shp, .shx, .dbf and, unless prj is None, .prj) of the polygons."""
    import shapefile
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON)
    for key in properties[0]:
        writer.field(key, 'C', size=50)
    for ring, props in zip(rings, properties):
        writer.poly([list(reversed(ring))])  # shapefile outer rings run clockwise
        writer.record(**props)
    writer.close()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, 'w', zipfile.ZIP_DEFLATED) as out:
        for ext, buffer in (('shp', shp), ('shx', shx), ('dbf', dbf)):
            out.writestr(f'{stem}.{ext}', buffer.getvalue())
        if prj:
            out.writestr(f'{stem}.prj', prj)
    return archive.getvalue()
