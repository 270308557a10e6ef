"""Boundaries made all at once are the polygons pyshp and shapely's `shape()` make one by one:
same type, rings, order and vertices, and the same prepared wards on every real dataset."""
import io
import json
import math
import zipfile

import pytest
import shapefile
import shapely
from shapely.geometry import shape

from chalicelib.analysis import DataError, prepare_dataset, polygons
from chalicelib.analysis.ingest import read_boundaries

from analysis_builders import REAL, real_files, zip_of

ALL_REAL = sorted(REAL) + ['synthetic_template']


def one_by_one(filename, shp, count, make):
    """The reading this module replaced: pyshp's shapes, each made by shapely's `shape()`."""
    reader = shapefile.Reader(shp=io.BytesIO(shp))
    return [None if s.shapeType == 0 else shape(s.__geo_interface__) for s in reader.iterShapes()]


def wkb(geometries):
    return [None if g is None else shapely.to_wkb(g) for g in geometries]


def files_of(shared_data, name):
    if name in REAL:
        return real_files(shared_data, name)
    folder = shared_data / name
    return {'data': ('sample_data_template.csv', (folder / 'sample_data_template.csv').read_bytes()),
            'boundaries': ('sample_boundary_template.zip', (folder / 'sample_boundary_template.zip').read_bytes())}


@pytest.mark.shared_data
@pytest.mark.parametrize('name', ALL_REAL)
def test_real_boundaries_and_prepared_wards_are_those_read_one_by_one(shared_data, name, monkeypatch):
    files = files_of(shared_data, name)
    prepared = prepare_dataset(files).to_canonical()
    layer = read_boundaries(*files['boundaries'])
    monkeypatch.setattr(polygons, 'shapefile_polygons', one_by_one)
    assert wkb(layer.geometries) == wkb(read_boundaries(*files['boundaries']).geometries)
    assert prepared == prepare_dataset(files).to_canonical()


def shapefile_of(records, shape_type=shapefile.POLYGON):
    """A zipped shapefile of (rings or None) records, rings written as given (no re-orientation)."""
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shape_type)
    writer.field('WardName', 'C', size=20)
    for number, rings in enumerate(records, start=1):
        if rings is None:
            writer.null()
        elif shape_type == shapefile.POLYGONZ:
            writer.polyz([[[x, y, 7.0] for x, y in ring] for ring in rings])
        else:
            writer.poly(rings)
        writer.record(WardName=f'W{number}')
    writer.close()
    return zip_of({'w.shp': shp.getvalue(), 'w.shx': shx.getvalue(), 'w.dbf': dbf.getvalue()})


def clockwise(x, y, size):
    return [[x, y], [x, y + size], [x + size, y + size], [x + size, y], [x, y]]


def anticlockwise(x, y, size):
    return clockwise(x, y, size)[::-1]


RECORDS = [
    [clockwise(0, 0, 10)],                                                      # one outer ring
    [anticlockwise(1, 1, 2), clockwise(0, 0, 10), anticlockwise(5, 5, 2)],      # holes before and after it
    [clockwise(0, 0, 4), clockwise(10, 0, 4)],                                  # two outer rings, no hole
    [clockwise(0, 0, 10), anticlockwise(1, 1, 2), clockwise(20, 0, 10), anticlockwise(21, 1, 2)],  # holes sorted
    [anticlockwise(0, 0, 3), anticlockwise(5, 0, 3)],                           # only holes (wound backwards)
    None,                                                                       # a record without a shape
    [clockwise(0, 0, 4)[:-1]],                                                  # a ring left open
    [[[0, 0], [0, 1], [0, 0]]],                                                 # three points: repaired away
    [[[0, 0], [0, 1e-9], [1e-9, 1e-9], [1e-9, 0], [0, 0]]],                     # winding close to zero
    [[[0.1, 0.2], [0.1, 0.7], [0.30000000000000004, 0.7], [0.3, 0.2], [0.1, 0.2]]],
    # a second ring whose winding is too close to zero for numpy's order of addition: pyshp's sum decides
    [clockwise(100, 0, 10), [[101, 1], [101, 1 + 5e-14], [101 + 5e-14, 1 + 5e-14], [101 + 5e-14, 1], [101, 1]]],
]


@pytest.mark.parametrize('shape_type', [shapefile.POLYGON, shapefile.POLYGONZ])
def test_every_kind_of_record_is_made_as_pyshp_and_shape_make_it(shape_type, monkeypatch):
    data = shapefile_of(RECORDS, shape_type)
    made = read_boundaries('w.zip', data).geometries
    monkeypatch.setattr(polygons, 'shapefile_polygons', one_by_one)
    expected = read_boundaries('w.zip', data).geometries
    assert [None if g is None else g.geom_type for g in made][:10] == [
        'Polygon', 'Polygon', 'MultiPolygon', 'MultiPolygon', 'MultiPolygon', None, 'Polygon', None, 'Polygon',
        'Polygon']
    assert wkb(made) == wkb(expected)


def test_a_record_with_a_coordinate_that_is_not_a_number_is_refused_by_number():
    ring = [[0, 0], [0, 1], [1, math.nan], [1, 0], [0, 0]]
    with pytest.raises(DataError) as caught:
        read_boundaries('w.zip', shapefile_of([[clockwise(0, 0, 1)], [clockwise(2, 0, 1)], [ring]]))
    assert (caught.value.code, caught.value.row) == ('bad_geometry', 3)


def test_a_truncated_shp_is_unreadable():
    data = shapefile_of([[clockwise(0, 0, 1)], [clockwise(2, 0, 1)]])
    members = {info.filename: zipfile.ZipFile(io.BytesIO(data)).read(info) for info in
               zipfile.ZipFile(io.BytesIO(data)).infolist()}
    members['w.shp'] = members['w.shp'][:-40]
    with pytest.raises(DataError) as caught:
        read_boundaries('w.zip', zip_of(members))
    assert caught.value.code == 'unreadable_file'


def geojson(geometries):
    return json.dumps({'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'properties': {'WardName': f'W{i}'}, 'geometry': g}
        for i, g in enumerate(geometries)]}).encode()


GEOMETRIES = [
    {'type': 'Polygon', 'coordinates': [anticlockwise(0, 0, 10), clockwise(1, 1, 2)]},
    {'type': 'MultiPolygon', 'coordinates': [[anticlockwise(0, 0, 1)]]},
    {'type': 'MultiPolygon',
     'coordinates': [[anticlockwise(0, 0, 1)], [anticlockwise(3, 0, 1), clockwise(3.2, 0.2, 0.1)]]},
    {'type': 'Polygon', 'coordinates': [[[0, 0], [1, 0], [1, 1], [0, 1]]]},                 # left open, integers
    {'type': 'Polygon', 'coordinates': [[[0, 0], [1, 0], [0, 0]]]},                         # three points
    {'type': 'Polygon', 'coordinates': [[[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 0, 5]]]},     # with heights
    None,
    {'type': 'Polygon', 'coordinates': [[[0.1, 0.2], [0.3, 0.2], [0.30000000000000004, 0.7], [0.1, 0.2]]]},
]


def test_geojson_polygons_are_made_as_shape_makes_them(monkeypatch):
    made = read_boundaries('w.geojson', geojson(GEOMETRIES)).geometries
    monkeypatch.setattr(polygons, 'geojson_rings', lambda kind, coordinates: None)   # each alone, by shape()
    assert wkb(made) == wkb(read_boundaries('w.geojson', geojson(GEOMETRIES)).geometries)
    assert [None if g is None else g.geom_type for g in made] == [
        'Polygon', 'MultiPolygon', 'MultiPolygon', 'Polygon', None, 'Polygon', None, 'Polygon']


@pytest.mark.parametrize('collecting', [True, False])
def test_reading_a_geojson_leaves_the_garbage_collector_as_it_was_also_when_refused(collecting):
    import gc
    (gc.enable if collecting else gc.disable)()
    try:
        read_boundaries('w.geojson', geojson(GEOMETRIES))
        with pytest.raises(DataError):
            read_boundaries('w.geojson', b'{"type": "FeatureCollection", "features": [')
        assert gc.isenabled() == collecting
    finally:
        gc.enable()
