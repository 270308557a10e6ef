"""Numbers as a person reads them: scores to 6 decimals in files, people and nets whole."""
import csv
import io
import json
import re

import openpyxl
import pytest
import requests

from chalicelib.analysis.exports import rankings_csv
from chalicelib.reports import build
from chalicelib.viz import formats
# The REST fixtures and the plan helpers of the ITN plan tests: a caller, the stores, a ranked analysis.
from tests.unit.conftest import alice, http, stores  # noqa: F401
from tests.unit.test_itn_plans import niger, ranked  # noqa: F401

LONG_DECIMAL = re.compile(r'\d\.\d{7,}')


def test_rankings_csv_xlsx_and_geojson_keep_six_decimals(niger_result):
    built = build(niger_result, {})
    assert not LONG_DECIMAL.search(rankings_csv(niger_result['rankings']).decode())
    score = niger_result['rankings'][0]['composite_score']
    rows = list(csv.DictReader(io.StringIO(rankings_csv(niger_result['rankings']).decode())))
    assert rows[0]['composite_score'] == str(round(score, 6))
    book = openpyxl.load_workbook(io.BytesIO(built['rankings.xlsx'][0]))
    for sheet in ('Rankings', 'Data used'):
        numbers = [c for row in book[sheet].iter_rows(values_only=True) for c in row if isinstance(c, float)]
        assert numbers and all(round(c, 6) == c for c in numbers), sheet
    properties = json.dumps([f['properties'] for f in json.loads(built['wards.geojson'][0])['features']])
    assert not LONG_DECIMAL.search(properties)


def test_the_xlsx_explains_each_variable(niger_result):
    book = openpyxl.load_workbook(io.BytesIO(build(niger_result, {})['rankings.xlsx'][0]))
    rows = {row[0]: row for row in book['Variables'].iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {v['name'] for v in niger_result['variables']}
    assert rows['avgRAD'][1:3] == ('Night-time lights', 'nW/cm²/sr')
    assert rows['distance_to_water'][5] == 'lower value, higher risk'


def test_an_itn_plan_counts_whole_people_in_its_answer_and_files(alice, stores, niger):  # noqa: F811
    analysis_id = ranked(stores, alice, niger)
    plan = alice.post(f'/analyses/{analysis_id}/itn-plans', {'total_nets': 40000}).json_body
    rows = plan['rows']
    assert all(isinstance(row['people_covered'], int) for row in rows)
    assert any(row['phase'].endswith('partial') for row in rows)  # 40,000 nets leave one ward part-covered
    assert plan['totals']['people_covered'] == sum(row['people_covered'] for row in rows) == 71997
    link = alice.get(f'/analyses/{analysis_id}/artifacts/itn-plan-{plan["plan_id"]}.csv').json_body
    text = requests.get(link['url'], timeout=30).text
    for row in csv.DictReader(io.StringIO(text)):
        assert re.fullmatch(r'\d+', row['people_covered']) and re.fullmatch(r'\d+', row['nets_allocated'])


@pytest.mark.parametrize('value, shown', [(899978.4, '899,978'), (12.0, '12'), (None, '–')])
def test_people_are_whole_numbers_with_separators(value, shown):
    assert formats.people(value) == shown


@pytest.mark.parametrize('value, shown', [(1.2880286507766844e-140, '< 0.001'), (0.0123, '0.012')])
def test_p_values_read_as_a_reader_expects(value, shown):
    assert formats.p_value(value) == shown


@pytest.mark.parametrize('stamp, shown', [('2026-11-25T06:00:00Z', '25 Nov 2026, 07:00 WAT'),
                                          ('2026-12-31T23:30:00+00:00', '1 Jan 2027, 00:30 WAT'),
                                          ('yesterday', 'yesterday')])
def test_times_are_west_africa_time(stamp, shown):
    assert formats.local_time(stamp) == shown
