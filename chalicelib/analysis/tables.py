"""A user's CSV/XLSX as numbered rows, and numbers from its cells.

Shared by the facility export (TPR) and the population table (ITN, datasets);
no pandas, so preparing a dataset does not load it.
"""
import math

from chalicelib.analysis.errors import DataError
from chalicelib.analysis.ingest import Limits, check_size, identifier_text, read_csv_rows, read_xlsx_rows


def read_rows(filename, data, limits=Limits()):
    """(header, [(row number, cells)], warnings) of a CSV or the first sheet of an XLSX."""
    check_size(filename, data, limits)
    lower = filename.lower()
    if lower.endswith(('.xlsx', '.xlsm')):
        rows, warnings = read_xlsx_rows(filename, data)
    elif lower.endswith(('.csv', '.txt')):
        rows, warnings = read_csv_rows(filename, data)
    else:
        raise DataError('unsupported_file', 'Use a .csv or .xlsx file.', file=filename)
    numbered = [(number, row) for number, row in enumerate(rows, start=1)
                if any(identifier_text(cell) is not None for cell in row)]
    if len(numbered) < 2:
        raise DataError('empty_file', 'The file has no rows under its header.', file=filename)
    header = ['' if cell is None else str(cell).strip() for cell in numbered[0][1]]
    return header, numbered[1:], list(warnings)


def cell_numbers(filename, column, cells, advice):
    """Floats of (row number, cell) pairs, NaN where missing; text is refused, naming the cell."""
    values = []
    for number, cell in cells:
        text = identifier_text(cell)
        try:
            value = float('nan') if text is None else float(text)
        except ValueError:
            value = None
        if value is None or math.isinf(value):
            raise DataError('non_numeric_value', f'Row {number}: {text!r} in column {column!r} is not a number: '
                            f'{advice}.', file=filename, row=int(number), column=column)
        values.append(value)
    return values


def plain_number(number):
    """12345.0 -> 12345 so whole counts read as whole numbers."""
    return int(number) if float(number).is_integer() else float(number)
