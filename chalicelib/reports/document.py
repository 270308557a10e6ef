"""report.html: what was analysed, how, the top wards, maps, diagnostics and warnings.

Rendered by jinja2 with autoescaping: every ward name, LGA, variable name and
warning from a user's file appears as text. A print stylesheet lets a browser
print it to a clean PDF.
"""
import functools
import pathlib
from collections import Counter

from chalicelib.viz import figures, page

TEMPLATES = pathlib.Path(__file__).resolve().parent / 'templates'
TOP_WARDS = 20
LARGEST_DIFFERENCES = 10
PRINT_WIDTH = 680  # pixels that fit an A4 page between 14 mm margins


def number(value, digits=3):
    """A count as it is; a fraction to `digits` places, or in scientific form when smaller (p-values)."""
    if value is None:
        return '–'
    if isinstance(value, int):
        return str(value)
    return f'{value:.{digits}g}' if abs(value) < 10 ** -digits and value != 0 else f'{value:.{digits}f}'


def percent(value):
    return '–' if value is None else f'{100 * value:.1f}%'


@functools.lru_cache(maxsize=None)
def _environment():
    return page.make_environment(TEMPLATES, number=number, percent=percent)


def report_figures(view, keys):
    """The maps and chart the report shows, sized for print (no maps without boundaries)."""
    shown = {}
    if keys:
        shown[f'{view.primary_method}-map'] = figures.vulnerability_figure(view, keys, view.primary_method)
    if keys and view.pca_ran and view.primary_method != 'pca':
        shown['pca-map'] = figures.vulnerability_figure(view, keys, 'pca')
    if view.has_spread:
        shown['rank-spread'] = figures.rank_spread_figure(view)
    for fig in shown.values():
        fig.update_layout(width=PRINT_WIDTH)
    return shown


def match_summary(result):
    report = result.get('match_report') or {}
    by_code = report.get('by_code') or 0
    by_name = len(report.get('by_name') or ())
    unmatched = list(report.get('unmatched') or ())
    fuzzy = list(report.get('fuzzy') or ())
    return {'rows': len(result.get('rankings') or ()), 'by_code': by_code, 'by_name': by_name, 'fuzzy': fuzzy,
            'unmatched': unmatched, 'boundaries_without_data': len(report.get('boundaries_without_data') or ())}


def pca_facts(view, request, pca):
    """What the report says about PCA, with every key present: a composite-only analysis has
    no checks, and the report says PCA was not requested rather than that it failed."""
    return {'requested': request.get('method', 'both') in ('pca', 'both'), 'ran': view.pca_ran,
            'checks': pca.get('checks') or {}, 'reason': pca.get('reason'),
            'score_components': pca.get('score_components')}


def render(view, meta, wards_block, keys, embed_plotlyjs=False):
    """The report as UTF-8 bytes."""
    result = view.result
    request = result.get('request') or {}
    pca = result.get('pca') or {}
    comparison = result.get('comparison') or {}
    filled = Counter(cell['variable'] for cell in result.get('imputation') or ())
    compared = comparison.get('wards') or ()
    html = _environment().get_template('report.html').render(
        meta={'dataset_name': meta.get('dataset_name') or meta.get('dataset_id') or 'unnamed dataset',
              'analysis_id': meta.get('analysis_id'), 'created_at': meta.get('created_at'),
              'completed_at': meta.get('completed_at')},
        request=request, method_label=figures.METHOD_LABELS.get(request.get('method'), request.get('method')),
        legacy=request.get('preset') == 'mrpt-legacy', wards=view.wards, top_wards=view.wards[:TOP_WARDS],
        composite=view.primary_method == 'composite', models=result.get('models') or (),
        data=match_summary(result),
        variables=[{'name': v.name, 'direction': v.direction, 'imputed': filled[v.name]} for v in view.variables],
        pca=pca_facts(view, request, pca),
        pca_components=list(zip(pca.get('explained_variance') or (), pca.get('cumulative_variance') or ())),
        pca_importance=sorted((pca.get('importance') or {}).items(), key=lambda kv: -kv[1]),
        comparison=comparison,
        agreement=(sum(w['category_agrees'] for w in compared) / len(compared)) if compared else None,
        largest_differences=sorted(compared, key=lambda w: -abs(w['rank_difference']))[:LARGEST_DIFFERENCES],
        urban=(result.get('urban_thresholds') or ()) if view.has_urban else (),
        warnings=result.get('warnings') or (), plotly=page.plotly_script(embed_plotlyjs),
        mapped=bool(keys), figures=page.figures_markup(report_figures(view, keys), wards_block))
    return html.encode('utf-8')
