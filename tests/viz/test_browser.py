"""A real browser draws the interactive maps: headless Chromium, plotly.js served on loopback.

Screenshots are saved under test-artifacts/ (the printed reports: test_offline_report.py).
"""
import pytest

from chalicelib.viz import draw
from tests.conftest import ROOT
from tests.viz.browser import Browser, chromium, script_errors

ARTIFACTS = ROOT / 'test-artifacts'
WARD_SHAPE = 'class="choroplethlocation"'


@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    if chromium() is None:
        pytest.fail("Chromium is missing: install Debian's package (apt-get install -y chromium); .ci/run does.")
    ARTIFACTS.mkdir(exist_ok=True)
    opened = Browser(tmp_path_factory.mktemp('browser'))
    yield opened
    opened.close()


def test_niger_map_draws_all_275_wards(browser, niger_result):
    url = browser.publish('niger_map.html', draw(niger_result)['vulnerability_map.html'][0])
    dom = browser.dom(url)
    assert script_errors(dom) == ''
    assert dom.count(WARD_SHAPE) == 275
    shot = browser.screenshot(url, ARTIFACTS / 'niger_vulnerability_map.png')
    assert shot.stat().st_size > 10_000


def test_offline_map_draws_with_its_own_plotlyjs(browser, niger_result):
    body = draw(niger_result, {'embed_plotlyjs': True})['vulnerability_map.html'][0]
    dom = browser.dom(browser.publish('offline_map.html', body, offline=True))
    assert script_errors(dom) == ''
    assert dom.count(WARD_SHAPE) == 275
    assert 'id="figure-static"' not in dom  # plotly drew: the static fallback made way


def test_without_plotlyjs_the_map_shows_its_static_version(browser, niger_result):
    """Off the network the pinned plotly.js URL cannot load: the page keeps the static map."""
    html = draw(niger_result)['vulnerability_map.html'][0]
    (browser.folder / 'no_plotly.html').write_bytes(html)
    dom = browser.dom(f'{browser.base}/no_plotly.html')
    static = dom.split('id="figure-static"', 1)[1]
    assert static.count('<use href=') >= 275 and 'High: ranks 1–91' in static
    assert WARD_SHAPE not in dom


def test_markup_in_ward_names_never_becomes_an_element(browser, hostile_artifacts):
    for name in ('vulnerability_map.html', 'pca_map.html', 'variable_maps.html', 'urban_map.html',
                 'rank_spread.html', 'report.html'):
        dom = browser.dom(browser.publish(f'hostile_{name}', hostile_artifacts[name][0],
                                          offline=name == 'report.html'))  # the report loads nothing
        assert script_errors(dom) == '', name
        assert '<img' not in dom.lower() and '<svg onload' not in dom.lower(), name
        assert 'alert(2)</script>' not in dom, name
        if name.endswith('map.html'):
            assert dom.count(WARD_SHAPE) == 60, name  # every ward drawn, the hostile ones too


# Hovers the rank-spread point of the first ward whose label mentions `img` and copies the
# hover label's text into <pre id="hover">, as a person pointing at that ward would read it.
HOVER_PROBE = '''<script>setTimeout(function () {
  var chart = document.getElementById("figure"), labels = chart.data[2].customdata;
  for (var i = 0; i < labels.length; i++) {
    if (labels[i][0].indexOf("img") >= 0) { Plotly.Fx.hover(chart, [{curveNumber: 2, pointNumber: i}]); break; }
  }
  var out = document.createElement("pre"); out.id = "hover";
  out.textContent = document.querySelector(".hoverlayer").textContent; document.body.appendChild(out);
}, 500);</script>'''


def test_hover_label_shows_the_markup_name_as_text(browser, hostile_artifacts):
    """Neither run as markup nor shown double-escaped (`&lt;img`): the name a person typed."""
    page = hostile_artifacts['rank_spread.html'][0].decode().replace('</body>', HOVER_PROBE + '</body>')
    dom = browser.dom(browser.publish('hostile_hover.html', page.encode()))
    assert script_errors(dom) == ''
    hover = dom.split('<pre id="hover">', 1)[1].split('</pre>', 1)[0]
    assert '&lt;img src=x onerror=alert(1)&gt;' in hover  # the literal name, serialised as text
    assert '<img' not in dom.lower()
