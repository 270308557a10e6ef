"""Reading a user's tables (CSV, XLSX) and ward boundaries (zipped shapefile, GeoJSON).

Ward data, population tables, facility exports and rankings all come through one row reader
(`open_rows`, then `Rows.read`), so they share limits, encodings, separators and decimal marks.

Everything here refuses bad input with a `DataError` naming the file and what to
do; nothing is read from disk or the environment: bytes in, tables out.
"""
import contextlib
import csv
import functools
import gc
import io
import itertools
import json
import math
import re
from array import array
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterator

import numpy as np

from . import archives, polygons
from .errors import DataError
from .plausible import check_column

MISSING_TOKENS = frozenset({'', 'na', 'n/a', 'nan', 'null', '-'})

# Identifier columns, matched case-insensitively after trimming.
IDENTIFIER_ALIASES = MappingProxyType({
    'ward_code': ('wardcode', 'ward_code'),
    'ward_name': ('wardname', 'ward_name', 'ward'),
    'lga_code': ('lgacode', 'lga_code'),
    'lga': ('lga', 'lga_name', 'lganame'),
    'state_code': ('statecode', 'state_code'),
    'state': ('state', 'state_name', 'statename'),
    'urban': ('urban',),
})
NEVER_VARIABLES = frozenset({'index', 'global_id', 'globalid', 'source', 'properties', 'geometry',
                             'shape_area', 'shape_leng', 'fid', 'objectid'})
UNNAMED = re.compile(r'^(x(\.\d+)?|unnamed: ?\d+(_level_\d+)?|)$')
URBAN_PERCENT_KEYS = frozenset({'urbanpercentage', 'urbanpercent', 'urbanperc', 'urbanpct', 'urban_percentage'})


@dataclass(frozen=True)
class Limits:
    """Upload limits and reading choices, passed in by the caller (the service reads its configuration).

    Each bound keeps validating the largest upload under 500 MB (`make bench`). A ward table
    (ward data, a population table, the boundaries) has one row per ward, and no country has
    20,000 wards. A DHIS2 facility export has one row per facility and period: a state's
    1,500 facilities over eight years of months fit in 150,000 rows (the ward TPR computed
    from them takes about 2 KB a row; a country's export is split by state). Boundaries take
    about eight times their size in memory while wards are read, matched and simplified for
    display, so their shapes (a GeoJSON, or a zipped shapefile inflated) are held to far less
    than a workbook may inflate to, whose worksheets are streamed.
    """
    max_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 500 * 1024 * 1024
    max_boundary_bytes: int = 24 * 1024 * 1024
    max_rows: int = 20_000
    max_columns: int = 100
    max_facility_rows: int = 150_000
    shapefile: str = None  # which shapefile to read when a zip holds several
    sheet: str = None      # which XLSX sheet to read (default: the first)


@dataclass
class RawTable:
    """A ward table as read: identifier columns, numeric variables and their missing cells."""
    file: str
    identifiers: dict        # role -> list of str|None, one per row
    variables: tuple         # numeric column names, file order
    values: np.ndarray       # rows x variables, NaN where missing
    warnings: list


@dataclass
class BoundaryLayer:
    """Ward polygons in WGS84 with their identifiers, in file order."""
    file: str
    identifiers: dict        # role -> list of str|None (ward_code, ward_name, lga_code, lga, state_code)
    urban_percentage: np.ndarray
    geometries: np.ndarray   # shapely geometries (None when a record has no shape)
    warnings: list


def column_key(name):
    return str(name).strip().lower()


def identifier_text(value):
    """Identifier cells as trimmed text; integral numbers lose their `.0` (27002.0 -> 27002)."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return None if text.lower() in MISSING_TOKENS else text


def check_size(filename, data, limits):
    if len(data) > limits.max_bytes:
        raise DataError('too_large', f'The file is {len(data)} bytes, over the limit of {limits.max_bytes}: '
                        'split it or remove unused columns.', file=filename)
    if not data:
        raise DataError('empty_file', 'The file is empty: upload the file again.', file=filename)


# --- reading rows ----------------------------------------------------------------

WARD_ROWS = ('A ward table has one row per ward and no country has that many wards: keep one row per ward '
             '(one state, or one country, at a time).')
LINE = re.compile(r'[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+')  # the lines the csv module expects, one at a time
ROW_BATCH = 128
# Workbook parts openpyxl holds whole in memory (shared strings, styles; about 7 times their size):
# worksheets stream. Far more than a ward table's names need.
WORKBOOK_PARTS_BYTES = 16 * 1024 * 1024
WORKSHEET = re.compile(r'^xl/worksheets/[^/]+\.xml$')


@dataclass
class Rows:
    """A CSV or worksheet: its header, then its non-blank rows numbered as in the file.

    `body` is read lazily (by `read`), so a file over the row limit is refused before it is read whole.
    """
    file: str
    header: list
    body: Iterator       # (row number, cells)
    warnings: list
    separator: str       # ',', ';' or '\t' for a CSV, '' for a workbook

    def read(self, texts=(), numbers=()):
        """The columns at header indices `texts` as identifier text (a repeated value held once) and at
        `numbers` as numbers, streamed in batches so no table stands whole as text cells. A row with
        cells past the header is refused: an unquoted separator has shifted the cells after it."""
        width = len(self.header)
        table = Columns(self.file, [], {index: [] for index in texts},
                        {index: NumberColumn(self.separator) for index in numbers})
        shared = {}
        while batch := list(itertools.islice(self.body, ROW_BATCH)):
            for number, row in batch:
                if len(row) > width and _has_cells(row[width:]):
                    raise DataError('ragged_row', f'Row {number} has {len(row)} cells but the header names {width} '
                                    'columns: name every column in the header, and check for unquoted commas.',
                                    file=self.file, row=number)
                table.row_numbers.append(number)
            cells = list(zip(*[tuple(row[:width]) + (None,) * (width - len(row)) for _, row in batch]))
            for index, values in table.texts.items():
                values.extend(shared.setdefault(text, text) if (text := identifier_text(cell)) is not None else None
                              for cell in cells[index])
            for index, column in table.numbers.items():
                column.extend(cells[index])
        return table


@dataclass
class Columns:
    """The columns read from a table, by header index, and the file's number of each row."""
    file: str
    row_numbers: list
    texts: dict          # index -> str|None per row
    numbers: dict        # index -> NumberColumn

    def marks(self):
        """The decimal marks the number columns show: they decide a column that shows none."""
        return {'comma': any(column.comma_style for column in self.numbers.values()),
                'point': any(column.point is not None for column in self.numbers.values())}

    def required(self, index, name, advice):
        """The numbers of a column that holds nothing else (NaN where empty); text is refused, naming the cell."""
        return self.numbers[index].required(self.file, name, self.row_numbers, self.marks(), advice)


def open_rows(filename, data, limits, sheet=None, max_rows=None, advice=WARD_ROWS):
    """The rows of a CSV or XLSX, at most `max_rows` (default `limits.max_rows`) under the header.

    Every table the engine reads comes through here (ward data, population tables, facility exports,
    rankings): one set of limits, encodings, separators and decimal marks.
    """
    check_size(filename, data, limits)
    lower = filename.lower()
    if lower.endswith(('.xlsx', '.xlsm')):
        cells, warnings, separator = xlsx_rows(filename, data, limits, sheet), [], ''
    elif lower.endswith(('.csv', '.txt')):
        cells, warnings, separator = csv_rows(filename, data)
    else:
        raise DataError('unsupported_file', 'Use a .csv or .xlsx file.', file=filename)
    body = _numbered(filename, cells, max_rows or limits.max_rows, advice)
    header = ['' if cell is None else str(cell).strip() for cell in next(body)[1]]
    while header and not header[-1]:   # trailing empty cells (a workbook's formatted cells) name nothing
        header.pop()
    return Rows(filename, header, body, warnings, separator)


def _numbered(filename, rows, max_rows, advice):
    """(row number, cells) of the non-blank rows, refusing the first row past the limit."""
    count = 0
    for number, row in enumerate(rows, start=1):
        if any(identifier_text(cell) is not None for cell in row):
            count += 1
            if count > max_rows + 1:
                raise DataError('too_many_rows', f'The file has more than {max_rows:,} rows under its header '
                                f'(refused at row {number}, without reading the rest). {advice}', file=filename)
            yield number, row
    if count < 2:
        raise DataError('empty_file', 'The file has no rows under its header.', file=filename)


CONTROL_CHARACTER = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f]')   # below space, but tab and line ends


def decode_text(filename, data):
    """Detect the encoding (UTF-8 with or without BOM, Windows-1252, Latin-1) and say which was used."""
    if b'\x00' in data[:65536]:
        raise DataError('unreadable_encoding', 'The file holds binary data or UTF-16 text: save it as CSV '
                        '(UTF-8) and upload again.', file=filename)
    for encoding in ('utf-8-sig', 'cp1252', 'latin-1'):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL_CHARACTER.search(text, 0, 65536):
            break
        if encoding == 'utf-8-sig':
            return text, []
        return text, [f'{filename}: read as {encoding} (not UTF-8); check accented names.']
    raise DataError('unreadable_encoding', 'The text encoding could not be recognised: save the file as '
                    'CSV UTF-8 and upload again.', file=filename)


def csv_rows(filename, data):
    """(rows, warnings, separator) of a CSV: the rows parsed lazily, line by line, from the decoded
    text (an io.StringIO would hold the text again at four bytes a character)."""
    text, warnings = decode_text(filename, data)
    first_line = LINE.match(text).group() if text else ''
    delimiter = max((',', ';', '\t'), key=first_line.count)
    reader = csv.reader((line.group() for line in LINE.finditer(text)), delimiter=delimiter)
    return _csv_cells(filename, reader, text, delimiter), warnings, delimiter


def _csv_cells(filename, reader, text, delimiter):
    header = None
    try:
        for row in reader:
            header = row if header is None else header
            yield row
    except csv.Error as exc:
        if 'field larger than field limit' in str(exc):
            raise _cell_too_long(filename, header or [], text, reader.line_num, delimiter) from None
        raise DataError('unreadable_file', f'The CSV could not be parsed ({exc}): check quotes and save it again '
                        'as CSV.', file=filename) from None


def _cell_too_long(filename, header, text, line_num, delimiter):
    """The refusal of a cell longer than the csv module's field limit, naming its row and,
    when the line splits plainly, its column: no ward name or value is that long."""
    limit = csv.field_size_limit()
    lines = text.splitlines()   # as the csv module counts them, CR-only line ends too
    cells = lines[line_num - 1].split(delimiter) if 0 < line_num <= len(lines) else []
    index = next((i for i, cell in enumerate(cells) if len(cell) > limit), None)
    column = header[index] if index is not None and index < len(header) else None
    what = f'the {column} value' if column else 'a cell'
    return DataError('cell_too_long', f'Row {line_num}: {what} is longer than {limit} characters, far more '
                     'than any ward name or value (an unclosed quote or text pasted into the cell can '
                     'cause this). Correct that cell and upload the file again.',
                     file=filename, row=line_num, column=column)


def xlsx_rows(filename, data, limits, sheet=None):
    """The rows of a worksheet (the first unless named), streamed by openpyxl once the
    workbook's zip has passed the archive checks."""
    check_workbook(filename, data, limits)
    import openpyxl
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise DataError('unreadable_file', f'The workbook could not be opened ({type(exc).__name__}): '
                        'save it again as .xlsx.', file=filename) from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise DataError('unknown_sheet', f'No sheet named {sheet!r}; sheets: {", ".join(book.sheetnames)}.',
                        file=filename)
    worksheet = book[sheet] if sheet is not None else book.worksheets[0]
    worksheet.reset_dimensions()   # a stated size may be wrong: rows are as long as their last cell
    return _sheet_cells(filename, book, worksheet)


def _sheet_cells(filename, book, worksheet):
    try:
        yield from worksheet.iter_rows(values_only=True)
    except Exception as exc:  # a worksheet's XML broken past its start
        raise DataError('unreadable_file', f'The worksheet could not be read ({type(exc).__name__}): save the '
                        'workbook again as .xlsx.', file=filename) from None
    finally:
        book.close()


def check_workbook(filename, data, limits):
    """An .xlsx is a zip: its declared sizes are checked, then every member is inflated once
    through a bounded, CRC-checked read, before openpyxl reads any of it."""
    with archives.open_zip(filename, data, 'save the workbook again as .xlsx.') as archive:
        members = archive.infolist()
        archives.check_expansion(filename, members, limits.max_uncompressed_bytes,
                                 'save the sheet of ward data as CSV, or remove unused sheets.')
        whole = [info for info in members if info.filename.endswith(('.xml', '.rels'))
                 and not WORKSHEET.match(info.filename)]
        archives.check_expansion(filename, whole, WORKBOOK_PARTS_BYTES,
                                 'its shared strings and styles are far larger than a ward table needs: '
                                 'save the sheet of ward data as CSV.')
        for info in members:
            archives.check_member(filename, archive, info)


# --- ward data -------------------------------------------------------------------

def read_ward_table(filename, data, limits=Limits()):
    """Read the ward data file (CSV or XLSX) into identifiers and numeric variables.

    Rows stream into columns, identifiers as text and every other column as numbers,
    so a table at the row and column limits never holds its cells as text.
    """
    rows = open_rows(filename, data, limits, limits.sheet)
    header, width = rows.header, len(rows.header)
    if width > limits.max_columns:
        raise DataError('too_many_columns', f'The header names {width} columns, more than the {limits.max_columns} '
                        'a ward table may have: keep the ward identifiers and the variables.', file=filename)
    roles = identifier_roles(header)
    if 'ward_name' not in roles:
        raise DataError('no_ward_name', 'No ward name column: name one column WardName (or Ward, ward_name).',
                        file=filename)
    identifiers = set(roles.values())
    table = rows.read(texts=identifiers, numbers=[index for index in range(width) if index not in identifiers])
    return build_table(header, roles, table, rows.warnings)


def _has_cells(cells):
    """Whether any cell holds something (a worksheet's row may trail thousands of empty cells)."""
    cells = tuple(cells)
    return cells.count(None) + cells.count('') < len(cells) and any(identifier_text(c) is not None for c in cells)


def identifier_roles(header):
    """role -> index of the first column named by one of the role's aliases."""
    roles = {}
    for index, name in enumerate(header):
        key = column_key(name)
        for role, aliases in IDENTIFIER_ALIASES.items():
            if key in aliases and role not in roles:
                roles[role] = index
    return roles


def build_table(header, roles, table, warnings):
    """The ward table from its streamed columns: every column judged, every one left out said why."""
    filename, row_numbers = table.file, table.row_numbers
    identifiers = {role: table.texts[index] for role, index in roles.items()}
    for number, name in zip(row_numbers, identifiers['ward_name']):
        if name is None:
            raise DataError('missing_ward_name', f'Row {number} has no ward name: fill it in or delete the row.',
                            file=filename, row=number, column=header[roles['ward_name']])
    if 'ward_code' in roles:
        check_unique_codes(filename, identifiers['ward_code'], row_numbers, header[roles['ward_code']])
    marks = table.marks()
    warnings, names, arrays, by_name = list(warnings), [], [], []
    for index, column in table.numbers.items():
        name = header[index]
        key = column_key(name)
        if key in NEVER_VARIABLES or UNNAMED.match(key):
            if column.numbers():
                by_name.append(name or f'column {index + 1} (no name)')
            continue
        values = column.finish(filename, name, row_numbers, marks, warnings)
        if values is None:
            continue
        if name in names:
            raise DataError('duplicate_column', f'Two columns are named {name!r}: rename one.', file=filename,
                            column=name)
        check_column(filename, name, values, row_numbers)
        names.append(name)
        arrays.append(values)
    if by_name:
        warnings.append(f'{filename}: not variables, as their names say they are row numbers or identifiers '
                        f'(though they hold numbers): {", ".join(by_name)}.')
    if not names:
        raise DataError('no_numeric_variable', 'No numeric variable column was found: the file needs at least '
                        'one column of numbers besides the ward identifiers.', file=filename)
    return RawTable(filename, identifiers, tuple(names), np.column_stack(arrays), warnings)


def check_unique_codes(filename, codes, row_numbers, column):
    seen = {}
    for number, code in zip(row_numbers, codes):
        if code is None:
            continue
        if code in seen:
            raise DataError('duplicate_ward_code', f'Ward code {code} appears twice (rows {seen[code]} and {number}): '
                            'each ward needs its own code.', file=filename, row=number, column=column)
        seen[code] = number


# Decimal marks. Where `;` or tab separates the cells, Excel writes numbers the locale's way
# (12,5 and 1.234,5); where `,` does, a comma inside a number is ambiguous (12,5 or 1,234).
COMMA_NUMBER = re.compile(r'[+-]?(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+),\d+')   # 12,5  -0,25  1.234,5
GROUPED_DOT = re.compile(r'[+-]?[1-9]\d{0,2}(?:\.\d{3})+')   # 1.234: a thousands group, or three decimals
GROUPED_COMMA = re.compile(r'[+-]?[1-9]\d{0,2}(?:,\d{3})+')   # 1,234: three decimals, or a thousands group


class NumberColumn:
    """One column's cells read as numbers while the rows stream in.

    Besides the numbers it keeps only what decides the column at the end: how many
    cells are text (and the first), and which decimal mark the cells show.
    """

    def __init__(self, separator):
        self.values = array('d')
        self.separator = separator
        self.text = 0
        self.first_text = None      # (index, cell)
        self.comma_style = 0        # cells only a decimal comma reads (12,5; 1.234,5; 1.234.567)
        self.first_comma = None     # (index, cell)
        self.grouped_commas = 0     # of those, cells also read as thousands (1,234)
        self.point = None           # the first cell only a decimal point reads (12.5, 0.123): (index, cell)
        self.grouped = {}           # index -> its value if its dots group thousands (1.234 -> 1234)
        self.first_grouped = None   # (index, cell)
        self.comma_text = 0         # text cells that would be numbers with a comma (in a comma-separated file)

    def extend(self, cells):
        if self.separator == ',':
            try:   # a batch of plain numbers, as most of a ward table is, in one pass
                batch = [float(cell) for cell in cells]
            except (TypeError, ValueError):
                pass
            else:
                if not any(map(math.isinf, batch)):
                    self.values.extend(batch)
                    return
        values, append = self.values, self.values.append
        comma_decimals = self.separator in (';', '\t')
        for cell in cells:
            if cell is None or cell == '' or isinstance(cell, bool):
                append(math.nan)
                continue
            if isinstance(cell, (int, float)):
                value = float(cell)
            else:
                text = str(cell).strip()
                try:
                    value = float(text)
                except ValueError:
                    value = self._not_a_float(len(values), text, comma_decimals)
                else:
                    if comma_decimals and '.' in text and math.isfinite(value):
                        self._dotted(len(values), text)
            if math.isinf(value):
                self._text(len(values), cell)
                value = math.nan
            append(value)

    def _not_a_float(self, index, text, comma_decimals):
        if text.lower() in MISSING_TOKENS:
            return math.nan
        if comma_decimals and (COMMA_NUMBER.fullmatch(text) or GROUPED_DOT.fullmatch(text)):
            self.comma_style += 1
            self.first_comma = self.first_comma or (index, text)
            self.grouped_commas += bool(GROUPED_COMMA.fullmatch(text))
            return float(text.replace('.', '').replace(',', '.'))
        if not comma_decimals and ',' in text and (COMMA_NUMBER.fullmatch(text) or GROUPED_COMMA.fullmatch(text)):
            self.comma_text += 1
        self._text(index, text)
        return math.nan

    def _dotted(self, index, text):
        if GROUPED_DOT.fullmatch(text):
            self.grouped[index] = float(text.replace('.', ''))
            self.first_grouped = self.first_grouped or (index, text)
        elif self.point is None:
            self.point = (index, text)

    def _text(self, index, cell):
        self.text += 1
        self.first_text = self.first_text or (index, cell)

    def numbers(self):
        return int(np.isfinite(np.frombuffer(self.values)).sum()) if self.values else 0

    def finish(self, filename, name, row_numbers, marks, warnings):
        """The column's numbers (NaN for missing), or None when it is not a variable (said in
        `warnings` unless it is plain text); refuses a column that cannot be read for sure."""
        values = self._values(filename, name, row_numbers, marks)
        numeric = int(np.isfinite(values).sum())
        if numeric == 0 or self.text > numeric:
            self._left_out(filename, name, row_numbers, numeric, warnings)
            return None
        if self.text:
            index, cell = self.first_text
            raise DataError('non_numeric_value', f'Column {name!r} holds numbers but row {row_numbers[index]} has '
                            f'{str(cell)!r}: use a number or leave the cell empty (or NA) for missing.',
                            file=filename, row=row_numbers[index], column=name)
        return values

    def required(self, filename, name, row_numbers, marks, advice):
        """The column's numbers (NaN for missing) when it may hold nothing else: its first text cell
        is refused, naming the row and what to write there."""
        values = self._values(filename, name, row_numbers, marks)
        if self.text:
            self._refuse_comma_text(filename, name, row_numbers)
            index, cell = self.first_text
            raise DataError('non_numeric_value', f'Row {row_numbers[index]}: {str(cell)!r} in column {name!r} is not '
                            f'a number: {advice}.', file=filename, row=row_numbers[index], column=name)
        return values

    def _values(self, filename, name, row_numbers, marks):
        values = np.frombuffer(self.values) if self.values else np.zeros(0)   # shares the array's memory
        if self._decimal_comma(filename, name, row_numbers, marks):
            for index, value in self.grouped.items():
                values[index] = value
        return values

    def _decimal_comma(self, filename, name, row_numbers, marks):
        """Whether the column's numbers use a decimal comma: from its own cells, else from the
        file's other columns; refused when neither tells."""
        def row(index):
            return row_numbers[index]
        if self.comma_style and self.point:
            (comma, comma_text), (point, point_text) = self.first_comma, self.point
            raise DataError('mixed_decimal_marks', f'Column {name!r} has both a decimal comma (row {row(comma)}: '
                            f'{comma_text!r}) and a decimal point (row {row(point)}: {point_text!r}): write every '
                            'number of the column the same way.', file=filename, row=row(point), column=name)
        if self.comma_style and self.separator == '\t' and self.grouped_commas == self.comma_style:
            index, text = self.first_comma
            raise _ambiguous(filename, name, row(index), text, 'a decimal comma or a thousands separator')
        if self.comma_style:
            return True
        if self.point or not self.grouped:
            return False
        if marks['comma'] != marks['point']:
            return marks['comma']
        index, text = self.first_grouped
        raise _ambiguous(filename, name, row(index), text, 'a thousands separator or a decimal point')

    def _left_out(self, filename, name, row_numbers, numeric, warnings):
        self._refuse_comma_text(filename, name, row_numbers)
        if numeric == 0 and self.text == 0:
            warnings.append(f'{filename}: column {name!r} is empty, so it is not a variable.')
        elif numeric:
            index, cell = self.first_text
            warnings.append(f'{filename}: column {name!r} is not a variable: only {numeric} of its '
                            f'{numeric + self.text} values are numbers (row {row_numbers[index]} has '
                            f'{str(cell)[:40]!r}); make every value a number to use it.')

    def _refuse_comma_text(self, filename, name, row_numbers):
        """Text cells that are mostly numbers with a comma (1,234 where commas separate the cells)."""
        if self.comma_text > self.text // 2:
            index, text = self.first_text
            raise _ambiguous(filename, name, row_numbers[index], text, 'a decimal comma or a thousands separator')


def _ambiguous(filename, name, row, text, readings):
    return DataError('ambiguous_number', f'Row {row}: {text!r} in column {name!r} can be read with {readings}. '
                     'Save the file again with numbers written without thousands separators (12345.6 with a '
                     'decimal point in a comma-separated file, 12345,6 in a ";"-separated one).',
                     file=filename, row=row, column=name)


# --- ward boundaries -------------------------------------------------------------

SIMPLER_BOUNDARIES = ('simplify very detailed boundaries (mapshaper keeps the edges wards share), or upload '
                      'one state at a time.')


def read_boundaries(filename, data, limits=Limits()):
    """Read a zipped shapefile or a GeoJSON FeatureCollection, reprojected to WGS84."""
    check_size(filename, data, limits)
    lower = filename.lower()
    if lower.endswith('.zip'):
        properties, geometries, crs, warnings = read_zipped_shapefile(filename, data, limits)
    elif lower.endswith(('.geojson', '.json')):
        if len(data) > limits.max_boundary_bytes:
            raise DataError('too_large', f'{filename} is {len(data):,} bytes, beyond the limit of '
                            f'{limits.max_boundary_bytes:,} for boundaries: {SIMPLER_BOUNDARIES}', file=filename)
        properties, geometries, crs, warnings = read_geojson(filename, data, limits)
    else:
        raise DataError('unsupported_file', 'Boundaries must be a zipped shapefile (.zip) or GeoJSON (.geojson).',
                        file=filename)
    if not geometries:
        raise DataError('empty_file', 'The boundary file has no wards.', file=filename)
    geometries = to_wgs84(filename, np.array(geometries, dtype=object), crs, warnings)
    geometries = repair(geometries, properties, warnings, filename)
    identifiers, urban = boundary_identifiers(filename, properties)
    if 'ward_code' in identifiers:
        check_unique_codes(filename, identifiers['ward_code'], range(1, len(properties) + 1), 'WardCode')
    return BoundaryLayer(filename, identifiers, urban, geometries, warnings)


def check_ward_count(filename, count, limits):
    """Refuse more boundaries than a ward table may have rows, before their shapes are read."""
    if count > limits.max_rows:
        raise DataError('too_many_rows', f'The boundaries hold {count:,} wards, more than the {limits.max_rows:,} '
                        'of any country: upload the ward boundaries of one state (or one country).', file=filename)


def field_roles(names):
    """role -> the first of the field `names` that names it (the identifiers, `urban`, `urban_percentage`)."""
    keys = {}
    for name in names:
        key = column_key(name)
        for role, aliases in IDENTIFIER_ALIASES.items():
            if key in aliases and role not in keys:
                keys[role] = name
        if key in URBAN_PERCENT_KEYS:
            keys.setdefault('urban_percentage', name)
    return keys


def boundary_identifiers(filename, properties):
    # A field missing from the first ward may name the others: every field name, each once, in order.
    keys = field_roles(dict.fromkeys(name for record in properties for name in record))
    if 'ward_name' not in keys and 'ward_code' not in keys:
        raise DataError('no_ward_name', 'The boundaries have neither a WardName nor a WardCode field.', file=filename)
    identifiers = {role: [identifier_text(p.get(name)) for p in properties]
                   for role, name in keys.items() if role not in ('urban', 'urban_percentage')}
    urban = np.full(len(properties), np.nan)
    if 'urban_percentage' in keys:
        urban = np.array([as_float(p.get(keys['urban_percentage'])) for p in properties])
        check_column(filename, keys['urban_percentage'], urban, range(1, len(properties) + 1), 'percentage')
    elif 'urban' in keys:
        urban = np.array([yes_no_percent(p.get(keys['urban'])) for p in properties])
    return identifiers, urban


def as_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def yes_no_percent(value):
    """`Urban` Yes/No as 100/0 (spec section 8); anything else is missing."""
    text = (identifier_text(value) or '').lower()
    return {'yes': 100.0, 'y': 100.0, 'no': 0.0, 'n': 0.0}.get(text, np.nan)


def safe_members(filename, archive, limits):
    """The zip's regular files, refusing traversal, links and oversize content."""
    members = []
    for info in archive.infolist():
        name = info.filename
        parts = re.split(r'[\\/]', name)
        if name.startswith(('/', '\\')) or re.match(r'^[A-Za-z]:', name) or '..' in parts:
            raise DataError('unsafe_zip_path', f'The zip holds a file outside its folder ({name!r}): '
                            'zip the shapefile files themselves.', file=filename)
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise DataError('zip_link', f'The zip holds a link ({name!r}): zip the real files instead.', file=filename)
        if info.is_dir() or parts[0] == '__MACOSX' or parts[-1].startswith('._'):
            continue
        members.append(info)
    archives.check_expansion(filename, members, min(limits.max_uncompressed_bytes, limits.max_boundary_bytes),
                             'upload only the ward shapefile; ' + SIMPLER_BOUNDARIES)
    return members


def read_zipped_shapefile(filename, data, limits):
    import shapefile
    with archives.open_zip(filename, data, 'zip the ward shapefile (.shp, .shx, .dbf, .prj) again.') as archive:
        members = {info.filename.lower(): info for info in safe_members(filename, archive, limits)}
        shps = sorted(name for name in members if name.endswith('.shp'))
        if limits.shapefile:
            wanted = limits.shapefile.lower()
            shps = [n for n in shps if n.rsplit('/', 1)[-1] in (wanted, wanted + '.shp')]
        if not shps:
            raise DataError('no_shapefile', 'The zip holds no .shp file' +
                            (f' named {limits.shapefile!r}' if limits.shapefile else '') + '.', file=filename)
        if len(shps) > 1:
            raise DataError('several_shapefiles', f'The zip holds {len(shps)} shapefiles ({", ".join(shps)}): '
                            'name the one to use or upload only the ward boundaries.', file=filename)
        stem = shps[0][:-4]
        parts = {}
        for ext in ('shp', 'shx', 'dbf', 'prj', 'cpg'):
            info = members.get(f'{stem}.{ext}')
            if info is None and ext in ('shx', 'dbf'):
                raise DataError(f'missing_{ext}', f'The shapefile has no .{ext} file: zip the .shp, .shx and .dbf '
                                'together (and the .prj).', file=filename)
            parts[ext] = archives.member_bytes(filename, archive, info) if info else None
    encoding = parts['cpg'].decode('ascii', 'ignore').strip() if parts['cpg'] else 'utf-8'
    crs = parse_crs(filename, parts['prj'].decode('latin-1')) if parts['prj'] else None
    warnings = []
    try:
        for attempt in (encoding, 'latin-1'):
            try:
                reader = shapefile.Reader(shp=io.BytesIO(parts['shp']), shx=io.BytesIO(parts['shx']),
                                          dbf=io.BytesIO(parts['dbf']), encoding=attempt)
                check_ward_count(filename, reader.numRecords, limits)
                names = [field[0] for field in reader.fields[1:]]
                used = set(field_roles(names).values())   # the others are never read: a third of the time
                records = [record.as_dict() for record in reader.iterRecords(fields=[n for n in names if n in used])]
                break
            except (UnicodeDecodeError, LookupError):
                warnings.append(f'{filename}: the .dbf is not {attempt}; its names were read as Latin-1.')
        # Every polygon at once from the .shp's bytes: pyshp's points as Python lists would take
        # ten times the file, and a million vertices one by one seconds.
        geometries = list(polygons.shapefile_polygons(filename, parts['shp'], reader.numShapes or 0,
                                                      functools.partial(shape_of, filename)))
    except DataError:
        raise
    except Exception as exc:  # pyshp raises plain Exceptions and struct errors on broken files
        raise DataError('unreadable_file', f'The shapefile could not be read ({exc}).', file=filename) from None
    if len(records) != len(geometries):
        raise DataError('unreadable_file', 'The .dbf and .shp hold different numbers of wards.', file=filename)
    return records, geometries, crs, warnings


def shape_of(filename, number, kind, parts, points):
    """A polygon record as pyshp and `shape()` read it, alone: for the records the vectorised
    reading leaves (holes sorted among several outer rings, malformed coordinates refused)."""
    import shapefile
    shape = shapefile.Shape(kind, [tuple(p) for p in points.tolist()], parts.tolist())
    return polygon(filename, number, to_polygon(shape.__geo_interface__))


def to_polygon(geometry):
    """A shapely polygon from GeoJSON-like coordinates, or None when they are malformed (a ring
    under four points, a coordinate that is not a pair of finite numbers)."""
    import shapely
    from shapely.geometry import shape as to_shape
    try:
        with np.errstate(invalid='ignore'):
            shape = to_shape(geometry)
    except Exception:  # shapely raises several types for malformed coordinates
        return None
    return shape if np.isfinite(shapely.get_coordinates(shape)).all() else None


def polygon(filename, number, shape):
    """`shape`, or the refusal of record `number` whose coordinates were malformed."""
    if shape is None:
        raise DataError('bad_geometry', f'Record {number} has malformed coordinates (a ring needs at least '
                        'four points, each a pair of numbers): fix or delete it.', file=filename,
                        row=number)
    return shape


class Parsed:
    """A GeoJSON polygon taken while the document is parsed, so its coordinates never stand as
    Python lists all at once: `rings` as arrays (`polygons.geojson_rings`) for the polygons
    made together at the end, else `shape`, made alone (None when malformed)."""
    __slots__ = ('kind', 'rings', 'shape')

    def __init__(self, obj):
        self.kind = obj['type']
        self.rings = polygons.geojson_rings(self.kind, obj.get('coordinates'))
        self.shape = to_polygon(obj) if self.rings is None else None


def _parse_polygons(obj):
    if obj.get('type') in ('Polygon', 'MultiPolygon'):
        return Parsed(obj)
    return obj


@contextlib.contextmanager
def collector_paused():
    """The cyclic garbage collector off while a parse makes millions of lists and no cycle: walking
    them again and again would take two thirds of a national GeoJSON's reading."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def read_geojson(filename, data, limits):
    try:
        with collector_paused():
            document = json.loads(data, object_hook=_parse_polygons)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DataError('unreadable_file', f'The GeoJSON is not valid JSON ({exc}).', file=filename) from None
    if isinstance(document, Parsed):
        document = {'type': document.kind}
    if isinstance(document, dict) and document.get('type') == 'Feature':
        document = {'type': 'FeatureCollection', 'features': [document]}
    if not isinstance(document, dict) or document.get('type') != 'FeatureCollection':
        raise DataError('not_feature_collection', 'The GeoJSON must be a FeatureCollection of ward polygons.',
                        file=filename)
    crs_name = _member(_member(document, 'crs'), 'properties').get('name')
    crs = parse_crs(filename, str(crs_name)) if crs_name else None
    features = document.get('features') or []
    if not isinstance(features, list):
        raise DataError('not_feature_collection', 'The GeoJSON "features" must be a list of ward polygons.',
                        file=filename)
    check_ward_count(filename, len(features), limits)
    properties, geometries, plain = [], [], []
    for number, feature in enumerate(features, start=1):
        geometry = feature.get('geometry') if isinstance(feature, dict) else None
        if not isinstance(feature, dict) or feature.get('type') != 'Feature' \
                or not (geometry is None or isinstance(geometry, Parsed) or isinstance(geometry, dict) and geometry) \
                or not isinstance(feature.get('properties') or {}, dict):
            raise DataError('bad_feature', f'Feature {number} is not a GeoJSON Feature object with a geometry '
                            'and properties: fix or delete it.', file=filename, row=number)
        if isinstance(geometry, dict):
            raise DataError('not_polygons', f'Feature {number} is a {geometry.get("type")}: ward boundaries must be '
                            'polygons.', file=filename, row=number)
        if geometry and geometry.rings is not None:
            plain.append(len(geometries))
        geometries.append(polygon(filename, number, geometry.shape) if geometry and geometry.rings is None else None)
        properties.append(feature.get('properties') or {})
    if plain:   # every plain polygon in one go
        rings = [(features[i]['geometry'].kind == 'MultiPolygon', features[i]['geometry'].rings) for i in plain]
        for i, shape in zip(plain, polygons.build(polygons.ragged_of(rings))):
            geometries[i] = shape
    return properties, geometries, crs, []


def _member(document, name):
    """`document[name]` when it is an object, else an empty one (GeoJSON's optional members)."""
    value = document.get(name)
    return value if isinstance(value, dict) else {}


# The .prj of plain longitude/latitude on WGS84 as ESRI and GDAL write it (whitespace removed, upper
# case), and GeoJSON's names for it: recognised without pyproj, whose import alone takes 0.15 s.
PLAIN_WGS84_PRJ = re.compile(
    r'GEOGCS\["(GCS_WGS_1984|WGS84)",DATUM\["(D_WGS_1984|WGS_1984|WGS84)",SPHEROID\["(WGS_1984|WGS84)",'
    r'6378137(\.0*)?,298\.257223563\d*(,AUTHORITY\["EPSG","7030"\])?\](,AUTHORITY\["EPSG","6326"\])?\],'
    r'PRIMEM\["GREENWICH",0(\.0*)?(,AUTHORITY\["EPSG","8901"\])?\],'
    r'UNIT\["DEGREE",0\.01745329251994\d*(,AUTHORITY\["EPSG","9122"\])?\](,AUTHORITY\["EPSG","4326"\])?\]')
PLAIN_WGS84_NAMES = frozenset({'EPSG:4326', 'URN:OGC:DEF:CRS:OGC:1.3:CRS84', 'URN:OGC:DEF:CRS:OGC::CRS84',
                               'URN:OGC:DEF:CRS:EPSG::4326'})
WGS84 = 'EPSG:4326'


def parse_crs(filename, text):
    """The projection of a .prj or a GeoJSON crs name: WGS84 for plain longitude/latitude, else pyproj's CRS."""
    plain = re.sub(r'\s+', '', text).upper()
    if plain in PLAIN_WGS84_NAMES or PLAIN_WGS84_PRJ.fullmatch(plain):
        return WGS84
    from pyproj import CRS
    from pyproj.exceptions import CRSError
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise DataError('unreadable_prj', 'The projection (.prj or crs) could not be understood: export the '
                        'boundaries in WGS84 (EPSG:4326).', file=filename) from None


def to_wgs84(filename, geometries, crs, warnings):
    import shapely
    present = np.array([g is not None for g in geometries])
    if not present.any():
        raise DataError('empty_file', 'No ward in the boundary file has a polygon: export the ward '
                        'boundaries again.', file=filename)
    if crs is None:
        bounds = shapely.total_bounds(geometries[present])
        if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
            raise DataError('unknown_projection', 'The boundaries have no projection (.prj) and their coordinates '
                            'are not longitude/latitude: add the .prj file to the zip.', file=filename)
        warnings.append(f'{filename}: no projection given; coordinates are longitude/latitude, read as WGS84.')
        return geometries
    if crs is WGS84 or crs.to_epsg() == 4326:
        return geometries
    from pyproj import Transformer
    transformer = Transformer.from_crs(crs, 4326, always_xy=True)

    def project(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
    geometries = geometries.copy()
    geometries[present] = shapely.transform(geometries[present], project)
    warnings.append(f'{filename}: reprojected from {crs.name} to WGS84.')
    return geometries


def repair(geometries, properties, warnings, filename):
    """Repair invalid polygons with make_valid, keeping only their polygonal parts, and say which."""
    import shapely
    present = np.array([g is not None for g in geometries])
    invalid = present.copy()
    invalid[present] = ~shapely.is_valid(geometries[present])
    for i in np.flatnonzero(invalid):
        fixed = shapely.make_valid(geometries[i])
        parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ('Polygon', 'MultiPolygon')]
        geometries[i] = shapely.union_all(parts) if parts else None
    if invalid.any():
        names = [str(properties[i].get('WardName') or properties[i].get('wardname') or f'record {i + 1}')
                 for i in np.flatnonzero(invalid)]
        warnings.append(f'{filename}: repaired {len(names)} invalid polygon(s): {", ".join(names[:10])}'
                        + (' ...' if len(names) > 10 else ''))
    missing = int((~present).sum())
    if missing:
        warnings.append(f'{filename}: {missing} record(s) have no geometry.')
    return geometries
