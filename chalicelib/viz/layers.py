"""What each static map shows (`static.Layer`): categories, urban bands, variables, bed-net coverage.

Pure: the named fields of a result (`view.ResultView`) in, fills, hover texts and
legends out. Colours follow one rule: darker means more malaria risk (or, on the
coverage map, more people covered); grey means no data.
"""
from collections import Counter

from chalicelib.viz import formats
from chalicelib.viz.dictionary import as_used, describe
from chalicelib.viz.static import NO_DATA, Layer

CATEGORIES = ('High', 'Medium', 'Low')
CATEGORY_COLOURS = {'High': '#d7301f', 'Medium': '#fc8d59', 'Low': '#fdd49e'}
METHOD_NAMES = {'composite': 'composite score', 'pca': 'PCA score'}
URBAN_BANDS = (0, 30, 50, 75, 100)   # the spec's thresholds (section 8) as band edges
BELOW_GREYS = ('#f7f7f7', '#e0e0e0', '#c8c8c8', '#b0b0b0', '#989898')  # lightest for the least urban
ABOVE_BLUES = ('#9ecae1', '#4292c6', '#2171b5', '#08519c', '#08306b')
RISK_COLOURS = ('#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026')  # lowest to highest risk
COVERAGE_COLOURS = {'full': '#238b45', 'partial': '#a1d99b', 'none': '#f7f7f7'}
NO_DATA_TEXT = 'no data matched this boundary, so it is not ranked'


def _painted(view, keys, paint):
    """Fills and hover texts: `paint(key)` gives (colour, text) for a ward; colour None leaves it grey."""
    places = {key: f'{name} ({lga})' if lga else name for key, (name, lga) in zip(keys, view.labels(keys))}
    fills, tips = {}, {}
    for key in keys:
        colour, text = paint(key)
        if colour is not None:
            fills[key] = colour
        tips[key] = f'{places[key]}: {text}'
    return fills, tips


def _layer(title, keys, painted, legend, grey, note=''):
    """The layer, its legend ending with the grey entry (`grey`) when a ward was left grey."""
    fills, tips = painted
    return Layer(title=title, fills=fills, tips=tips, note=note,
                 legend=tuple(legend) + (((NO_DATA, grey),) if len(fills) < len(keys) else ()))


def category_layer(view, keys, method):
    """High, Medium and Low by `method`'s ranking; the legend gives each category's ranks."""
    ranked = {w.key: w for w in view.wards if getattr(w, f'{method}_rank') is not None}

    def paint(key):
        ward = ranked.get(key)
        if ward is None:
            return None, NO_DATA_TEXT
        category = getattr(ward, f'{method}_category')
        return CATEGORY_COLOURS.get(category, NO_DATA), (
            f'{category}, rank {getattr(ward, f"{method}_rank")} of {len(ranked)}, '
            f'{METHOD_NAMES[method]} {formats.score(getattr(ward, f"{method}_score"))}')
    legend = []
    for category in CATEGORIES:
        ranks = [getattr(w, f'{method}_rank') for w in ranked.values() if getattr(w, f'{method}_category') == category]
        if ranks:
            legend.append((CATEGORY_COLOURS[category], f'{category}: ranks {min(ranks)}–{max(ranks)} '
                                                       f'({len(ranks)} wards)'))
    return _layer(f'Malaria vulnerability by {METHOD_NAMES[method]}', keys, _painted(view, keys, paint), legend,
                  'No data', 'Rank 1 is the most vulnerable ward; each category is a third of the ranked wards.')


def urban_bands(threshold):
    """Band edges: the spec's thresholds and the chosen one, as (low, high) pairs (100 alone last)."""
    edges = sorted(set(URBAN_BANDS[:-1]) | {threshold} - {100})
    return [(low, high) for low, high in zip(edges, edges[1:] + [100])] + [(100, None)]


def urban_colours(bands, threshold):
    """A colour per band: greys (lightest first) below `threshold`, blues at or above it."""
    below = sum(1 for low, _ in bands if low < threshold)
    return list(BELOW_GREYS[:below]) + list(ABOVE_BLUES[:len(bands) - below])


def band_label(low, high):
    if high is None:
        return '100%'
    return f'below {high:g}%' if low == 0 else f'{low:g}–{high:g}%'


def urban_layer(view, keys, threshold):
    """Urban share of each ward in bands: greys below `threshold` (served first by a bed-net plan),
    blues at or above it, so the map still shows where towns are at any threshold."""
    urban = {w.key: w.urban_percentage for w in view.wards}
    bands = urban_bands(threshold)
    colours = dict(zip(bands, urban_colours(bands, threshold)))

    def paint(key):
        share = urban.get(key)
        if share is None:
            return None, 'no urban percentage'
        return colours[next(b for b in reversed(bands) if share >= b[0])], f'{share:.1f}% urban'
    painted = _painted(view, keys, paint)
    counts = Counter(painted[0].values())
    above = sum(counts[colours[band]] for band in bands if band[0] >= threshold)
    return _layer(f'Urban extent: {above} of {len(keys)} wards at or above {threshold:g}% urban', keys, painted,
                  [(colours[band], f'{band_label(*band)} ({counts[colours[band]]})') for band in bands], 'No data',
                  f'Grey: below {threshold:g}% urban, served first by a bed-net plan; blue: at or above.')


def _classes(values, count=len(RISK_COLOURS)):
    """Class edges of the values: each distinct value when there are few, else quantiles."""
    distinct = sorted(set(values))
    if len(distinct) <= count:
        return [(v, v) for v in distinct]
    ordered = sorted(values)
    cuts = [ordered[min(len(ordered) - 1, round(i * len(ordered) / count))] for i in range(count)] + [ordered[-1]]
    edges = sorted(set(cuts))
    return list(zip(edges, edges[1:]))


def variable_entry(variable):
    """The dictionary entry of a scored variable, with the direction this analysis used."""
    return as_used(describe(variable.name, variable.raw.values()), variable.direction)


def variable_layer(view, keys, variable):
    """One variable's values in the data, in classes coloured by risk (darker = riskier, so an
    inverse variable's lowest values are darkest); wards where it was missing are grey."""
    entry = variable_entry(variable)
    present = {k: variable.raw.get(k) for k in keys if variable.raw.get(k) is not None}
    classes = _classes(list(present.values()))
    palette = RISK_COLOURS[-len(classes):] if classes else ()
    if entry.direction == 'inverse':
        palette = tuple(reversed(palette))
    unit = f' {entry.unit}' if entry.unit and entry.unit not in ('index', 'class', 'count') else ''

    def paint(key):
        value = present.get(key)
        if value is not None:
            return palette[next(i for i in reversed(range(len(classes))) if value >= classes[i][0])], (
                f'{formats.quantity(value)}{unit}')
        used = variable.value.get(key)
        return None, 'missing in the data' + (
            f'; {formats.quantity(used)} (filled from neighbours) used for scoring' if used is not None else '')
    legend = [(colour, formats.quantity(low) if low == high else
               f'{formats.quantity(low)}–{formats.quantity(high)}') for colour, (low, high) in zip(palette, classes)]
    return _layer(entry.heading, keys, _painted(view, keys, paint), legend, 'Missing',
                  f'Darker: {entry.risk_text}.')


def plan_rows_by_key(view, plan):
    """ward key -> the plan's row. Rows carry the rank of the plan's method, unique per ward,
    so the rank finds each row's map key even where codes or names repeat."""
    method = plan['method']
    key_of_rank = {getattr(w, f'{method}_rank'): w.key for w in view.wards}
    return {key_of_rank[row['rank']]: row for row in plan['rows'] if row['rank'] in key_of_rank}


def coverage_layer(view, keys, plan):
    """Who the plan's nets cover: all of a ward's people, part of them, or none."""
    rows = plan_rows_by_key(view, plan)

    def paint(key):
        row = rows.get(key)
        if row is None:
            return None, 'not in the plan'
        share = row['coverage_percent']
        kind = 'none' if not row['nets_allocated'] else 'full' if share is not None and share >= 100 else 'partial'
        return COVERAGE_COLOURS[kind], (f'{formats.people(row["nets_allocated"])} of '
                                        f'{formats.people(row["nets_needed"])} nets needed, '
                                        f'{formats.people(row["people_covered"])} people covered')
    painted = _painted(view, keys, paint)
    counts = Counter(painted[0].values())
    labels = {'full': 'Everyone covered', 'partial': 'Partly covered', 'none': 'No nets in this plan'}
    totals = plan['totals']
    return _layer(f'Bed-net plan: {formats.people(totals["nets_used"])} of {formats.people(totals["nets_total"])}'
                  f' nets, {formats.people(totals["people_covered"])} people covered', keys, painted,
                  [(colour, f'{labels[kind]} ({counts[colour]})') for kind, colour in COVERAGE_COLOURS.items()],
                  'Not in the plan')
