"""A dataset made ready for analysis: the uploaded files read, matched and checked once.

`prepare_dataset` does everything that depends only on the files (reading,
matching, neighbours; the display boundaries when first asked for, as ranking
never needs them); `PreparedDataset.to_canonical()` gives the files to store
beside the upload (the display boundaries made there, once per dataset), and
`from_canonical` loads them back so an analysis never re-reads the raw upload.
"""
import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import ingest
from .errors import DataError
from .matching import match_wards, refuse_too_few_matched
from .population import POPULATION_NAMES, column_index, population_from_table
from .variables import rule_direction, resolve_state, concept_column

# `ward_population` (not `population`): the data's own population column stays a variable
# under its name, and the population used for plans is one unambiguous column.
IDENTIFIER_COLUMNS = ('ward_code', 'ward_name', 'lga', 'state', 'urban_percentage', 'ward_population', 'boundary')
# The summary lists this many unmatched wards (the item stays small); match_report.json has them all.
UNMATCHED_LISTED = 100
CANONICAL_FILES = ('wards.csv', 'boundaries.geojson', 'neighbours.json', 'validation.json')


def no_stage(name):
    """Default progress callback: stages are only reported when someone listens."""


@dataclass
class PreparedDataset:
    """Wards in data-file order with their variables, neighbours and display boundaries."""
    ward_code: list
    ward_name: list
    lga: list
    variables: tuple
    values: np.ndarray            # wards x variables, NaN = missing
    urban_percentage: np.ndarray  # NaN = unknown
    population: np.ndarray        # NaN = unknown
    boundary: np.ndarray          # boundary feature index per ward, -1 = unmatched
    indptr: np.ndarray            # queen neighbours (CSR)
    indices: np.ndarray
    display: object               # display boundaries: a FeatureCollection, or (geometries, properties) to make it
    state: str = None
    summary: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    match_report: dict = field(default_factory=dict)

    @property
    def geojson(self):
        """The display boundaries (WGS84, simplified as a coverage), made on first use and kept:
        the maps and the stored dataset need them, ranking the wards does not."""
        if isinstance(self.display, tuple):
            from .spatial import display_geojson
            self.display = display_geojson(*self.display)
        return self.display

    def to_canonical(self):
        """The files to store next to the upload (CSV/JSON only)."""
        table = io.StringIO()
        writer = csv.writer(table, lineterminator='\n')
        writer.writerow(IDENTIFIER_COLUMNS + self.variables)
        for i in range(len(self.ward_name)):
            writer.writerow([self.ward_code[i] or '', self.ward_name[i], self.lga[i] or '', self.state or '',
                             number_cell(self.urban_percentage[i]), number_cell(self.population[i]),
                             int(self.boundary[i])] + [number_cell(v) for v in self.values[i]])
        validation = {'summary': self.summary, 'warnings': self.warnings, 'match_report': self.match_report,
                      'variables': list(self.variables), 'state': self.state}
        neighbours = {'indptr': self.indptr.tolist(), 'indices': self.indices.tolist()}
        return {'wards.csv': table.getvalue().encode('utf-8'),
                'boundaries.geojson': json.dumps(self.geojson, separators=(',', ':')).encode('utf-8'),
                'neighbours.json': json.dumps(neighbours, separators=(',', ':')).encode('utf-8'),
                'validation.json': json.dumps(validation, allow_nan=False).encode('utf-8')}

    @classmethod
    def from_canonical(cls, files):
        validation = json.loads(files['validation.json'])
        neighbours = json.loads(files['neighbours.json'])
        ids, rows = canonical_wards(files['wards.csv'])
        numbers = np.array([[number_or_nan(c) for c in row] for row in rows]).reshape(
            len(rows), len(validation['variables']))
        return cls(ward_code=[c or None for c in ids['ward_code']], ward_name=ids['ward_name'],
                   lga=[c or None for c in ids['lga']], variables=tuple(validation['variables']), values=numbers,
                   urban_percentage=np.array([number_or_nan(c) for c in ids['urban_percentage']]),
                   population=np.array([number_or_nan(c) for c in ids['ward_population']]),
                   boundary=np.array([int(c) for c in ids['boundary']], dtype=np.int64),
                   indptr=np.array(neighbours['indptr'], dtype=np.int64),
                   indices=np.array(neighbours['indices'], dtype=np.int64),
                   display=json.loads(files['boundaries.geojson']), state=validation['state'],
                   summary=validation['summary'], warnings=validation['warnings'],
                   match_report=validation['match_report'])


def number_cell(value):
    """Floats as their shortest exact text, so a stored dataset gives the same digits back."""
    return '' if np.isnan(value) else repr(float(value))


def prepare_dataset(files, limits=None, on_stage=None):
    """Read, match and check the uploaded files; raises DataError for any problem a user must fix.

    `files` maps role ('data', 'boundaries', optional 'population') to (filename, bytes).
    Boundaries without data give the wards with no variables yet (a ward TPR joins them).
    """
    limits = limits or ingest.Limits()
    on_stage = on_stage or no_stage
    if 'data' not in files and 'boundaries' not in files:
        raise DataError('missing_file', 'No ward data file was given: upload a CSV or XLSX of ward variables.')
    on_stage('read')
    layer = ingest.read_boundaries(*files['boundaries'], limits=limits) if 'boundaries' in files else None
    table = ingest.read_ward_table(*files['data'], limits=limits) if 'data' in files else boundary_wards(layer)
    warnings = list(table.warnings) + (layer.warnings if layer else [])
    on_stage('match')
    n = len(table.identifiers['ward_name'])
    if layer is not None:
        assignment, report = match_wards(table.identifiers, layer.identifiers)
        if 'data' in files:
            refuse_too_few_matched(report, [u['ward_name'] for u in report['unmatched']],
                                   f'in {table.file} matched a ward in {layer.file} by code or by name',
                                   'Check that both files describe the same state and the same year of ward '
                                   'boundaries, and that they use the same ward codes (WardCode) or ward names.',
                                   file=table.file)
        boundary = np.array(assignment, dtype=np.int64)
    else:
        boundary, report = np.full(n, -1, dtype=np.int64), None
        warnings.append('No boundaries: gaps are filled with column means and no map can be drawn.')
    ward_code = pick_identifier(table, layer, boundary, 'ward_code')
    lga = [a or b for a, b in zip(pick_identifier(table, layer, boundary, 'lga'),
                                  pick_identifier(table, layer, boundary, 'lga_code'))]
    state = detect_state(table, layer)
    urban = urban_percentage(table, layer, boundary)
    population = population_column(table, files, limits, ward_code)
    on_stage('contiguity')
    if layer is not None:
        from .spatial import queen_neighbours
        geometries = [layer.geometries[j] if j >= 0 else None for j in boundary]
        indptr, indices = queen_neighbours(geometries)
        display = display_features(table, layer, boundary, ward_code, lga)
    else:
        indptr, indices = np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
        display = {'type': 'FeatureCollection', 'features': []}
    if report is not None:
        warnings.extend(match_warnings(report, table.file))
    summary = {
        'wards': n,
        'matched': ({'by_code': report['by_code'], 'by_name': len(report['by_name']), 'fuzzy': len(report['fuzzy'])}
                    if report else {'by_code': 0, 'by_name': 0, 'fuzzy': 0}),
        'unmatched': len(report['unmatched']) if report else n,
        'unmatched_wards': [{'ward_name': u['ward_name'], 'reason': u['reason']}
                            for u in (report['unmatched'][:UNMATCHED_LISTED] if report else ())],
        'boundaries_without_data': len(report['boundaries_without_data']) if report else 0,
        'state': state,
        'variables': [variable_summary(name, table.values[:, i]) for i, name in enumerate(table.variables)],
    }
    return PreparedDataset(ward_code=ward_code, ward_name=list(table.identifiers['ward_name']), lga=lga,
                           variables=table.variables, values=table.values, urban_percentage=urban,
                           population=population, boundary=boundary, indptr=indptr, indices=indices,
                           display=display, state=state, summary=summary, warnings=warnings,
                           match_report=report or {})


def boundary_wards(layer):
    """The boundaries as the ward table (one ward per polygon, no variables), for a dataset of
    boundaries and a facility export alone."""
    n = len(layer.geometries)
    codes = layer.identifiers.get('ward_code') or [None] * n
    names = [name or code for name, code in zip(layer.identifiers.get('ward_name') or [None] * n, codes)]
    if not n or None in names:
        raise DataError('no_ward_name', 'Without a ward data file the wards come from the boundaries, and some '
                        'polygons have neither a ward name nor a ward code: add a ward data file.', file=layer.file)
    return ingest.RawTable(file=layer.file, identifiers=dict(layer.identifiers, ward_name=names), variables=(),
                           values=np.zeros((n, 0)), warnings=[])


def pick_identifier(table, layer, boundary, role):
    """The data file's identifier, or the matched boundary's when the data has none."""
    own = table.identifiers.get(role)
    theirs = layer.identifiers.get(role) if layer else None
    n = len(boundary)
    return [(own[i] if own and own[i] is not None else
             (theirs[boundary[i]] if theirs and boundary[i] >= 0 else None)) for i in range(n)]


def detect_state(table, layer):
    for source in (table.identifiers, layer.identifiers if layer else {}):
        for role in ('state_code', 'state'):
            codes = [resolve_state(v) for v in source.get(role) or () if v]
            codes = [c for c in codes if c]
            if codes:
                return Counter(codes).most_common(1)[0][0]
    return None


def urban_percentage(table, layer, boundary):
    column = concept_column('urban_percentage', table.variables)
    if column is not None:
        return table.values[:, table.variables.index(column)].copy()
    if 'urban' in table.identifiers:
        return np.array([ingest.yes_no_percent(v) for v in table.identifiers['urban']])
    if layer is not None:
        return np.array([layer.urban_percentage[j] if j >= 0 else np.nan for j in boundary])
    return np.full(len(boundary), np.nan)


def population_column(table, files, limits, ward_code):
    """Ward population from an uploaded population table (by ward code), else the data's own column."""
    if 'population' in files:
        by_code = population_from_table(*files['population'], limits=limits)
        return np.array([by_code.get(code, np.nan) for code in ward_code])
    column = column_index(table.variables, POPULATION_NAMES)
    return table.values[:, column].copy() if column is not None else np.full(len(ward_code), np.nan)


def canonical_wards(wards_csv):
    """(identifier column name -> cells, variable cells per ward) of a canonical `wards.csv`.

    Read by position, so a ward-data variable of any name cannot be taken for an identifier.
    """
    rows = list(csv.reader(io.StringIO(wards_csv.decode('utf-8'), newline='')))[1:]
    fixed = len(IDENTIFIER_COLUMNS)
    ids = {name: [row[i] for row in rows] for i, name in enumerate(IDENTIFIER_COLUMNS)}
    return ids, [row[fixed:] for row in rows]


def number_or_nan(cell):
    """A stored number cell; empty is unknown (NaN), never 0."""
    return float(cell) if cell else np.nan


def canonical_population(wards_csv):
    """ward_code -> population from a canonical `wards.csv` (wards without either left out)."""
    ids, _ = canonical_wards(wards_csv)
    return {code: float(people) for code, people in zip(ids['ward_code'], ids['ward_population']) if code and people}


def variable_summary(name, column):
    known = column[~np.isnan(column)]
    return {'name': name, 'missing': int(np.isnan(column).sum()),
            'min': float(known.min()) if len(known) else None, 'max': float(known.max()) if len(known) else None,
            'direction': rule_direction(name)[0]}


def display_features(table, layer, boundary, ward_code, lga):
    """Geometries and properties for the map: every boundary, with the data row it matched (or none)."""
    row_of = {int(j): i for i, j in enumerate(boundary) if j >= 0}
    blank = [None] * len(layer.geometries)
    names, codes = layer.identifiers.get('ward_name') or blank, layer.identifiers.get('ward_code') or blank
    lgas = layer.identifiers.get('lga') or layer.identifiers.get('lga_code') or blank
    properties = []
    for j in range(len(layer.geometries)):
        i = row_of.get(j)
        properties.append({'row': i, 'ward_code': ward_code[i] if i is not None else codes[j],
                           'ward_name': table.identifiers['ward_name'][i] if i is not None else names[j],
                           'lga': lga[i] if i is not None else lgas[j]})
    return layer.geometries, properties


def match_warnings(report, filename):
    out = []
    if report['unmatched']:
        names = ', '.join(str(u['ward_name']) for u in report['unmatched'][:10])
        out.append(f'{len(report["unmatched"])} ward(s) of {filename} match no boundary ({names}'
                   f'{" ..." if len(report["unmatched"]) > 10 else ""}): they are ranked but not mapped.')
    if report['boundaries_without_data']:
        out.append(f'{len(report["boundaries_without_data"])} boundary polygon(s) have no data row: '
                   'they stay blank on maps.')
    if report['fuzzy']:
        out.append('Matched by similar name (check): ' + ', '.join(
            f'{f["data_name"]} -> {f["boundary_name"]} ({f["score"]:.2f})' for f in report['fuzzy'][:10]))
    return out
