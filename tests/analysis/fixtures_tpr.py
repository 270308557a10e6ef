"""A generated DHIS2-style facility export with known counts (no real export is public).

Kwara-like: two LGAs, a ward name that repeats across them (Afon), several
facilities per ward at three levels, three months, blanks where DHIS2 leaves a
zero out, one row with more positives than tests, and the header texts of the
national malaria programme's export (analysis spec section 10).
"""
import csv
import io

import openpyxl

TESTED = {'rdt': 'Persons presenting with fever & tested by RDT',
          'microscopy': 'Persons presenting with fever and tested by Microscopy'}
POSITIVE = {'rdt': 'Persons tested positive for malaria by RDT',
            'microscopy': 'Persons tested positive for malaria by Microscopy'}
AGE_TEXT = {'u5': '<5yrs', 'o5': '≥5yrs (excl PW)', 'pw': 'Preg Women (PW)'}
IDENTIFIER_HEADERS = ('orgunitlevel2', 'orgunitlevel3', 'orgunitlevel4', 'organisationunitname',
                      'Facility level', 'periodname')
MONTHS = ('January 2024', 'February 2024', 'March 2024')
STATE = 'kw Kwara State'

# (LGA as exported, ward as exported, facility, level)
FACILITIES = (
    ('kw Asa Local Government Area', 'kw Afon Ward', 'Afon Primary Health Centre', 'primary'),
    ('kw Asa Local Government Area', 'kw Afon Ward', 'Afon General Hospital', 'secondary'),
    ('kw Asa Local Government Area', 'kw Ogbondoroko Ward', 'Ogbondoroko Health Post', 'primary'),
    ('kw Ilorin South Local Government Area', 'kw Afon Ward', 'Afon South Clinic', 'primary'),
    ('kw Ilorin South Local Government Area', 'kw Akanbi I Ward', 'Akanbi Health Centre', 'primary'),
    ('kw Ilorin South Local Government Area', 'kw Akanbi I Ward', 'University Teaching Hospital', 'tertiary'),
    ('kw Ilorin South Local Government Area', 'kw Akanbi I Ward', 'Akanbi Cottage Hospital', 'Secondary'),
)
# The row with more RDT positives than RDT tests (a data-entry error to flag).
OVER_POSITIVE = ('Akanbi Health Centre', 'February 2024')




def header_text(key):
    test, measure, age = key
    return f'{(TESTED if measure == "tested" else POSITIVE)[test]} {AGE_TEXT[age]}'


INDICATOR_KEYS = tuple((test, measure, age) for test in ('rdt', 'microscopy') for age in ('u5', 'o5', 'pw')
                       for measure in ('tested', 'positives'))


def records():
    """One dict per facility and month: identifiers plus counts keyed (test, measure, age); None = blank."""
    rows = []
    for f, (lga, ward, facility, level) in enumerate(FACILITIES):
        for m, month in enumerate(MONTHS):
            counts = {}
            for a, age in enumerate(('u5', 'o5', 'pw')):
                for t, test in enumerate(('rdt', 'microscopy')):
                    tested = (7 * f + 5 * m + 3 * a + 11 * t + 4) % 29 + (0 if test == 'rdt' else -6)
                    positives = (3 * f + 2 * m + a + 5 * t) % (max(tested, 1) + 1)
                    if tested <= 0:
                        tested, positives = None, None  # not reported: DHIS2 leaves the cells blank
                    elif positives == 0:
                        positives = None  # a zero DHIS2 did not store
                    counts[(test, 'tested', age)] = tested
                    counts[(test, 'positives', age)] = positives
            if (facility, month) == OVER_POSITIVE:
                counts[('rdt', 'tested', 'u5')] = 3
                counts[('rdt', 'positives', 'u5')] = 9
            rows.append({'state': STATE, 'lga': lga, 'ward': ward, 'facility': facility, 'level': level,
                         'period': month, 'counts': counts})
    return rows


def _table(rows, mangled):
    """Header and cell rows; `mangled` gives the damage seen in real exports."""
    texts = [header_text(key) for key in INDICATOR_KEYS]
    identifiers = list(IDENTIFIER_HEADERS)
    if mangled:
        texts = [t.replace('≥', 'â‰¥') for t in texts]
        identifiers = ['orgunitlevel2', 'orgunitlevel3', 'orgunitlevel4', 'organisationunit0me', 'Facility level',
                       'period0me']
    header = identifiers + texts
    body = []
    for row in rows:
        cells = [row['state'], row['lga'], row['ward'], row['facility'], row['level'], row['period']]
        cells += ['' if row['counts'][key] is None else row['counts'][key] for key in INDICATOR_KEYS]
        body.append(cells)
    if mangled:
        # A duplicated column as a spreadsheet re-export leaves it, with other numbers: the first must win.
        duplicate = INDICATOR_KEYS.index(('rdt', 'positives', 'u5'))
        header.append(texts[duplicate] + '.1')
        for cells in body:
            cells.append(999)
    return header, body


def export_csv(rows=None, mangled=False, encoding='utf-8'):
    """The export as CSV bytes."""
    header, body = _table(records() if rows is None else rows, mangled)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator='\r\n')
    writer.writerow(header)
    writer.writerows(body)
    return text.getvalue().encode(encoding)


def export_xlsx(rows=None, mangled=False):
    """The export as an XLSX workbook (first sheet), numbers stored as numbers."""
    header, body = _table(records() if rows is None else rows, mangled)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for cells in body:
        sheet.append([None if cell == '' else cell for cell in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def niger_rows(shared_data):
    """The rows of the shared Niger ward data (WardCode, WardName, lga_name, ...)."""
    with open(shared_data / 'niger' / 'Niger_plus.csv', newline='') as handle:
        return list(csv.DictReader(handle))


def niger_export(wards):
    """An export for `wards` (Niger rows) naming LGA and ward as real exports do, one facility each:
    under-5 RDT, 20 + n tested and 5 + n % 7 positive for the n-th ward."""
    rows = []
    for n, ward in enumerate(wards):
        counts = {key: None for key in INDICATOR_KEYS}
        counts[('rdt', 'tested', 'u5')], counts[('rdt', 'positives', 'u5')] = 20 + n, 5 + n % 7
        rows.append({'state': 'ni Niger State', 'lga': f'ni {ward["lga_name"]} Local Government Area',
                     'ward': f'ni {ward["WardName"]} Ward', 'facility': f'{ward["WardName"]} PHC {n}',
                     'level': 'primary', 'period': 'January 2024', 'counts': counts})
    return export_csv(rows)


def clean_name(text):
    """What the export's names become after the prefix repair: `kw Afon Ward` -> `Afon Ward`."""
    return text[3:]


def expected(rows, age='all', test='both', level='all', months=MONTHS):
    """The hand computation: per (LGA, ward) the sums per method, the chosen method and TPR.

    Written as plain loops over the generated records, independent of the module.
    """
    ages = ('u5', 'o5', 'pw') if age == 'all' else (age,)
    methods = ('rdt', 'microscopy') if test == 'both' else (test,)
    sums = {}
    for row in rows:
        if level != 'all' and row['level'].lower() != level:
            continue
        if row['period'] not in months:
            continue
        ward = (clean_name(row['lga']), clean_name(row['ward']))
        for method in methods:
            cells = [row['counts'][(method, measure, a)] for measure in ('tested', 'positives') for a in ages]
            if all(c is None for c in cells):
                continue
            entry = sums.setdefault(ward, {}).setdefault(method, {'positives': 0, 'tested': 0, 'facilities': set(),
                                                                  'periods': set()})
            entry['tested'] += sum(row['counts'][(method, 'tested', a)] or 0 for a in ages)
            entry['positives'] += sum(row['counts'][(method, 'positives', a)] or 0 for a in ages)
            entry['facilities'].add(row['facility'])
            entry['periods'].add(row['period'])
    result = {}
    for ward, by_method in sums.items():
        best = None
        for method in methods:
            entry = by_method.get(method)
            if not entry or not entry['tested']:
                continue
            tpr = min(100.0, 100.0 * entry['positives'] / entry['tested'])
            if best is None or tpr > best[1]:
                best = (method, tpr)
        if best is None:
            continue
        entry = by_method[best[0]]
        result[ward] = {'method': best[0], 'tpr': best[1], 'positives': entry['positives'],
                        'tested': entry['tested'], 'facilities': len(entry['facilities']),
                        'periods': len(entry['periods'])}
    return result
