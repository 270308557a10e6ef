"""Plotly figures of one analysis: vulnerability, variables, urban extent, rank spread.

Choropleths leave out `geojson` (and usually `locations` and `customdata`): the page
carries the ward boundaries once and fills them in (see `page.py`), so a file with
fourteen variable maps holds the boundaries a single time.

Plotly renders hover text, titles and button labels as HTML, so every string that
came from a user's file goes through `html.escape` before it reaches a figure.
"""
from html import escape

import numpy as np
import plotly.graph_objects as go

# Rank 1 (most vulnerable) darkest red, the last rank pale yellow.
RANK_COLOURS = ((0.0, '#800026'), (0.25, '#e31a1c'), (0.5, '#fd8d3c'), (0.75, '#fed976'), (1.0, '#ffffcc'))
NO_DATA_GREY = '#d0d0d0'
MAP_HEIGHT = 640
METHOD_LABELS = {'composite': 'composite score', 'pca': 'PCA score', 'both': 'composite score and PCA score'}
URBAN_THRESHOLDS = (30, 50, 75, 100)  # analysis spec section 8
BELOW_THRESHOLD = -10  # the urban map's value for a greyed ward: a grey band below 0 on its scale
VARIABLE_KINDS = (('raw', 'raw value', 'Viridis', {}),
                  ('normalised', 'risk score 0–1', 'YlOrRd', {'zmin': 0, 'zmax': 1}))
FILLED_FROM = {'neighbours': 'mean of the neighbouring wards', 'column_mean': 'mean of all wards'}
EMPTY_ROW = {'nets_allocated': 0}  # a ward the plan does not list gets no nets


def _numbers(values):
    """A float array (None as NaN, written as null): plotly validates arrays without walking them."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _ranks(values):
    """Ranks as integers, which JSON writes without a decimal point."""
    return np.array(list(values), dtype=np.int64)


def _objects(values):
    """An object array of strings (or of equal-length rows of strings), for the same reason."""
    return np.array(values, dtype=object)


def _number(value, digits=3):
    return '–' if value is None else f'{value:.{digits}f}'


def _spread_text(spread):
    low, p10, p90, high = spread
    if low is None:
        return '–'
    return f'{low}–{high} (10th–90th percentile {_number(p10, 0)}–{_number(p90, 0)})'


def ward_labels(view, keys):
    """Escaped [ward name, LGA] per ward key: the hover label every ward map shares."""
    return [[escape(name), escape(lga)] for name, lga in view.labels(keys)]


def _map_layout(title, **extra):
    return go.Layout(
        title={'text': title, 'x': 0.01}, height=MAP_HEIGHT, margin={'l': 0, 'r': 0, 't': 50, 'b': 0},
        geo={'fitbounds': 'locations', 'visible': False, 'projection': {'type': 'mercator'},
             'scope': 'world', 'resolution': 110},  # the empty outline the page provides
        template='plotly_white', **extra)


def _grey_trace(keys, customdata, name):
    """Grey wards; `customdata` rows are [ward, LGA, why it is grey]."""
    return go.Choropleth(
        locations=_objects(keys), z=np.zeros(len(keys)), customdata=_objects(customdata),
        colorscale=[[0, NO_DATA_GREY], [1, NO_DATA_GREY]], showscale=False, name=name,
        marker={'line': {'width': 0.4, 'color': 'white'}},
        hovertemplate='<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>%{customdata[2]}<extra></extra>')


def vulnerability_figure(view, keys, method='composite'):
    """Wards coloured by rank (1 = most vulnerable) under `method` ('composite' or 'pca')."""
    ranked = {w.key: w for w in view.wards if getattr(w, f'{method}_rank') is not None}
    n = len(ranked)
    drawn = [k for k in keys if k in ranked]
    rows = [ranked[k] for k in drawn]
    traces = [go.Choropleth(
        locations=_objects(drawn), z=_ranks(getattr(w, f'{method}_rank') for w in rows), zmin=1, zmax=max(n, 1),
        colorscale=[list(stop) for stop in RANK_COLOURS], marker={'line': {'width': 0.4, 'color': 'white'}},
        colorbar={'title': {'text': 'Rank<br>(1 = most<br>vulnerable)'},
                  'tickvals': sorted({1, -(-n // 3), -(-2 * n // 3), n})},  # where the categories change
        customdata=_objects([[escape(w.name), escape(w.lga), _number(getattr(w, f'{method}_score')),
                              escape(str(getattr(w, f'{method}_category'))), _spread_text(w.spread)] for w in rows]),
        hovertemplate=('<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>Score: %{customdata[2]}'
                       f'<br>Rank: %{{z}} of {n}<br>Category: %{{customdata[3]}}'
                       '<br>Rank across models: %{customdata[4]}<extra></extra>'),
        name=METHOD_LABELS[method])]
    traces.extend(_unmatched_traces(view, [k for k in keys if k not in ranked]))
    return go.Figure(traces, _map_layout(f'Malaria vulnerability: {METHOD_LABELS[method]} rank'))


def _unmatched_traces(view, keys):
    """The grey trace of boundaries no data row matched (none when every boundary has data)."""
    reason = 'No ranking (no data matched)'
    return [_grey_trace(keys, [label + [reason] for label in ward_labels(view, keys)], reason)] if keys else []


def _missing_text(name, variable, key):
    """Why a ward is grey on a raw variable map: its value was missing, and what scoring used instead."""
    source = FILLED_FROM.get(variable.filled_from.get(key), 'filled in')
    return f'{name}: missing in the data; {_number(variable.value.get(key), 4)} ({source}) used for scoring'


def variable_figure(view, keys):
    """Two maps per selected variable, chosen from a drop-down: the raw value as it was in the data
    (wards where it was missing greyed, their hover saying what scoring used) and the 0–1 risk score."""
    with_data = {w.key for w in view.wards}
    traces = _unmatched_traces(view, [k for k in keys if k not in with_data])
    unmatched = list(range(len(traces)))   # shown under every variable
    views = []  # (button label, title, indices of the traces it shows)
    for variable in view.variables:
        name = escape(variable.name)
        for attr, label, scale, bounds in VARIABLE_KINDS:
            values = getattr(variable, attr)
            shown = [len(traces), *unmatched]
            traces.append(go.Choropleth(
                z=_numbers(values.get(k) for k in keys), colorscale=scale, **bounds,
                marker={'line': {'width': 0.3, 'color': 'white'}}, colorbar={'title': {'text': label}},
                hovertemplate=('<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}'
                               f'<br>{name} ({label}): %{{z:.4g}}<extra></extra>'),
                name=f'{name} ({label})'))
            missing = [k for k in keys if k in with_data and values.get(k) is None]
            if missing:
                shown.append(len(traces))
                traces.append(_grey_trace(missing, [label_ + [_missing_text(name, variable, k)] for k, label_
                                                    in zip(missing, ward_labels(view, missing))], 'missing'))
            views.append((f'{name} ({escape(variable.direction)}): {label}', f'{name}: {label}', shown))
    for i, trace in enumerate(traces):
        trace.visible = bool(views) and i in views[0][2]
    buttons = [{'label': button, 'method': 'update',
                'args': [{'visible': [i in shown for i in range(len(traces))]}, {'title.text': title}]}
               for button, title, shown in views]
    title = views[0][1] if views else 'No variables'
    menu = {'buttons': buttons, 'direction': 'down', 'x': 0.01, 'xanchor': 'left', 'y': 1.0, 'yanchor': 'top'}
    return go.Figure(traces, _map_layout(title, updatemenus=[menu]))


def _urban_z(urban, keys, threshold):
    """Urban percentage where at or above `threshold`, else the grey value below the scale."""
    return [round(urban[k], 1) if urban.get(k) is not None and urban[k] >= threshold else BELOW_THRESHOLD
            for k in keys]


def _urban_title(z, threshold):
    above = sum(1 for v in z if v != BELOW_THRESHOLD)
    return f'Urban extent: {above} of {len(z)} wards at or above {threshold:g}% urban'


def urban_figure(view, keys, threshold):
    """Urban percentage per ward; wards below the threshold (or without a value) greyed.

    Buttons switch between the spec's thresholds (30, 50, 75, 100) and the chosen one.
    """
    urban = {w.key: w.urban_percentage for w in view.wards}
    thresholds = sorted(set(URBAN_THRESHOLDS) | {threshold})
    z = {t: _urban_z(urban, keys, t) for t in thresholds}
    grey_top = -BELOW_THRESHOLD / (100 - BELOW_THRESHOLD)  # where the grey band ends on the 0..1 scale
    trace = go.Choropleth(
        z=_numbers(z[threshold]), zmin=BELOW_THRESHOLD, zmax=100,
        colorscale=[[0, NO_DATA_GREY], [grey_top, NO_DATA_GREY], [grey_top, '#deebf7'], [1, '#08306b']],
        text=_objects([f'Urban {urban[k]:.1f}%' if urban.get(k) is not None else 'No urban data' for k in keys]),
        marker={'line': {'width': 0.4, 'color': 'white'}}, name='Urban %',
        colorbar={'title': {'text': 'Urban %'}, 'tickvals': [BELOW_THRESHOLD / 2, 0, 25, 50, 75, 100],
                  'ticktext': ['below', '0', '25', '50', '75', '100']},
        hovertemplate='<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>%{text}<extra></extra>')
    buttons = [{'label': f'≥ {t:g}%', 'method': 'update',
                'args': [{'z': [z[t]]}, {'title.text': _urban_title(z[t], t)}]} for t in thresholds]
    menu = {'type': 'buttons', 'direction': 'right', 'active': thresholds.index(threshold), 'buttons': buttons,
            'x': 0.01, 'xanchor': 'left', 'y': 1.0, 'yanchor': 'top'}
    return go.Figure([trace], _map_layout(_urban_title(z[threshold], threshold), updatemenus=[menu]))


def coverage_figure(view, keys, plan):
    """Bed-net coverage per ward under an ITN plan; wards that get no nets greyed.

    Plan rows carry the rank of the plan's method, which is unique per ward, so
    the rank finds each row's map key even where codes or names repeat.
    """
    method = plan['method']
    key_of_rank = {getattr(w, f'{method}_rank'): w.key for w in view.wards}
    rows = {key_of_rank[r['rank']]: r for r in plan['rows'] if r['rank'] in key_of_rank}
    covered = [k for k in keys if (rows.get(k) or EMPTY_ROW)['nets_allocated']]
    labels = dict(zip(keys, ward_labels(view, keys)))
    traces = [go.Choropleth(
        locations=_objects(covered), z=_numbers(rows[k]['coverage_percent'] for k in covered), zmin=0, zmax=100,
        colorscale='Greens', marker={'line': {'width': 0.4, 'color': 'white'}},
        colorbar={'title': {'text': 'People<br>covered %'}}, name='coverage',
        customdata=_objects([labels[k] + [str(rows[k]['nets_allocated']), str(rows[k]['nets_needed']),
                                          f"{rows[k]['people_covered']:,.0f}", escape(rows[k]['phase'])]
                             for k in covered]),
        hovertemplate=('<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>Nets: %{customdata[2]} of '
                       '%{customdata[3]} needed<br>People covered: %{customdata[4]} (%{z:.0f}%)'
                       '<br>Phase: %{customdata[5]}<extra></extra>'))]
    uncovered = [k for k in keys if k not in covered]
    if uncovered:
        reason = 'No nets in this plan'
        traces.append(_grey_trace(uncovered, [labels[k] + [reason] for k in uncovered], reason))
    totals = plan['totals']
    title = (f'ITN plan: {totals["nets_used"]:,} of {totals["nets_total"]:,} nets, '
             f'{totals["people_covered"]:,.0f} people covered')
    return go.Figure(traces, _map_layout(title))


def rank_spread_figure(view):
    """Each ward's rank range across the composite models, wards in rank order.

    The old tool's box plot: a long bar means the ward's rank depends strongly on
    which variables a model uses.
    """
    wards = [w for w in view.wards if w.composite_rank is not None and None not in w.spread]
    x = _ranks(w.composite_rank for w in wards)
    low, p10, p90, high = _numbers(v for w in wards for v in w.spread).reshape(-1, 4).T
    traces = [
        go.Bar(x=x, base=low, y=high - low, name='lowest–highest rank',
               marker={'color': '#fcbba1', 'line': {'width': 0}}, hoverinfo='skip'),
        go.Bar(x=x, base=p10, y=p90 - p10, name='10th–90th percentile',
               marker={'color': '#ef3b2c', 'line': {'width': 0}}, hoverinfo='skip'),
        go.Scatter(x=x, y=x, mode='markers', name='rank (median score)', marker={'color': '#67000d', 'size': 3},
                   customdata=_objects([[escape(w.name), escape(w.lga), _spread_text(w.spread)] for w in wards]),
                   hovertemplate=('<b>%{customdata[0]}</b><br>LGA: %{customdata[1]}<br>Rank: %{y}'
                                  '<br>Across models: %{customdata[2]}<extra></extra>')),
    ]
    layout = go.Layout(
        title={'text': 'Rank spread across models (1 = most vulnerable)', 'x': 0.01}, height=480,
        barmode='overlay', bargap=0, template='plotly_white', margin={'l': 60, 'r': 10, 't': 50, 'b': 50},
        xaxis={'title': {'text': 'Wards in rank order'}},
        yaxis={'title': {'text': 'Rank in each model'}, 'autorange': 'reversed'},
        legend={'orientation': 'h', 'y': -0.15})
    return go.Figure(traces, layout)
