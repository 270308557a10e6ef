"""Plain longitude/latitude is recognised without pyproj (its import alone costs a cold start
0.15 s), and only where pyproj reads the same projection."""
import pathlib
import subprocess
import sys

import pytest
from pyproj import Transformer

from chalicelib.analysis.ingest import WGS84, parse_crs
from chalicelib.analysis.synthetic import WGS84_PRJ

ROOT = pathlib.Path(__file__).resolve().parents[2]

GDAL_WGS84 = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
              'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
              'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]')
MERCATOR = ('PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
            'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
            'PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],'
            'PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],'
            'PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]')
CLARKE = WGS84_PRJ.replace('6378137.0,298.257223563', '6378249.145,293.465')


@pytest.mark.parametrize('text', [WGS84_PRJ, GDAL_WGS84, WGS84_PRJ.replace(',', ', '), 'EPSG:4326',
                                  'urn:ogc:def:crs:OGC:1.3:CRS84', 'urn:ogc:def:crs:EPSG::4326'])
def test_plain_wgs84_is_recognised_where_pyproj_leaves_coordinates_as_they_are(text):
    assert parse_crs('b.prj', text) is WGS84
    assert Transformer.from_crs(text, 4326, always_xy=True).transform(7.25, 9.5) == (7.25, 9.5)


@pytest.mark.parametrize('text', [MERCATOR, CLARKE])
def test_any_other_projection_is_left_to_pyproj(text):
    assert parse_crs('b.prj', text) is not WGS84


def test_reading_plain_wgs84_boundaries_does_not_load_pyproj():
    script = ('import sys\n'
              'from chalicelib.analysis.ingest import read_boundaries\n'
              'from chalicelib.analysis.synthetic import shapefile_zip\n'
              'read_boundaries("b.zip", shapefile_zip("w", [[[0, 0], [1, 0], [1, 1], [0, 0]]], [{"WardName": "A"}]))\n'
              'print("pyproj" in sys.modules)\n')
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == 'False'
