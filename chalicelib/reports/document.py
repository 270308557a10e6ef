"""report.html: one self-contained page a programme officer reads offline and prints.

It loads nothing: no script, no font, no image from anywhere. Maps and the rank-spread
chart are static SVG drawn here (`viz.static`), on ward paths the page carries once.
Rendered by jinja2 with autoescaping: every ward name, LGA, variable name and
warning from a user's file appears as text. The print stylesheet gives A4 pages
where no table or map is cut in two.
"""
import functools
import pathlib
from collections import Counter

from chalicelib.viz import formats, layers, spread
from chalicelib.viz.dictionary import describe
from chalicelib.viz.figures import METHOD_LABELS
from chalicelib.viz.maps import DEFAULT_URBAN_THRESHOLD, small_maps
from chalicelib.viz.page import make_environment

TEMPLATES = pathlib.Path(__file__).resolve().parent / 'templates'
TOP_WARDS = spread.TOP
LARGEST_DIFFERENCES = 10
CHECK_NAMES = {'variables': 'Variables', 'wards': 'Wards', 'kmo': 'Kaiser-Meyer-Olkin (KMO) measure',
               'bartlett': "Bartlett's test of sphericity (p-value)"}
CHECK_MEANING = {
    'variables': 'PCA needs at least three variables to find a pattern they share.',
    'wards': 'There must be at least as many wards as variables.',
    'kmo': 'How much the variables move together (0 to 1); from 0.5 up they share enough for PCA to summarise them.',
    'bartlett': 'How likely it is that the variables are unrelated; below 0.05 they are related, so PCA is sensible.',
}


@functools.lru_cache(maxsize=None)
def _environment():
    return make_environment(TEMPLATES, score=formats.score, percent=formats.percent, people=formats.people,
                            quantity=formats.quantity, p_value=formats.p_value, local_time=formats.local_time)


def match_summary(result):
    report = result.get('match_report') or {}
    return {'rows': len(result.get('rankings') or ()), 'by_code': report.get('by_code') or 0,
            'by_name': len(report.get('by_name') or ()), 'fuzzy': list(report.get('fuzzy') or ()),
            'unmatched': list(report.get('unmatched') or ()),
            'boundaries_without_data': len(report.get('boundaries_without_data') or ())}


def pca_facts(view, request, pca):
    """What the report says about PCA, with every key present: a composite-only analysis has
    no checks, and the report says PCA was not requested rather than that it failed."""
    checks = [{'name': CHECK_NAMES.get(name, name), 'meaning': CHECK_MEANING.get(name, ''),
               'value': formats.p_value(check.get('value')) if name == 'bartlett'
               else formats.quantity(check.get('value')) if name == 'kmo' else check.get('value'),
               'required': check.get('required'), 'passed': check.get('passed')}
              for name, check in (pca.get('checks') or {}).items()]
    return {'requested': request.get('method', 'both') in ('pca', 'both'), 'ran': view.pca_ran,
            'checks': checks, 'reason': pca.get('reason'), 'score_components': pca.get('score_components'),
            'components': list(zip(pca.get('explained_variance') or (), pca.get('cumulative_variance') or ())),
            'importance': sorted(((describe(name).label, weight) for name, weight in
                                  (pca.get('importance') or {}).items()), key=lambda item: -item[1])}


def variable_rows(view, result):
    """Each scored variable with its dictionary entry, the direction this analysis used
    and how many of its cells were filled."""
    filled = Counter(cell['variable'] for cell in result.get('imputation') or ())
    rows = []
    for variable in view.variables:
        entry = layers.variable_entry(variable)
        usual = describe(variable.name).direction
        rows.append({'entry': entry, 'filled': filled[variable.name],
                     'unusual': usual is not None and usual != entry.direction})
    return rows


def report_maps(drawing, threshold):
    """The report's static maps: categories by each ranking, urban extent, every variable."""
    view, keys, sheet = drawing.view, drawing.keys, drawing.sheet
    shown = {'categories': [], 'urban': '', 'variables': ''}
    if not keys:
        return shown
    shown['categories'].append(sheet.map(layers.category_layer(view, keys, view.primary_method)))
    if view.pca_ran and view.primary_method != 'pca':
        shown['categories'].append(sheet.map(layers.category_layer(view, keys, 'pca')))
    if view.has_urban:
        shown['urban'] = sheet.map(layers.urban_layer(view, keys, threshold))
    if view.variables:
        shown['variables'] = small_maps(drawing, [layers.variable_layer(view, keys, v) for v in view.variables])
    return shown


def comparison_facts(comparison):
    compared = comparison.get('wards') or ()
    return {'agreement': (sum(w['category_agrees'] for w in compared) / len(compared)) if compared else None,
            'largest': sorted(compared, key=lambda w: -abs(w['rank_difference']))[:LARGEST_DIFFERENCES]}


def render(drawing, meta, options):
    """The report as UTF-8 bytes."""
    view = drawing.view
    result = view.result
    request = result.get('request') or {}
    comparison = result.get('comparison') or {}
    threshold = float(options.get('urban_threshold', DEFAULT_URBAN_THRESHOLD))
    rows = spread.spread_rows(view, options.get('rank_move')) if view.has_spread else None
    html = _environment().get_template('report.html').render(
        meta={'dataset_name': meta.get('dataset_name') or meta.get('dataset_id') or 'unnamed dataset',
              'analysis_id': meta.get('analysis_id'), 'created_at': meta.get('created_at'),
              'completed_at': meta.get('completed_at')},
        request=request, method_label=METHOD_LABELS.get(request.get('method'), request.get('method')),
        legacy=request.get('preset') == 'mrpt-legacy', wards=view.wards, top_wards=view.wards[:TOP_WARDS],
        composite=view.primary_method == 'composite', models=result.get('models') or (),
        data=match_summary(result), variables=variable_rows(view, result),
        labels={v.name: layers.variable_entry(v).label for v in view.variables},
        pca=pca_facts(view, request, result.get('pca') or {}),
        comparison=comparison, compared=comparison_facts(comparison),
        urban=(result.get('urban_thresholds') or ()) if view.has_urban else (), threshold=threshold,
        warnings=result.get('warnings') or (), defs=drawing.sheet.defs(), maps=report_maps(drawing, threshold),
        spread=rows, spread_chart=spread.chart(rows) if rows else '')
    return html.encode('utf-8')
