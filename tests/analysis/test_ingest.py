"""Reading ward data and boundaries: encodings, missing markers, and every refusal named."""
import io
import json
import stat
import zipfile

import numpy as np
import pytest

from chalicelib.analysis import DataError, Limits, prepare_dataset
from chalicelib.analysis.ingest import read_boundaries, read_ward_table
from chalicelib.analysis.synthetic import shapefile_zip

from analysis_builders import geojson_of, square, strip_geojson, zip_of


def refusal(code, *args, **kwargs):
    """Call and return the DataError, checking its code."""
    function, *rest = args
    with pytest.raises(DataError) as caught:
        function(*rest, **kwargs)
    assert caught.value.code == code, caught.value.to_dict()
    return caught.value


CSV = 'WardCode,WardName,tpr,housing\nW1,Zuru,0.5,0.1\nW2,Ségué,NA,0.2\nW3,Kodo,N/A,\nW4,Kawo,null,-\n'


@pytest.mark.parametrize('encoding,prefix', [('utf-8', b''), ('utf-8', b'\xef\xbb\xbf'), ('cp1252', b''),
                                              ('latin-1', b'')])
def test_csv_encodings_are_detected_and_accents_kept(encoding, prefix):
    table = read_ward_table('wards.csv', prefix + CSV.encode(encoding))
    assert table.identifiers['ward_name'][1] == 'Ségué'
    assert table.identifiers['ward_code'][0] == 'W1'
    assert table.variables == ('tpr', 'housing')
    if encoding != 'utf-8':
        assert any('not UTF-8' in w for w in table.warnings)


def test_windows_1252_specific_characters_are_read_as_windows_1252():
    table = read_ward_table('w.csv', 'WardName,v\nKaura\u2019s,1\nB,2\n'.encode('cp1252'))
    assert table.identifiers['ward_name'][0] == 'Kaura\u2019s'


def test_missing_markers_are_missing_not_zero():
    table = read_ward_table('wards.csv', CSV.encode())
    tpr, housing = table.values[:, 0], table.values[:, 1]
    assert tpr[0] == 0.5 and np.isnan(tpr[1:]).all()
    assert np.isnan(housing[2]) and np.isnan(housing[3])


def test_index_like_columns_and_text_columns_are_not_variables():
    data = ('X.1,X,Unnamed: 0,index,global_id,Shape_Area,WardName,Urban,source_dat,pfpr\n'
            '1,1,1,1,7,100,A,Yes,5/30/2024,0.2\n2,2,2,2,8,200,B,No,5/30/2024,0.3\n')
    table = read_ward_table('w.csv', data.encode())
    assert table.variables == ('pfpr',)
    assert table.identifiers['urban'] == ['Yes', 'No']


def test_formula_like_text_is_data_not_evaluated():
    table = read_ward_table('w.csv', b'WardName,v\n=HYPERLINK(1),1\n@SUM(A1),2\n')
    assert table.identifiers['ward_name'] == ['=HYPERLINK(1)', '@SUM(A1)']


def test_xlsx_first_sheet_is_read():
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(['WardCode', 'WardName', 'tpr'])
    sheet.append(['W1', 'Zuru', 0.25])
    sheet.append(['W2', 'Kodo', None])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_ward_table('wards.xlsx', buffer.getvalue())
    assert table.identifiers['ward_name'] == ['Zuru', 'Kodo']
    assert table.values[0, 0] == 0.25 and np.isnan(table.values[1, 0])


@pytest.mark.parametrize('content,code,column', [
    (b'Name,v\nA,1\n', 'no_ward_name', None),
    (b'WardCode,WardName,v\nW1,A,1\nW1,B,2\n', 'duplicate_ward_code', 'WardCode'),
    (b'WardName,notes\nA,x\nB,y\n', 'no_numeric_variable', None),
    (b'WardName,v\nA,1\nB,2\nC,abc\n', 'non_numeric_value', 'v'),
    (b'WardName,v\n,1\nB,2\n', 'missing_ward_name', 'WardName'),
    (b'WardName,v\n', 'empty_file', None),
])
def test_bad_ward_tables_are_refused_with_file_and_place(content, code, column):
    error = refusal(code, read_ward_table, 'wards.csv', content)
    assert error.file == 'wards.csv' and error.column == column
    assert error.to_dict() == {'code': code, 'message': error.message, 'file': 'wards.csv',
                               'row': error.row, 'column': column}


def test_duplicate_code_names_both_rows():
    error = refusal('duplicate_ward_code', read_ward_table, 'w.csv', b'WardCode,WardName,v\nW1,A,1\nW1,B,2\n')
    assert error.row == 3 and 'rows 2 and 3' in error.message


def test_binary_content_is_an_unreadable_encoding():
    refusal('unreadable_encoding', read_ward_table, 'w.csv', 'WardName,v\nA,1\n'.encode('utf-16'))


def test_oversize_file_is_refused_before_reading():
    refusal('too_large', read_ward_table, 'w.csv', b'WardName,v\nA,1\n', limits=Limits(max_bytes=5))


def shapefile_members(prj=True):
    rings = [square(3 + i * 0.1, 9, 0.1) for i in range(3)]
    props = [{'WardCode': f'W{i}', 'WardName': f'A{i}'} for i in range(3)]
    with zipfile.ZipFile(io.BytesIO(shapefile_zip('wards', rings, props, prj=None if not prj else
                                                  'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",'
                                                  '6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",'
                                                  '0.0174532925199433]]'))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_zipped_shapefile_is_read():
    layer = read_boundaries('b.zip', zip_of(shapefile_members()))
    assert layer.identifiers['ward_code'] == ['W0', 'W1', 'W2']
    assert all(g.geom_type == 'Polygon' and g.is_valid for g in layer.geometries)


def test_shapefile_in_a_folder_inside_the_zip_is_read():
    members = {f'export/{k}': v for k, v in shapefile_members().items()}
    assert len(read_boundaries('b.zip', zip_of(members)).geometries) == 3


def test_zip_path_traversal_is_refused():
    members = shapefile_members()
    members['../evil.txt'] = b'x'
    error = refusal('unsafe_zip_path', read_boundaries, 'b.zip', zip_of(members))
    assert error.file == 'b.zip' and '../evil.txt' in error.message


def test_absolute_member_path_is_refused():
    members = shapefile_members()
    members['/etc/passwd'] = b'x'
    refusal('unsafe_zip_path', read_boundaries, 'b.zip', zip_of(members))


def test_zip_links_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, content in shapefile_members().items():
            archive.writestr(name, content)
        link = zipfile.ZipInfo('wards.cpg')
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, '/etc/passwd')
    refusal('zip_link', read_boundaries, 'b.zip', buffer.getvalue())


def test_missing_dbf_is_refused():
    members = shapefile_members()
    del members['wards.dbf']
    error = refusal('missing_dbf', read_boundaries, 'b.zip', zip_of(members))
    assert '.dbf' in error.message


def test_oversize_uncompressed_zip_is_refused():
    members = shapefile_members()
    members['padding.bin'] = b'\0' * 100_000
    refusal('too_large', read_boundaries, 'b.zip', zip_of(members), limits=Limits(max_uncompressed_bytes=50_000))


def test_several_shapefiles_need_a_name():
    members = shapefile_members()
    members.update({f'other.{ext}': members[f'wards.{ext}'] for ext in ('shp', 'shx', 'dbf')})
    refusal('several_shapefiles', read_boundaries, 'b.zip', zip_of(members))
    chosen = read_boundaries('b.zip', zip_of(members), limits=Limits(shapefile='wards'))
    assert len(chosen.geometries) == 3


def test_no_prj_with_lon_lat_coordinates_is_read_as_wgs84():
    members = shapefile_members(prj=False)
    layer = read_boundaries('b.zip', zip_of(members))
    assert any('no projection' in w for w in layer.warnings)


def test_no_prj_with_projected_coordinates_is_refused():
    rings = [square(500000 + i * 1000, 900000, 1000) for i in range(2)]
    data = shapefile_zip('wards', rings, [{'WardName': 'A'}, {'WardName': 'B'}], prj=None)
    error = refusal('unknown_projection', read_boundaries, 'b.zip', data)
    assert '.prj' in error.message


def test_not_a_zip_is_refused():
    refusal('unreadable_file', read_boundaries, 'b.zip', b'PK not really')


def test_geojson_is_read_and_invalid_polygons_repaired_with_a_warning():
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    layer = read_boundaries('b.geojson', geojson_of([({'WardName': 'Bow'}, bowtie),
                                                    ({'WardName': 'Ok'}, square(2, 0))]))
    assert layer.geometries[0].is_valid and layer.geometries[0].area > 0
    assert any('repaired 1 invalid' in w and 'Bow' in w for w in layer.warnings)


def test_geojson_that_is_not_polygons_is_refused():
    data = b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},' \
           b'"geometry":{"type":"Point","coordinates":[1,2]}}]}'
    error = refusal('not_polygons', read_boundaries, 'b.geojson', data)
    assert error.row == 1


@pytest.mark.parametrize('document, code, row', [
    ({'type': 'FeatureCollection', 'features': ['x']}, 'bad_feature', 1),
    ({'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'properties': {}, 'geometry': {'type': 'Polygon',
                                                            'coordinates': [square(0, 0)]}},
        {'type': 'Feature', 'properties': {}, 'geometry': [[0, 0], [1, 1]]}]}, 'bad_feature', 2),
    ({'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'properties': ['WardName'], 'geometry': None}]}, 'bad_feature', 1),
    ({'type': 'FeatureCollection', 'features': {'WardName': 'A'}}, 'not_feature_collection', None),
    ({'type': 'FeatureCollection', 'features': [{'type': 'Polygon', 'coordinates': [square(0, 0)]}]},
     'bad_feature', 1),
    ({'type': 'FeatureCollection', 'features': [{'type': 'Feature', 'properties': {}, 'geometry': {}}]},
     'bad_feature', 1),
    ({'type': 'FeatureCollection', 'features': [{'type': 'Feature', 'properties': {'WardName': 'A'},
                                                 'geometry': None}]}, 'empty_file', None),
])
def test_geojson_members_of_the_wrong_kind_are_refused_by_feature(document, code, row):
    error = refusal(code, read_boundaries, 'b.geojson', json.dumps(document).encode())
    assert error.row == row


def test_coordinates_that_are_not_numbers_are_refused_by_record():
    data = b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"WardName":"A"},' \
           b'"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,NaN],[0,0]]]}}]}'
    assert refusal('bad_geometry', read_boundaries, 'b.geojson', data).row == 1


def test_a_huge_cell_in_a_csv_with_mac_line_ends_names_its_row():
    data = ('WardName,pop\rA,1\rB' + 'x' * 200_000 + ',2\r').encode()
    error = refusal('cell_too_long', read_ward_table, 'w.csv', data)
    assert (error.row, error.column) == (3, 'WardName')


def test_geojson_nested_past_parsing_is_unreadable_not_a_crash():
    refusal('unreadable_file', read_boundaries, 'b.geojson', b'[' * 100000)


def test_boundary_fields_missing_from_the_first_ward_are_found_on_the_others():
    layer = read_boundaries('b.geojson', geojson_of([({}, square(0, 0)),
                                                    ({'WardName': 'B', 'WardCode': 'W2'}, square(1, 0))]))
    assert layer.identifiers == {'ward_name': [None, 'B'], 'ward_code': [None, 'W2']}


def test_boundary_duplicate_codes_are_refused():
    data = geojson_of([({'WardCode': 'W1', 'WardName': 'A'}, square(0, 0)),
                       ({'WardCode': 'W1', 'WardName': 'B'}, square(1, 0))])
    refusal('duplicate_ward_code', read_boundaries, 'b.geojson', data)


def test_wrong_file_types_are_refused_by_role():
    refusal('unsupported_file', prepare_dataset, {'data': ('w.pdf', b'%PDF')})
    refusal('unsupported_file', prepare_dataset, {'data': ('w.csv', b'WardName,v\nA,1\n'),
                                                  'boundaries': ('b.kml', b'<kml/>')})


def test_population_table_joins_by_ward_code():
    files = {'data': ('w.csv', b'WardCode,WardName,tpr,housing\nW1,A1,1,3\nW2,A2,2,1\nW3,A3,3,2\n'),
             'boundaries': ('b.geojson', strip_geojson(3)),
             'population': ('p.csv', b'WardCode,WardName,population\nW2,A2,500\nW1,A1,100\n')}
    prepared = prepare_dataset(files)
    assert prepared.population[:2].tolist() == [100.0, 500.0] and np.isnan(prepared.population[2])


def test_the_data_file_population_is_the_column_a_population_table_would_use():
    from chalicelib.analysis.population import population_from_table
    data = b'WardCode,WardName,pop,Population\nW1,A1,7,100\nW2,A2,9,500\n'
    prepared = prepare_dataset({'data': ('w.csv', data)})
    assert prepared.population.tolist() == [100.0, 500.0]
    assert population_from_table('w.csv', data) == {'W1': 100.0, 'W2': 500.0}


def test_error_rows_keep_their_file_line_after_blank_lines():
    error = refusal('non_numeric_value', read_ward_table, 'w.csv', b'WardName,v\nA,1\n\n,,\nB,2\nC,x\nD,3\n')
    assert error.row == 6


def test_a_named_xlsx_sheet_is_read_and_an_unknown_one_refused():
    import openpyxl
    book = openpyxl.Workbook()
    book.active.append(['notes'])
    wards = book.create_sheet('wards')
    wards.append(['WardName', 'tpr'])
    wards.append(['Zuru', 0.5])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_ward_table('w.xlsx', buffer.getvalue(), limits=Limits(sheet='wards'))
    assert table.identifiers['ward_name'] == ['Zuru']
    error = refusal('unknown_sheet', read_ward_table, 'w.xlsx', buffer.getvalue(), limits=Limits(sheet='x'))
    assert 'wards' in error.message


def test_a_ring_with_too_few_points_is_refused_by_record():
    data = geojson_of([({'WardName': 'A'}, square(0, 0)), ({'WardName': 'B'}, [[0, 0], [1, 1]])])
    error = refusal('bad_geometry', read_boundaries, 'b.geojson', data)
    assert error.row == 2 and 'four points' in error.message


def test_a_dbf_that_is_not_utf8_is_read_as_latin1_with_a_warning():
    members = shapefile_members()
    members['wards.dbf'] = members['wards.dbf'].replace(b'A1', b'\xe91')  # an 'é' in Latin-1
    layer = read_boundaries('b.zip', zip_of(members))
    assert layer.identifiers['ward_name'][1] == 'é1'
    assert any('Latin-1' in w for w in layer.warnings)


# --- decimal marks, and every column left out said --------------------------------

def test_a_semicolon_csv_reads_decimal_commas_and_thousands_dots_as_numbers():
    data = 'WardName;NDWI;rainfall;pop\nA;-0,25;1.234,5;1.200\nB;12,5;900;800\nC;NA;1.001,25;12.345\n'
    table = read_ward_table('w.csv', data.encode('cp1252'))
    assert table.variables == ('NDWI', 'rainfall', 'pop')
    np.testing.assert_array_equal(table.values, [[-0.25, 1234.5, 1200], [12.5, 900, 800], [np.nan, 1001.25, 12345]])


def test_a_tab_separated_file_reads_decimal_commas():
    table = read_ward_table('w.txt', b'WardName\tv\nA\t12,5\nB\t3\n')
    assert table.values[:, 0].tolist() == [12.5, 3.0]


def test_a_semicolon_file_with_decimal_points_keeps_them():
    table = read_ward_table('w.csv', b'WardName;v;w\nA;12.5;1.234\nB;3.75;2.5\n')
    np.testing.assert_array_equal(table.values, [[12.5, 1.234], [3.75, 2.5]])


@pytest.mark.parametrize('data, code, row, column', [
    (b'WardName;v\nA;12,5\nB;3.75\n', 'mixed_decimal_marks', 3, 'v'),
    (b'WardName;pop\nA;12.345\nB;8.901\n', 'ambiguous_number', 2, 'pop'),
    (b'WardName\tv\nA\t1,234\nB\t3\n', 'ambiguous_number', 2, 'v'),
    (b'WardName,tpr,v\nA,"12,5",1\nB,"3,5",2\n', 'ambiguous_number', 2, 'tpr'),
])
def test_numbers_that_cannot_be_read_for_sure_are_refused_by_column(data, code, row, column):
    error = refusal(code, read_ward_table, 'w.csv', data)
    assert (error.row, error.column) == (row, column)


def test_a_column_left_out_is_named_with_the_reason():
    table = read_ward_table('w.csv', b'X,WardName,v,notes,empty,remarks\n1,A,1,x,,Zuru\n2,B,2,y,,Kodo\n3,C,3,4,,Lemu\n')
    assert table.variables == ('v',)
    said = ' '.join(table.warnings)
    assert "'notes'" in said and 'only 1 of its 3 values are numbers' in said and "'x'" in said
    assert "'empty' is empty" in said
    assert 'X' in said and 'row numbers' in said
    assert 'remarks' not in said


# --- impossible values ------------------------------------------------------------

@pytest.mark.parametrize('column, value', [
    ('population', '-3'), ('total_population', '-1'), ('urbanPercentage', '120'), ('urban_pct', '-5'),
    ('u5_tpr_rdt', '130'), ('tpr', '-1'), ('tpr_u5_new', '100.5'), ('test_positivity_rate', '101'),
    ('pfpr', '-0.2'), ('distance_to_water', '-2'), ('mean_rainfall', '-1'), ('RH_mean', '105'), ('totalArea', '-5'),
])
def test_impossible_values_are_refused_by_row_and_column(column, value):
    error = refusal('impossible_value', read_ward_table, 'w.csv', f'WardName,{column}\nA,1\nB,{value}\n'.encode())
    assert (error.file, error.row, error.column) == ('w.csv', 3, column)
    assert value.lstrip('-') in error.message


@pytest.mark.parametrize('column, value', [
    ('tpr_u5', '0.91'), ('tpr_u5_new', '1'), ('u5_tpr_rdt', '0'), ('urbanPercentage', '100'), ('elevation', '-5'),
    ('NDWI', '-0.4'), ('pop_change', '-30'), ('log_population', '-1'), ('NDMI', '-0.06'),
    ('urbanPercentage', '100.00000001'),
])
def test_possible_values_pass(column, value):
    assert read_ward_table('w.csv', f'WardName,{column}\nA,0.5\nB,{value}\n'.encode()).variables == (column,)


@pytest.mark.parametrize('column', ['population', 'pop', 'total_population'])
def test_a_population_table_below_zero_is_refused_by_row(column):
    from chalicelib.analysis.population import POPULATION_NAMES, population_from_table
    assert column in POPULATION_NAMES
    error = refusal('impossible_value', population_from_table, 'p.csv', f'WardCode,{column}\nW1,100\nW2,-5\n'.encode())
    assert (error.row, error.column) == (3, column)


def test_a_boundary_urban_percentage_over_100_is_refused_by_record():
    data = geojson_of([({'WardName': 'A', 'urbanPercentage': 50}, square(0, 0)),
                       ({'WardName': 'B', 'urbanPercentage': 150}, square(1, 0))])
    error = refusal('impossible_value', read_boundaries, 'b.geojson', data)
    assert (error.row, error.column) == (2, 'urbanPercentage')


# --- archives and workbooks are checked before they are read ----------------------

def deflated_shapefile():
    from tests.processing.builders import zip_bytes
    return zip_bytes(shapefile_members())


def workbook(rows=(('WardName', 'v'), ('A', 1), ('B', 2))):
    from tests.processing.builders import xlsx_bytes
    return xlsx_bytes([list(row) for row in rows])


SHEET = 'xl/worksheets/sheet1.xml'


@pytest.mark.parametrize('damage', ['crc', 'stream', 'lying_size'])
@pytest.mark.parametrize('kind, member', [('zip', 'wards.dbf'), ('xlsx', SHEET)])
def test_a_damaged_member_is_refused_naming_it(kind, member, damage):
    from tests.processing.builders import garbled, with_header
    archive = deflated_shapefile() if kind == 'zip' else workbook()
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        info = z.getinfo(member)
    damaged = {'crc': lambda: with_header(archive, member, crc=info.CRC ^ 1),
               'stream': lambda: garbled(archive, member),
               'lying_size': lambda: with_header(archive, member, size=info.file_size // 2)}[damage]()
    reader = read_boundaries if kind == 'zip' else read_ward_table
    error = refusal('damaged_member', reader, f'up.{kind}', damaged)
    assert error.file == f'up.{kind}' and member in error.message


def test_a_workbook_over_the_expansion_limit_is_refused_by_its_declared_sizes():
    from tests.processing.builders import with_header
    archive = workbook()
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        size = z.getinfo(SHEET).file_size
    error = refusal('too_large', read_ward_table, 'w.xlsx', archive, limits=Limits(max_uncompressed_bytes=size))
    assert error.file == 'w.xlsx' and 'expands' in error.message
    # a header declaring 2 GB is refused before anything inflates (the content itself is small)
    refusal('too_large', read_ward_table, 'w.xlsx', with_header(archive, SHEET, size=2 ** 31))


def test_workbook_parts_read_whole_are_capped_below_the_expansion_limit():
    from chalicelib.analysis.ingest import WORKBOOK_PARTS_BYTES
    from tests.processing.builders import with_zeros
    bloated = with_zeros(workbook(), 'xl/sharedStrings.xml', WORKBOOK_PARTS_BYTES + 1024 * 1024)
    assert 'shared strings' in refusal('too_large', read_ward_table, 'w.xlsx', bloated).message


def test_a_member_compressed_other_than_deflate_is_refused_naming_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_LZMA) as archive:
        for name, content in shapefile_members().items():
            archive.writestr(name, content)
    error = refusal('unreadable_member', read_boundaries, 'b.zip', buffer.getvalue())
    assert 'wards.' in error.message and 'deflate' in error.message


# --- row limits -------------------------------------------------------------------

def test_rows_past_the_limit_are_refused_without_reading_on():
    rows = 'WardName,v\nA,1\n\n,,\nB,2\nC,3\nD,4\nE,5,6,7\n'   # row 8 is ragged but never read
    error = refusal('too_many_rows', read_ward_table, 'w.csv', rows.encode(), limits=Limits(max_rows=3))
    assert error.file == 'w.csv' and 'more than 3 rows' in error.message and 'row 7' in error.message
    three = read_ward_table('w.csv', b'WardName,v\nA,1\n\n,,\nB,2\nC,3\n', limits=Limits(max_rows=3))
    assert three.values.shape == (3, 1)


def test_a_workbook_past_the_row_limit_is_refused():
    rows = [('WardName', 'v')] + [(f'W{i}', i) for i in range(5)]
    refusal('too_many_rows', read_ward_table, 'w.xlsx', workbook(rows), limits=Limits(max_rows=4))


def test_a_population_table_past_the_row_limit_is_refused():
    from chalicelib.analysis.population import population_from_table
    data = b'WardCode,population\nW1,1\nW2,2\nW3,3\n'
    refusal('too_many_rows', population_from_table, 'p.csv', data, limits=Limits(max_rows=2))


def test_boundaries_past_the_row_limit_are_refused():
    refusal('too_many_rows', read_boundaries, 'b.geojson', strip_geojson(4), limits=Limits(max_rows=3))
    refusal('too_many_rows', read_boundaries, 'b.zip', zip_of(shapefile_members()), limits=Limits(max_rows=2))


def test_a_header_past_the_column_limit_is_refused():
    error = refusal('too_many_columns', read_ward_table, 'w.csv', b'WardName,a,b,c\nA,1,2,3\n',
                    limits=Limits(max_columns=3))
    assert '4 columns' in error.message


def test_a_facility_export_may_hold_more_rows_than_a_ward_table_up_to_its_own_limit():
    import fixtures_tpr as fx
    from chalicelib.analysis.tpr import read_facility_export
    rows = len(fx.records())
    table, _ = read_facility_export('e.csv', fx.export_csv(), limits=Limits(max_rows=rows - 1))
    assert len(table) == rows
    error = refusal('too_many_rows', read_facility_export, 'e.xlsx', fx.export_xlsx(),
                    limits=Limits(max_facility_rows=rows - 1))
    assert 'facility and period' in error.message


def test_a_damaged_facility_workbook_is_refused_naming_the_member():
    import fixtures_tpr as fx
    from chalicelib.analysis.tpr import read_facility_export
    from tests.processing.builders import garbled
    error = refusal('damaged_member', read_facility_export, 'e.xlsx', garbled(fx.export_xlsx(), SHEET))
    assert SHEET in error.message


def test_values_past_the_last_named_column_are_refused_naming_the_row():
    error = refusal('ragged_row', read_ward_table, 'w.csv', b'WardName,v,\nA,1,\nB,2,5\n')
    assert error.row == 3 and 'name every column' in error.message
    assert read_ward_table('w.csv', b'WardName,v,,\nA,1,,\nB,2,,\n').variables == ('v',)



def test_boundaries_past_the_boundary_limit_are_refused_as_geojson_and_as_a_zip():
    """Shapes cost memory by their vertices, whichever file carries them."""
    geojson, members = strip_geojson(3), shapefile_members()
    limits = Limits(max_boundary_bytes=len(geojson) - 1)
    assert 'boundaries' in refusal('too_large', read_boundaries, 'b.geojson', geojson, limits=limits).message
    inflated = sum(len(body) for body in members.values())
    refusal('too_large', read_boundaries, 'b.zip', zip_of(members), limits=Limits(max_boundary_bytes=inflated - 1))
    assert len(read_boundaries('b.zip', zip_of(members), limits=Limits(max_boundary_bytes=inflated)).geometries) == 3
