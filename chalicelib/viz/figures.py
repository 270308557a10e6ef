"""Plotly figures of one analysis: vulnerability, variables, urban extent, rank spread.

Each figure is the plain dict plotly.js takes ({'data': [traces], 'layout': {...}}), written
by `plotlyjs.to_json` without plotly's Python package (see there why).

Maps show what the static maps show (`layers`: the same categories, bands and
colours) and add hover and zoom; LGA outlines and names come from the same `Sheet`.

Choropleths leave out `geojson` (and usually `locations` and `customdata`): the page
carries the ward boundaries once and fills them in (see `page.py`), so a file with
fourteen variable maps holds the boundaries a single time.

Plotly renders hover text, titles and button labels as HTML, so every string that
came from a user's file goes through `html.escape` before it reaches a figure.
"""
from html import escape

import numpy as np
import shapely

from chalicelib.viz import formats, layers, plotlyjs, spread
from chalicelib.viz.static import LGA_EDGE, NO_DATA

MAP_WIDTH = 1000   # the width a map is laid out for; its height follows the wards' shape
METHOD_LABELS = {'composite': 'composite score', 'pca': 'PCA score', 'both': 'composite score and PCA score'}
FILLED_FROM = {'neighbours': 'mean of the neighbouring wards', 'column_mean': 'mean of all wards'}
# The colours plotly's Python package gives the names 'YlOrRd' and 'Greens' (colorbrewer's, light to dark),
# spelled out: plotly.js's own scales of those names run differently.
YL_OR_RD = ('rgb(255,255,204)', 'rgb(255,237,160)', 'rgb(254,217,118)', 'rgb(254,178,76)', 'rgb(253,141,60)',
            'rgb(252,78,42)', 'rgb(227,26,28)', 'rgb(189,0,38)', 'rgb(128,0,38)')
GREENS = ('rgb(247,252,245)', 'rgb(229,245,224)', 'rgb(199,233,192)', 'rgb(161,217,155)', 'rgb(116,196,118)',
          'rgb(65,171,93)', 'rgb(35,139,69)', 'rgb(0,109,44)', 'rgb(0,68,27)')


def _numbers(values):
    """A float32 array (None as NaN), written as a typed array: 7 digits are more than any colour
    or hover needs (a national page of 14 maps stays in budget)."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float32)


def _ranks(values):
    """Ranks as integers, written as the narrowest typed array that holds them."""
    return np.array(list(values), dtype=np.int64)


def _even(colours):
    """A continuous colour scale through `colours` at even steps."""
    return [[i / (len(colours) - 1), colour] for i, colour in enumerate(colours)]


def _spread_text(ranks):
    low, p10, p90, high = ranks
    if low is None:
        return formats.DASH
    return f'{low}–{high} (middle 80% of models {p10:.0f}–{p90:.0f})'


def ward_labels(view, keys):
    """Escaped [ward name, LGA] per ward key: the hover label every ward map shares."""
    return [[escape(name), escape(lga)] for name, lga in view.labels(keys)]


def _discrete(colours):
    """A colour scale giving integer z = 0, 1, ... one flat colour each (z range -0.5 .. k-0.5)."""
    k = len(colours)
    return [[edge / k, colour] for i, colour in enumerate(colours) for edge in (i, i + 1)]


def _bar(labels, title):
    """A colour bar that reads as a legend: one labelled step per class."""
    return {'title': {'text': title}, 'tickvals': list(range(len(labels))), 'ticktext': labels, 'len': 0.6,
            'thickness': 18}


def _map_layout(title, sheet, **extra):
    """A map laid out to the wards' shape (no blank third of the page), no world around them."""
    aspect = sheet.canvas.height / sheet.canvas.width if sheet else 0.8
    return dict(
        title={'text': title, 'x': 0.01}, height=int(min(1000, max(420, 60 + MAP_WIDTH * aspect))),
        margin={'l': 0, 'r': 0, 't': 50, 'b': 0}, showlegend=False,
        geo={'fitbounds': 'locations', 'visible': False, 'projection': {'type': 'mercator'},
             'scope': 'world', 'resolution': 110},  # the empty outline the page provides
        template=plotlyjs.template(), **extra)


def lga_traces(sheet):
    """LGA outlines and names over the wards, from the same outlines as the static maps."""
    if not sheet or not sheet.outlines:
        return []
    lon, lat = [], []
    for _, geometry in sheet.outlines:
        for ring in shapely.get_rings(shapely.get_parts(geometry)):
            coords = shapely.get_coordinates(ring)
            lon.extend(coords[:, 0].tolist() + [np.nan])
            lat.extend(coords[:, 1].tolist() + [np.nan])
    names = sheet.lga_names()
    return [dict(type='scattergeo', lon=np.array(lon, dtype=np.float32), lat=np.array(lat, dtype=np.float32),
                 mode='lines', line={'width': 1.3, 'color': LGA_EDGE}, hoverinfo='skip', name='LGA boundaries'),
            dict(type='scattergeo', lon=np.array([x for _, x, _ in names], dtype=np.float32),
                 lat=np.array([y for _, _, y in names], dtype=np.float32), mode='text',
                 text=[escape(name) for name, _, _ in names],
                 textfont={'size': 12, 'color': '#222'}, hoverinfo='skip', name='LGA names')]


def _grey_trace(keys, customdata, name):
    """Grey wards; `customdata` rows are [ward, LGA, why it is grey]."""
    return dict(
        type='choropleth', locations=keys, z=np.zeros(len(keys)), customdata=customdata,
        colorscale=[[0, NO_DATA], [1, NO_DATA]], showscale=False, name=name,
        marker={'line': {'width': 0.4, 'color': 'white'}},
        hovertemplate='<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>%{customdata[2]}<extra></extra>')


def vulnerability_figure(view, keys, method='composite', sheet=None):
    """Wards coloured High, Medium or Low under `method` ('composite' or 'pca'), as in the tables."""
    ranked = {w.key: w for w in view.wards if getattr(w, f'{method}_rank') is not None}
    n = len(ranked)
    drawn = [k for k in keys if k in ranked]
    rows = [ranked[k] for k in drawn]
    categories = layers.CATEGORIES[::-1]  # z 0 = Low, so the colour bar reads High at the top
    traces = [dict(
        type='choropleth', locations=drawn, zmin=-0.5, zmax=len(categories) - 0.5,
        z=_ranks(categories.index(getattr(w, f'{method}_category')) for w in rows),
        colorscale=_discrete([layers.CATEGORY_COLOURS[c] for c in categories]),
        colorbar=_bar(list(categories), 'Category'), marker={'line': {'width': 0.4, 'color': 'white'}},
        customdata=[[escape(w.name), escape(w.lga), formats.score(getattr(w, f'{method}_score')),
                     escape(str(getattr(w, f'{method}_category'))), _spread_text(w.spread),
                     str(getattr(w, f'{method}_rank'))] for w in rows],
        hovertemplate=('<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>Category: %{customdata[3]}'
                       f'<br>Rank: %{{customdata[5]}} of {n} (1 = most vulnerable)<br>Score: %{{customdata[2]}}'
                       + ('<br>Rank across models: %{customdata[4]}' if method == 'composite' else '')
                       + '<extra></extra>'),
        name=METHOD_LABELS[method])]
    traces.extend(_unmatched_traces(view, [k for k in keys if k not in ranked]))
    traces.extend(lga_traces(sheet))
    return {'data': traces, 'layout': _map_layout(
        f'Malaria vulnerability by {METHOD_LABELS[method]}: High, Medium, Low', sheet)}


def _unmatched_traces(view, keys):
    """The grey trace of boundaries no data row matched (none when every boundary has data)."""
    reason = 'No ranking (no data matched)'
    return [_grey_trace(keys, [label + [reason] for label in ward_labels(view, keys)], reason)] if keys else []


def _missing_text(label, variable, key):
    """Why a ward is grey on a raw variable map: its value was missing, and what scoring used instead."""
    source = FILLED_FROM.get(variable.filled_from.get(key), 'filled in')
    return f'{label}: missing in the data; {formats.quantity(variable.value.get(key))} ({source}) used for scoring'


def variable_figure(view, keys, sheet=None):
    """Two maps per selected variable, chosen from a drop-down: the value as it was in the data
    (wards where it was missing greyed, their hover saying what scoring used) and the 0–1 risk score.
    Both colour darker where risk is higher; variables are named by their dictionary label."""
    with_data = {w.key for w in view.wards}
    traces = _unmatched_traces(view, [k for k in keys if k not in with_data])
    unmatched = list(range(len(traces)))   # shown under every variable
    views = []  # (button label, title, indices of the traces it shows)
    for variable in view.variables:
        entry = layers.variable_entry(variable)
        label = escape(entry.label)
        kinds = (('raw', escape(entry.unit or 'value in the data'), {'reversescale': entry.direction == 'inverse'}),
                 ('normalised', 'risk score 0–1', {'zmin': 0, 'zmax': 1}))
        for attr, unit, extra in kinds:
            values = getattr(variable, attr)
            shown = [len(traces), *unmatched]
            traces.append(dict(
                type='choropleth', z=_numbers(values.get(k) for k in keys), colorscale=_even(YL_OR_RD), **extra,
                marker={'line': {'width': 0.3, 'color': 'white'}}, colorbar={'title': {'text': unit}},
                hovertemplate=('<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}'
                               f'<br>{label} ({unit}): %{{z:.4g}}<extra></extra>'),
                name=f'{label} ({unit})'))
            missing = [k for k in keys if k in with_data and values.get(k) is None]
            if missing:
                shown.append(len(traces))
                traces.append(_grey_trace(missing, [label_ + [_missing_text(label, variable, k)] for k, label_
                                                    in zip(missing, ward_labels(view, missing))], 'missing'))
            views.append((f'{label}: {unit}', f'{label} ({unit}): darker, {entry.risk_text}', shown))
    for i, trace in enumerate(traces):
        trace['visible'] = bool(views) and i in views[0][2]
    buttons = [{'label': button, 'method': 'update',
                'args': [{'visible': [i in shown for i in range(len(traces))]}, {'title.text': title}]}
               for button, title, shown in views]
    title = views[0][1] if views else 'No variables'
    menu = {'buttons': buttons, 'direction': 'down', 'x': 0.01, 'xanchor': 'left', 'y': 1.0, 'yanchor': 'top'}
    return {'data': traces, 'layout': _map_layout(title, sheet, updatemenus=[menu])}  # no LGA lines: 14 maps


def urban_figure(view, keys, threshold, sheet=None):
    """Urban percentage per ward in bands, as on the static map: grey below the threshold,
    blue at or above it. Buttons move the threshold over the spec's (30, 50, 75, 100)."""
    thresholds = sorted(set(layers.URBAN_BANDS[1:]) | {threshold})
    shown = {t: layers.urban_layer(view, keys, t) for t in thresholds}
    bands = layers.urban_bands(threshold)
    urban = {w.key: w.urban_percentage for w in view.wards}
    with_value = [k for k in keys if urban.get(k) is not None]
    z = [next(i for i in reversed(range(len(bands))) if urban[k] >= bands[i][0]) for k in with_value]

    def scale(t):
        return _discrete(layers.urban_colours(bands, t))
    trace = dict(
        type='choropleth', locations=with_value, z=_ranks(z), zmin=-0.5, zmax=len(bands) - 0.5,
        colorscale=scale(threshold), colorbar=_bar([layers.band_label(*b) for b in bands], 'Urban share'),
        text=[f'Urban {urban[k]:.1f}%' for k in with_value],
        marker={'line': {'width': 0.4, 'color': 'white'}}, name='Urban %',
        customdata=ward_labels(view, with_value),
        hovertemplate='<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>%{text}<extra></extra>')
    no_value = [k for k in keys if urban.get(k) is None]
    traces = [trace]
    if no_value:
        reason = 'No urban percentage'
        traces.append(_grey_trace(no_value, [label + [reason] for label in ward_labels(view, no_value)], reason))
    traces.extend(lga_traces(sheet))
    buttons = [{'label': f'≥ {t:g}%', 'method': 'update',
                'args': [{'colorscale': [scale(t)]}, {'title.text': escape(shown[t].title)}, [0]]}
               for t in thresholds]
    menu = {'type': 'buttons', 'direction': 'right', 'active': thresholds.index(threshold), 'buttons': buttons,
            'x': 0.01, 'xanchor': 'left', 'y': 1.0, 'yanchor': 'top'}
    return {'data': traces, 'layout': _map_layout(escape(shown[threshold].title), sheet, updatemenus=[menu])}


def coverage_figure(view, keys, plan, sheet=None):
    """Bed-net coverage per ward under an ITN plan; wards that get no nets greyed."""
    rows = layers.plan_rows_by_key(view, plan)
    covered = [k for k in keys if (rows.get(k) or {}).get('nets_allocated')]
    labels = dict(zip(keys, ward_labels(view, keys)))
    traces = [dict(
        type='choropleth', locations=covered, z=_numbers(rows[k]['coverage_percent'] for k in covered), zmin=0,
        zmax=100, colorscale=_even(GREENS), marker={'line': {'width': 0.4, 'color': 'white'}},
        colorbar={'title': {'text': 'People<br>covered %'}}, name='coverage',
        customdata=[labels[k] + [formats.people(rows[k]['nets_allocated']), formats.people(rows[k]['nets_needed']),
                                 formats.people(rows[k]['people_covered']), escape(rows[k]['phase'])]
                    for k in covered],
        hovertemplate=('<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>Nets: %{customdata[2]} of '
                       '%{customdata[3]} needed<br>People covered: %{customdata[4]} (%{z:.0f}%)'
                       '<br>Phase: %{customdata[5]}<extra></extra>'))]
    uncovered = [k for k in keys if k not in covered]
    if uncovered:
        reason = 'No nets in this plan'
        traces.append(_grey_trace(uncovered, [labels[k] + [reason] for k in uncovered], reason))
    traces.extend(lga_traces(sheet))
    return {'data': traces, 'layout': _map_layout(escape(layers.coverage_layer(view, keys, plan).title), sheet)}


def rank_spread_figure(rows):
    """The wards of `spread.spread_rows` (top wards, then the ones that move most between
    the composite and PCA scores): each one's rank range across models, its composite rank
    and its PCA rank, one row per ward."""
    wards = rows.wards
    y = [f'{w.composite_rank}. {escape(w.name)}' + (f' ({escape(w.lga)})' if w.lga else '') for w in wards]
    low, p10, p90, high = _numbers(v for w in wards for v in w.spread).reshape(-1, 4).T
    customdata = [[escape(w.name), escape(w.lga), _spread_text(w.spread),
                   str(w.pca_rank) if w.pca_rank is not None else formats.DASH] for w in wards]
    hover = ('<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>Composite rank: %{x}'
             '<br>Across models: %{customdata[2]}<br>PCA rank: %{customdata[3]}<extra></extra>')
    traces = [  # a bar's `base` as a list, as plotly writes it
        dict(type='bar', y=y, base=low.tolist(), x=high - low, orientation='h', name='all models',
             marker={'color': spread.COLOURS['range']}, hoverinfo='skip'),
        dict(type='bar', y=y, base=p10.tolist(), x=np.maximum(p90 - p10, 0.5), orientation='h',
             name='middle 80% of models', marker={'color': spread.COLOURS['middle']}, hoverinfo='skip', width=0.5),
        dict(type='scatter', y=y, x=_ranks(w.composite_rank for w in wards), mode='markers', name='composite rank',
             marker={'color': spread.COLOURS['composite'], 'size': 8}, customdata=customdata, hovertemplate=hover)]
    if any(w.pca_rank is not None for w in wards):
        traces.append(dict(type='scatter', y=y, x=_numbers(w.pca_rank for w in wards), mode='markers',
                           name='PCA rank', marker={'color': spread.COLOURS['pca'], 'size': 9,
                                                    'symbol': 'diamond-open', 'line': {'width': 2}},
                           hoverinfo='skip'))
    title = (f'Rank spread: the top {len(rows.top)} wards'
             + (f' and {len(rows.movers)} whose rank moves more than {rows.limit} places between the composite '
                'and PCA scores' if rows.movers else ''))
    layout = dict(
        title={'text': title, 'x': 0.01}, height=int(140 + 24 * len(wards)), barmode='overlay',
        template=plotlyjs.template(), margin={'l': 260, 'r': 20, 't': 60, 'b': 40},
        xaxis={'title': {'text': 'Rank (1 = most vulnerable)'}, 'range': [0, rows.ranked + 1], 'side': 'top'},
        yaxis={'autorange': 'reversed', 'type': 'category'},
        legend={'orientation': 'h', 'y': -0.02, 'yanchor': 'top'})
    return {'data': traces, 'layout': layout}
