"""The XLSX downloads (`reports.xlsx`): what a spreadsheet shows when it opens them, read back by openpyxl
(the library users' own workbooks go through) in both its modes."""
import io
import math

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.analysis.exports import safe_cell
from chalicelib.reports.xlsx import workbook

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
