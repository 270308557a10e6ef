"""Numbers from the cells of a user's CSV/XLSX (`ingest.open_rows` reads its rows).

Shared by the facility export (TPR) and the population table (ITN, datasets);
no pandas, so preparing a dataset does not load it.
"""
import math

from chalicelib.analysis.errors import DataError
from chalicelib.analysis.ingest import identifier_text


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
