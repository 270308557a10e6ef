"""Bad uploads: each ends INVALID with a specific message, nothing escapes, nothing is
written outside the dataset's prefix."""
import json
import os

import pytest

from chalicelib.datasets import processing
from chalicelib.storage.objects import item_folders
from tests.processing import builders as b
from tests.processing.conftest import ALICE

MB = 1024 * 1024
SIDE = 4
WARDS = b.grid_wards(SIDE)
GOOD = b.grid_files(SIDE)
SHAPEFILE = b.shapefile_members(WARDS, SIDE)


def data(name, body):
    return {'data': (name, body), 'boundaries': GOOD['boundaries']}


def boundaries(name, body):
    return {'data': GOOD['data'], 'boundaries': (name, body)}


def without(mapping, *names):
    return {k: v for k, v in mapping.items() if k not in names}


def renamed_wards(**changes):
    return [dict(w, **changes) for w in WARDS]


# (case id, files, the file the error must name, the error's code, words the message must contain)
CORPUS = [
    ('empty_csv', data('wards.csv', b''), 'wards.csv', 'empty_file', ('empty',)),
    ('binary_garbage_csv', data('wards.csv', os.urandom(4096) + b'\0\0\0'), 'wards.csv',
     'unreadable_encoding', ()),
    ('csv_without_ward_names', data('wards.csv', b.csv_bytes(WARDS, ['WardCode', 'LGA', 'u5_tpr_rdt', 'mean_rainfall'])),
     'wards.csv', 'no_ward_name', ('ward',)),
    ('duplicate_ward_codes', data('wards.csv', b.csv_bytes([dict(w, WardCode='NIS000') for w in WARDS])),
     'wards.csv', 'duplicate_ward_code', ('NIS000',)),
    ('csv_header_only', data('wards.csv', b'WardCode,WardName,u5_tpr_rdt\n'), 'wards.csv', 'empty_file', ()),
    ('csv_without_numbers', data('wards.csv', b.csv_bytes(WARDS, ['WardCode', 'WardName', 'LGA'])),
     'wards.csv', 'no_numeric_variable', ('numeric',)),
    ('xlsx_without_data', data('wards.xlsx', b.xlsx_bytes([])), 'wards.xlsx', 'empty_file', ()),
    ('xlsx_header_only', data('wards.xlsx', b.xlsx_bytes([['WardCode', 'WardName', 'tpr']])), 'wards.xlsx',
     'empty_file', ()),
    ('xlsx_that_is_not', data('wards.xlsx', b'PK\x03\x04 not really a workbook'), 'wards.xlsx', 'unreadable_file', ()),
    ('ward_name_of_1mb', data('wards.csv', b.csv_bytes(
        [dict(w, WardName='x' * MB) if i == 0 else w for i, w in enumerate(WARDS)])), 'wards.csv', 'cell_too_long',
     ('WardName', 'longer than')),
    ('zip_with_parent_member', boundaries('wards.zip', b.zip_bytes(dict(SHAPEFILE, **{'../evil.shp': b'x'}))),
     'wards.zip', 'unsafe_zip_path', ('..',)),
    ('zip_with_absolute_member', boundaries('wards.zip', b.zip_bytes(dict(SHAPEFILE, **{'/etc/evil.shp': b'x'}))),
     'wards.zip', 'unsafe_zip_path', ()),
    ('zip_with_link', boundaries('wards.zip', b.symlink_zip('/etc/passwd')), 'wards.zip', 'zip_link', ('link',)),
    ('zip_bomb', boundaries('wards.zip', b.zip_bomb(48 * MB)), 'wards.zip', 'too_large', ('expands',)),
    ('shapefile_without_dbf', boundaries('wards.zip', b.zip_bytes(without(SHAPEFILE, 'wards.dbf'))),
     'wards.zip', 'missing_dbf', ('.dbf',)),
    ('zip_without_shapefile', boundaries('wards.zip', b.zip_bytes({'readme.txt': b'hello'})), 'wards.zip',
     'no_shapefile', ()),
    ('zip_that_is_not', boundaries('wards.zip', b'definitely not a zip'), 'wards.zip', 'unreadable_file', ()),
    ('two_shapefiles', boundaries('wards.zip', b.zip_bytes(dict(
        SHAPEFILE, **{f'other/{k}': v for k, v in SHAPEFILE.items()}))), 'wards.zip', 'several_shapefiles', ()),
    ('wrong_crs_without_prj', boundaries('wards.zip', b.zip_bytes(b.shapefile_members(WARDS, SIDE, scale=111000.0))),
     'wards.zip', 'unknown_projection', ()),
    ('geojson_bare_geometry', boundaries('wards.geojson', json.dumps(
        json.loads(GOOD['boundaries'][1])['features'][0]['geometry']).encode()), 'wards.geojson',
     'not_feature_collection', ('FeatureCollection',)),
    ('geojson_list', boundaries('wards.geojson', b'[1, 2, 3]'), 'wards.geojson', 'not_feature_collection', ()),
    ('geojson_broken_json', boundaries('wards.geojson', b'{"type": "FeatureCollection", "features": ['),
     'wards.geojson', 'unreadable_file', ()),
    ('geojson_no_features', boundaries('wards.geojson', b'{"type": "FeatureCollection", "features": []}'),
     'wards.geojson', 'empty_file', ()),
    ('geojson_points', boundaries('wards.geojson', json.dumps({'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'properties': {'WardCode': w['WardCode'], 'WardName': w['WardName']},
         'geometry': {'type': 'Point', 'coordinates': [6.0, 9.0]}} for w in WARDS]}).encode()),
     'wards.geojson', 'not_polygons', ()),
    ('semicolon_csv_mixing_decimal_marks', data('wards.csv', b.csv_bytes(
        [dict(w, u5_tpr_rdt={0: '21,5', 1: '35.5'}.get(i, 30)) for i, w in enumerate(WARDS)], delimiter=';')),
     'wards.csv', 'mixed_decimal_marks', ('decimal comma', 'decimal point')),
    ('negative_population', data('wards.csv', b.csv_bytes(
        [dict(w, population=-40 if i == 2 else 1000) for i, w in enumerate(WARDS)])), 'wards.csv',
     'impossible_value', ('below 0',)),
    ('tpr_over_100', data('wards.csv', b.csv_bytes([dict(w, u5_tpr_rdt=140) if i == 5 else w
                                                    for i, w in enumerate(WARDS)])), 'wards.csv',
     'impossible_value', ('140',)),
    ('urban_percentage_over_100', data('wards.csv', b.csv_bytes(
        [dict(w, urbanPercentage=100.5 if i == 0 else 20) for i, w in enumerate(WARDS)])), 'wards.csv',
     'impossible_value', ('percentage',)),
    ('population_table_below_zero', dict(GOOD, population=('people.csv', b'WardCode,population\nNIS000,10\n'
                                                           b'NIS001,-1\n')), 'people.csv', 'impossible_value', ()),
    ('csv_over_the_row_limit', data('wards.csv', b.csv_bytes([dict(WARDS[0], WardCode=f'NIS{i:05d}')
                                                              for i in range(20_001)])), 'wards.csv',
     'too_many_rows', ('20,000',)),
    ('zip_member_with_a_bad_crc', boundaries('wards.zip', b.with_header(b.zip_bytes(SHAPEFILE), 'wards.dbf', crc=1)),
     'wards.zip', 'damaged_member', ('wards.dbf', 'CRC')),
    ('zip_member_with_a_corrupt_stream', boundaries('wards.zip', b.garbled(b.zip_bytes(SHAPEFILE), 'wards.shp')),
     'wards.zip', 'damaged_member', ('wards.shp',)),
    ('zip_member_larger_than_its_header', boundaries('wards.zip', b.with_header(
        b.zip_bytes(SHAPEFILE), 'wards.shp', size=len(SHAPEFILE['wards.shp']) - 8)), 'wards.zip', 'damaged_member',
     ('wards.shp',)),
    ('xlsx_bomb', data('wards.xlsx', b.with_zeros(b.xlsx_bytes(b.table_rows(WARDS)), 'xl/media/pad.bin', 48 * MB)),
     'wards.xlsx', 'too_large', ('expands',)),
    ('xlsx_with_a_damaged_sheet', data('wards.xlsx', b.garbled(b.xlsx_bytes(b.table_rows(WARDS)),
                                                               'xl/worksheets/sheet1.xml')),
     'wards.xlsx', 'damaged_member', ('sheet1.xml',)),
    ('no_ward_matches', data('wards.csv', b.csv_bytes([dict(w, WardCode=f'XX{i}', WardName=f'Elsewhere {i}')
                                                       for i, w in enumerate(WARDS)])), None, 'no_matches', ('match',)),
]
# Where the error must point, for the cases that have a row or a column.
WHERE = {'duplicate_ward_codes': (3, 'WardCode'), 'ward_name_of_1mb': (2, 'WardName'),
         'geojson_points': (1, None), 'semicolon_csv_mixing_decimal_marks': (3, 'u5_tpr_rdt'),
         'negative_population': (4, 'population'), 'tpr_over_100': (7, 'u5_tpr_rdt'),
         'urban_percentage_over_100': (2, 'urbanPercentage'), 'population_table_below_zero': (3, 'population')}


@pytest.fixture
def small_limit_deps(upload_deps):
    """A 4 MB upload limit, so the bombs (48 MB of zeros) break the 40 MB an archive may expand to."""
    return upload_deps.replace(max_bytes=4 * MB)


IDS = [case[0] for case in CORPUS]


def test_corpus_has_at_least_twenty_cases():
    assert len(set(IDS)) == len(CORPUS) >= 20


@pytest.mark.parametrize('case, upload, named_file, code, words', CORPUS, ids=IDS)
def test_bad_upload_ends_invalid_with_a_specific_message(files, small_limit_deps, case, upload,
                                                         named_file, code, words):
    files.deps = small_limit_deps
    item = files.upload(ALICE, upload)

    assert item['status'] == 'INVALID', item.get('summary')
    [error] = item['errors']
    assert error['message'] != processing.UNREADABLE, 'a specific reason, not the generic one'
    assert set(error) == {'code', 'message', 'file', 'row', 'column'}
    assert error['code'] == code
    if named_file:
        assert error['file'] == named_file
    if case in WHERE:
        assert (error['row'], error['column']) == WHERE[case]
    for word in words:
        assert word.lower() in error['message'].lower()
    assert len(error['message']) < 1000
    folders = tuple(item_folders(ALICE, 'datasets', item['dataset_id']))
    assert all(key.startswith(folders) for key in files.keys())
    assert not [k for k in files.keys() if '/canonical/' in k]


def test_a_semicolon_upload_with_decimal_commas_keeps_every_variable(files):
    """What Excel writes where the comma is the decimal mark: every variable is kept, with its values."""
    local = [{k: str(v).replace('.', ',') if isinstance(v, float) else v for k, v in w.items()} for w in WARDS]
    item = files.upload(ALICE, data('wards.csv', b.csv_bytes(local, delimiter=';')))

    assert item['status'] == 'READY', item.get('errors')
    summary = {v['name']: v for v in item['summary']['variables']}
    assert list(summary) == list(b.VARIABLES)
    for name in b.VARIABLES:
        assert (summary[name]['min'], summary[name]['max']) == (min(w[name] for w in WARDS),
                                                                max(w[name] for w in WARDS))
