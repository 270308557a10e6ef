"""Spreadsheet-safe export of rankings (API spec "Exports").

A cell that starts with `=`, `+`, `-`, `@`, tab or carriage return would run as a
formula in Excel; exports prefix it with a single quote so it stays text.
No heavy imports: the REST path may use this module.
"""
import csv
import io
import math

FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
EXPORT_DECIMALS = 6  # scores in files: enough to order any two wards, not 16 digits of noise

RANKINGS_CSV_COLUMNS = (
    'ward_code', 'ward_name', 'lga', 'composite_score', 'composite_rank', 'composite_category',
    'pca_score', 'pca_rank', 'pca_category', 'rank_min', 'rank_p10', 'rank_p90', 'rank_max',
    'imputed', 'urban_percentage',
)


def safe_cell(value):
    """Neutralise one cell: text that a spreadsheet would evaluate gets a leading quote.

    Numbers pass through unchanged (a negative score is a number, not a formula);
    None becomes an empty cell.
    """
    if value is None:
        return ''
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_number(value):
    """A float rounded to EXPORT_DECIMALS for a file; whole numbers, text and None unchanged."""
    return round(value, EXPORT_DECIMALS) if isinstance(value, float) and math.isfinite(value) else value


def rankings_rows(rankings):
    """Flatten ranking items into the CSV columns (rank spread split, imputed `;`-joined, floats rounded)."""
    for item in rankings:
        spread = item.get('rank_spread') or {}
        row = {key: export_number(item.get(key)) for key in RANKINGS_CSV_COLUMNS}
        row.update({f'rank_{k}': export_number(spread.get(k)) for k in ('min', 'p10', 'p90', 'max')})
        row['imputed'] = ';'.join(item.get('imputed') or ())
        yield row


def write_rankings_csv(rankings, fileobj):
    """Write ranking items (rank order kept) as CSV to a text file object."""
    writer = csv.writer(fileobj, lineterminator='\n')
    writer.writerow(RANKINGS_CSV_COLUMNS)
    for row in rankings_rows(rankings):
        writer.writerow([safe_cell(row[key]) for key in RANKINGS_CSV_COLUMNS])


def rankings_csv(rankings):
    """The rankings CSV as UTF-8 bytes: what an analysis stores as rankings.csv."""
    text = io.StringIO()
    write_rankings_csv(rankings, text)
    return text.getvalue().encode('utf-8')
