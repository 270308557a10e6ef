"""The XLSX downloads (`reports.xlsx`): what a spreadsheet shows when it opens them, read back by openpyxl
(the library users' own workbooks go through) in both its modes."""
import io
import json
import math
import subprocess
import sys

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.analysis.exports import safe_cell
from chalicelib.reports import exports
from chalicelib.reports.xlsx import workbook
from chalicelib.viz.maps import prepare
from tests.conftest import ROOT
from tests.viz.conftest import FORMULA_WARD, IMG_WARD

# What XML 1.0 can hold (the spec's Char production): the rest is dropped from a text cell.
XML_CHAR = (lambda c: c in '\t\n\r' or ' ' <= c <= '\ud7ff' or '\ue000' <= c <= '\ufffd' or c >= '\U00010000')


def expected_text(text):
    """A text cell as a spreadsheet shows it: characters XML cannot hold dropped, then `safe_cell`; '' is empty."""
    return safe_cell(''.join(filter(XML_CHAR, text))) or None


def opened(data, read_only=False):
    return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)


def cells(sheet):
    """Each row as (value, openpyxl's type letter) pairs (None for an empty cell), trailing empty cells dropped."""
    rows = []
    for row in sheet.iter_rows():
        pairs = [(c.value, None if c.value is None else c.data_type) for c in row]
        while pairs and pairs[-1][0] is None:
            pairs.pop()
        rows.append(pairs)
    return rows


def openpyxl_workbook(sheets):
    """The rankings workbook as openpyxl wrote it before `reports.xlsx`: the oracle of what users saw."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter
    book = openpyxl.Workbook(write_only=True)
    clean = (lambda v: safe_cell(ILLEGAL_CHARACTERS_RE.sub('', v)) if isinstance(v, str) else v)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.freeze_panes = 'A2'
        for i, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(40, max(10, len(str(name)) + 2))
        sheet.append([clean(h) for h in header])
        for row in rows:
            sheet.append([clean(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize('read_only', [False, True])
def test_the_rankings_workbook_opens_as_openpyxl_wrote_it(hostile_result, monkeypatch, read_only):
    """Same sheets, headers, values and types; the same frozen header and column widths."""
    view = prepare(hostile_result).view
    ours = opened(exports.rankings_xlsx(view), read_only)
    monkeypatch.setattr(exports, 'workbook', openpyxl_workbook)
    theirs = opened(exports.rankings_xlsx(view), read_only)
    assert ours.sheetnames == theirs.sheetnames == ['Rankings', 'Models', 'Data used', 'Variables']
    for title in ours.sheetnames:
        assert cells(ours[title]) == cells(theirs[title]), title
        if not read_only:
            assert ours[title].freeze_panes == theirs[title].freeze_panes == 'A2', title
            widths = {k: d.width for k, d in ours[title].column_dimensions.items()}
            assert widths == {k: d.width for k, d in theirs[title].column_dimensions.items()}, title
    rankings = cells(ours['Rankings'])
    assert len(rankings) == 61 and len(cells(ours['Data used'])) == 61
    assert ("'" + FORMULA_WARD, 's') in [row[1] for row in rankings] and (IMG_WARD, 's') in [row[1] for row in rankings]
    assert all(kind == 'n' and isinstance(value, (int, float)) for value, kind in rankings[1][3:5])


@pytest.mark.parametrize('read_only', [False, True])
def test_names_with_markup_quotes_and_control_characters_come_back(read_only):
    names = ['Tom & Jerry <b>"x"</b>', 'end ]]> of data', 'bell\x07ward', '  spaced  ', 'two\r\nlines\ttab',
             '=SUM(A1:A9)', '-3 wards', '@once', 'Ìbàdàn 北 🦟']
    data = workbook([('Wards & <LGAs>', ('ward_name', 'score'), ([name, i / 3] for i, name in enumerate(names)))])
    book = opened(data, read_only)
    assert book.sheetnames == ['Wards & <LGAs>']
    rows = list(book['Wards & <LGAs>'].iter_rows(values_only=True))
    assert rows[0] == ('ward_name', 'score')
    assert [row[0] for row in rows[1:]] == [
        'Tom & Jerry <b>"x"</b>', 'end ]]> of data', 'bellward', '  spaced  ', 'two\r\nlines\ttab',
        "'=SUM(A1:A9)", "'-3 wards", "'@once", 'Ìbàdàn 北 🦟']
    assert [row[1] for row in rows[1:]] == [i / 3 for i in range(len(names))]


def test_numbers_are_numbers_and_gaps_are_empty_cells():
    row = [0, -7, 2 ** 53, 0.1, -0.0, 1e-300, 1.7976931348623157e308, float('nan'), float('inf'), None, True, False]
    sheet = opened(workbook([('Numbers', [f'c{i}' for i in range(len(row))], [row])]))['Numbers']
    assert cells(sheet)[1] == [(0, 'n'), (-7, 'n'), (2 ** 53, 'n'), (0.1, 'n'), (-0.0, 'n'), (1e-300, 'n'),
                               (1.7976931348623157e308, 'n'), (None, None), (None, None), (None, None),
                               (True, 'b'), (False, 'b')]
    assert math.copysign(1, sheet.cell(2, 5).value) == -1


@pytest.mark.parametrize('header', [('warning',), ()])
def test_an_empty_sheet_opens_empty(header):
    book = opened(workbook([('Warnings', header, iter(())), ('Totals', ('total', 'value'), [['nets', 5]])]))
    assert book.sheetnames == ['Warnings', 'Totals']
    assert [list(r) for r in book['Warnings'].iter_rows(values_only=True)] == ([list(header)] if header else [])
    assert book['Warnings'].freeze_panes == 'A2'
    assert list(book['Totals'].iter_rows(values_only=True)) == [('total', 'value'), ('nets', 5)]


@pytest.mark.parametrize('title', ['', 'a' * 32, 'Q1/Q2', 'rank[1]', 'why?', 'Sheet', 'SHEET'])
def test_a_title_a_spreadsheet_cannot_hold_is_refused(title):
    with pytest.raises(ValueError, match='sheet title'):
        workbook([('Sheet', ('a',), []), (title, ('a',), [])])


def test_the_widths_follow_the_header():
    sheet = opened(workbook([('W', ('id', 'a' * 12, 'b' * 60), [])]))['W']
    assert [sheet.column_dimensions[c].width for c in 'ABC'] == [10, 14, 40]


CELL = st.one_of(st.text(), st.floats(), st.integers(-2 ** 62, 2 ** 62), st.booleans(), st.none())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=1, max_size=6), max_size=8))
def test_any_text_or_number_cell_round_trips(rows):
    book = opened(workbook([('Cells', ('a', 'b', 'c', 'd', 'e', 'f'), rows)]))
    read = list(book['Cells'].iter_rows(min_row=2, max_col=6, values_only=True))
    for row, back in zip(rows, read + [(None,) * 6] * (len(rows) - len(read))):
        for value, got in zip(row, back):
            if isinstance(value, str):
                assert got == expected_text(value)
            elif isinstance(value, float) and not math.isfinite(value):
                assert got is None
            else:
                assert type(got) is type(value) and repr(got) == repr(value)


# The plan's coverage map is the drawing's (tests/viz/test_coverage_map.py): stubbed, so this checks the files.
WRITE_THE_FILES = '''
import json, sys
import chalicelib.viz
chalicelib.viz.coverage_map = lambda result, plan, options: b''
from chalicelib.analyses.itn_plans import plan_files
from chalicelib.analysis.itn import plan_itn
from chalicelib.reports import build
from chalicelib.reports.exports import plan_for_people
result = json.load(sys.stdin)
build(result, {'dataset_name': 'x'}, {})
plan = plan_itn(result['rankings'], {w['ward_code']: 900 for w in result['rankings']}, 1000)
plan_files(plan_for_people(plan), result)
print(sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl'))
'''


def test_writing_the_report_and_a_bed_net_plan_loads_no_openpyxl(hostile_result):
    done = subprocess.run([sys.executable, '-c', WRITE_THE_FILES], cwd=ROOT, input=json.dumps(hostile_result),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '[]'
