"""Small upload files built in code: a valid grid of wards and the ways files go wrong;
and a lease heartbeat the tests drive.

No data files are checked in: every test builds exactly the bytes it needs.
"""
import csv
import io
import json
import random
import threading
import zipfile

import shapefile

STATE = 'NI'
VARIABLES = ('u5_tpr_rdt', 'mean_rainfall', 'distance_to_water', 'housing_quality')


def ward_square(i, side, size=0.1, x0=6.0, y0=9.0):
    """The ring of the i-th ward of a side x side grid (lon/lat degrees, closed)."""
    x, y = x0 + (i % side) * size, y0 + (i // side) * size
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def grid_wards(side=4, seed=1):
    """`side * side` wards: code, name, LGA and variables with a spatial trend."""
    rng = random.Random(seed)
    wards = []
    for i in range(side * side):
        trend = (i % side + i // side) / (2 * side)
        wards.append({
            'WardCode': f'NIS{i:03d}', 'WardName': f'Ward {i}', 'LGA': 'Alpha' if i % 2 else 'Beta',
            'StateCode': STATE,
            'u5_tpr_rdt': round(20 + 60 * trend + rng.uniform(-5, 5), 3),
            'mean_rainfall': round(900 + 400 * trend + rng.uniform(-50, 50), 3),
            'distance_to_water': round(5 + 10 * (1 - trend) + rng.uniform(-1, 1), 3),
            'housing_quality': round(0.3 + 0.4 * (1 - trend) + rng.uniform(-0.05, 0.05), 3),
        })
    return wards


def table_rows(rows, columns=None):
    """The header and the cells of `rows` (dicts), as lists."""
    columns = columns or list(rows[0])
    return [columns] + [[row.get(c, '') for c in columns] for row in rows]


def csv_bytes(rows, columns=None, delimiter=','):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator='\n').writerows(table_rows(rows, columns))
    return out.getvalue().encode('utf-8')


def geojson_bytes(wards, side):
    features = [{'type': 'Feature',
                 'properties': {'WardCode': w['WardCode'], 'WardName': w['WardName'],
                                'LGA': w['LGA'], 'StateCode': STATE},
                 'geometry': {'type': 'Polygon', 'coordinates': [ward_square(i, side)]}}
                for i, w in enumerate(wards)]
    return json.dumps({'type': 'FeatureCollection', 'features': features}).encode()


def grid_files(side=4, seed=1):
    """A valid upload: ward data CSV and GeoJSON boundaries of a side x side grid."""
    wards = grid_wards(side, seed)
    return {'data': ('wards.csv', csv_bytes(wards)),
            'boundaries': ('wards.geojson', geojson_bytes(wards, side))}


def shapefile_members(wards, side, scale=1.0, x0=6.0, y0=9.0):
    """The .shp, .shx and .dbf bytes of the grid (coordinates multiplied by `scale`)."""
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON) as writer:
        writer.field('WardCode', 'C', 20)
        writer.field('WardName', 'C', 60)
        writer.field('LGA', 'C', 40)
        for i, w in enumerate(wards):
            ring = [[x * scale, y * scale] for x, y in ward_square(i, side, x0=x0, y0=y0)]
            writer.poly([list(reversed(ring))])
            writer.record(w['WardCode'], w['WardName'], w['LGA'])
    return {'wards.shp': shp.getvalue(), 'wards.shx': shx.getvalue(), 'wards.dbf': dbf.getvalue()}


def zip_bytes(members):
    """A zip of `{name: bytes}`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def symlink_zip(target):
    """A zip whose only member is a symbolic link."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        info = zipfile.ZipInfo('wards.shp')
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, target)
    return out.getvalue()


def zip_bomb(uncompressed_bytes):
    """A small zip that expands to `uncompressed_bytes` of zeros (plus a valid-looking set)."""
    return with_zeros(zip_bytes({'wards.shx': b'\0' * 100, 'wards.dbf': b'\0' * 100}), 'wards.shp',
                      uncompressed_bytes)


def with_zeros(archive_bytes, name, uncompressed_bytes):
    """The zip (or workbook) with a member `name` of `uncompressed_bytes` zeros, a few KB compressed."""
    out = io.BytesIO(archive_bytes)
    with zipfile.ZipFile(out, 'a', zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(name, 'w', force_zip64=True) as member:
            chunk = b'\0' * (1024 * 1024)
            for _ in range(uncompressed_bytes // len(chunk)):
                member.write(chunk)
    return out.getvalue()


def _entry(archive_bytes, name):
    """(central directory record, local header) offsets of member `name`."""
    central = archive_bytes.find(b'PK\x01\x02')
    while central >= 0:
        size = int.from_bytes(archive_bytes[central + 28:central + 30], 'little')
        if archive_bytes[central + 46:central + 46 + size] == name.encode():
            return central, int.from_bytes(archive_bytes[central + 42:central + 46], 'little')
        central = archive_bytes.find(b'PK\x01\x02', central + 4)
    raise KeyError(name)


def with_header(archive_bytes, name, crc=None, size=None):
    """The zip with member `name`'s recorded CRC or uncompressed size replaced, in both its
    headers, and its content unchanged: a damaged or lying header."""
    out = bytearray(archive_bytes)
    central, local = _entry(out, name)
    for value, in_central, in_local in ((crc, 16, 14), (size, 24, 22)):
        if value is not None:
            out[central + in_central:central + in_central + 4] = value.to_bytes(4, 'little')
            out[local + in_local:local + in_local + 4] = value.to_bytes(4, 'little')
    return bytes(out)


def garbled(archive_bytes, name):
    """The zip with sixteen bytes in the middle of member `name`'s compressed stream flipped."""
    out = bytearray(archive_bytes)
    central, local = _entry(out, name)
    start = local + 30 + int.from_bytes(out[local + 26:local + 28], 'little') \
        + int.from_bytes(out[local + 28:local + 30], 'little')
    middle = start + int.from_bytes(out[central + 20:central + 24], 'little') // 2
    out[middle:middle + 16] = bytes(b ^ 0x55 for b in out[middle:middle + 16])
    return bytes(out)


def xlsx_bytes(rows):
    """An XLSX workbook whose first sheet holds `rows` (a list of lists)."""
    from openpyxl import Workbook
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class OneBeat:
    """A Heartbeat `wait` the test drives: the heartbeat renews exactly once, when `beat()`
    asks, and `beat()` returns after that renewal has run; then the heartbeat ends."""

    def __init__(self):
        self._go, self._done = threading.Event(), threading.Event()

    def wait(self, stop, seconds):
        if self._go.is_set():
            self._done.set()
            return True
        return not self._go.wait(timeout=10)

    def beat(self):
        self._go.set()
        assert self._done.wait(timeout=10), 'the heartbeat did not renew'
