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
