"""User text stays inert: markup-like ward names in every HTML file, formula-like ones in spreadsheets."""
import csv
import io
import json

import openpyxl

from chalicelib.analysis.exports import rankings_csv
from tests.viz.conftest import FORMULA_WARD, IMG_WARD, SCRIPT_LGA, SVG_VARIABLE

HTML_ARTIFACTS = ('vulnerability_map.html', 'pca_map.html', 'variable_maps.html', 'urban_map.html',
                  'rank_spread.html', 'report.html')


def test_every_html_file_holds_the_markup_names_only_as_escaped_text(hostile_artifacts):
    for name in HTML_ARTIFACTS:
        html = hostile_artifacts[name][0].decode('utf-8')
        lowered = html.lower()
        assert '<img' not in lowered and '<svg onload' not in lowered, name
        assert 'alert(2)</script>' not in lowered, name
        # The ward is still named, as text a person reads in a table or a hover label.
        assert ('&lt;img src=x onerror=alert(1)&gt;' in html                      # HTML text
                or '\\u0026lt;img src=x onerror=alert(1)\\u0026gt;' in html), name  # plotly JSON, escaped for hover


def test_json_inside_script_blocks_cannot_close_the_script(hostile_artifacts):
    for name in HTML_ARTIFACTS:
        html = hostile_artifacts[name][0].decode('utf-8')
        for block in html.split('<script type="application/json"')[1:]:
            payload = block.split('>', 1)[1].split('</script>', 1)[0]
            assert '<' not in payload and '>' not in payload, name
            json.loads(payload)  # still valid JSON for the page script


def test_csv_quotes_the_formula_name_and_keeps_the_markup_name(hostile_result):
    rows = list(csv.DictReader(io.StringIO(rankings_csv(hostile_result['rankings']).decode('utf-8'))))
    names = {row['ward_name'] for row in rows}
    assert "'" + FORMULA_WARD in names
    assert FORMULA_WARD not in names
    assert IMG_WARD in names


def test_xlsx_stores_the_formula_name_as_quoted_text_on_every_sheet(hostile_artifacts):
    book = openpyxl.load_workbook(io.BytesIO(hostile_artifacts['rankings.xlsx'][0]))
    assert book.sheetnames == ['Rankings', 'Models', 'Data used', 'Variables']
    for title in ('Rankings', 'Data used'):
        cells = [c for row in book[title].iter_rows() for c in row if isinstance(c.value, str)]
        formula_cells = [c for c in cells if FORMULA_WARD in c.value]
        assert formula_cells, title
        assert all(c.value == "'" + FORMULA_WARD and c.data_type == 's' for c in formula_cells), title
        assert not any(c.data_type == 'f' for c in cells), title
    header = [c.value for c in book['Data used'][1]]
    assert f"'{SVG_VARIABLE} (value)" in header and f"'{SVG_VARIABLE} (normalised)" in header
    assert f"'{SVG_VARIABLE}" in [row[0] for row in book['Variables'].iter_rows(values_only=True)]


def test_xlsx_drops_control_characters_before_neutralising():
    from chalicelib.reports.xlsx import text_cell
    assert text_cell('\x01=SUM(A1)') == "'=SUM(A1)"


def test_geojson_carries_the_names_unchanged(hostile_artifacts):
    collection = json.loads(hostile_artifacts['wards.geojson'][0])
    names = {f['properties']['ward_name'] for f in collection['features']}
    lgas = {f['properties']['lga'] for f in collection['features']}
    assert {IMG_WARD, FORMULA_WARD} <= names
    assert SCRIPT_LGA in lgas
