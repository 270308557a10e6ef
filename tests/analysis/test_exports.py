"""Spreadsheet-safe exports: formula-like cells neutralised, numbers left alone."""
import csv
import io

import pytest

from chalicelib.analysis.exports import safe_cell, write_rankings_csv


@pytest.mark.parametrize('value,expected', [
    ('=cmd|"/c calc"!A1', '\'=cmd|"/c calc"!A1'), ('+1', "'+1"), ('-2+3', "'-2+3"), ('@SUM(A1)', "'@SUM(A1)"),
    ('\tTab', "'\tTab"), ('\rCR', "'\rCR"), ('Sabon Gari', 'Sabon Gari'), (-0.5, -0.5), (3, 3), (None, ''),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_rankings_csv_neutralises_ward_names_and_flattens_spread():
    item = {'ward_code': 'W1', 'ward_name': '=HYPERLINK("x")', 'lga': '@lga', 'composite_score': 0.5,
            'composite_rank': 1, 'composite_category': 'High', 'pca_score': -1.25, 'pca_rank': 2,
            'pca_category': 'High', 'rank_spread': {'min': 1, 'p10': 1.5, 'p90': 3.0, 'max': 4},
            'imputed': ['tpr', 'housing'], 'urban_percentage': None}
    out = io.StringIO()
    write_rankings_csv([item], out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row['ward_name'] == '\'=HYPERLINK("x")' and row['lga'] == "'@lga"
    assert row['pca_score'] == '-1.25'
    assert (row['rank_min'], row['rank_p10'], row['rank_p90'], row['rank_max']) == ('1', '1.5', '3.0', '4')
    assert row['imputed'] == 'tpr;housing' and row['urban_percentage'] == ''
