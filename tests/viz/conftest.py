"""Analysis results for the drawing and reporting tests, computed once per session by the real engine."""
import csv
import io
import json

import pytest

from chalicelib.analysis import prepare_dataset, run_analysis
from chalicelib.analysis.synthetic import generate_state
from tests.conftest import SHARED_DATA

IMG_WARD = '<img src=x onerror=alert(1)>'
FORMULA_WARD = '=HYPERLINK("http://x","y")'
SCRIPT_LGA = '</script><script>alert(2)</script>'
SVG_VARIABLE = '=rain<svg onload=alert(3)>'  # a column name is user text too


# The real samples beside the project: folder, ward data, boundaries (see ../shared/data/README.md).
SAMPLES = {'niger': ('niger', 'Niger_plus.csv', 'Niger_State.zip'),
           'warri': ('warri', 'warri_training_data.csv', 'Warri.zip'),
           'kano_metro': ('kano_metro', 'dummy_data.csv', 'Kano_metro_ward_sixLGAs.zip'),
           'ilorin': ('ilorin', 'example.csv', 'Ilorin_3LGA.zip')}


def sample_files(name):
    """The upload of one real sample: {'data': (name, bytes), 'boundaries': (name, bytes)}."""
    folder, data, boundaries = SAMPLES[name]
    return {'data': (data, (SHARED_DATA / folder / data).read_bytes()),
            'boundaries': (boundaries, (SHARED_DATA / folder / boundaries).read_bytes())}


def niger_files():
    return sample_files('niger')


def renamed_state(n_wards, names, lgas=None, drop_rows=(), seed=3, columns=None):
    """A synthetic state whose data rows and boundary features carry the given names.

    `names`/`lgas` map ward index -> new ward name / LGA; `drop_rows` removes data
    rows, leaving their boundaries without data; `columns` renames data columns.
    """
    files = generate_state(n_wards, seed=seed)
    lgas = lgas or {}
    data_name, data = files['data']
    rows = list(csv.reader(io.StringIO(data.decode('utf-8'))))
    header, body = [(columns or {}).get(c, c) for c in rows[0]], rows[1:]
    name_col, lga_col = header.index('WardName'), header.index('lga_name')
    for i, row in enumerate(body):
        row[name_col] = names.get(i, row[name_col])
        row[lga_col] = lgas.get(i, row[lga_col])
    out = io.StringIO()
    csv.writer(out, lineterminator='\n').writerows([header] + [r for i, r in enumerate(body) if i not in drop_rows])
    boundary_name, boundaries = files['boundaries']
    collection = json.loads(boundaries)
    for i, feature in enumerate(collection['features']):
        feature['properties']['WardName'] = names.get(i, feature['properties']['WardName'])
    return {'data': (data_name, out.getvalue().encode('utf-8')),
            'boundaries': (boundary_name, json.dumps(collection).encode('utf-8'))}


def analyse(files, request=None):
    return run_analysis(prepare_dataset(files), request or {}).to_dict()


def need_shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f'{SHARED_DATA} is absent: the real ward data lives in ../shared/data')


@pytest.fixture(scope='session')
def niger_result():
    need_shared_data()
    return analyse(niger_files())


@pytest.fixture(scope='session')
def sample_results(niger_result):
    """The engine's result for every real sample, by name (Niger's is `niger_result`)."""
    return {'niger': niger_result, **{name: analyse(sample_files(name)) for name in SAMPLES if name != 'niger'}}


@pytest.fixture(scope='session')
def hostile_result():
    """Wards named like markup and like a spreadsheet formula, in both the data and the boundaries,
    an LGA that tries to close a script, and a variable named like both. The markup ward (ward 55)
    ranks first, so the rank-spread chart, which shows only the top wards and the movers, names it too."""
    files = renamed_state(60, {55: IMG_WARD, 1: FORMULA_WARD}, lgas={2: SCRIPT_LGA},
                          columns={'mean_rainfall': SVG_VARIABLE}, seed=4)
    result = analyse(files, {'variables': ['u5_tpr_rdt', 'avgRAD', 'housing_quality', 'urbanPercentage',
                                           'distance_to_water', SVG_VARIABLE]})
    assert result['pca']['ran'], 'the fixture must draw every map, the PCA map too'
    assert result['rankings'][0]['ward_name'] == IMG_WARD, 'the fixture must show the markup ward in every file'
    return result


@pytest.fixture(scope='session')
def hostile_artifacts(hostile_result):
    from chalicelib.reports import build
    from chalicelib.viz import draw
    meta = {'dataset_name': IMG_WARD, 'analysis_id': 'a-1', 'created_at': '2026-11-25T06:00:00Z'}
    return {**draw(hostile_result), **build(hostile_result, meta)}
