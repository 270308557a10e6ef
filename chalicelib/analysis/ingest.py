"""Reading a user's ward data (CSV, XLSX) and ward boundaries (zipped shapefile, GeoJSON).

Everything here refuses bad input with a `DataError` naming the file and what to
do; nothing is read from disk or the environment: bytes in, tables out.
"""
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .errors import DataError

MISSING_TOKENS = frozenset({'', 'na', 'n/a', 'nan', 'null', '-'})

# Identifier columns, matched case-insensitively after trimming.
IDENTIFIER_ALIASES = MappingProxyType({
    'ward_code': ('wardcode', 'ward_code'),
    'ward_name': ('wardname', 'ward_name', 'ward'),
    'lga_code': ('lgacode', 'lga_code'),
    'lga': ('lga', 'lga_name', 'lganame'),
    'state_code': ('statecode', 'state_code'),
    'state': ('state', 'state_name', 'statename'),
    'urban': ('urban',),
})
NEVER_VARIABLES = frozenset({'index', 'global_id', 'globalid', 'source', 'properties', 'geometry',
                             'shape_area', 'shape_leng', 'fid', 'objectid'})
UNNAMED = re.compile(r'^(x(\.\d+)?|unnamed: ?\d+(_level_\d+)?|)$')
URBAN_PERCENT_KEYS = frozenset({'urbanpercentage', 'urbanpercent', 'urbanperc', 'urbanpct', 'urban_percentage'})
POLYGON_SHAPE_TYPES = frozenset({5, 15, 25})


@dataclass(frozen=True)
class Limits:
    """Upload limits and reading choices, passed in by the caller (the service reads its configuration)."""
    max_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 500 * 1024 * 1024
    shapefile: str = None  # which shapefile to read when a zip holds several
    sheet: str = None      # which XLSX sheet to read (default: the first)


@dataclass
class RawTable:
    """A ward table as read: identifier columns, numeric variables and their missing cells."""
    file: str
    identifiers: dict        # role -> list of str|None, one per row
    variables: tuple         # numeric column names, file order
    values: np.ndarray       # rows x variables, NaN where missing
    warnings: list


@dataclass
class BoundaryLayer:
    """Ward polygons in WGS84 with their identifiers, in file order."""
    file: str
    identifiers: dict        # role -> list of str|None (ward_code, ward_name, lga_code, lga, state_code)
    urban_percentage: np.ndarray
    geometries: np.ndarray   # shapely geometries (None when a record has no shape)
    warnings: list


def column_key(name):
    return str(name).strip().lower()


def identifier_text(value):
    """Identifier cells as trimmed text; integral numbers lose their `.0` (27002.0 -> 27002)."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return None if text.lower() in MISSING_TOKENS else text


def check_size(filename, data, limits):
    if len(data) > limits.max_bytes:
        raise DataError('too_large', f'The file is {len(data)} bytes, over the limit of {limits.max_bytes}: '
                        'split it or remove unused columns.', file=filename)
    if not data:
        raise DataError('empty_file', 'The file is empty: upload the file again.', file=filename)


# --- ward data -------------------------------------------------------------------

def decode_text(filename, data):
    """Detect the encoding (UTF-8 with or without BOM, Windows-1252, Latin-1) and say which was used."""
    if b'\x00' in data[:65536]:
        raise DataError('unreadable_encoding', 'The file holds binary data or UTF-16 text: save it as CSV '
                        '(UTF-8) and upload again.', file=filename)
    for encoding in ('utf-8-sig', 'cp1252', 'latin-1'):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(c) < 32 and c not in '\t\r\n' for c in text[:65536]):
            break
        if encoding == 'utf-8-sig':
            return text, []
        return text, [f'{filename}: read as {encoding} (not UTF-8); check accented names.']
    raise DataError('unreadable_encoding', 'The text encoding could not be recognised: save the file as '
                    'CSV UTF-8 and upload again.', file=filename)


def read_csv_rows(filename, data):
    text, warnings = decode_text(filename, data)
    first_line = text.split('\n', 1)[0]
    delimiter = max((',', ';', '\t'), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=''), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        if 'field larger than field limit' in str(exc):
            raise _cell_too_long(filename, rows[0] if rows else [], text, reader.line_num, delimiter) from None
        raise DataError('unreadable_file', f'The CSV could not be parsed ({exc}): check quotes and save it again '
                        'as CSV.', file=filename) from None
    return rows, warnings


def _cell_too_long(filename, header, text, line_num, delimiter):
    """The refusal of a cell longer than the csv module's field limit, naming its row and,
    when the line splits plainly, its column: no ward name or value is that long."""
    limit = csv.field_size_limit()
    lines = text.splitlines()   # as the csv module counts them, CR-only line ends too
    cells = lines[line_num - 1].split(delimiter) if 0 < line_num <= len(lines) else []
    index = next((i for i, cell in enumerate(cells) if len(cell) > limit), None)
    column = header[index] if index is not None and index < len(header) else None
    what = f'the {column} value' if column else 'a cell'
    return DataError('cell_too_long', f'Row {line_num}: {what} is longer than {limit} characters, far more '
                     'than any ward name or value (an unclosed quote or text pasted into the cell can '
                     'cause this). Correct that cell and upload the file again.',
                     file=filename, row=line_num, column=column)


def read_xlsx_rows(filename, data, sheet=None):
    import openpyxl
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise DataError('unreadable_file', f'The workbook could not be opened ({type(exc).__name__}): '
                        'save it again as .xlsx.', file=filename) from None
    if sheet is not None and sheet not in book.sheetnames:
        raise DataError('unknown_sheet', f'No sheet named {sheet!r}; sheets: {", ".join(book.sheetnames)}.',
                        file=filename)
    worksheet = book[sheet] if sheet is not None else book.worksheets[0]
    rows = [list(r) for r in worksheet.iter_rows(values_only=True)]
    book.close()
    return rows, []


def read_ward_table(filename, data, limits=Limits()):
    """Read the ward data file (CSV or XLSX) into identifiers and numeric variables."""
    check_size(filename, data, limits)
    if filename.lower().endswith(('.xlsx', '.xlsm')):
        rows, warnings = read_xlsx_rows(filename, data, limits.sheet)
    elif filename.lower().endswith(('.csv', '.txt')):
        rows, warnings = read_csv_rows(filename, data)
    else:
        raise DataError('unsupported_file', 'Ward data must be a .csv or .xlsx file.', file=filename)
    numbered = [(number, r) for number, r in enumerate(rows, start=1)
                if any(identifier_text(c) is not None for c in r)]  # blank lines skipped, rows keep their number
    if len(numbered) < 2:
        raise DataError('empty_file', 'The file has no ward rows under its header.', file=filename)
    header = ['' if h is None else str(h).strip() for h in numbered[0][1]]
    body = numbered[1:]
    width = len(header)
    for number, row in body:
        if len(row) > width and any(identifier_text(c) is not None for c in row[width:]):
            raise DataError('ragged_row', f'Row {number} has {len(row)} cells but the header has {width}: '
                            'check for unquoted commas.', file=filename, row=number)
    columns = list(zip(*[list(r[:width]) + [None] * (width - len(r)) for _, r in body]))
    return build_table(filename, header, columns, [number for number, _ in body], warnings)


def build_table(filename, header, columns, row_numbers, warnings):
    roles = {}
    for index, name in enumerate(header):
        key = column_key(name)
        for role, aliases in IDENTIFIER_ALIASES.items():
            if key in aliases and role not in roles:
                roles[role] = index
    if 'ward_name' not in roles:
        raise DataError('no_ward_name', 'No ward name column: name one column WardName (or Ward, ward_name).',
                        file=filename)
    identifiers = {role: [identifier_text(v) for v in columns[index]] for role, index in roles.items()}
    for number, name in zip(row_numbers, identifiers['ward_name']):
        if name is None:
            raise DataError('missing_ward_name', f'Row {number} has no ward name: fill it in or delete the row.',
                            file=filename, row=number, column=header[roles['ward_name']])
    if 'ward_code' in roles:
        check_unique_codes(filename, identifiers['ward_code'], row_numbers, header[roles['ward_code']])
    names, arrays = [], []
    identifier_columns = set(roles.values())
    for index, name in enumerate(header):
        key = column_key(name)
        if index in identifier_columns or key in NEVER_VARIABLES or UNNAMED.match(key):
            continue
        values = numeric_column(filename, name, columns[index], row_numbers)
        if values is not None:
            if name in names:
                raise DataError('duplicate_column', f'Two columns are named {name!r}: rename one.', file=filename,
                                column=name)
            names.append(name)
            arrays.append(values)
    if not names:
        raise DataError('no_numeric_variable', 'No numeric variable column was found: the file needs at least '
                        'one column of numbers besides the ward identifiers.', file=filename)
    return RawTable(filename, identifiers, tuple(names), np.column_stack(arrays), list(warnings))


def check_unique_codes(filename, codes, row_numbers, column):
    seen = {}
    for number, code in zip(row_numbers, codes):
        if code is None:
            continue
        if code in seen:
            raise DataError('duplicate_ward_code', f'Ward code {code} appears twice (rows {seen[code]} and {number}): '
                            'each ward needs its own code.', file=filename, row=number, column=column)
        seen[code] = number


def numeric_column(filename, name, cells, row_numbers):
    """Numbers of one column (NaN for missing), None for a text column.

    A mostly numeric column with a stray text cell is refused, naming the cell,
    rather than silently losing the value.
    """
    values = np.full(len(cells), np.nan)
    bad = []
    for i, cell in enumerate(cells):
        if cell is None or isinstance(cell, bool):
            continue
        if isinstance(cell, (int, float)):
            values[i] = cell
            continue
        text = str(cell).strip()
        if text.lower() in MISSING_TOKENS:
            continue
        try:
            values[i] = float(text)
        except ValueError:
            bad.append(i)
    bad.extend(i for i in np.flatnonzero(np.isinf(values)))
    numeric = int(np.isfinite(values).sum())
    if numeric == 0 or len(bad) > numeric:
        return None
    if bad:
        i = min(bad)
        raise DataError('non_numeric_value', f'Column {name!r} holds numbers but row {row_numbers[i]} has '
                        f'{str(cells[i])!r}: use a number or leave the cell empty (or NA) for missing.',
                        file=filename, row=row_numbers[i], column=name)
    values[np.isinf(values)] = np.nan
    return values


# --- ward boundaries -------------------------------------------------------------

def read_boundaries(filename, data, limits=Limits()):
    """Read a zipped shapefile or a GeoJSON FeatureCollection, reprojected to WGS84."""
    check_size(filename, data, limits)
    lower = filename.lower()
    if lower.endswith('.zip'):
        properties, geometries, crs, warnings = read_zipped_shapefile(filename, data, limits)
    elif lower.endswith(('.geojson', '.json')):
        properties, geometries, crs, warnings = read_geojson(filename, data)
    else:
        raise DataError('unsupported_file', 'Boundaries must be a zipped shapefile (.zip) or GeoJSON (.geojson).',
                        file=filename)
    if not geometries:
        raise DataError('empty_file', 'The boundary file has no wards.', file=filename)
    geometries = to_wgs84(filename, np.array(geometries, dtype=object), crs, warnings)
    geometries = repair(geometries, properties, warnings, filename)
    identifiers, urban = boundary_identifiers(filename, properties)
    if 'ward_code' in identifiers:
        check_unique_codes(filename, identifiers['ward_code'], range(1, len(properties) + 1), 'WardCode')
    return BoundaryLayer(filename, identifiers, urban, geometries, warnings)


def boundary_identifiers(filename, properties):
    keys = {}
    for record in properties:   # a field missing from the first ward may name the others
        for name in record:
            key = column_key(name)
            for role, aliases in IDENTIFIER_ALIASES.items():
                if key in aliases and role not in keys:
                    keys[role] = name
            if key in URBAN_PERCENT_KEYS:
                keys.setdefault('urban_percentage', name)
    if 'ward_name' not in keys and 'ward_code' not in keys:
        raise DataError('no_ward_name', 'The boundaries have neither a WardName nor a WardCode field.', file=filename)
    identifiers = {role: [identifier_text(p.get(name)) for p in properties]
                   for role, name in keys.items() if role not in ('urban', 'urban_percentage')}
    urban = np.full(len(properties), np.nan)
    if 'urban_percentage' in keys:
        urban = np.array([as_float(p.get(keys['urban_percentage'])) for p in properties])
    elif 'urban' in keys:
        urban = np.array([yes_no_percent(p.get(keys['urban'])) for p in properties])
    return identifiers, urban


def as_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def yes_no_percent(value):
    """`Urban` Yes/No as 100/0 (spec section 8); anything else is missing."""
    text = (identifier_text(value) or '').lower()
    return {'yes': 100.0, 'y': 100.0, 'no': 0.0, 'n': 0.0}.get(text, np.nan)


def safe_members(filename, archive, limits):
    """The zip's regular files, refusing traversal, links and oversize content."""
    total = 0
    members = []
    for info in archive.infolist():
        name = info.filename
        parts = re.split(r'[\\/]', name)
        if name.startswith(('/', '\\')) or re.match(r'^[A-Za-z]:', name) or '..' in parts:
            raise DataError('unsafe_zip_path', f'The zip holds a file outside its folder ({name!r}): '
                            'zip the shapefile files themselves.', file=filename)
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise DataError('zip_link', f'The zip holds a link ({name!r}): zip the real files instead.', file=filename)
        if info.is_dir() or parts[0] == '__MACOSX' or parts[-1].startswith('._'):
            continue
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise DataError('too_large', f'The zip expands beyond {limits.max_uncompressed_bytes} bytes: '
                            'upload only the ward shapefile.', file=filename)
        members.append(info)
    return members


def read_member(filename, archive, info, limits):
    with archive.open(info) as handle:
        content = handle.read(limits.max_uncompressed_bytes + 1)
    if len(content) > limits.max_uncompressed_bytes:
        raise DataError('too_large', f'{info.filename} expands beyond {limits.max_uncompressed_bytes} bytes.',
                        file=filename)
    return content


def read_zipped_shapefile(filename, data, limits):
    import shapefile
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError('unreadable_file', 'The file is not a valid zip archive.', file=filename) from None
    with archive:
        members = {info.filename.lower(): info for info in safe_members(filename, archive, limits)}
        shps = sorted(name for name in members if name.endswith('.shp'))
        if limits.shapefile:
            wanted = limits.shapefile.lower()
            shps = [n for n in shps if n.rsplit('/', 1)[-1] in (wanted, wanted + '.shp')]
        if not shps:
            raise DataError('no_shapefile', 'The zip holds no .shp file' +
                            (f' named {limits.shapefile!r}' if limits.shapefile else '') + '.', file=filename)
        if len(shps) > 1:
            raise DataError('several_shapefiles', f'The zip holds {len(shps)} shapefiles ({", ".join(shps)}): '
                            'name the one to use or upload only the ward boundaries.', file=filename)
        stem = shps[0][:-4]
        parts = {}
        for ext in ('shp', 'shx', 'dbf', 'prj', 'cpg'):
            info = members.get(f'{stem}.{ext}')
            if info is None and ext in ('shx', 'dbf'):
                raise DataError(f'missing_{ext}', f'The shapefile has no .{ext} file: zip the .shp, .shx and .dbf '
                                'together (and the .prj).', file=filename)
            parts[ext] = read_member(filename, archive, info, limits) if info else None
    encoding = parts['cpg'].decode('ascii', 'ignore').strip() if parts['cpg'] else 'utf-8'
    crs = parse_crs(filename, parts['prj'].decode('latin-1')) if parts['prj'] else None
    warnings = []
    for attempt in (encoding, 'latin-1'):
        try:
            reader = shapefile.Reader(shp=io.BytesIO(parts['shp']), shx=io.BytesIO(parts['shx']),
                                      dbf=io.BytesIO(parts['dbf']), encoding=attempt)
            records = [record.as_dict() for record in reader.iterRecords()]
            shapes = reader.shapes()
            break
        except (UnicodeDecodeError, LookupError):
            warnings.append(f'{filename}: the .dbf is not {attempt}; its names were read as Latin-1.')
        except Exception as exc:  # pyshp raises plain Exceptions and struct errors on broken files
            raise DataError('unreadable_file', f'The shapefile could not be read ({exc}).', file=filename) from None
    if len(records) != len(shapes):
        raise DataError('unreadable_file', 'The .dbf and .shp hold different numbers of wards.', file=filename)
    geometries = []
    for number, shp in enumerate(shapes, start=1):
        if shp.shapeType == 0:
            geometries.append(None)
            continue
        if shp.shapeType not in POLYGON_SHAPE_TYPES:
            raise DataError('not_polygons', f'Record {number} is not a polygon: ward boundaries must be polygons.',
                            file=filename, row=number)
        geometries.append(polygon(filename, number, shp.__geo_interface__))
    return records, geometries, crs, warnings


def polygon(filename, number, geometry):
    """A shapely polygon from GeoJSON-like coordinates, refusing malformed rings by record number."""
    import shapely
    from shapely.geometry import shape as to_shape
    try:
        with np.errstate(invalid='ignore'):   # NaN coordinates: refused below, by record
            shape = to_shape(geometry)
    except Exception:  # shapely raises several types for malformed coordinates
        shape = None
    if shape is None or not np.isfinite(shapely.get_coordinates(shape)).all():
        raise DataError('bad_geometry', f'Record {number} has malformed coordinates (a ring needs at least '
                        'four points, each a pair of numbers): fix or delete it.', file=filename,
                        row=number)
    return shape


def read_geojson(filename, data):
    try:
        document = json.loads(data.decode('utf-8-sig'))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DataError('unreadable_file', f'The GeoJSON is not valid JSON ({exc}).', file=filename) from None
    if isinstance(document, dict) and document.get('type') == 'Feature':
        document = {'type': 'FeatureCollection', 'features': [document]}
    if not isinstance(document, dict) or document.get('type') != 'FeatureCollection':
        raise DataError('not_feature_collection', 'The GeoJSON must be a FeatureCollection of ward polygons.',
                        file=filename)
    crs_name = _member(_member(document, 'crs'), 'properties').get('name')
    crs = parse_crs(filename, str(crs_name)) if crs_name else None
    features = document.get('features') or []
    if not isinstance(features, list):
        raise DataError('not_feature_collection', 'The GeoJSON "features" must be a list of ward polygons.',
                        file=filename)
    properties, geometries = [], []
    for number, feature in enumerate(features, start=1):
        geometry = feature.get('geometry') if isinstance(feature, dict) else None
        if not isinstance(feature, dict) or feature.get('type') != 'Feature' \
                or not (geometry is None or isinstance(geometry, dict) and geometry) \
                or not isinstance(feature.get('properties') or {}, dict):
            raise DataError('bad_feature', f'Feature {number} is not a GeoJSON Feature object with a geometry '
                            'and properties: fix or delete it.', file=filename, row=number)
        if geometry and geometry.get('type') not in ('Polygon', 'MultiPolygon'):
            raise DataError('not_polygons', f'Feature {number} is a {geometry.get("type")}: ward boundaries must be '
                            'polygons.', file=filename, row=number)
        geometries.append(polygon(filename, number, geometry) if geometry else None)
        properties.append(feature.get('properties') or {})
    return properties, geometries, crs, []


def _member(document, name):
    """`document[name]` when it is an object, else an empty one (GeoJSON's optional members)."""
    value = document.get(name)
    return value if isinstance(value, dict) else {}


def parse_crs(filename, text):
    from pyproj import CRS
    from pyproj.exceptions import CRSError
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise DataError('unreadable_prj', 'The projection (.prj or crs) could not be understood: export the '
                        'boundaries in WGS84 (EPSG:4326).', file=filename) from None


def to_wgs84(filename, geometries, crs, warnings):
    import shapely
    present = np.array([g is not None for g in geometries])
    if not present.any():
        raise DataError('empty_file', 'No ward in the boundary file has a polygon: export the ward '
                        'boundaries again.', file=filename)
    if crs is None:
        bounds = shapely.total_bounds(geometries[present])
        if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
            raise DataError('unknown_projection', 'The boundaries have no projection (.prj) and their coordinates '
                            'are not longitude/latitude: add the .prj file to the zip.', file=filename)
        warnings.append(f'{filename}: no projection given; coordinates are longitude/latitude, read as WGS84.')
        return geometries
    if crs.to_epsg() == 4326:
        return geometries
    from pyproj import Transformer
    transformer = Transformer.from_crs(crs, 4326, always_xy=True)

    def project(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
    geometries = geometries.copy()
    geometries[present] = shapely.transform(geometries[present], project)
    warnings.append(f'{filename}: reprojected from {crs.name} to WGS84.')
    return geometries


def repair(geometries, properties, warnings, filename):
    """Repair invalid polygons with make_valid, keeping only their polygonal parts, and say which."""
    import shapely
    present = np.array([g is not None for g in geometries])
    invalid = present.copy()
    invalid[present] = ~shapely.is_valid(geometries[present])
    for i in np.flatnonzero(invalid):
        fixed = shapely.make_valid(geometries[i])
        parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ('Polygon', 'MultiPolygon')]
        geometries[i] = shapely.union_all(parts) if parts else None
    if invalid.any():
        names = [str(properties[i].get('WardName') or properties[i].get('wardname') or f'record {i + 1}')
                 for i in np.flatnonzero(invalid)]
        warnings.append(f'{filename}: repaired {len(names)} invalid polygon(s): {", ".join(names[:10])}'
                        + (' ...' if len(names) > 10 else ''))
    missing = int((~present).sum())
    if missing:
        warnings.append(f'{filename}: {missing} record(s) have no geometry.')
    return geometries
