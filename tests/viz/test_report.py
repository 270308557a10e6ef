"""report.html and the exports: what a programme officer reads and downloads."""
import io
import json
import re
from html import escape, unescape

import openpyxl
import pytest

from chalicelib.analysis.synthetic import generate_state
from chalicelib.reports import build
from tests.viz.conftest import analyse, renamed_state

META = {'dataset_name': 'Niger State wards', 'analysis_id': 'an-42', 'created_at': '2026-11-25T06:00:00Z',
        'completed_at': '2026-11-25T06:00:09Z'}


@pytest.fixture(scope='module')
def niger_report(niger_result):
    return build(niger_result, META)


def text_of(html):
    """The page's visible text, roughly: maps and tags dropped, entities read, whitespace collapsed."""
    body = html.split('<body>', 1)[-1]
    return ' '.join(unescape(re.sub(r'<[^>]+>', ' ', re.sub(r'<svg.*?</svg>', ' ', body, flags=re.S))).split())


def test_build_returns_the_report_and_its_two_exports(niger_report):
    assert {name: ctype for name, (_, ctype) in niger_report.items()} == {
        'report.html': 'text/html; charset=utf-8',
        'rankings.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'wards.geojson': 'application/geo+json', 'lgas.geojson': 'application/geo+json',
        'map.topojson': 'application/json'}


def test_report_says_what_was_analysed_how_and_with_which_data(niger_result, niger_report):
    html = niger_report['report.html'][0].decode()
    text = text_of(html)
    assert 'Niger State wards' in text and 'an-42' in text
    assert 'requested 25 Nov 2026, 07:00 WAT' in text and 'completed 25 Nov 2026, 07:00 WAT' in text  # Lagos time
    assert 'Matched to a boundary by ward code 275' in text
    for variable in niger_result['variables']:
        assert variable['name'] in text
    # Labels, units, what it measures and where it comes from; the 17 gaps Niger has.
    assert ('Housing quality housing_quality Share of homes with improved walls, roof and floor' in text
            and 'share, 0–1 Malaria Atlas Project (housing 2015) lower value, higher risk 17' in text)
    assert 'Night-time lights avgRAD' in text
    assert f'{len(niger_result["models"])} models were built' in text
    assert 'median of its model scores' in text and 'higher score always means higher risk' in text


def test_report_explains_scores_categories_and_rank_spread_in_plain_words(niger_report):
    text = text_of(niger_report['report.html'][0].decode())
    assert 'rank 1 is the most vulnerable ward' in text
    assert 'High (the most vulnerable third)' in text and 'it is not a malaria rate' in text
    assert 'A long bar means its place depends on the variables chosen' in text


def test_report_lists_the_top_wards_in_rank_order(niger_result, niger_report):
    html = niger_report['report.html'][0].decode()
    table = html.split('<section id="top-wards">', 1)[1].split('</table>', 1)[0]
    rows = table.split('<tbody>', 1)[1].split('</tr>')[:-1]
    assert len(rows) == 20
    for row, item in zip(rows, niger_result['rankings']):
        assert f'<td class="num">{item["composite_rank"]}</td><td class="name">{item["ward_name"]}</td>' in row


def test_report_shows_static_maps_tests_in_an_appendix_comparison_and_warnings(niger_result, niger_report):
    html = niger_report['report.html'][0].decode()
    maps = html.split('<section id="maps"', 1)[1].split('</section>', 1)[0]
    assert maps.count('<svg class="map"') == 2  # composite and PCA categories
    assert 'High: ranks 1–91 (91 wards)' in maps and 'class="north"' in maps and '100 km' in maps
    assert html.count('<svg class="map small"') == len(niger_result['variables'])
    appendix = text_of(html.split('<section id="appendix">', 1)[1])
    assert f'Kaiser-Meyer-Olkin (KMO) measure: {niger_result["pca"]["kmo"]:.3f}' in appendix
    assert "Bartlett's test of sphericity (p-value): < 0.001 (needs p < 0.05; passed)" in appendix
    assert 'e-1' not in appendix  # no 1.288e-140
    assert 'Wards: 275 (needs >= 7; passed)' in appendix  # a count stays a whole number
    assert f'{100 * niger_result["pca"]["explained_variance"][0]:.1f}%' in appendix
    assert f'Spearman rank correlation: {niger_result["comparison"]["spearman"]:.3f}' in appendix
    for sentence in ('How much the variables move together', 'How alike the two orders of the wards are'):
        assert sentence in appendix
    urban = html.split('<section id="urban">', 1)[1].split('</section>', 1)[0]
    for level in niger_result['urban_thresholds']:
        assert f'<td class="num">{level["threshold"]}%</td><td class="num">{level["wards"]}</td>' in urban
    assert '<svg class="map"' in urban
    warnings = html.split('<section id="warnings">', 1)[1]
    assert all(escape(w) in warnings for w in niger_result['warnings'])


def test_report_prints_on_a4_without_cutting_a_table_or_a_map(niger_report):
    html = niger_report['report.html'][0].decode()
    style = html.split('@media print', 1)[1].split('</style>', 1)[0]
    assert '@page { size: A4' in style
    assert re.search(r'table, tr, figure, svg[^{]*\{ break-inside: avoid', style)


def test_rank_spread_shows_the_top_20_and_the_wards_that_move_more_than_the_set_amount(niger_result):
    from chalicelib.viz.spread import spread_rows
    from chalicelib.viz.view import from_result
    moves = {w['ward_code']: abs(w['rank_difference']) for w in niger_result['comparison']['wards']}
    for limit in (None, 40):
        html = build(niger_result, META, {'rank_move': limit})['report.html'][0].decode()
        chart = html.split('<section id="rank-spread">', 1)[1].split('</section>', 1)[0]
        rows = spread_rows(from_result(niger_result), limit)
        shown = [w['ward_code'] for w in niger_result['rankings'][:20]] + sorted(
            (w['ward_code'] for w in niger_result['rankings'][20:] if moves[w['ward_code']] > rows.limit),
            key=lambda code: -moves[code])[:30]
        assert [w.code for w in rows.wards] == shown
        assert chart.count('<g><title>') == len(shown)
        assert f'moves more than {rows.limit} places' in chart
    assert spread_rows(from_result(niger_result)).limit == 92  # a third of 275 wards


def test_report_explains_when_pca_did_not_run():
    result = analyse(generate_state(40, seed=5), {'method': 'both', 'variables': ['u5_tpr_rdt', 'avgRAD']})
    assert not result['pca']['ran']
    html = build(result, {})['report.html'][0].decode()
    assert escape(result['pca']['reason']) in html and 'id="pca-map"' not in html
    assert 'unnamed dataset' in html


def test_xlsx_has_rankings_models_and_the_data_used(niger_result, niger_report):
    book = openpyxl.load_workbook(io.BytesIO(niger_report['rankings.xlsx'][0]))
    rankings, models, data = book['Rankings'], book['Models'], book['Data used']
    assert rankings.max_row == 276 and rankings['A2'].value == niger_result['rankings'][0]['ward_code']
    assert rankings['E2'].value == 1  # composite_rank, a number not text
    assert models.max_row == len(niger_result['models']) + 1
    assert models['B2'].value == ', '.join(niger_result['models'][0]['variables'])
    assert data.max_row == 276
    header = [c.value for c in data[1]]
    assert 'housing_quality (value)' in header and 'housing_quality (normalised)' in header
    filled = [row for row in data.iter_rows(min_row=2, values_only=True) if 'housing_quality' in (row[-1] or '')]
    assert len(filled) == 17


def test_geojson_has_every_ward_with_its_results(niger_result, niger_report):
    collection = json.loads(niger_report['wards.geojson'][0])
    assert len(collection['features']) == 275
    by_code = {f['properties']['ward_code']: f['properties'] for f in collection['features']}
    top = niger_result['rankings'][0]
    assert by_code[top['ward_code']]['composite_rank'] == 1
    assert set(by_code[top['ward_code']]['normalised']) == {v['name'] for v in niger_result['variables']}
    assert all(f['geometry']['type'] in ('Polygon', 'MultiPolygon') for f in collection['features'])


def test_geojson_features_carry_ward_identity_categories_and_ranks_even_without_data():
    result = analyse(renamed_state(30, {}, drop_rows={4}))
    features = json.loads(build(result, {})['wards.geojson'][0])['features']
    keys = {'ward_code', 'ward_name', 'lga', 'composite_score', 'composite_rank', 'composite_category',
            'pca_score', 'pca_rank', 'pca_category'}
    assert all(keys <= set(f['properties']) for f in features)
    [orphan] = [f['properties'] for f in features if f['properties']['composite_rank'] is None]
    assert orphan['ward_name'] and orphan['composite_category'] is None
    assert {f['properties']['composite_category'] for f in features} == {'High', 'Medium', 'Low', None}


def test_lga_outlines_cover_each_lgas_wards_and_stay_small(niger_result, niger_report):
    from shapely.geometry import shape
    wards = json.loads(niger_report['wards.geojson'][0])['features']
    lgas = json.loads(niger_report['lgas.geojson'][0])['features']
    assert len(niger_report['lgas.geojson'][0]) < 200 * 1024
    assert sorted(f['properties']['lga'] for f in lgas) == sorted({f['properties']['lga'] for f in wards})
    outline = {f['properties']['lga']: shape(f['geometry']) for f in lgas}
    for ward in wards:  # each ward lies inside its own LGA's outline and outside the others
        point = shape(ward['geometry']).representative_point()
        assert [lga for lga, g in outline.items() if g.contains(point)] == [ward['properties']['lga']]
    text = niger_report['lgas.geojson'][0].decode()
    assert not re.search(r'\d\.\d{6,}', text)  # coordinates rounded


def test_every_lga_of_the_data_gets_one_outline():
    result = analyse(generate_state(12, seed=2))
    features = json.loads(build(result, {})['lgas.geojson'][0])['features']
    assert {f['properties']['lga'] for f in features} == {w['lga'] for w in result['rankings']}
