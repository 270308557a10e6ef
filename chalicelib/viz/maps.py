"""The drawing stage: an analysis result in, HTML map and chart files out."""
from dataclasses import dataclass

from markupsafe import Markup

from chalicelib.viz import figures, layers, page, spread
from chalicelib.viz.geometry import lga_outlines, shapes
from chalicelib.viz.static import Sheet
from chalicelib.viz.view import from_result

HTML = 'text/html; charset=utf-8'
DEFAULT_URBAN_THRESHOLD = 75  # the ITN plan's default: maps and plans agree out of the box
MAPS = frozenset({'vulnerability_map.html', 'pca_map.html', 'variable_maps.html', 'urban_map.html'})


def display_boundaries(view):
    """The result's display boundaries as a FeatureCollection keyed by ward key, no properties.

    They were simplified (as a coverage) once, when the dataset was prepared: drawn as they are."""
    return {'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'id': b.key, 'properties': {}, 'geometry': b.geometry} for b in view.boundaries]}


def display_wards(view, collection=None):
    """The display boundaries and the ward keys in map order; `collection` is one
    `display_boundaries` already made for this result."""
    collection = display_boundaries(view) if collection is None else collection
    return collection, [f['id'] for f in collection['features']]


def wards_block(view, collection, keys):
    """What every map on a page shares (boundaries, ward keys and escaped labels), as the pages' data block."""
    return page.ward_data({'geojson': collection, 'locations': keys, 'labels': figures.ward_labels(view, keys)})


def no_wards():
    """The data block of a chart page, which needs no boundaries."""
    return page.ward_data({'geojson': {'type': 'FeatureCollection', 'features': []}, 'locations': [], 'labels': []})


@dataclass(frozen=True)
class Drawing:
    """One analysis ready to draw: its fields, display wards in map order and their static sheet."""
    view: object
    collection: dict
    keys: list
    sheet: Sheet


def prepare(result, display=None):
    """The drawing of a result; `display` is its `display_boundaries` when the caller has them."""
    view = from_result(result)
    collection, keys = display_wards(view, display)
    geometries = shapes(collection)
    outlines = lga_outlines(keys, geometries, view.lga_of_keys())
    return Drawing(view, collection, keys, Sheet(keys, geometries, outlines))


def small_maps(drawing, titled_layers):
    """Static maps side by side, each under its heading (two to a printed row)."""
    return Markup('<div class="small-maps">') + Markup('').join(
        Markup('<figure><h3>{}</h3>').format(layer.title) + drawing.sheet.map(layer, small=True)
        + Markup('</figure>') for layer in titled_layers) + Markup('</div>')


def map_figures(drawing, threshold):
    """{artifact name: (title, plotly figure, static fallback)}; a map with nothing to show is left out.

    `vulnerability_map.html` shows the ranking the wards are ordered by (the
    composite, or PCA when only PCA ran); `pca_map.html` is added when both ran.
    """
    view, keys, sheet = drawing.view, drawing.keys, drawing.sheet
    primary = view.primary_method
    drawn = {'vulnerability_map.html': (f'Vulnerability by {figures.METHOD_LABELS[primary]}',
                                        figures.vulnerability_figure(view, keys, primary, sheet),
                                        sheet.map(layers.category_layer(view, keys, primary)))}
    if view.pca_ran and primary != 'pca':
        drawn['pca_map.html'] = ('Vulnerability by PCA score', figures.vulnerability_figure(view, keys, 'pca', sheet),
                                 sheet.map(layers.category_layer(view, keys, 'pca')))
    if view.variables:
        drawn['variable_maps.html'] = ('Variables', figures.variable_figure(view, keys, sheet),
                                       small_maps(drawing, [layers.variable_layer(view, keys, v)
                                                            for v in view.variables]))
    if view.has_urban:
        drawn['urban_map.html'] = ('Urban extent', figures.urban_figure(view, keys, threshold, sheet),
                                   sheet.map(layers.urban_layer(view, keys, threshold)))
    return drawn


def page_figures(drawing, options):
    """Every page's figure by artifact name: no maps without boundaries, no chart without rank spread."""
    threshold = float(options.get('urban_threshold', DEFAULT_URBAN_THRESHOLD))
    drawn = map_figures(drawing, threshold) if drawing.keys else {}
    if drawing.view.has_spread:
        rows = spread.spread_rows(drawing.view, options.get('rank_move'))
        drawn['rank_spread.html'] = ('Rank spread across models', figures.rank_spread_figure(rows),
                                     spread.chart(rows))
    return drawn


def draw(result, options, display=None):
    """{artifact name: (HTML bytes, content type)} for the maps and the rank-spread chart."""
    drawing = prepare(result, display)
    view = drawing.view
    wards = wards_block(view, drawing.collection, drawing.keys)
    subtitle = f'{len(view.wards)} wards ranked on {len(view.variables)} variables'
    embed = bool(options.get('embed_plotlyjs', False))
    pages = {}
    for name, (title, figure, fallback) in page_figures(drawing, options).items():
        mapped = name in MAPS
        pages[name] = (page.render_page(title, subtitle, {'figure': figure}, wards if mapped else no_wards(), embed,
                                        drawing.sheet.defs() if mapped else '', {'figure': fallback}), HTML)
    return pages


def draw_coverage(result, plan, options):
    """The ITN coverage map of one plan on the analysis's wards, as HTML bytes."""
    drawing = prepare(result)
    view, keys, sheet = drawing.view, drawing.keys, drawing.sheet
    figure = figures.coverage_figure(view, keys, plan, sheet)
    subtitle = f'{plan["preset"]} rules, {plan["method"]} ranking, urban threshold {plan["urban_threshold"]:g}%'
    return page.render_page('Bed-net (ITN) coverage', subtitle, {'figure': figure},
                            wards_block(view, drawing.collection, keys), bool(options.get('embed_plotlyjs', False)),
                            sheet.defs(), {'figure': sheet.map(layers.coverage_layer(view, keys, plan))})
