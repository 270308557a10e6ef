"""The request matrix: the analyses an officer can ask for, through POST /analyses and the real worker.

Every accepted request must end SUCCEEDED with each artifact it lists well-formed, and every
refused one must be refused at POST /analyses with a 4xx naming the field (issue 11). Two parts
keep it fast: a covering set in which every pair of factor values (dataset, method, preset,
offline, variables named or chosen automatically, TPR options or not) appears in some request,
each dataset uploaded once for all of its requests; and hypothesis-generated request bodies on
a small synthetic state, of which only the accepted ones run the worker.
"""
import csv
import io
import itertools
import json
import re

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib.analyses import runner
from chalicelib.analysis.synthetic import VARIABLES as SYNTHETIC_VARIABLES, generate_state
from chalicelib.datasets.tpr import tpr_column
from chalicelib.viz.page import PLOTLYJS_URL
from tests.analysis import fixtures_tpr as fx
from tests.analysis.analysis_builders import real_files
from tests.conftest import SHARED_DATA
from tests.processing import builders as b
from tests.processing.conftest import ALICE
from tests.unit.support import Caller

# The datasets of the matrix (dataset_files reads them) and the variables a request naming its
# variables asks for, the last one with its direction set to inverse.
NAMED = {
    'niger': ('u5_tpr_rdt', 'housing_quality', 'distance_to_water', 'mean_rainfall'),
    'warri': ('tpr_u5', 'housing_quality', 'mean_EVI', 'distance_to_water'),
    'kano': ('test_positivity_rate', 'housing_quality', 'rainfall', 'distance_to_water_bodies'),
    'ilorin': ('tpr_u5_new', 'val_housing_15', 'distance', 'meanEVI'),
    'template': ('tpr', 'avg_house_score', 'dist_to_clinic'),
    'synthetic': ('u5_tpr_rdt', 'housing_quality', 'avgRAD', 'NDMI'),
}
WITH_EXPORT = ('synthetic',)   # datasets uploaded with a facility export: only they take TPR options
# The TPR options of the matrix's TPR requests, in turn: the under-5 RDT column (it replaces the
# ward data's), the dataset's own options, and another group, test, level and period range.
TPR_OPTIONS = ({'age': 'u5', 'test': 'rdt'}, {},
               {'age': 'pw', 'test': 'microscopy', 'level': 'secondary', 'period_from': '2024-02',
                'period_to': '2024Q1'})
FACTORS = {'dataset': tuple(NAMED), 'method': ('composite', 'pca', 'both'), 'preset': ('default', 'mrpt-legacy'),
           'offline': (False, True), 'variables': ('automatic', 'named'), 'tpr': (False, True)}
ALWAYS = {'rankings.json', 'rankings.csv', 'models.json', 'diagnostics.json', 'match_report.json',
          'imputation.json', 'vulnerability_map.html', 'variable_maps.html', 'report.html', 'rankings.xlsx',
          'wards.geojson', 'map.topojson'}
CONTENT_TYPES = {'.json': 'application/json', '.csv': 'text/csv', '.xlsx': 'application/vnd.openxmlformats',
                 '.html': 'text/html', '.geojson': 'application/geo+json', '.topojson': 'application/json'}


def allowed(row):
    return not row['tpr'] or row['dataset'] in WITH_EXPORT


def pairs(row):
    return {((a, row[a]), (b, row[b])) for a, b in itertools.combinations(sorted(row), 2)}


def covering_set(factors, allowed):
    """Few allowed rows in which every pair of values some allowed row has appears (greedy, deterministic)."""
    rows = [dict(zip(factors, values)) for values in itertools.product(*factors.values())]
    rows = [row for row in rows if allowed(row)]
    wanted = set().union(*map(pairs, rows))
    chosen = []
    while wanted:
        best = max(rows, key=lambda row: len(pairs(row) & wanted))
        chosen.append(best)
        wanted -= pairs(best)
    return chosen


MATRIX = covering_set(FACTORS, allowed)


# --- the datasets ------------------------------------------------------------------

def facility_export(data_csv):
    """A DHIS2-style facility export (the layout of fixtures_tpr) for the wards of a synthetic
    state: one to three facilities of different levels a ward over three months; every fourth
    ward reports nothing, so its TPR stays missing."""
    records = []
    for i, ward in enumerate(csv.DictReader(io.StringIO(data_csv.decode('utf-8')))):
        if i % 4 == 3:
            continue
        for f, level in enumerate(('primary', 'secondary', 'tertiary')[:1 + i % 3]):
            for m, month in enumerate(fx.MONTHS):
                counts = {}
                for k, (test, measure, age) in enumerate(fx.INDICATOR_KEYS):
                    if measure == 'tested':
                        tested = 10 + (7 * i + 5 * f + 3 * m + k) % 40
                        counts[(test, 'tested', age)] = tested
                        counts[(test, 'positives', age)] = (3 * i + 2 * m + k) % (tested + 1) or None
                records.append({'state': 'ni Niger State', 'lga': f'ni {ward["lga_name"]} Local Government Area',
                                'ward': f'ni {ward["WardName"]} Ward', 'facility': f'{ward["WardName"]} {level}',
                                'level': level, 'period': month, 'counts': counts})
    return fx.export_csv(records)


def synthetic_files(n_wards, export=True):
    files = generate_state(n_wards, seed=11)
    return dict(files, tpr=('facility_export.csv', facility_export(files['data'][1]))) if export else files


def dataset_files(name):
    """The upload of a matrix dataset; a shared one skips when ../shared/data is absent."""
    if name == 'synthetic':
        return synthetic_files(40)
    if not SHARED_DATA.is_dir():
        pytest.skip(f'{SHARED_DATA} is absent: the real ward data lives in ../shared/data')
    if name == 'template':
        folder = SHARED_DATA / 'synthetic_template'
        return {'data': ('sample_data_template.csv', (folder / 'sample_data_template.csv').read_bytes()),
                'boundaries': ('sample_boundary_template.zip', (folder / 'sample_boundary_template.zip').read_bytes())}
    return real_files(SHARED_DATA, name)


def upload(files, upload_files):
    item = files.upload(ALICE, upload_files)
    assert item['status'] == 'READY', item.get('errors')
    return item


@pytest.fixture
def officer(aws):
    """An analyst calling the API through chalice's test client."""
    from chalice.test import Client
    from app import app
    with Client(app, stage_name='local') as client:
        yield Caller(client.http, ALICE, organization='nmep')


# --- what a finished analysis must have -----------------------------------------------

def with_tpr_options(rows):
    """The rows with `tpr` as the options to send: each TPR row takes the next of TPR_OPTIONS."""
    options = itertools.cycle(TPR_OPTIONS)
    return [dict(row, tpr=next(options) if row['tpr'] else None) for row in rows]


REQUESTS = with_tpr_options(MATRIX)


def request_of(row, dataset_id):
    """The body of a matrix row; a request naming its variables names the TPR it asks for too."""
    body = {'dataset_id': dataset_id, 'method': row['method'], 'preset': row['preset'], 'offline': row['offline']}
    named = list(NAMED[row['dataset']])
    if row['tpr'] is not None:
        body['tpr'] = row['tpr']
        column = tpr_column(row['tpr'].get('age', 'all'), row['tpr'].get('test', 'both'))
        named += [column] if column not in named else []
    if row['variables'] == 'named':
        body.update(variables=named, directions={named[-1]: 'inverse'})
    return body


def page_data(html):
    """The JSON blocks of a page with figures: the shared wards block and each figure."""
    blocks = re.findall(r'<script type="application/json" (id="wards-data"|class="figure-data")[^>]*>(.*?)</script>',
                        html, re.S)
    [wards] = [json.loads(text) for kind, text in blocks if kind.startswith('id=')]
    return wards, [json.loads(text) for kind, text in blocks if kind.startswith('class=')]


def check_html(name, html, offline, mapped):
    assert html.rstrip().endswith('</html>'), name
    if offline:
        assert '<script src=' not in html and '* plotly.js v' in html, f'{name} loads plotly.js from outside'
    else:
        assert html.count('<script src=') == 1 and PLOTLYJS_URL in html, name
    wards, figures = page_data(html)
    assert figures and all(figure['data'] for figure in figures), f'{name} has a figure without data'
    if name != 'rank_spread.html':   # the chart draws no boundaries
        assert len(wards['geojson']['features']) == len(wards['locations']) == mapped, name


def check_artifact(name, content_type, body, wards, offline, mapped):
    suffix = name[name.rindex('.'):]
    assert content_type.startswith(CONTENT_TYPES[suffix]), (name, content_type)
    if suffix == '.json':
        value = json.loads(body)
        if name == 'rankings.json':
            assert len(value) == wards
    elif suffix == '.csv':
        rows = list(csv.reader(io.StringIO(body.decode('utf-8'))))
        assert 'ward_name' in rows[0] and len(rows) == wards + 1, name
        assert {len(row) for row in rows} == {len(rows[0])}, name
    elif suffix == '.xlsx':
        book = openpyxl.load_workbook(io.BytesIO(body))
        assert book['Rankings'].max_row == wards + 1
    elif suffix == '.geojson':
        collection = json.loads(body)
        outlines = name == 'lgas.geojson'  # one feature per LGA, not per ward
        assert collection['type'] == 'FeatureCollection' and (outlines or len(collection['features']) == mapped)
        assert all(f['geometry']['type'] in ('Polygon', 'MultiPolygon') for f in collection['features'])
        assert not outlines or all(f['properties']['lga'] for f in collection['features'])
    elif suffix == '.topojson':  # the web map's wards and LGA outlines
        objects = json.loads(body)['objects']
        assert len(objects['wards']['geometries']) == mapped and all(
            g['type'] in ('Polygon', 'MultiPolygon') for o in objects.values() for g in o['geometries'])
        assert all(g['properties']['lga'] for g in objects['lgas']['geometries'])
    elif name == 'report.html':  # static and self-contained, whatever `offline` says
        html = body.decode('utf-8')
        assert html.rstrip().endswith('</html>') and '<script' not in html, name
    else:
        check_html(name, body.decode('utf-8'), offline, mapped)


def assert_succeeded_well_formed(officer, worker_deps, dataset, analysis_id, offline):
    """Run the worker on the queued analysis: SUCCEEDED, and every artifact it lists parses as what it is."""
    status = runner.run_job(ALICE, analysis_id, worker_deps)
    item = worker_deps.analyses.get(ALICE, analysis_id)
    assert status == 'SUCCEEDED', item['error']
    listed = officer.get(f'/analyses/{analysis_id}').json_body['artifacts']
    assert ALWAYS <= set(listed), ALWAYS - set(listed)
    read = {name: worker_deps.objects.get_object(ALICE, item['artifacts'][name]['key']) for name in listed}
    diagnostics = json.loads(read['diagnostics.json'])
    composite = bool(json.loads(read['models.json']))
    assert ('rank_spread.html' in listed) == composite
    assert ('pca_map.html' in listed) == (composite and diagnostics['pca']['ran'])
    wards = dataset['summary']['wards']
    mapped = wards - dataset['summary']['unmatched'] + dataset['summary']['boundaries_without_data']
    for name in listed:
        check_artifact(name, item['artifacts'][name]['content_type'], read[name], wards, offline, mapped)
    return diagnostics


# --- the covering set -----------------------------------------------------------------

def test_the_covering_set_has_every_pair_of_factor_values_in_few_requests():
    every = [dict(zip(FACTORS, values)) for values in itertools.product(*FACTORS.values())]
    wanted = set().union(*(pairs(row) for row in every if allowed(row)))

    assert set().union(*map(pairs, MATRIX)) == wanted
    assert all(allowed(row) for row in MATRIX)
    assert len(MATRIX) < len(every) / 8


@pytest.mark.parametrize('name', list(NAMED))
def test_every_request_of_the_covering_set_succeeds_with_well_formed_artifacts(files, officer, worker_deps, name):
    dataset = upload(files, dataset_files(name))
    failed = []
    for row in [row for row in REQUESTS if row['dataset'] == name]:
        body = request_of(row, dataset['dataset_id'])
        response = officer.post('/analyses', body)
        try:
            assert response.status_code == 202, response.json_body
            diagnostics = assert_succeeded_well_formed(officer, worker_deps, dataset,
                                                       response.json_body['analysis_id'], row['offline'])
            analysed = [v['name'] for v in diagnostics['variables']]
            assert set(analysed) == set(body.get('variables', analysed)), 'a named variable was not analysed'
        except AssertionError as error:
            failed.append(f'{body}: {error}')
    assert not failed, '\n'.join(failed)


def sparse_and_flat_grid():
    """The processing grid with mean_rainfall in 4 of its 16 wards and housing_quality the same everywhere."""
    wards = b.grid_wards()
    for i, ward in enumerate(wards):
        ward.update(housing_quality=0.4, mean_rainfall=ward['mean_rainfall'] if i % 4 == 0 else '')
    return {'data': ('wards.csv', b.csv_bytes(wards)), 'boundaries': ('wards.geojson', b.geojson_bytes(wards, 4))}


@pytest.mark.parametrize('extra, refused', [
    ({'variables': ['u5_tpr_rdt']}, 'u5_tpr_rdt'),
    ({'variables': ['u5_tpr_rdt', 'u5_tpr_rdt']}, 'u5_tpr_rdt'),
    ({'variables': ['u5_tpr_rdt', 'mean_rainfall']}, 'only 4 of 16 wards have a value'),
    ({'variables': ['u5_tpr_rdt', 'housing_quality']}, 'every ward has the same value'),
    ({'state': 'KN'}, 'chosen automatically'),
    ({'variables': ['u5_tpr_rdt', 'mean_rainfall', 'distance_to_water']}, None),
    ({'state': 'NI'}, None),
])
def test_a_request_leaving_under_two_usable_variables_is_refused_at_post_naming_variables(
        files, officer, worker_deps, extra, refused):
    """The engine ranks on two or more variables that have a value in half the wards and vary:
    a request it would refuse is refused before it is queued, saying why; one leaving two succeeds."""
    dataset = upload(files, sparse_and_flat_grid())

    response = officer.post('/analyses', dict(extra, dataset_id=dataset['dataset_id']))

    if refused:
        assert response.status_code == 400, response.json_body
        error = response.json_body['error']
        assert error['details']['field'] == 'variables' and refused in error['message']
        assert officer.get('/analyses').json_body['items'] == []
    else:
        assert response.status_code == 202, response.json_body
        assert_succeeded_well_formed(officer, worker_deps, dataset, response.json_body['analysis_id'], False)


@pytest.mark.parametrize('extra, status, field', [
    ({'variables': ['tpr', 'avgRAD'], 'tpr': {'age': 'u5', 'test': 'rdt'}}, 400, 'variables[0]'),
    ({'variables': ['tpr', 'avgRAD'], 'tpr': {'test': 'rdt'}}, 202, None),
    ({'variables': ['tpr', 'avgRAD'], 'tpr': {}}, 202, None),
    ({'variables': ['u5_tpr_rdt', 'avgRAD'], 'tpr': {'age': 'u5', 'test': 'rdt'}}, 202, None),
    ({'directions': {'tpr': 'inverse'}, 'tpr': {'age': 'u5', 'test': 'rdt'}}, 400, 'directions.tpr'),
])
def test_other_tpr_options_take_the_place_of_the_datasets_own_ward_tpr(files, officer, worker_deps, extra, status,
                                                                       field):
    """An analysis that chooses other TPR options ranks with that TPR instead of the dataset's:
    naming the dataset's own (`tpr`) beside options computed as `u5_tpr_rdt` is refused at once."""
    dataset = upload(files, synthetic_files(24))

    response = officer.post('/analyses', dict(extra, dataset_id=dataset['dataset_id']))

    assert response.status_code == status, response.json_body
    if field:
        assert response.json_body['error']['details']['field'] == field
        assert 'u5_tpr_rdt' in response.json_body['error']['message']
    else:
        assert_succeeded_well_formed(officer, worker_deps, dataset, response.json_body['analysis_id'], False)


def without_level_column(export):
    """The export as a DHIS2 export without the facility level column."""
    rows = list(csv.reader(io.StringIO(export.decode())))
    at = rows[0].index('Facility level')
    out = io.StringIO()
    csv.writer(out).writerows([row[:at] + row[at + 1:] for row in rows])
    return out.getvalue().encode()


@pytest.mark.parametrize('options, level_column, field', [
    ({'period_from': '2025-01'}, True, 'tpr'),
    ({'period_to': '2023-12', 'age': 'u5'}, True, 'tpr'),
    ({'level': 'primary'}, False, 'tpr.level'),
    ({'level': 'all', 'period_from': '2024-02'}, False, None),
])
def test_tpr_options_the_export_cannot_give_are_refused_at_post_naming_them(files, officer, worker_deps, options,
                                                                          level_column, field):
    """A period the export does not cover, or a level it does not record, used to be accepted and
    then FAIL in the worker; the options are now tried on the export when the analysis is asked for."""
    upload_files = synthetic_files(24)
    if not level_column:
        upload_files['tpr'] = ('facility_export.csv', without_level_column(upload_files['tpr'][1]))
    dataset = upload(files, upload_files)

    response = officer.post('/analyses', {'dataset_id': dataset['dataset_id'], 'tpr': options})

    if field is None:
        assert response.status_code == 202, response.json_body
        assert_succeeded_well_formed(officer, worker_deps, dataset, response.json_body['analysis_id'], False)
        return
    assert response.status_code == 400, response.json_body
    assert response.json_body['error']['details']['field'] == field


# --- any request body -----------------------------------------------------------------

NAMES = st.sampled_from(list(SYNTHETIC_VARIABLES) + ['tpr', 'rainfall'])
# Period ranges inside, across and outside the export's months (January to March 2024): options the
# export cannot give are refused at POST, where the ward TPR of the options is computed.
VALID = {
    'method': st.sampled_from(FACTORS['method']),
    'preset': st.sampled_from(FACTORS['preset']),
    'variables': st.none() | st.lists(NAMES, min_size=1, max_size=5),
    'directions': st.none() | st.dictionaries(NAMES, st.sampled_from(['direct', 'inverse']), max_size=2),
    'state': st.none() | st.sampled_from(['NI', 'niger', 'Kano', 'la', 'Borno']),
    'offline': st.booleans(),
    'tpr': st.none() | st.fixed_dictionaries({}, optional={
        'age': st.sampled_from(['all', 'u5', 'o5', 'pw']), 'test': st.sampled_from(['both', 'rdt', 'microscopy']),
        'level': st.sampled_from(['all', 'primary', 'secondary', 'tertiary']),
        'period_from': st.sampled_from(['2024-01', 'February 2024', '2024Q1', '2023', '2024-04']),
        'period_to': st.sampled_from(['2024-03', '202402', '2024', '2023-12'])}),
}
BAD = (('method', 'kmeans'), ('method', None), ('preset', 'legacy'), ('variables', []), ('variables', 'avgRAD'),
       ('variables', [1, 2]), ('variables', ['avgRAD'] * 11), ('directions', {'avgRAD': 'up'}),
       ('directions', ['avgRAD']), ('state', 'Wakanda'), ('state', 7), ('offline', 'yes'), ('tpr', 'u5'),
       ('tpr', {'age': 'adults'}), ('tpr', {'period_from': '2024-13'}),
       ('tpr', {'period_from': '2024-03', 'period_to': '2024-01'}), ('tpr', {'wards': []}), ('colour', 'red'),
       ('dataset_id', ''))


@st.composite
def bodies(draw, dataset_ids):
    """A request body: each field left out or given a value of its kind, and often one field given a wrong one."""
    body = dict(draw(st.fixed_dictionaries({}, optional=VALID)), dataset_id=draw(st.sampled_from(dataset_ids)))
    if draw(st.booleans()):
        field, value = draw(st.sampled_from(BAD))
        body[field] = value
    return body


class Uploaded(dict):
    """Datasets by id, shown by their ids alone in hypothesis's falsifying examples."""

    def __repr__(self):
        return f'Uploaded({sorted(self)})'


@pytest.fixture
def synthetic_datasets(files):
    """A small synthetic state with a facility export and the same state without one."""
    return Uploaded((item['dataset_id'], item) for item in (upload(files, synthetic_files(24, export))
                                                             for export in (True, False)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_request_body_either_succeeds_through_the_worker_or_is_refused_naming_the_field(
        officer, worker_deps, synthetic_datasets, data):
    body = data.draw(bodies(sorted(synthetic_datasets)))

    response = officer.post('/analyses', body)

    if response.status_code == 202:
        assert_succeeded_well_formed(officer, worker_deps, synthetic_datasets[body['dataset_id']],
                                     response.json_body['analysis_id'], body.get('offline', False))
    else:
        assert 400 <= response.status_code < 500, response.json_body
        field = response.json_body['error']['details']['field']
        assert re.split(r'[.\[]', field)[0] in body, (field, response.json_body['error']['message'])
