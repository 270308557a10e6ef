"""Ward TPR from a facility export: repairs, every option against a hand computation, flags, missing wards."""
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import fixtures_tpr as fx
from chalicelib.analysis.errors import DataError
from chalicelib.analysis.tpr import compute_ward_tpr, read_facility_export, write_ward_tpr_csv

ALL_MONTHS = fx.MONTHS
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def export():
    table, repairs = read_facility_export('kwara.csv', fx.export_csv(mangled=True))
    return table, repairs


def by_ward(result):
    return {(row['lga'], row['ward_name']): row for row in result.wards.to_dict('records')}


def assert_matches_hand_computation(result, hand):
    got = {ward: row for ward, row in by_ward(result).items() if row['tpr'] is not None}
    assert set(got) == set(hand)
    for ward, want in hand.items():
        row = got[ward]
        assert (row['method'], row['positives'], row['tested']) == (want['method'], want['positives'], want['tested'])
        assert (row['facilities'], row['periods']) == (want['facilities'], want['periods'])
        assert row['tpr'] == pytest.approx(want['tpr'])


def test_mangled_headers_are_repaired_and_reported(export):
    table, repairs = export
    assert 'periodname' in table.columns and 'organisationunitname' in table.columns
    assert 'Persons tested positive for malaria by RDT ≥5yrs (excl PW)' in table.columns
    assert not [c for c in table.columns if 'â' in c or c.endswith('.1')]
    text = '\n'.join(repairs)
    assert "'period0me' repaired to 'periodname'" in text
    assert 'â‰¥5yrs' in text
    blank = sum(r['counts'][('rdt', 'positives', 'u5')] is None for r in fx.records())
    assert blank and (f"'Persons tested positive for malaria by RDT <5yrs.1' duplicates 'Persons tested positive for "
                      f"malaria by RDT <5yrs': the first was kept and this one dropped ({len(fx.records())} rows "
                      f"differ, {blank} with a value only in the dropped one") in text
    assert set(table['orgunitlevel2']) == {'Kwara State'}


def test_the_first_of_duplicated_columns_wins(export):
    table, _ = export
    clean, _ = read_facility_export('clean.csv', fx.export_csv())
    column = fx.header_text(('rdt', 'positives', 'u5'))
    assert table[column].fillna(-1).tolist() == clean[column].fillna(-1).tolist()
    assert 999 not in table[column].tolist()


def test_mangled_clean_and_xlsx_exports_give_the_same_tpr(export):
    results = [compute_ward_tpr(export[0]).wards]
    for name, data in (('clean.csv', fx.export_csv()), ('kwara.xlsx', fx.export_xlsx(mangled=True)),
                       ('cp1252.csv', fx.export_csv(mangled=True, encoding='cp1252'))):
        results.append(compute_ward_tpr(read_facility_export(name, data)[0]).wards)
    for other in results[1:]:
        pd.testing.assert_frame_equal(results[0], other)


@pytest.mark.parametrize('age', ['all', 'u5', 'o5', 'pw'])
@pytest.mark.parametrize('test', ['both', 'rdt', 'microscopy'])
def test_each_age_and_test_matches_the_hand_computation(export, age, test):
    result = compute_ward_tpr(export[0], age=age, test=test)
    assert_matches_hand_computation(result, fx.expected(fx.records(), age=age, test=test))


@pytest.mark.parametrize('level', ['primary', 'secondary', 'tertiary'])
def test_each_facility_level_matches_the_hand_computation(export, level):
    result = compute_ward_tpr(export[0], level=level)
    hand = fx.expected(fx.records(), level=level)
    assert_matches_hand_computation(result, hand)
    # The secondary level includes `Secondary` written in capitals.
    if level == 'secondary':
        assert hand[('Ilorin South Local Government Area', 'Akanbi I Ward')]['facilities'] == 1


@pytest.mark.parametrize('period_from, period_to, months', [
    ('2024-02', None, ALL_MONTHS[1:]),
    (None, 'January 2024', ALL_MONTHS[:1]),
    ('202402', '2024-02', ALL_MONTHS[1:2]),
    ('2024', '2024', ALL_MONTHS),
    ('2024Q1', None, ALL_MONTHS),
])
def test_period_ranges_match_the_hand_computation(export, period_from, period_to, months):
    result = compute_ward_tpr(export[0], period_from=period_from, period_to=period_to)
    assert_matches_hand_computation(result, fx.expected(fx.records(), months=months))
    assert set(result.series['period']) == {f'2024-{fx.MONTHS.index(m) + 1:02d}' for m in months}


def test_combined_options_match_the_hand_computation(export):
    result = compute_ward_tpr(export[0], age='u5', test='rdt', level='primary', period_from='2024-02')
    assert_matches_hand_computation(result, fx.expected(fx.records(), age='u5', test='rdt', level='primary',
                                                        months=ALL_MONTHS[1:]))


def test_a_small_case_computed_by_hand():
    rows = [
        {'state': 'kw Kwara State', 'lga': 'kw Asa Local Government Area', 'ward': 'kw Afon Ward',
         'facility': f'Clinic {n}', 'level': 'primary', 'period': 'January 2024',
         'counts': {key: None for key in fx.INDICATOR_KEYS}} for n in (1, 2)]
    rows[0]['counts'].update({('rdt', 'tested', 'u5'): 40, ('rdt', 'positives', 'u5'): 10,
                              ('microscopy', 'tested', 'u5'): 5, ('microscopy', 'positives', 'u5'): 2})
    rows[1]['counts'].update({('rdt', 'tested', 'u5'): 10, ('rdt', 'positives', 'u5'): 5,
                              ('rdt', 'tested', 'pw'): 50, ('rdt', 'positives', 'pw'): 5})
    table, _ = read_facility_export('small.csv', fx.export_csv(rows))
    u5 = by_ward(compute_ward_tpr(table, age='u5'))[('Asa Local Government Area', 'Afon Ward')]
    # RDT 15/50 = 30% against microscopy 2/5 = 40%: microscopy, with its own numbers.
    assert (u5['method'], u5['positives'], u5['tested'], u5['tpr']) == ('microscopy', 2, 5, 40.0)
    everyone = by_ward(compute_ward_tpr(table, test='rdt'))[('Asa Local Government Area', 'Afon Ward')]
    assert (everyone['positives'], everyone['tested'], everyone['tpr'], everyone['facilities']) == (20, 100, 20.0, 2)


def test_more_positives_than_tests_is_kept_and_flagged(export):
    result = compute_ward_tpr(export[0], age='u5', test='rdt')
    flagged = result.flagged.to_dict('records')
    assert [(f['facility'], f['period'], f['method'], f['age'], f['positives'], f['tested']) for f in flagged] == [
        ('Akanbi Health Centre', '2024-02', 'rdt', 'u5', 9, 3)]
    assert flagged[0]['row'] == 2 + [(r['facility'], r['period']) for r in fx.records()].index(fx.OVER_POSITIVE)
    assert any('more positives than tests' in w for w in result.warnings)
    akanbi = by_ward(result)[('Ilorin South Local Government Area', 'Akanbi I Ward')]
    assert akanbi['positives'] == fx.expected(fx.records(), age='u5', test='rdt')[
        ('Ilorin South Local Government Area', 'Akanbi I Ward')]['positives']


def test_tpr_is_clamped_to_100_when_positives_exceed_tests():
    rows = [{'state': 'kw Kwara State', 'lga': 'kw Asa Local Government Area', 'ward': 'kw Afon Ward',
             'facility': 'Clinic', 'level': 'primary', 'period': 'January 2024',
             'counts': {key: None for key in fx.INDICATOR_KEYS}}]
    rows[0]['counts'].update({('rdt', 'tested', 'u5'): 2, ('rdt', 'positives', 'u5'): 5})
    table, _ = read_facility_export('over.csv', fx.export_csv(rows))
    row = compute_ward_tpr(table).wards.iloc[0]
    assert (row['tpr'], row['positives'], row['tested']) == (100.0, 5, 2)


BOUNDARY_WARDS = [
    {'ward_code': 'KWSASA01', 'ward_name': 'Afon', 'lga': 'Asa'},
    {'ward_code': 'KWSILS01', 'ward_name': 'Afon', 'lga': 'Ilorin South'},
    {'ward_code': 'KWSILS02', 'ward_name': 'Akanbi I', 'lga': 'Ilorin South'},
    {'ward_code': 'KWSASA02', 'ward_name': 'Ogbondoroko', 'lga': 'Asa'},
    {'ward_code': 'KWSASA03', 'ward_name': 'Eiyenkorin', 'lga': 'Asa'},
]


def test_boundary_wards_without_reports_are_missing_not_zero(export):
    result = compute_ward_tpr(export[0], wards=BOUNDARY_WARDS)
    rows = result.wards.to_dict('records')
    assert [r['ward_code'] for r in rows] == [w['ward_code'] for w in BOUNDARY_WARDS]
    silent = rows[-1]
    assert silent['tpr'] is None and silent['positives'] is None and silent['tested'] is None
    assert silent['method'] is None and silent['facilities'] == 0
    hand = fx.expected(fx.records())
    # Afon in Asa and Afon in Ilorin South stay two wards.
    for row, ward in zip(rows[:4], [('Asa Local Government Area', 'Afon Ward'),
                                    ('Ilorin South Local Government Area', 'Afon Ward'),
                                    ('Ilorin South Local Government Area', 'Akanbi I Ward'),
                                    ('Asa Local Government Area', 'Ogbondoroko Ward')]):
        assert (row['positives'], row['tested']) == (hand[ward]['positives'], hand[ward]['tested'])
    out = io.StringIO()
    write_ward_tpr_csv(result.wards, out)
    last = out.getvalue().splitlines()[-1].split(',')
    assert last[:3] == ['KWSASA03', 'Eiyenkorin', 'Asa'] and last[4] == ''


def test_reported_wards_not_in_the_boundaries_are_named(export):
    result = compute_ward_tpr(export[0], wards=BOUNDARY_WARDS[:2])
    assert any('Akanbi I Ward' in w and 'match no boundary ward' in w for w in result.warnings)


def test_tested_zero_is_missing_not_zero():
    rows = [{'state': 'kw Kwara State', 'lga': 'kw Asa Local Government Area', 'ward': 'kw Afon Ward',
             'facility': 'Clinic', 'level': 'primary', 'period': 'January 2024',
             'counts': {key: (0 if key[1] == 'tested' else None) for key in fx.INDICATOR_KEYS}}]
    table, _ = read_facility_export('zero.csv', fx.export_csv(rows))
    row = compute_ward_tpr(table).wards.to_dict('records')[0]
    assert row['tpr'] is None and row['tested'] == 0 and row['method'] is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60)),
                min_size=1, max_size=4))
def test_both_uses_one_methods_own_numerator_and_denominator(counts):
    """For any counts, `both` reports exactly one method's positives over that method's tests."""
    rows = []
    for n, (rdt_tested, rdt_positive, micro_tested, micro_positive) in enumerate(counts):
        values = {key: None for key in fx.INDICATOR_KEYS}
        values.update({('rdt', 'tested', 'o5'): rdt_tested, ('rdt', 'positives', 'o5'): min(rdt_positive, rdt_tested),
                       ('microscopy', 'tested', 'o5'): micro_tested,
                       ('microscopy', 'positives', 'o5'): min(micro_positive, micro_tested)})
        rows.append({'state': 'kw Kwara State', 'lga': 'kw Asa Local Government Area', 'ward': 'kw Afon Ward',
                     'facility': f'Clinic {n}', 'level': 'primary', 'period': 'January 2024', 'counts': values})
    table, _ = read_facility_export('both.csv', fx.export_csv(rows))
    row = compute_ward_tpr(table).wards.to_dict('records')[0]
    sums = {method: (sum(min(c[2 * i + 1], c[2 * i]) for c in counts), sum(c[2 * i] for c in counts))
            for i, method in enumerate(('rdt', 'microscopy'))}
    rates = {m: 100 * p / t for m, (p, t) in sums.items() if t}
    if not rates:
        assert row['tpr'] is None
        return
    assert (row['positives'], row['tested']) == sums[row['method']]
    assert row['tpr'] == pytest.approx(max(rates.values()))
    if rates.get('rdt') == max(rates.values()):
        assert row['method'] == 'rdt'  # ties go to RDT


def test_bad_count_is_refused_naming_row_and_column():
    data = fx.export_csv().decode().splitlines()
    cells = data[3].split(',')
    cells[7] = 'twelve'
    data[3] = ','.join(cells)
    with pytest.raises(DataError) as error:
        read_facility_export('bad.csv', '\r\n'.join(data).encode())
    assert error.value.row == 4 and error.value.column == fx.header_text(fx.INDICATOR_KEYS[1])
    assert error.value.file == 'bad.csv' and 'twelve' in error.value.message


def test_a_row_shifted_by_an_unquoted_comma_is_refused_not_read_into_the_wrong_columns():
    data = fx.export_csv().decode().splitlines()
    data[4] = data[4].replace(',January 2024,', ',January, 2024,')   # its counts would move one column on
    with pytest.raises(DataError) as error:
        read_facility_export('shifted.csv', '\r\n'.join(data).encode())
    assert (error.value.code, error.value.row, error.value.file) == ('ragged_row', 5, 'shifted.csv')


def test_unknown_period_is_refused_naming_the_row(export):
    table = export[0].copy()
    table.loc[5, 'periodname'] = 'sometime'
    with pytest.raises(DataError) as error:
        compute_ward_tpr(table)
    assert error.value.row == 5 and 'sometime' in error.value.message


def test_an_export_without_test_columns_is_refused():
    with pytest.raises(DataError) as error:
        read_facility_export('wrong.csv', b'orgunitlevel4,periodname,cases\nAfon,January 2024,3\n')
    assert error.value.code == 'no_tpr_columns'
    assert 'Persons presenting with fever & tested by RDT <5yrs' in error.value.message


@pytest.mark.parametrize('options', [{'age': 'adults'}, {'test': 'pcr'}, {'level': 'quaternary'},
                                     {'period_from': 'spring'}, {'period_from': '2024-03', 'period_to': '2024-01'}])
def test_bad_options_are_refused(export, options):
    with pytest.raises(DataError):
        compute_ward_tpr(export[0], **options)


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, '-m', 'cli', *map(str, args)], cwd=cwd,
                          env={**os.environ, 'PYTHONPATH': str(ROOT)}, capture_output=True, text=True, timeout=300)


def test_cli_writes_ward_tpr_for_the_chosen_options(tmp_path):
    (tmp_path / 'kwara.csv').write_bytes(fx.export_csv(mangled=True))
    done = run_cli('tpr', '--facilities', 'kwara.csv', '--age', 'u5', '--test', 'rdt', '--level', 'primary',
                   '--from', '2024-02', '--to', '2024-03', '--out', 'wards.csv', cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / 'wards.csv', newline='', encoding='utf-8') as handle:
        rows = {(r['lga'], r['ward_name']): r for r in csv.DictReader(handle)}
    hand = fx.expected(fx.records(), age='u5', test='rdt', level='primary', months=ALL_MONTHS[1:])
    assert set(rows) == set(hand)
    for ward, want in hand.items():
        assert (int(rows[ward]['positives']), int(rows[ward]['tested'])) == (want['positives'], want['tested'])
        assert float(rows[ward]['tpr']) == pytest.approx(want['tpr'])
    assert "'period0me' repaired to 'periodname'" in done.stderr and 'flagged' in done.stderr


def test_cli_writes_the_series_and_lists_the_flagged_rows(tmp_path):
    (tmp_path / 'kwara.csv').write_bytes(fx.export_csv(mangled=True))
    done = run_cli('tpr', '--facilities', 'kwara.csv', '--age', 'u5', '--test', 'rdt', '--out', 'wards.csv',
                   '--series-out', 'series.csv', cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / 'series.csv', newline='', encoding='utf-8') as handle:
        series = list(csv.DictReader(handle))
    akanbi = [r for r in series if r['ward_name'] == 'Akanbi I Ward']
    assert [r['period'] for r in akanbi] == ['2024-01', '2024-02', '2024-03']
    hand = fx.expected(fx.records(), age='u5', test='rdt')[('Ilorin South Local Government Area', 'Akanbi I Ward')]
    assert sum(int(r['tested']) for r in akanbi) == hand['tested']
    facility, _ = fx.OVER_POSITIVE
    flagged = [line for line in done.stderr.splitlines() if line.startswith('flagged:')]
    assert any(facility in line and '2024-02' in line and 'positives >' in line for line in flagged)


def test_cli_writes_nothing_when_the_series_cannot_be_written(tmp_path):
    (tmp_path / 'kwara.csv').write_bytes(fx.export_csv(mangled=True))
    (tmp_path / 'wards.csv').write_text('the previous result\n')
    done = run_cli('tpr', '--facilities', 'kwara.csv', '--out', 'wards.csv', '--series-out', 'missing/series.csv',
                   cwd=tmp_path)
    assert done.returncode == 2 and 'missing/series.csv' in done.stderr
    assert (tmp_path / 'wards.csv').read_text() == 'the previous result\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['kwara.csv', 'wards.csv']


def test_cli_refuses_a_bad_export_with_status_2(tmp_path):
    (tmp_path / 'wrong.csv').write_text('orgunitlevel4,periodname,cases\nAfon,January 2024,3\n')
    done = run_cli('tpr', '--facilities', 'wrong.csv', '--out', 'wards.csv', cwd=tmp_path)
    assert done.returncode == 2 and 'wrong.csv' in done.stderr and 'tested by RDT' in done.stderr
    assert not (tmp_path / 'wards.csv').exists()


def test_a_period_range_outside_the_export_says_what_it_covers(export):
    result = compute_ward_tpr(export[0], period_from='2025-01')
    assert result.wards.empty
    assert result.warnings == ('No report falls in the period range 2025-01 to ...: the export covers 2024-01 to '
                               '2024-03.',)


def test_an_export_with_ward_codes_groups_and_matches_by_code(export):
    table = export[0].copy()
    codes = {('Asa Local Government Area', 'Afon Ward'): 'KWSASA01',
             ('Ilorin South Local Government Area', 'Afon Ward'): 'KWSILS01'}
    table['WardCode'] = [codes.get((lga, ward)) for lga, ward in zip(table['orgunitlevel3'], table['orgunitlevel4'])]
    result = compute_ward_tpr(table, wards=[{'ward_code': 'KWSILS01', 'ward_name': 'Other name', 'lga': 'x'},
                                            {'ward_code': 'KWSASA01', 'ward_name': 'Afon', 'lga': 'Asa'}])
    hand = fx.expected(fx.records())
    rows = result.wards.to_dict('records')
    assert [(r['ward_code'], r['tested']) for r in rows] == [
        ('KWSILS01', hand[('Ilorin South Local Government Area', 'Afon Ward')]['tested']),
        ('KWSASA01', hand[('Asa Local Government Area', 'Afon Ward')]['tested'])]
    assert any('12 rows have no ward code' in w for w in result.warnings)


def test_dhis2_ward_names_match_the_real_ilorin_boundaries(shared_data):
    """`kw Akanbi I Ward` in `kw Ilorin South Local Government Area` finds boundary ward Akanbi 1 by name."""
    from chalicelib.analysis.ingest import read_boundaries
    layer = read_boundaries('Ilorin_3LGA.zip', (shared_data / 'ilorin' / 'Ilorin_3LGA.zip').read_bytes())
    names, codes = layer.identifiers['ward_name'], layer.identifiers['ward_code']
    roman = {'1': 'I', '2': 'II', '3': 'III', '4': 'IV', '5': 'V'}
    rows = []
    for n, name in enumerate(names[1:]):  # the first boundary ward has no reports
        words = [roman.get(word, word) for word in name.split()]
        counts = {key: None for key in fx.INDICATOR_KEYS}
        counts.update({('rdt', 'tested', 'u5'): 10 + n, ('rdt', 'positives', 'u5'): n % 10})
        rows.append({'state': 'kw Kwara State', 'lga': 'kw Ilorin Local Government Area',
                     'ward': f'kw {" ".join(words)} Ward', 'facility': f'Clinic {n}', 'level': 'primary',
                     'period': 'January 2024', 'counts': counts})
    table, _ = read_facility_export('ilorin.csv', fx.export_csv(rows))
    wards = [{'ward_code': code, 'ward_name': name} for code, name in zip(codes, names)]
    result = compute_ward_tpr(table, test='rdt', wards=wards).wards.to_dict('records')
    assert [row['ward_code'] for row in result] == codes
    assert result[0]['tpr'] is None and result[0]['tested'] is None
    reported = [(row['positives'], row['tested']) for row in result[1:]]
    assert reported == [(n % 10, 10 + n) for n in range(len(names) - 1)]


def prefixed_rows(states, wards):
    """One facility row per (state, ward) pair, with one RDT under-5 count."""
    rows = []
    for n, (state, ward) in enumerate(zip(states, wards)):
        counts = {key: None for key in fx.INDICATOR_KEYS}
        counts.update({('rdt', 'tested', 'u5'): 10, ('rdt', 'positives', 'u5'): n + 1})
        rows.append({'state': state, 'lga': 'Asa Local Government Area', 'ward': ward, 'facility': f'Clinic {n}',
                     'level': 'primary', 'period': 'January 2024', 'counts': counts})
    return rows


def test_each_value_loses_its_own_state_prefix_when_every_value_has_one():
    rows = prefixed_rows(['kw Kwara State', 'ni Niger State'], ['kw Afon Ward', 'ni Bosso Ward'])
    table, repairs = read_facility_export('two_states.csv', fx.export_csv(rows))
    assert list(table['orgunitlevel2']) == ['Kwara State', 'Niger State']
    assert list(table['orgunitlevel4']) == ['Afon Ward', 'Bosso Ward']
    assert "Removed the state prefix 'kw', 'ni' from the values of column 'orgunitlevel2'." in repairs


def test_a_column_where_only_some_values_have_a_prefix_is_reported_and_left_alone():
    rows = prefixed_rows(['Kwara State', 'Kwara State'], ['kw Afon Ward', 'Bosso Ward'])
    table, repairs = read_facility_export('some.csv', fx.export_csv(rows))
    assert list(table['orgunitlevel4']) == ['kw Afon Ward', 'Bosso Ward']
    assert any("column 'orgunitlevel4'" in r and "'kw Afon Ward'" in r for r in repairs)
