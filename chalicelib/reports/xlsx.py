"""A small XLSX writer: SpreadsheetML written straight into a zip.

The service only writes plain tables (a header row, then rows of numbers and text), and
openpyxl spent ~25 us a cell on them (3 s for a national workbook) and ~60 ms of a cold
worker on its import; this writes the same files in a fraction of that. openpyxl still
reads the workbooks users upload (`analysis.ingest`).

Every sheet has its header row frozen and its columns as wide as their header (10 to 40).
Numbers are numbers (NaN and infinities empty), booleans booleans, None empty, and text
is an inline string with the characters XML cannot hold removed, then `safe_cell`, so a
ward named `=HYPERLINK(...)` stays text.
"""
import io
import math
import re
import zipfile

from chalicelib.analysis.exports import safe_cell

MAX_TITLE = 31
BAD_TITLE = re.compile(r'[\[\]:*?/\\]')
# What XML 1.0 cannot hold: control characters other than tab, newline and carriage return,
# lone surrogates and the two non-characters U+FFFE and U+FFFF.
NOT_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
BATCH = 1000  # rows per write into the zip

MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
RELATIONSHIPS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
PACKAGE_RELATIONSHIPS = 'http://schemas.openxmlformats.org/package/2006/relationships'
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.'

STYLES = (f'{HEAD}<styleSheet xmlns="{MAIN}">'
          '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
          '</styleSheet>')
FROZEN_HEADER = ('<sheetViews><sheetView workbookViewId="0">'
                 '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                 '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')


def text_cell(text):
    """What a text cell holds: the characters XML cannot hold removed, then neutralised (`safe_cell`)."""
    return safe_cell(NOT_XML.sub('', text))


def escape(text):
    """Text as XML element or attribute content. A carriage return is a reference, or a reader
    turns it into a newline. (Not xml.sax.saxutils: it imports urllib.request, ~20 ms of a cold worker.)"""
    return (text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')
            .replace('\r', '&#13;'))


def column_letter(index):
    """The letters of the 0-based column `index`: A, ..., Z, AA, ..."""
    letters = ''
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref, value):
    """One `<c>` element, or '' for an empty cell."""
    kind = type(value)
    if kind is str:
        text = escape(text_cell(value))
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ''
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>' if text else ''
    if kind is float:
        return f'<c r="{ref}"><v>{value!r}</v></c>' if math.isfinite(value) else ''
    if kind is int:
        return f'<c r="{ref}"><v>{value}</v></c>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if value is None:
        return ''
    raise TypeError(f'an XLSX cell holds text, numbers, booleans or None, not {kind.__name__}')


def _row(number, values, letters):
    while len(letters) < len(values):
        letters.append(column_letter(len(letters)))
    cells = ''.join([_cell(f'{letter}{number}', value) for letter, value in zip(letters, values)])
    return f'<row r="{number}">{cells}</row>'


def _write_sheet(out, header, rows):
    """Stream one worksheet's XML into the open zip member `out`."""
    header = list(header)
    letters = [column_letter(i) for i in range(len(header))]
    widths = ''.join(f'<col min="{i}" max="{i}" width="{min(40, max(10, len(str(name)) + 2))}" customWidth="1"/>'
                     for i, name in enumerate(header, start=1))
    columns = f'<cols>{widths}</cols>' if widths else ''  # an empty <cols> is invalid
    first = _row(1, header, letters) if header else ''
    out.write((f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">{FROZEN_HEADER}'
               f'<sheetFormatPr defaultRowHeight="15"/>{columns}<sheetData>{first}').encode('utf-8'))
    batch = []
    for number, row in enumerate(rows, start=2):
        batch.append(_row(number, list(row), letters))
        if len(batch) == BATCH:
            out.write(''.join(batch).encode('utf-8'))
            batch = []
    out.write((''.join(batch) + '</sheetData></worksheet>').encode('utf-8'))


def _check_titles(titles):
    seen = set()
    for title in titles:
        if not title or len(title) > MAX_TITLE or BAD_TITLE.search(title) or title.casefold() in seen:
            raise ValueError(f'sheet title {title!r}: 1 to {MAX_TITLE} characters, none of []:*?/\\, '
                             'and no two sheets alike')
        seen.add(title.casefold())


def _member(name):
    """A zip entry with a fixed date, so the same tables make the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _package(titles):
    """The workbook's fixed parts, by name: content types, relationships, the workbook and its styles."""
    count = range(1, len(titles) + 1)
    sheet_type = f'{TYPE}worksheet+xml'
    overrides = ''.join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>'
                        for n in count)
    sheets = ''.join(f'<sheet name="{escape(title)}" sheetId="{n}" r:id="rId{n}"/>'
                     for n, title in zip(count, titles))
    links = ''.join(f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                    for n in count)
    styles_id = len(titles) + 1
    return {
        '[Content_Types].xml': (
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPE}sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{TYPE}styles+xml"/>{overrides}</Types>'),
        '_rels/.rels': (
            f'{HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        'xl/workbook.xml': (
            f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets></workbook>'),
        'xl/_rels/workbook.xml.rels': (
            f'{HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{links}'
            f'<Relationship Id="rId{styles_id}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            '</Relationships>'),
        'xl/styles.xml': STYLES,
    }


def workbook(sheets):
    """The XLSX bytes of `sheets`, each (title, header, rows); rows may be a generator (one is
    read at a time). A bad title is a ValueError: titles are the service's, not the user's."""
    sheets = list(sheets)
    titles = [title for title, _, _ in sheets]
    _check_titles(titles)
    with zipfile.ZipFile(buffer := io.BytesIO(), 'w') as archive:
        for name, text in _package(titles).items():
            archive.writestr(_member(name), text.encode('utf-8'))
        for n, (_, header, rows) in enumerate(sheets, start=1):
            with archive.open(_member(f'xl/worksheets/sheet{n}.xml'), 'w') as out:
                _write_sheet(out, header, rows)
    return buffer.getvalue()
