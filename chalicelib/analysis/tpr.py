"""Test positivity rate (TPR) per ward from facility reports (analysis spec section 10).

Input is a facility-level DHIS2 export from the national malaria programme: one
row per facility and period with tested/positive counts by test (RDT,
microscopy) and age group. Real exports arrive damaged (mojibake headers,
duplicated columns, state prefixes); what is unambiguous is repaired and every
repair is reported. Pure: bytes or tables in, tables out.
"""
import csv
import re
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from chalicelib.analysis.errors import DataError
from chalicelib.analysis.exports import safe_cell
from chalicelib.analysis.ingest import Limits, identifier_text, open_rows
from chalicelib.analysis.matching import match_wards, refuse_too_few_matched
from chalicelib.analysis.periods import parse_period, period_or_none
from chalicelib.analysis.tpr_options import AGE_GROUPS, AGES, LEVELS, TEST_METHODS, TESTS

# Identifier columns by role, compared lower-case without spaces or underscores;
# the first alias found wins (DHIS2 orgunitlevelN only when no named column exists).
IDENTIFIER_ALIASES = MappingProxyType({
    'ward_code': ('wardcode',),
    'state': ('state', 'statename', 'orgunitlevel2'),
    'lga': ('lga', 'lganame', 'orgunitlevel3'),
    'ward_name': ('wardname', 'ward', 'orgunitlevel4'),
    'facility': ('healthfacility', 'facility', 'facilityname', 'organisationunitname', 'organisationunit',
                 'orgunitlevel5'),
    'level': ('facilitylevel', 'level', 'facilitytype'),
    'period': ('periodcode', 'periodid', 'periodname', 'period'),
})
PREFIXED_ROLES = ('state', 'lga', 'ward_name', 'facility')

# The indicator texts of the export, e.g. "Persons tested positive for malaria by RDT <5yrs".
INDICATOR = re.compile(r'^persons (?:(?P<tested>presenting with fever (?:&|and) tested)|tested positive for malaria) '
                       r'by (?P<test>rdt|microscopy) ?(?P<age>.*)$')
AGE_LABELS = MappingProxyType({'<5yrs': 'u5', '>=5yrs(exclpw)': 'o5', 'pregwomen(pw)': 'pw'})
INDICATOR_TEXTS = ('Persons presenting with fever & tested by RDT', 'Persons tested positive for malaria by RDT',
                   'Persons presenting with fever and tested by Microscopy',
                   'Persons tested positive for malaria by Microscopy')
AGE_TEXTS = MappingProxyType({'u5': '<5yrs', 'o5': '≥5yrs (excl PW)', 'pw': 'Preg Women (PW)'})

STATE_PREFIX = re.compile(r'^([a-z]{2}) (?=\S)')
DIGIT_FOR_NA = re.compile(r'(?<=[A-Za-z])0(?=[A-Za-z])')  # `period0me`: "na" lost to 0 in an export
DUPLICATE_SUFFIX = re.compile(r'^(?P<base>.+)\.(?P<n>\d+)$')
LGA_SUFFIX = re.compile(r'\s+(local government area|lga)$', re.IGNORECASE)

WARD_COLUMNS = ('ward_code', 'ward_name', 'lga', 'state', 'tpr', 'positives', 'tested', 'facilities', 'periods',
                'method')
SERIES_COLUMNS = ('ward_code', 'ward_name', 'lga', 'state', 'period', 'tpr', 'positives', 'tested', 'method')
# A DHIS2 export has one row per facility and period, so its row limit (Limits.max_facility_rows)
# is far above a ward table's.
FACILITY_ROWS = 'A facility export has one row per facility and period: export one state, or fewer periods, at a time.'
FLAGGED_COLUMNS = ('row', 'ward_name', 'lga', 'facility', 'period', 'method', 'age', 'positives', 'tested')


@dataclass(frozen=True)
class WardTpr:
    """The ward table, its per-period series and the rows with more positives than tests."""
    wards: pd.DataFrame
    series: pd.DataFrame
    flagged: pd.DataFrame
    warnings: tuple


# --- reading the export ----------------------------------------------------------

def read_facility_export(filename, data, limits=Limits()):
    """The export as a table with repaired headers, plus the list of repairs made.

    The table's index is the row number in the file (header = row 1). It holds the
    columns the TPR uses: identifiers as text, indicator columns as whole numbers
    (NaN where blank: DHIS2 leaves zeros blank). Rows stream into those columns, so
    an export of hundreds of thousands of rows never stands as text cells.
    """
    rows = open_rows(filename, data, limits, max_rows=limits.max_facility_rows, advice=FACILITY_ROWS)
    warnings = list(rows.warnings)
    header, keep, duplicates = repair_headers(rows.header, warnings)
    roles, indicators = layout(header, warnings)
    if 'ward_name' not in roles and 'ward_code' not in roles:
        raise DataError('no_ward_column', 'No ward column: the export needs a ward column (orgunitlevel4, Ward or '
                        'WardName) so facilities can be grouped by ward.', file=filename)
    if not indicators:
        raise DataError('no_tpr_columns', 'No malaria test columns were found. Expected headers such as '
                        + '; '.join(f'"{text} {AGE_TEXTS["u5"]}"' for text in INDICATOR_TEXTS[:2]) + '.',
                        file=filename)
    source = dict(zip(header, keep))
    compared = [index for dropped, first, _ in duplicates for index in (first, dropped)]
    read = rows.read(texts=[source[column] for column in roles.values()] + compared,
                     numbers=[source[column] for column in indicators.values()])
    for dropped, first, base in duplicates:
        kept, extra = read.texts[first], read.texts[dropped]
        differ = sum(a != b for a, b in zip(kept, extra))
        only_dropped = sum(a is None and b is not None for a, b in zip(kept, extra))
        warnings.append(f'Column {rows.header[dropped]!r} duplicates {base!r}: the first was kept and this one '
                        f'dropped ({differ} rows differ, {only_dropped} with a value only in the dropped one; '
                        'merge them in the file if both hold real counts).')
    columns = {column: read.texts[source[column]] for column in roles.values()}
    columns.update({column: _counts(read, source[column], column) for column in indicators.values()})
    table = pd.DataFrame(columns, index=pd.Index(read.row_numbers, dtype='int64'),
                         columns=[column for column in header if column in columns])
    for role, column in roles.items():
        if role in PREFIXED_ROLES:
            _strip_prefix(table, column, warnings)
    return table, warnings


def repair_headers(header, warnings):
    """Repaired header names, the indices of the columns kept, and the duplicated columns
    dropped as (index, index of the column kept, its name).

    Mojibake (`â‰¥` -> `≥`) and lost "na" (`period0me` -> `periodname`) are
    fixed; of duplicated columns (`col`, `col` or `col.1`) the first is kept (the
    reader reports how many cells of each dropped one disagree).
    """
    fixed = []
    for name in header:
        repaired = DIGIT_FOR_NA.sub('na', _unmojibake(name))
        if repaired != name:
            warnings.append(f'Header {name!r} repaired to {repaired!r}.')
        fixed.append(repaired)
    kept, keep, duplicates = [], [], []
    for index, name in enumerate(fixed):
        match = DUPLICATE_SUFFIX.match(name)
        base = match.group('base') if match and match.group('base') in fixed[:index] else name
        if base in kept:
            duplicates.append((index, keep[kept.index(base)], base))
            continue
        kept.append(name)
        keep.append(index)
    return kept, keep, duplicates


def _unmojibake(name):
    """UTF-8 text that was decoded as Windows-1252 (`â‰¥`), decoded again; other text unchanged."""
    try:
        return name.encode('cp1252').decode('utf-8')
    except UnicodeError:
        return name


def layout(columns, warnings=None):
    """(role -> column, (test, measure, age) -> column) of a facility table."""
    squashed = {}
    for column in columns:
        squashed.setdefault(re.sub(r'[\s_]+', '', column.lower()), column)
    roles = {}
    for role, aliases in IDENTIFIER_ALIASES.items():
        found = next((squashed[alias] for alias in aliases if alias in squashed), None)
        if found is not None:
            roles[role] = found
    indicators = {}
    for column in columns:
        match = INDICATOR.match(' '.join(column.replace('≥', '>=').lower().split()))
        if not match:
            continue
        age = AGE_LABELS.get(match.group('age').replace(' ', ''))
        if age is None:
            if warnings is not None:
                warnings.append(f'Column {column!r} was not used: its age group is not <5yrs, ≥5yrs (excl PW) '
                                'or Preg Women (PW).')
            continue
        indicators[(match.group('test'), 'tested' if match.group('tested') else 'positives', age)] = column
    return roles, indicators


def _strip_prefix(table, column, warnings):
    """`kw Kwara State` -> `Kwara State`: when every value carries a two-letter state prefix, each
    loses its own (an export may span states: `kw ...`, `ni ...`); when only some do, nothing is
    guessed and the column is reported. Each distinct name is looked at once, and rows naming the
    same place keep sharing one name."""
    values = [value for value in dict.fromkeys(table[column]) if value is not None]
    prefixes = [m.group(1) if (m := STATE_PREFIX.match(value)) else None for value in values]
    if values and None not in prefixes:
        stripped = {value: STATE_PREFIX.sub('', value, count=1) for value in values}
        table[column] = [stripped.get(value) for value in table[column]]
        warnings.append(f'Removed the state prefix {", ".join(map(repr, sorted(set(prefixes))))} from the values '
                        f'of column {column!r}.')
    elif any(prefixes):
        example = next(value for value, prefix in zip(values, prefixes) if prefix)
        warnings.append(f'Some values of column {column!r} start with a two-letter state prefix (e.g. {example!r}) '
                        'and others do not, so none was removed: check that those names match the boundaries.')


def _counts(read, index, column):
    """A column's whole non-negative numbers, NaN where blank; anything else is refused, naming the cell."""
    values = read.required(index, column, 'use a whole number of persons, or leave it empty')
    with np.errstate(invalid='ignore'):
        wrong = np.flatnonzero((values < 0) | (values % 1 > 0))
    if len(wrong):
        number, value = read.row_numbers[wrong[0]], values[wrong[0]]
        raise DataError('invalid_count', f'Row {number}: {value:g} is not a count of persons in column '
                        f'{column!r}: use a whole number, 0 or more.', file=read.file, row=int(number),
                        column=column)
    return values


# --- computing TPR ---------------------------------------------------------------

def compute_ward_tpr(facilities, age='all', test='both', level='all', period_from=None, period_to=None,
                     wards=None):
    """TPR per ward over the facilities and periods kept by the options.

    `wards` (the boundaries' {ward_code, ward_name, lga}) makes the result one row
    per boundary ward, in that order; a ward without reports has TPR None, not 0.
    """
    for name, value, allowed in (('age', age, AGES), ('test', test, TESTS), ('level', level, LEVELS)):
        if value not in allowed:
            raise DataError('invalid_option', f'{name} must be one of {", ".join(allowed)} (got {value!r}).',
                            column=name)
    warnings = []
    roles, indicators = layout(list(facilities.columns))
    methods = [m for m in TEST_METHODS[test]
               if any((m, 'tested', g) in indicators for g in AGE_GROUPS[age])]
    if not methods:
        wanted = ' or '.join(TEST_METHODS[test])
        raise DataError('no_tpr_columns', f'The export has no {wanted} "tested" column for age group {age}: '
                        f'choose another test or age group.', column='test')
    kept = _filter_level(facilities, roles, level, warnings)
    periods = _periods(kept, roles, period_from, period_to, warnings)
    kept = kept.loc[periods.index]
    identity, order = _ward_identity(kept, roles, wards, warnings)
    kept, periods = kept.loc[identity.index], periods.loc[identity.index]
    long = _report_rows(kept, roles, indicators, identity, periods, methods, AGE_GROUPS[age])
    flagged = long.loc[long['positives'] > long['tested']]
    if len(flagged):
        warnings.append(f'{len(flagged)} report cells have more positives than tests; they are kept and listed '
                        'as flagged.')
    reported = long.loc[long['reported']]
    totals = reported.groupby(['ward', 'method']).agg(
        positives=('positives', 'sum'), tested=('tested', 'sum'),
        facilities=('facility', 'nunique'), periods=('period', 'nunique'))
    chosen = {ward: _choose(totals, ward, methods) for ward in order.index}
    table = _ward_table(order, totals, chosen, methods)
    if 'facility' not in roles:
        table['facilities'] = None  # the export does not say which facility reported
    series = _series(reported, order, chosen)
    flagged_table = flagged.astype({'positives': int, 'tested': int}).merge(
        order[['ward_name', 'lga']], left_on='ward', right_index=True, how='left')
    return WardTpr(table, series, flagged_table.loc[:, list(FLAGGED_COLUMNS)].reset_index(drop=True),
                   tuple(warnings))


def _filter_level(table, roles, level, warnings):
    if level == 'all':
        return table
    if 'level' not in roles:
        raise DataError('no_level_column', f'The export has no facility level column, so level {level!r} cannot be '
                        'chosen: use level all.', column='level')
    levels = table[roles['level']].map(lambda v: next((name for name in LEVELS[1:] if v and name in v.lower()), None))
    unknown = int(levels.isna().sum())
    if unknown:
        warnings.append(f'{unknown} rows have no recognised facility level (primary, secondary, tertiary) and were '
                        f'left out of the {level} selection.')
    return table.loc[levels == level]


def _periods(table, roles, period_from, period_to, warnings):
    """Each kept row's Period (None when the row has none), after the period range."""
    if 'period' not in roles:
        if period_from is not None or period_to is not None:
            raise DataError('no_period_column', 'The export has no period column, so a period range cannot be '
                            'applied.', column='period')
        return pd.Series([None] * len(table), index=table.index, dtype=object)
    column = roles['period']
    parsed = pd.Series([_row_period(value, number, column) for number, value in table[column].items()],
                       index=table.index, dtype=object)
    low = parse_period(period_from, 'from') if period_from is not None else None
    high = parse_period(period_to, 'to') if period_to is not None else None
    if low and high and low.first > high.last:
        raise DataError('invalid_option', f'The period range starts ({low.label}) after it ends ({high.label}).',
                        column='period')
    if low is None and high is None:
        return parsed
    undated = int(parsed.isna().sum())
    if undated:
        warnings.append(f'{undated} rows have no period and were left out of the period range.')
    inside = parsed.map(lambda p: p is not None and (low is None or p.first >= low.first)
                        and (high is None or p.last <= high.last)).astype(bool)
    if len(parsed) and not inside.any():
        dated = parsed.dropna()
        covered = (f'the export covers {min(dated, key=lambda p: p.first).label} to '
                   f'{max(dated, key=lambda p: p.last).label}') if len(dated) else 'the export has no periods'
        warnings.append(f'No report falls in the period range {period_from or "..."} to {period_to or "..."}: '
                        f'{covered}.')
    return parsed.loc[inside]


def _row_period(value, number, column):
    if value is None:
        return None
    period = period_or_none(value)
    if period is None:
        raise DataError('invalid_period', f'Row {number}: period {value!r} is not a year, quarter or month '
                        '(e.g. 2024, 2024Q1, 202401, 2024-01, January 2024).', row=int(number), column=column)
    return period


def _ward_identity(table, roles, wards, warnings):
    """Per row the ward it belongs to (an id), and the wards in output order.

    Without boundaries a ward is its code, or its (state, LGA, name) since names
    repeat across LGAs. With boundaries, each distinct reported ward is matched
    to one boundary ward (code, then name within the LGA, then fuzzy).
    """
    keys = [role for role in ('ward_code', 'state', 'lga', 'ward_name') if role in roles]
    if 'ward_code' in roles:
        keys = ['ward_code']
    frame = pd.DataFrame({role: table[roles[role]] for role in ('ward_code', 'state', 'lga', 'ward_name')
                          if role in roles}, index=table.index)
    missing = frame[keys].isna().all(axis=1)
    if missing.any():
        what = 'ward code' if keys == ['ward_code'] else 'ward'
        warnings.append(f'{int(missing.sum())} rows have no {what} and were not used.')
        frame = frame.loc[~missing]
    reported = frame.drop_duplicates(subset=keys).reset_index(drop=True)
    for role in ('ward_code', 'state', 'lga', 'ward_name'):
        if role not in reported:
            reported[role] = None
    if wards is None:
        reported = reported.sort_values(['state', 'lga', 'ward_name', 'ward_code'], na_position='last')
        order = reported.reset_index(drop=True)
        lookup = {tuple(row[k] for k in keys): ward for ward, row in order.iterrows()}
    else:
        order, lookup = _match_boundaries(reported, keys, wards, warnings)
    ward_of = pd.Series([lookup.get(tuple(row)) for row in frame[keys].itertuples(index=False)],
                        index=frame.index, dtype=object)
    identity = ward_of.dropna().astype(int)
    return identity, order.loc[:, ['ward_code', 'ward_name', 'lga', 'state']]


def _match_boundaries(reported, keys, wards, warnings):
    """Boundary wards in their order, and reported ward key -> boundary ward index."""
    order = pd.DataFrame([{'ward_code': identifier_text(w.get('ward_code')),
                           'ward_name': identifier_text(w.get('ward_name')),
                           'lga': identifier_text(w.get('lga')), 'state': identifier_text(w.get('state'))}
                          for w in wards], columns=['ward_code', 'ward_name', 'lga', 'state'])
    data_ids, boundary_ids = {}, {}
    for role in ('ward_code', 'ward_name', 'lga'):
        reported_values = [_lga_name(v) if role == 'lga' else v for v in reported[role]]
        boundary_values = [_lga_name(v) if role == 'lga' else v for v in order[role]]
        if any(v is not None for v in reported_values) and any(v is not None for v in boundary_values):
            data_ids[role], boundary_ids[role] = reported_values, boundary_values
    data_ids.setdefault('ward_name', [v or '' for v in reported['ward_name']])
    boundary_ids.setdefault('ward_name', [v or '' for v in order['ward_name']])
    assignment, report = match_wards(data_ids, boundary_ids)
    unmatched = [f'{name} ({lga})' for name, lga, j in zip(reported['ward_name'], reported['lga'], assignment) if j < 0]
    refuse_too_few_matched(report, unmatched, 'the facility export reports matched a boundary ward',
                           'Check that the export and the boundaries are of the same state and that ward and LGA '
                           'names agree.', column='ward')
    if unmatched:
        warnings.append(f'{len(unmatched)} reported wards match no boundary ward and were not used: '
                        + ', '.join(map(str, unmatched[:5])) + (' ...' if len(unmatched) > 5 else '') + '.')
    fuzzy = [f'{m["data_name"]} -> {m["boundary_name"]} ({m["score"]})' for m in report['fuzzy']]
    if fuzzy:
        warnings.append('Matched by similar name: ' + ', '.join(fuzzy) + '.')
    lookup = {tuple(row[k] for k in keys): j for (_, row), j in zip(reported.iterrows(), assignment) if j >= 0}
    return order, lookup


def _lga_name(value):
    """`Ilorin South Local Government Area` -> `Ilorin South`, for matching DHIS2 names to boundaries."""
    return LGA_SUFFIX.sub('', value) if value else value


def _report_rows(table, roles, indicators, identity, periods, methods, ages):
    """Long form: one row per report row, test method and age group, with its own positives and tests.

    Blank cells count as 0 (DHIS2 does not store zeros) but a pair with both
    cells blank is marked unreported, so it adds no facility or period.
    """
    facility = table[roles['facility']] if 'facility' in roles else pd.Series(None, index=table.index, dtype=object)
    period = [p.label if p is not None else None for p in periods]
    parts = []
    for method in methods:
        for age in ages:
            tested = indicators.get((method, 'tested', age))
            positive = indicators.get((method, 'positives', age))
            if tested is None:
                continue
            counts = table[[tested] + ([positive] if positive else [])].astype(float)
            parts.append(pd.DataFrame({
                'row': table.index, 'ward': identity.values, 'method': method, 'age': age,
                'facility': facility.values, 'period': period,
                'positives': counts[positive].fillna(0).values if positive else 0.0,
                'tested': counts[tested].fillna(0).values,
                'reported': counts.notna().any(axis=1).values,
            }))
    return pd.concat(parts, ignore_index=True)


def _tpr(positives, tested):
    """100 x positives / tested clamped to 0..100; None when nothing was tested."""
    return None if not tested else min(100.0, max(0.0, 100.0 * positives / tested))


def _choose(totals, ward, methods):
    """The method whose own TPR is highest (ties: RDT, listed first), or None without tests."""
    best, best_tpr = None, None
    for method in methods:
        if (ward, method) in totals.index:
            row = totals.loc[(ward, method)]
            tpr = _tpr(row['positives'], row['tested'])
            if tpr is not None and (best_tpr is None or tpr > best_tpr):
                best, best_tpr = method, tpr
    return best


def _ward_table(order, totals, chosen, methods):
    """One row per ward; without any test its TPR (and method) is None, never 0."""
    rows = []
    for ward, ids in order.iterrows():
        method = chosen[ward]
        shown = method or next((m for m in methods if (ward, m) in totals.index), None)
        sums = totals.loc[(ward, shown)] if shown else None
        rows.append(dict(ids, tpr=_tpr(sums['positives'], sums['tested']) if method else None,
                         positives=None if sums is None else int(sums['positives']),
                         tested=None if sums is None else int(sums['tested']),
                         facilities=0 if sums is None else int(sums['facilities']),
                         periods=0 if sums is None else int(sums['periods']), method=method))
    return pd.DataFrame(rows, columns=list(WARD_COLUMNS), dtype=object)


def _series(reported, order, chosen):
    """Per ward and period: the chosen method's positives, tests and TPR."""
    picked = reported.loc[[chosen.get(ward) == method for ward, method in zip(reported['ward'], reported['method'])]]
    grouped = picked.dropna(subset=['period']).groupby(['ward', 'period', 'method'], sort=True)[
        ['positives', 'tested']].sum().reset_index()
    grouped[['positives', 'tested']] = grouped[['positives', 'tested']].astype(int)
    grouped['tpr'] = pd.Series([_tpr(p, t) for p, t in zip(grouped['positives'], grouped['tested'])], dtype=object)
    merged = grouped.merge(order, left_on='ward', right_index=True, how='left')
    merged['_month'] = [period_or_none(p).first for p in merged['period']]
    merged = merged.sort_values(['ward', '_month'])
    return merged.loc[:, list(SERIES_COLUMNS)].reset_index(drop=True)


# --- output ----------------------------------------------------------------------

def write_ward_tpr_csv(table, fileobj):
    """A TPR table (the wards or their per-period series) as CSV: missing TPR as an empty cell, text cells
    neutralised for spreadsheets."""
    writer = csv.writer(fileobj, lineterminator='\n')
    writer.writerow(table.columns)
    for values in table.itertuples(index=False):
        writer.writerow([safe_cell(None if _missing(value) else value) for value in values])


def _missing(value):
    return value is None or (isinstance(value, float) and value != value)

