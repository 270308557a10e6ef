"""The drawing stage: an analysis result in, HTML map and chart files out."""
from shapely.geometry import shape

from chalicelib.viz import figures, page
from chalicelib.viz.geometry import display_feature_collection
from chalicelib.viz.view import from_result

HTML = 'text/html; charset=utf-8'
DEFAULT_URBAN_THRESHOLD = 75  # the ITN plan's default: maps and plans agree out of the box
MAPS = frozenset({'vulnerability_map.html', 'pca_map.html', 'variable_maps.html', 'urban_map.html'})


def display_boundaries(view):
    """The display boundaries (simplified as a coverage) as a FeatureCollection keyed by ward key."""
    return display_feature_collection([b.key for b in view.boundaries], [shape(b.geometry) for b in view.boundaries])


def display_wards(view, collection=None):
    """The display boundaries and the ward keys in map order; `collection` is one
    `display_boundaries` already made for this result (the simplification runs once per analysis)."""
    collection = display_boundaries(view) if collection is None else collection
    return collection, [f['id'] for f in collection['features']]


def wards_block(view, collection, keys):
    """What every map on a page shares: boundaries, ward keys and escaped labels."""
    return {'geojson': collection, 'locations': keys, 'labels': figures.ward_labels(view, keys)}


def no_wards():
    """The shared block of a chart page, which needs no boundaries."""
    return {'geojson': {'type': 'FeatureCollection', 'features': []}, 'locations': [], 'labels': []}


def map_figures(view, keys, threshold):
    """Maps by artifact name; one without anything to show is left out.

    `vulnerability_map.html` shows the ranking the wards are ordered by (the
    composite, or PCA when only PCA ran); `pca_map.html` is added when both ran.
    """
    primary = view.primary_method
    drawn = {'vulnerability_map.html': (f'Vulnerability by {figures.METHOD_LABELS[primary]}',
                                        figures.vulnerability_figure(view, keys, primary))}
    if view.pca_ran and primary != 'pca':
        drawn['pca_map.html'] = ('Vulnerability by PCA score', figures.vulnerability_figure(view, keys, 'pca'))
    if view.variables:
        drawn['variable_maps.html'] = ('Variables', figures.variable_figure(view, keys))
    if view.has_urban:
        drawn['urban_map.html'] = ('Urban extent', figures.urban_figure(view, keys, threshold))
    return drawn


def page_figures(view, keys, options):
    """Every page's figure by artifact name: no maps without boundaries, no chart without rank spread."""
    drawn = map_figures(view, keys, float(options.get('urban_threshold', DEFAULT_URBAN_THRESHOLD))) if keys else {}
    if view.has_spread:
        drawn['rank_spread.html'] = ('Rank spread across models', figures.rank_spread_figure(view))
    return drawn


def draw(result, options, display=None):
    """{artifact name: (HTML bytes, content type)} for the maps and the rank-spread chart."""
    view = from_result(result)
    collection, keys = display_wards(view, display)
    wards = wards_block(view, collection, keys)
    subtitle = f'{len(view.wards)} wards ranked on {len(view.variables)} variables'
    embed = bool(options.get('embed_plotlyjs', False))
    return {name: (page.render_page(title, subtitle, {'figure': fig}, wards if name in MAPS else no_wards(), embed),
                   HTML)
            for name, (title, fig) in page_figures(view, keys, options).items()}


def draw_coverage(result, plan, options):
    """The ITN coverage map of one plan on the analysis's wards, as HTML bytes."""
    view = from_result(result)
    collection, keys = display_wards(view)
    figure = figures.coverage_figure(view, keys, plan)
    subtitle = f'{plan["preset"]} rules, {plan["method"]} ranking, urban threshold {plan["urban_threshold"]:g}%'
    return page.render_page('Bed-net (ITN) coverage', subtitle, {'figure': figure},
                            wards_block(view, collection, keys), bool(options.get('embed_plotlyjs', False)))
