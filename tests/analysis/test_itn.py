"""Bed-net plans: hand-computed cases for both presets, allocation rules for any input, population tables."""
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.analysis.errors import DataError
from chalicelib.analysis.exports import RANKINGS_CSV_COLUMNS
from chalicelib.analysis.ingest import read_ward_table
from chalicelib.analysis.itn import nets_needed, plan_itn, write_plan_csv
from chalicelib.analysis.population import population_from_table


ROOT = Path(__file__).resolve().parents[2]


def ranking(*wards):
    """Ranking rows in rank order from (code, urban percentage) pairs."""
    return [{'ward_code': code, 'ward_name': f'Ward {code}', 'lga': 'Agaie', 'composite_rank': rank,
             'pca_rank': len(wards) + 1 - rank, 'urban_percentage': urban}
            for rank, (code, urban) in enumerate(wards, start=1)]


# Needs at household size 5: A 18 people -> 10 nets, B 36 -> 20, C 27 -> 15, D 9 -> 5, E 18 -> 10, F 9 -> 5.
WARDS = ranking(('A', 0), ('B', 10), ('C', 20), ('D', 74.9), ('E', 75), ('F', 90))
POPULATION = {'A': 18, 'B': 36, 'C': 27, 'D': 9, 'E': 18, 'F': 9}


def allocation(plan):
    return {row['ward_code']: (row['nets_allocated'], row['phase']) for row in plan['rows']}


def test_needs_follow_the_campaign_rule():
    assert [nets_needed(p, 5) for p in (18, 27, 1, 1000)] == [10, 15, 1, 556]
    assert nets_needed(18, 1) == 18  # small households: one net per household wins over one per 1.8 people
    assert nets_needed(10, 1.5) == 7  # ceil(10 / 1.5) = 7 > ceil(10 / 1.8) = 6


def test_default_skips_a_ward_that_does_not_fit_and_gives_the_rest_to_it_at_the_end():
    # 35 nets: A 10, B 20 (5 left); C needs 15: skipped; D needs 5: fits; nothing left for C.
    plan = plan_itn(WARDS, POPULATION, 35)
    assert allocation(plan) == {'A': (10, 'rural_full'), 'B': (20, 'rural_full'), 'C': (0, 'none'),
                                'D': (5, 'rural_full'), 'E': (0, 'none'), 'F': (0, 'none')}
    # 38 nets: 3 remain after D, and go to C, the highest-ranked skipped ward.
    plan = plan_itn(WARDS, POPULATION, 38)
    assert allocation(plan)['C'] == (3, 'rural_partial')
    row = plan['rows'][2]
    assert row['people_covered'] == pytest.approx(5.4) and row['coverage_percent'] == 20.0
    assert plan['totals']['nets_left'] == 0
    # 33 nets: 3 left after B; C (15) and D (5) both skipped: the 3 go to C, the higher ranked.
    assert [allocation(plan_itn(WARDS, POPULATION, 33))[code] for code in 'CD'] == [(3, 'rural_partial'), (0, 'none')]


def test_legacy_gives_the_rest_to_the_first_ward_that_does_not_fit_and_stops():
    plan = plan_itn(WARDS, POPULATION, 35, preset='mrpt-legacy')
    assert allocation(plan) == {'A': (10, 'rural_full'), 'B': (20, 'rural_full'), 'C': (5, 'rural_partial'),
                                'D': (0, 'none'), 'E': (0, 'none'), 'F': (0, 'none')}
    assert plan['totals']['wards_covered'] == {'rural': 2, 'urban': 0}
    assert plan['totals']['wards_partial'] == {'rural': 1, 'urban': 0}


def test_urban_wards_get_only_what_rural_wards_leave():
    # Rural need is 50; 58 nets: E (urban, 10) does not fit in the 8 left, F (5) does, E gets the last 3.
    default = plan_itn(WARDS, POPULATION, 58)
    assert allocation(default)['D'] == (5, 'rural_full')
    assert allocation(default)['E'] == (3, 'urban_partial') and allocation(default)['F'] == (5, 'urban_full')
    assert default['totals']['nets_left'] == 0
    # legacy: E takes the 8 and allocation stops before F.
    legacy = plan_itn(WARDS, POPULATION, 58, preset='mrpt-legacy')
    assert allocation(legacy)['E'] == (8, 'urban_partial') and allocation(legacy)['F'] == (0, 'none')
    totals = plan_itn(WARDS, POPULATION, 1000)['totals']
    assert (totals['nets_used'], totals['nets_left'], totals['people_covered']) == (65, 935, 117.0)
    assert totals['wards_covered'] == {'rural': 4, 'urban': 2}


def test_the_urban_threshold_decides_the_tier():
    plan = plan_itn(WARDS, POPULATION, 0, urban_threshold=74.9)
    assert [row['tier'] for row in plan['rows']] == ['rural', 'rural', 'rural', 'urban', 'urban', 'urban']


def test_pca_method_plans_in_pca_rank_order():
    plan = plan_itn(WARDS, POPULATION, 15, method='pca')
    assert [row['ward_code'] for row in plan['rows']] == ['F', 'E', 'D', 'C', 'B', 'A']
    # Rural first although urban F and E rank higher by PCA: D (5); C (15) and B (20) do not fit; A (10) does.
    assert allocation(plan) == {'F': (0, 'none'), 'E': (0, 'none'), 'D': (5, 'rural_full'), 'C': (0, 'none'),
                                'B': (0, 'none'), 'A': (10, 'rural_full')}


def test_wards_without_population_or_urban_share_are_reported():
    wards = ranking(('A', None), ('B', 10), ('C', 20))
    plan = plan_itn(wards, {'A': 18, 'C': 0, 'Z': 5}, 100)
    rows = {row['ward_code']: row for row in plan['rows']}
    assert rows['A']['tier'] == 'rural' and rows['A']['phase'] == 'rural_full'
    assert (rows['B']['nets_needed'], rows['B']['nets_allocated'], rows['B']['coverage_percent']) == (None, 0, None)
    assert rows['C']['population'] == 0 and rows['C']['phase'] == 'none'
    assert plan['warnings'] == [
        '1 wards have no urban percentage and were planned as rural: A (Ward A).',
        '2 wards have no positive population, so they cannot be planned and get no nets: B (Ward B), C (Ward C).',
        '1 population entries match no ranked ward code (e.g. Z); they were not used.']
    assert plan['totals']['wards_unplanned'] == 2


def test_no_population_at_all_is_refused():
    with pytest.raises(DataError) as error:
        plan_itn(WARDS, {}, 100)
    assert error.value.code == 'no_population' and 'population' in error.value.message


@pytest.mark.parametrize('options, field', [
    ({'total_nets': -1}, 'total_nets'), ({'total_nets': 2.5}, 'total_nets'), ({'total_nets': True}, 'total_nets'),
    ({'household_size': 0}, 'household_size'), ({'urban_threshold': 101}, 'urban_threshold'),
    ({'preset': 'old'}, 'preset'), ({'method': 'both'}, 'method'),
])
def test_bad_options_are_refused_naming_the_field(options, field):
    arguments = {'total_nets': 100, **options}
    with pytest.raises(DataError) as error:
        plan_itn(WARDS, POPULATION, **arguments)
    assert error.value.column == field


def test_pca_without_pca_ranks_is_refused():
    wards = [dict(w, pca_rank=None) for w in WARDS]
    with pytest.raises(DataError) as error:
        plan_itn(wards, POPULATION, 10, method='pca')
    assert 'composite' in error.value.message


def test_duplicate_ward_codes_are_refused():
    with pytest.raises(DataError) as error:
        plan_itn(WARDS + ranking(('A', 0)), POPULATION, 10)
    assert error.value.code == 'duplicate_ward_code'


def test_plan_csv_neutralises_formula_like_names():
    wards = [dict(WARDS[0], ward_name='=HYPERLINK("x")', lga='-Agaie')]
    out = io.StringIO()
    write_plan_csv(plan_itn(wards, POPULATION, 10), out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith('ward_code,ward_name,lga,rank,population')
    assert lines[1].startswith('A,"\'=HYPERLINK(""x"")",\'-Agaie,1,18,0.0,rural,10,10,18.0,100.0,rural_full')


ward_inputs = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(-5, 5000)), st.one_of(st.none(), st.floats(0, 100))),
    min_size=1, max_size=25)


@settings(max_examples=200, deadline=None)
@given(ward_inputs, st.integers(0, 20000), st.sampled_from([1, 1.5, 5, 6.2]), st.sampled_from([0, 50, 75, 100]),
       st.sampled_from(['default', 'mrpt-legacy']))
def test_allocation_rules_hold_for_any_input(wards, total, household, threshold, preset):
    rankings = ranking(*[(f'W{i}', urban) for i, (_, urban) in enumerate(wards)])
    population = {f'W{i}': people for i, (people, _) in enumerate(wards) if people is not None}
    if not any(p > 0 for p in population.values()):
        with pytest.raises(DataError):
            plan_itn(rankings, population, total, household, threshold, preset)
        return
    plan = plan_itn(rankings, population, total, household, threshold, preset)
    rows = plan['rows']
    used = sum(row['nets_allocated'] for row in rows)
    assert used <= total and plan['totals']['nets_left'] == total - used
    for row in rows:
        assert row['nets_allocated'] <= (row['nets_needed'] or 0)
        assert row['people_covered'] <= max(row['population'] or 0, 0) + 1e-9
        assert (row['phase'] == 'none') == (row['nets_allocated'] == 0)
    planned = [row for row in rows if row['nets_needed']]
    full = [row['nets_allocated'] == row['nets_needed'] for row in planned]
    if any(row['tier'] == 'urban' and row['nets_allocated'] for row in planned):
        assert all(f for row, f in zip(planned, full) if row['tier'] == 'rural')  # rural wards first
    if plan['totals']['nets_left'] > 0:
        assert all(full)  # nets are never left over while a ward still needs some
    assert sum(row['phase'].endswith('partial') for row in rows) <= 1
    if preset == 'mrpt-legacy':
        for tier in ('rural', 'urban'):
            served = [row['nets_allocated'] > 0 for row in planned if row['tier'] == tier]
            assert served == sorted(served, reverse=True)  # legacy stops at the first misfit: a prefix


def population_csv(text):
    return population_from_table('population.csv', text.encode())


def test_population_table_is_read_by_ward_code_case_insensitively():
    table = 'WARDCODE,Ward,Total_Population\nNIS01,Adahe,11631\nNIS02,Kawo,\n NIS03 ,Kodo,0\n'
    assert population_csv(table) == {'NIS01': 11631.0, 'NIS03': 0.0}


def test_population_table_from_xlsx():
    book = openpyxl.Workbook()
    book.active.append(['ward_code', 'pop'])
    book.active.append(['NIS01', 1200])
    out = io.BytesIO()
    book.save(out)
    assert population_from_table('population.xlsx', out.getvalue()) == {'NIS01': 1200.0}


@pytest.mark.parametrize('text, code, row, column', [
    ('WardCode,population\nNIS01,12\nNIS02,many\n', 'non_numeric_value', 3, 'population'),
    ('WardCode,population\nNIS01,12\nNIS01,13\n', 'duplicate_ward_code', 3, 'WardCode'),
    ('WardName,population\nAdahe,12\n', 'missing_column', None, None),
    ('WardCode,people\nNIS01,12\n', 'missing_column', None, None),
])
def test_bad_population_tables_are_refused_naming_the_place(text, code, row, column):
    with pytest.raises(DataError) as error:
        population_csv(text)
    assert (error.value.code, error.value.row, error.value.column, error.value.file) == (
        code, row, column, 'population.csv')


def test_a_population_table_with_decimal_commas_reads_as_the_ward_data_does():
    data = 'WardCode;WardName;tpr;population\nNIS01;Adahe;12,5;11631,4\nNIS02;Kawo;7,25;9850\n'.encode()
    assert population_from_table('population.csv', data) == {'NIS01': 11631.4, 'NIS02': 9850.0}
    assert read_ward_table('population.csv', data).values[:, 1].tolist() == [11631.4, 9850.0]


def test_a_population_read_either_as_thousands_or_as_decimals_is_refused_naming_the_cell():
    # Where ';' separates the cells, 11.631 is 11631 people in one locale and 11.631 in another.
    with pytest.raises(DataError) as error:
        population_csv('WardCode;population\nNIS01;11.631\nNIS02;950\n')
    assert (error.value.code, error.value.row, error.value.column) == ('ambiguous_number', 2, 'population')


def test_niger_ward_data_serves_as_population_table(shared_data):
    population = population_from_table('Niger_plus.csv', (shared_data / 'niger' / 'Niger_plus.csv').read_bytes())
    assert len(population) == 275 and population['NISAGR01'] == 11631.0


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, '-m', 'cli', *map(str, args)], cwd=cwd,
                          env={**os.environ, 'PYTHONPATH': str(ROOT)}, capture_output=True, text=True, timeout=300)


def test_cli_writes_the_plan_from_a_rankings_csv(tmp_path):
    rankings = tmp_path / 'rankings.csv'
    rankings.write_text(','.join(RANKINGS_CSV_COLUMNS) + '\n' + ''.join(
        f'{w["ward_code"]},{w["ward_name"]},Agaie,0.5,{w["composite_rank"]},High,,,,1,1,1,1,,{w["urban_percentage"]}\n'
        for w in WARDS))
    (tmp_path / 'population.csv').write_text('WardCode,population\n' + ''.join(
        f'{code},{people}\n' for code, people in POPULATION.items()))
    done = run_cli('itn', '--rankings', rankings, '--population', 'population.csv', '--total-nets', 35,
                   '--preset', 'mrpt-legacy', '--out', 'plan.csv', cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / 'plan.csv', newline='') as handle:
        rows = list(csv.DictReader(handle))
    assert [(r['ward_code'], r['nets_allocated'], r['phase']) for r in rows][:4] == [
        ('A', '10', 'rural_full'), ('B', '20', 'rural_full'), ('C', '5', 'rural_partial'), ('D', '0', 'none')]
    assert '35 of 35 nets used' in done.stderr


def test_cli_refuses_a_bad_population_file_with_status_2(tmp_path):
    header = ','.join(RANKINGS_CSV_COLUMNS)
    (tmp_path / 'rankings.csv').write_text(header + '\nA,Ward A,Agaie,0.5,1,High,,,,1,1,1,1,,0\n')
    (tmp_path / 'population.csv').write_text('WardCode,population\nA,lots\n')
    done = run_cli('itn', '--rankings', 'rankings.csv', '--population', 'population.csv', '--total-nets', 10,
                   '--out', 'plan.csv', cwd=tmp_path)
    assert done.returncode == 2
    assert 'population.csv' in done.stderr and 'row 2' in done.stderr and 'lots' in done.stderr
    assert not (tmp_path / 'plan.csv').exists()


def test_cli_plans_niger_from_the_engine_rankings(tmp_path, shared_data):
    niger = shared_data / 'niger'
    ranked = run_cli('rank', '--data', niger / 'Niger_plus.csv', '--boundaries', niger / 'Niger_State.zip',
                     '--out', 'rankings.csv', cwd=tmp_path)
    assert ranked.returncode == 0, ranked.stderr
    done = run_cli('itn', '--rankings', 'rankings.csv', '--population', niger / 'Niger_plus.csv',
                   '--total-nets', 500000, '--out', 'plan.csv', cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / 'plan.csv', newline='') as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 275
    assert sum(int(r['nets_allocated']) for r in rows) == 500000
    assert rows[0]['phase'] == 'rural_full' and int(rows[0]['nets_allocated']) == int(rows[0]['nets_needed'])
    assert sum(r['phase'].endswith('partial') for r in rows) == 1


def test_the_engine_rankings_plan_directly(shared_data):
    from chalicelib.analysis import prepare_dataset, run_analysis
    niger = shared_data / 'niger'
    prepared = prepare_dataset({'data': ('Niger_plus.csv', (niger / 'Niger_plus.csv').read_bytes()),
                                'boundaries': ('Niger_State.zip', (niger / 'Niger_State.zip').read_bytes())})
    result = run_analysis(prepared, {'preset': 'mrpt-legacy'})
    population = dict(zip(prepared.ward_code, prepared.population))
    plan = plan_itn(result.rankings, population, 2_000_000, method='pca', preset='mrpt-legacy')
    rows = plan['rows']
    assert [row['rank'] for row in rows] == list(range(1, 276))
    assert plan['totals']['nets_used'] == min(2_000_000, plan['totals']['nets_needed'])
    served = [row['nets_allocated'] > 0 for row in rows if row['tier'] == 'rural']
    assert served == sorted(served, reverse=True)
