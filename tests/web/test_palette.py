"""The web map and the server's maps and report colour the categories alike: an officer holding the
printed report beside the screen sees the same High, Medium, Low and no-data colours (web/src/map/geo.ts
and the table's badges in web/src/styles.css against chalicelib/viz)."""
import re

from chalicelib.viz.layers import CATEGORY_COLOURS, RISK_COLOURS
from chalicelib.viz.static import NO_DATA
from devstack.process import ROOT

GEO = (ROOT / 'web' / 'src' / 'map' / 'geo.ts').read_text()
STYLES = (ROOT / 'web' / 'src' / 'styles.css').read_text()


def test_the_web_maps_category_and_no_data_colours_are_the_servers():
    web = dict(re.findall(r"(High|Medium|Low): '(#[0-9a-f]{6})'",
                          re.search(r'CATEGORY_COLORS[^{]*\{([^}]*)\}', GEO).group(1)))
    assert web == CATEGORY_COLOURS
    assert re.search(r"export const NO_DATA = '(#[0-9a-f]{6})'", GEO).group(1) == NO_DATA


def test_the_rankings_tables_category_badges_are_the_maps_colours():
    badges = dict(re.findall(r'\.category-(High|Medium|Low|none) \{ background: (#[0-9a-f]{6})', STYLES))
    assert badges == {**CATEGORY_COLOURS, 'none': NO_DATA}


def test_the_web_variable_maps_risk_colours_are_the_servers_lowest_to_highest_risk():
    web = re.findall(r"'(#[0-9a-f]{6})'", re.search(r'RISK_COLORS = \[([^\]]*)\]', GEO).group(1))
    assert tuple(web) == RISK_COLOURS
