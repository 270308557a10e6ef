"""The drawing stage: an analysis result in, HTML map and chart files out."""
from shapely.geometry import shape

from chalicelib.viz import figures, page
from chalicelib.viz.geometry import display_feature_collection
from chalicelib.viz.view import from_result

HTML = 'text/html; charset=utf-8'
DEFAULT_URBAN_THRESHOLD = 75  # the ITN plan's default: maps and plans agree out of the box


def display_wards(view):
    """The display boundaries (simplified as a coverage) keyed by ward key, and the keys in map order."""
    collection = display_feature_collection([b.key for b in view.boundaries],
                                            [shape(b.geometry) for b in view.boundaries])
    return collection, [f['id'] for f in collection['features']]


def wards_block(view, collection, keys):
    """What every map on a page shares: boundaries, ward keys and escaped labels."""
    return {'geojson': collection, 'locations': keys, 'labels': figures.ward_labels(view, keys)}


def map_figures(view, keys, options):
    """Map figures by artifact name; a map without anything to show is left out."""
    threshold = float(options.get('urban_threshold', DEFAULT_URBAN_THRESHOLD))
    drawn = {'vulnerability_map.html': ('Composite vulnerability', figures.vulnerability_figure(view, keys))}
    if view.pca_ran:
        drawn['pca_map.html'] = ('PCA vulnerability', figures.vulnerability_figure(view, keys, 'pca'))
    if view.variables:
        drawn['variable_maps.html'] = ('Variables', figures.variable_figure(view, keys))
    if any(w.urban_percentage is not None for w in view.wards):
        drawn['urban_map.html'] = ('Urban extent', figures.urban_figure(view, keys, threshold))
    return drawn


def draw(result, options):
    """{artifact name: (HTML bytes, content type)} for the maps and the rank-spread chart."""
    view = from_result(result)
    collection, keys = display_wards(view)
    wards = wards_block(view, collection, keys)
    subtitle = f'{len(view.wards)} wards ranked on {len(view.variables)} variables'
    embed = bool(options.get('embed_plotlyjs', False))
    artifacts = {
        name: (page.render_page(title, subtitle, {'figure': fig}, wards, embed), HTML)
        for name, (title, fig) in map_figures(view, keys, options).items()}
    empty = {'geojson': {'type': 'FeatureCollection', 'features': []}, 'locations': [], 'labels': []}
    artifacts['rank_spread.html'] = (page.render_page(
        'Rank spread across models', subtitle, {'figure': figures.rank_spread_figure(view)}, empty, embed), HTML)
    return artifacts
