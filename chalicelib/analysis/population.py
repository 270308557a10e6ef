"""Ward population: from a population table keyed by ward code, or a ward data file's own column.

One place finds the population column, so a dataset and a bed-net plan read the
same column of the same file, and its cells are read as the ward data's are. No pandas.
"""
from chalicelib.analysis.errors import DataError
from chalicelib.analysis.ingest import Limits, column_key, open_rows
from chalicelib.analysis.plausible import check_column

WARD_CODE_NAMES = ('wardcode', 'ward_code')
POPULATION_NAMES = ('population', 'pop', 'total_population')


def column_index(columns, names):
    """Index of the column named by the first of `names` present (trimmed, any case), else None."""
    keys = [column_key(column) for column in columns]
    return next((keys.index(name) for name in names if name in keys), None)


def population_from_table(filename, data, limits=Limits()):
    """ward_code -> population from a CSV/XLSX keyed by ward code.

    Empty cells are left out (those wards cannot be planned); text that is not a
    number, or one ward code given two populations, is refused naming the row.
    """
    rows = open_rows(filename, data, limits)
    header = rows.header
    code_index = _required(header, WARD_CODE_NAMES, filename, 'WardCode (or ward_code)')
    pop_index = _required(header, POPULATION_NAMES, filename, 'population (or pop, total_population)')
    table = rows.read(texts=[code_index], numbers=[pop_index])
    people = table.required(pop_index, header[pop_index], "give the ward's number of people, or leave it empty")
    check_column(filename, header[pop_index], people, table.row_numbers, 'people')
    result = {}
    for number, code, value in zip(table.row_numbers, table.texts[code_index], people):
        if code is None or value != value:
            continue
        if code in result and result[code] != value:
            raise DataError('duplicate_ward_code', f'Row {number}: ward code {code} is given two populations '
                            f'({plain_number(result[code])} and {plain_number(value)}); keep one row per ward.',
                            file=filename, row=number, column=header[code_index])
        result[code] = float(value)
    return result


def plain_number(number):
    """12345.0 -> 12345 so whole counts of people read as whole numbers."""
    return int(number) if float(number).is_integer() else float(number)


def _required(header, names, filename, wanted):
    index = column_index(header, names)
    if index is None:
        raise DataError('missing_column', f'No {wanted} column: the population table needs a ward code column '
                        'and a population column.', file=filename)
    return index
