"""Self-contained HTML for figures: plotly.js from one pinned URL or embedded, and a
static SVG map or chart in place of each figure until plotly.js draws it (offline, it stays).

The ward boundaries, ward keys and escaped ward labels go into the page once
(`wards` block); a small static script fills them into every choropleth before
plotting. All JSON sits in `<script type="application/json">` blocks with `<`, `>`
and `&` written as `\\u003c`-style escapes, so no value from a user's file can
close the script or become markup.
"""
import functools
import pathlib

import jinja2
from markupsafe import Markup

from chalicelib.viz import plotlyjs

PLOTLYJS_VERSION = '3.1.1'  # the plotly.js of requirements.txt's plotly; tests/viz/test_maps.py keeps them equal
PLOTLYJS_URL = f'https://cdn.plot.ly/plotly-{PLOTLYJS_VERSION}.min.js'
TEMPLATES = pathlib.Path(__file__).resolve().parent / 'templates'
JSON_SCRIPT_ESCAPES = (('&', '\\u0026'), ('<', '\\u003c'), ('>', '\\u003e'),
                       ('\u2028', '\\u2028'), ('\u2029', '\\u2029'))


def make_environment(folder, **filters):
    """A jinja2 environment that autoescapes every template in `folder`."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(filters)
    return env


@functools.lru_cache(maxsize=None)
def environment():
    """The environment of the figure templates (compiled once per container)."""
    return make_environment(TEMPLATES)


def script_json(text):
    """JSON text made safe to sit inside a `<script>` element."""
    for raw, escaped in JSON_SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    return Markup(text)


def plotly_script(embed=False):
    """The `<script>` loading plotly.js: the pinned CDN URL, or the library inline (offline)."""
    if embed:
        return Markup('<script>') + Markup(plotlyjs.library()) + Markup('</script>')
    return Markup(f'<script src="{PLOTLYJS_URL}" charset="utf-8"></script>')


def ward_data(wards):
    """The data block of `wards` ({'geojson', 'locations', 'labels'}, shared by every choropleth of
    a page): encoded once for all the pages that show the same wards."""
    return script_json(plotlyjs.to_json(wards))


def figures_markup(figures, wards, fallbacks=None):
    """Divs, data blocks and the plotting script for `figures` ({div id: figure dict}).

    `wards` is the page's `ward_data`. `fallbacks` ({div id: static SVG markup}) show where
    plotly.js cannot load; the script replaces each one with its interactive figure when it can.
    """
    fallbacks = fallbacks or {}
    return Markup(environment().get_template('figures.html').render(
        wards=wards,
        figures=[(div_id, script_json(plotlyjs.to_json(fig)), fallbacks.get(div_id, ''))
                 for div_id, fig in figures.items()]))


def render_page(title, subtitle, figures, wards, embed_plotlyjs=False, defs='', fallbacks=None):
    """A standalone HTML page with the figures (and their static fallbacks on `defs`); bytes in UTF-8."""
    html = environment().get_template('page.html').render(
        title=title, subtitle=subtitle, plotly=plotly_script(embed_plotlyjs), defs=defs,
        figures=figures_markup(figures, wards, fallbacks))
    return html.encode('utf-8')
