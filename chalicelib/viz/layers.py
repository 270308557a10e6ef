"""What each static map shows (`static.Layer`): categories, urban bands, variables, bed-net coverage.

Pure: the named fields of a result (`view.ResultView`) in, fills, hover texts and
legends out. Colours follow one rule: darker means more malaria risk (or, on the
coverage map, more people covered); grey means no data.
"""
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


def _place(view, keys):
    """ward key -> 'Ward (LGA)' for every key drawn."""
    return {key: f'{name} ({lga})' if lga else name for key, (name, lga) in zip(keys, view.labels(keys))}


def category_layer(view, keys, method):
    """High, Medium and Low by `method`'s ranking; the legend gives each category's ranks."""
    ranked = {w.key: w for w in view.wards if getattr(w, f'{method}_rank') is not None}
    place = _place(view, keys)
    fills, tips = {}, {}
    for key in keys:
        ward = ranked.get(key)
        if ward is None:
            tips[key] = f'{place[key]}: {NO_DATA_TEXT}'
            continue
        category = getattr(ward, f'{method}_category')
        fills[key] = CATEGORY_COLOURS.get(category, NO_DATA)
        tips[key] = (f'{place[key]}: {category}, rank {getattr(ward, f"{method}_rank")} of {len(ranked)}, '
                     f'{METHOD_NAMES[method]} {formats.score(getattr(ward, f"{method}_score"))}')
    legend = []
    for category in CATEGORIES:
        ranks = [getattr(w, f'{method}_rank') for w in ranked.values() if getattr(w, f'{method}_category') == category]
        if ranks:
            legend.append((CATEGORY_COLOURS[category], f'{category}: ranks {min(ranks)}–{max(ranks)} '
                                                       f'({len(ranks)} wards)'))
    if any(key not in ranked for key in keys):
        legend.append((NO_DATA, 'No data'))
    return Layer(title=f'Malaria vulnerability by {METHOD_NAMES[method]}', fills=fills, tips=tips,
                 legend=tuple(legend), note='Rank 1 is the most vulnerable ward; each category is a third '
                                            'of the ranked wards.')


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
    place = _place(view, keys)
    bands = urban_bands(threshold)
    colours = dict(zip(bands, urban_colours(bands, threshold)))
    counts = dict.fromkeys(bands, 0)
    fills, tips = {}, {}
    for key in keys:
        share = urban.get(key)
        if share is None:
            tips[key] = f'{place[key]}: no urban percentage'
            continue
        band = next(b for b in reversed(bands) if share >= b[0])
        counts[band] += 1
        fills[key] = colours[band]
        tips[key] = f'{place[key]}: {share:.1f}% urban'
    legend = [(colours[band], f'{band_label(*band)} ({counts[band]})') for band in bands]
    if len(fills) < len(keys):
        legend.append((NO_DATA, 'No data'))
    above = sum(counts[band] for band in bands if band[0] >= threshold)
    return Layer(title=f'Urban extent: {above} of {len(keys)} wards at or above {threshold:g}% urban',
                 fills=fills, tips=tips, legend=tuple(legend),
                 note=f'Grey: below {threshold:g}% urban, served first by a bed-net plan; blue: at or above.')


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
    place = _place(view, keys)
    present = {k: variable.raw.get(k) for k in keys if variable.raw.get(k) is not None}
    classes = _classes(list(present.values()))
    palette = RISK_COLOURS[-len(classes):] if classes else ()
    if entry.direction == 'inverse':
        palette = tuple(reversed(palette))
    unit = f' {entry.unit}' if entry.unit and entry.unit not in ('index', 'class', 'count') else ''

    def class_of(value):
        return next(i for i in reversed(range(len(classes))) if value >= classes[i][0])
    fills, tips = {}, {}
    for key in keys:
        value = present.get(key)
        if value is None:
            used = variable.value.get(key)
            tips[key] = (f'{place[key]}: missing in the data' +
                         (f'; {formats.quantity(used)} (filled from neighbours) used for scoring'
                          if used is not None else ''))
            continue
        fills[key] = palette[class_of(value)]
        tips[key] = f'{place[key]}: {formats.quantity(value)}{unit}'
    legend = [(colour, formats.quantity(low) if low == high else
               f'{formats.quantity(low)}–{formats.quantity(high)}') for colour, (low, high) in zip(palette, classes)]
    if len(fills) < len(keys):
        legend.append((NO_DATA, 'Missing'))
    return Layer(title=entry.heading, fills=fills, tips=tips, legend=tuple(legend),
                 note=f'Darker: {entry.risk_text}.')


def plan_rows_by_key(view, plan):
    """ward key -> the plan's row. Rows carry the rank of the plan's method, unique per ward,
    so the rank finds each row's map key even where codes or names repeat."""
    method = plan['method']
    key_of_rank = {getattr(w, f'{method}_rank'): w.key for w in view.wards}
    return {key_of_rank[row['rank']]: row for row in plan['rows'] if row['rank'] in key_of_rank}


def coverage_layer(view, keys, plan):
    """Who the plan's nets cover: all of a ward's people, part of them, or none."""
    rows = plan_rows_by_key(view, plan)
    place = _place(view, keys)
    fills, tips, counts = {}, {}, dict.fromkeys(COVERAGE_COLOURS, 0)
    for key in keys:
        row = rows.get(key)
        if row is None:
            tips[key] = f'{place[key]}: not in the plan'
            continue
        share = row['coverage_percent']
        kind = 'none' if not row['nets_allocated'] else 'full' if share is not None and share >= 100 else 'partial'
        counts[kind] += 1
        fills[key] = COVERAGE_COLOURS[kind]
        tips[key] = (f'{place[key]}: {formats.people(row["nets_allocated"])} of '
                     f'{formats.people(row["nets_needed"])} nets needed, '
                     f'{formats.people(row["people_covered"])} people covered')
    labels = {'full': 'Everyone covered', 'partial': 'Partly covered', 'none': 'No nets in this plan'}
    legend = [(COVERAGE_COLOURS[kind], f'{labels[kind]} ({counts[kind]})') for kind in COVERAGE_COLOURS]
    if len(fills) < len(keys):
        legend.append((NO_DATA, 'Not in the plan'))
    totals = plan['totals']
    return Layer(title=(f'Bed-net plan: {formats.people(totals["nets_used"])} of {formats.people(totals["nets_total"])}'
                        f' nets, {formats.people(totals["people_covered"])} people covered'),
                 fills=fills, tips=tips, legend=tuple(legend))
