"""The analysis's downloadable tables: rankings XLSX, wards and LGAs as GeoJSON (and as the
web map's TopoJSON), and the whole-people numbers of a bed-net plan.

(The rankings CSV is the engine's, `analysis.exports.rankings_csv`.) Every text cell of the XLSX passes through the engine's `safe_cell`
(API spec "Exports", done by `reports.xlsx`), so a ward named `=HYPERLINK(...)` stays text in a spreadsheet.
"""
import json
import math

from chalicelib.analysis.engine import RANKING_FIELDS
from chalicelib.analysis.exports import RANKINGS_CSV_COLUMNS, export_number, rankings_rows
from chalicelib.reports.xlsx import workbook
from chalicelib.viz.geometry import lga_feature_collection
from chalicelib.viz.layers import variable_entry
from chalicelib.viz.topology import topology

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
GEOJSON = 'application/geo+json'
JSON = 'application/json'


def data_used_rows(result):
    """Header and rows of the values each ward entered the analysis with (gaps filled) and their scores."""
    names = [v['name'] for v in result.get('variables') or ()]
    header = ['ward_code', 'ward_name'] + [f'{n} ({kind})' for n in names for kind in ('value', 'normalised')] + [
        'imputed']
    imputed = {}
    for cell in result.get('imputation') or ():
        imputed.setdefault(cell['row'], []).append(cell['variable'])
    rows = [[w.get('ward_code'), w.get('ward_name')]
            + [export_number((w.get(kind) or {}).get(n)) for n in names for kind in ('value', 'normalised')]
            + [';'.join(imputed.get(w['row'], ()))] for w in result.get('ward_values') or ()]
    return header, rows


def variable_rows(view):
    """The variable dictionary of the scored variables: what each column of 'Data used' is."""
    for variable in view.variables:
        entry = variable_entry(variable)
        yield [entry.name, entry.label, entry.unit, entry.measures, entry.source, entry.risk_text]


def rankings_xlsx(view):
    """A workbook with the rankings, the models, the data used and the variables, one sheet each.

    A national workbook has some 300,000 cells: the rows are generators, streamed into the file
    (`reports.xlsx`). Scores keep 6 decimals.
    """
    result = view.result
    return workbook((
        ('Rankings', RANKINGS_CSV_COLUMNS,
         ([row[k] for k in RANKINGS_CSV_COLUMNS] for row in rankings_rows(result.get('rankings') or ()))),
        ('Models', ('model', 'variables', 'variable_count'),
         ([m['id'], ', '.join(m['variables']), len(m['variables'])] for m in result.get('models') or ())),
        ('Data used', *data_used_rows(result)),
        ('Variables', ('variable', 'label', 'unit', 'what it measures', 'source', 'direction used'),
         variable_rows(view))))


def _json_bytes(value):
    return json.dumps(value, separators=(',', ':'), ensure_ascii=False, allow_nan=False).encode('utf-8')


def _geojson_bytes(features):
    return _json_bytes({'type': 'FeatureCollection', 'features': features})


def _ward_properties(view, collection, names):
    """(feature, properties) of each display ward: `names` of its rankings item, or its
    boundary's code, name and LGA (the rest null) when it has no data."""
    items = dict(zip((w.key for w in view.wards), view.result.get('rankings') or ()))  # same order
    boundaries = {b.key: b for b in view.boundaries}
    for feature in collection['features']:
        key, boundary = feature['id'], boundaries[feature['id']]
        item = items.get(key) or {'ward_code': boundary.code, 'ward_name': boundary.name, 'lga': boundary.lga}
        yield feature, {name: export_number(item.get(name)) for name in names}


def wards_geojson(view, collection):
    """The display boundaries with each ward's rankings item and values as properties.

    Every feature carries every key of a ranked ward (RANKING_FIELDS) (null where a boundary has no
    data), so a map drawn from this file reads categories and ranks without guessing;
    scores and values keep 6 decimals.
    """
    values = {f'w{r["row"]}': r for r in view.result.get('ward_values') or ()}
    features = []
    for feature, properties in _ward_properties(view, collection, RANKING_FIELDS):
        row = values.get(feature['id']) or {}
        properties.update({kind: {name: export_number(v) for name, v in (row.get(field) or {}).items()}
                           for kind, field in (('values', 'value'), ('normalised', 'normalised'))})
        features.append({'type': 'Feature', 'properties': properties, 'geometry': feature['geometry']})
    return _geojson_bytes(features)


def lgas_geojson(outlines):
    """The LGA outlines (`viz.geometry.lga_outlines`) as GeoJSON bytes, property `lga`."""
    return _geojson_bytes(lga_feature_collection(outlines)['features'])


MAP_PROPERTIES = ('ward_code', 'ward_name', 'lga', 'composite_rank', 'composite_category', 'pca_rank',
                  'pca_category')


def map_topojson(view, collection, outlines):
    """The vulnerability map's data in one small file: the display wards (id the ward key,
    MAP_PROPERTIES) and the LGA outlines (property `lga`) as a TopoJSON Topology whose
    arcs the neighbours and the outlines share (`viz.topology`). The wards object carries,
    once, each variable's label, unit and direction as the server's variable maps use them
    (`variables`), so the web's variable maps name and shade it as they do."""
    wards = [(feature['id'], properties, feature['geometry'])
             for feature, properties in _ward_properties(view, collection, MAP_PROPERTIES)]
    lgas = [(None, feature['properties'], feature['geometry'])
            for feature in lga_feature_collection(outlines)['features']]
    entries = [variable_entry(variable) for variable in view.variables]
    variables = {e.name: {'label': e.label, 'unit': e.unit, 'direction': e.direction} for e in entries}
    return _json_bytes(topology({'wards': wards, 'lgas': lgas}, own={'wards': {'variables': variables}}))


def _whole(value):
    return None if value is None else round(value)


def plan_for_people(plan):
    """The ITN plan with people as whole numbers, as its files and answers show it (nets already are).

    People covered round down (nets x 1.8 covers 899,978 people, not 899978.4) and the
    totals are the sums of the rows, so the table adds up; populations round to the nearest.
    """
    rows = [dict(row, population=_whole(row['population']),
                 people_covered=math.floor(row['people_covered'] + 1e-9)) for row in plan['rows']]
    planned = [row for row in rows if row['nets_needed'] is not None]
    totals = dict(plan['totals'], people_covered=sum(row['people_covered'] for row in planned),
                  population_planned=sum(row['population'] for row in planned))
    return dict(plan, rows=rows, totals=totals)
