"""What an officer takes to a meeting, on a machine without internet: every map and the
report of Niger, Warri, Kano metro, Ilorin and a synthetic state, rendered; each report
printed once by Chromium with the network off.

The printed reports (`<sample>_report.pdf`) and a picture of each report's maps
(`<sample>_maps.png`) are left in test-artifacts/ for a person to look at.
"""
import functools
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.analysis.itn import plan_itn
from chalicelib.reports import build
from chalicelib.viz import coverage_map, draw
from tests.viz.browser import Browser, chromium, pdf_pages, pdf_title
from tests.viz.test_browser import ARTIFACTS
from tests.viz.test_coverage_map import population_of

SAMPLES = ('niger', 'warri', 'kano_metro', 'ilorin', 'synthetic')
REPORT_BUDGET = 1_500_000  # bytes, for Niger's 275 wards
A4 = (595.3, 841.9)  # points
MAX_TABLE_ROWS = 30  # a table this long still fits one A4 page, so the print rules keep it whole
META = {'dataset_name': 'Sample wards', 'analysis_id': 'an-1', 'created_at': '2026-11-25T06:00:00Z'}
EXTERNAL = re.compile(r'''(?:src|href|action|data|poster|srcset)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)''', re.I)
# Shows only the report's maps and chart, side by side, for the picture of them.
MAPS_ONLY = ('<style>#reading, #data, #top-wards, #method, #comparison, #warnings, #appendix, table, p, header '
             '{ display: none !important; } body { max-width: none; } section { display: inline-block; '
             'vertical-align: top; width: 48%; margin-right: 1%; } .small-maps { grid-template-columns: 1fr 1fr 1fr; }'
             '</style></head>')


@pytest.fixture(scope='module')
def results(sample_results, hostile_result):
    """Each sample's result; the synthetic state is the one named like markup (it prints too)."""
    return {**sample_results, 'synthetic': hostile_result}


@pytest.fixture(scope='module')
def rendered(results):
    """Every file an officer can open, per sample: the maps, a bed-net coverage map, the report."""
    files = {}
    for name, result in results.items():
        coded = [item for item in result['rankings'] if item['ward_code']]  # Kano's unmatched row has no code
        plan = plan_itn(coded, population_of(result), total_nets=556 * 10)
        files[name] = {**draw(result), 'coverage_map.html': (coverage_map(result, plan), 'text/html'),
                       **build(result, META)}
    return files


@pytest.fixture(scope='module')
def printed(rendered, tmp_path_factory):
    """Each report printed to PDF (network off, requests counted) and its maps photographed,
    two Chromium runs at a time."""
    if chromium() is None:
        pytest.fail("Chromium is missing: install Debian's package (apt-get install -y chromium); .ci/run does.")
    ARTIFACTS.mkdir(exist_ok=True)
    browser = Browser(tmp_path_factory.mktemp('print'))
    jobs = []
    for name, files in rendered.items():
        report = files['report.html'][0]
        jobs.append((browser.pdf, browser.publish(f'{name}.html', report, offline=True, count_requests=True),
                     ARTIFACTS / f'{name}_report.pdf'))
        maps_only = report.decode().replace('</head>', MAPS_ONLY, 1).encode()
        jobs.append((functools.partial(browser.screenshot, height=2600),
                     browser.publish(f'{name}_maps.html', maps_only, offline=True),
                     ARTIFACTS / f'{name}_maps.png'))
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda job: job[0](job[1], job[2]), jobs))
    finally:
        browser.close()
    return {name: (ARTIFACTS / f'{name}_report.pdf').read_bytes() for name in rendered}


@pytest.mark.parametrize('sample', SAMPLES)
def test_every_map_has_a_static_version_of_all_its_wards(rendered, results, sample):
    files, result = rendered[sample], results[sample]
    drawn = len(result['geojson']['features'])
    maps = [name for name in files if name.endswith(('map.html', 'maps.html'))]
    assert {'vulnerability_map.html', 'variable_maps.html', 'coverage_map.html'} <= set(maps)
    for name in maps:
        html = files[name][0].decode()
        static = html.split('id="figure-static"', 1)[1].split('<script', 1)[0]
        uses = len(re.findall(r'<use href="#m[0-9a-z]+"', static))  # wards, not the LGA outlines and names
        svgs = static.count('<svg class="map')
        assert svgs >= 1 and uses == drawn * svgs, name  # every ward on every static map
        assert 'class="legend"' in static and 'class="scale-bar"' in static and 'class="north"' in static, name
    chart = files.get('rank_spread.html')
    if chart:
        assert '<svg class="chart"' in chart[0].decode()


@pytest.mark.parametrize('sample', SAMPLES)
def test_the_report_is_one_file_that_loads_nothing(rendered, sample):
    html = rendered[sample]['report.html'][0].decode()
    assert len(html.encode()) <= REPORT_BUDGET
    assert not EXTERNAL.findall(html)  # no http(s), file: or //host in any src or href
    assert '<script' not in html and '<link' not in html and '@import' not in html
    assert not re.search(r'url\((?!#)', html)
    # No empty box: every figure holds a drawing, every map its wards.
    figures = re.findall(r'<figure>(.*?)</figure>', html, re.S)
    assert figures and all('<svg' in f for f in figures)
    assert all(f.count('<use href=') > 1 for f in figures if '<svg class="map' in f)
    for table in re.findall(r'<table>(.*?)</table>', html, re.S):
        assert table.count('<tr>') <= MAX_TABLE_ROWS


@pytest.mark.parametrize('sample', SAMPLES)
def test_the_report_prints_to_a4_pages_with_the_network_off(printed, sample):
    pdf = printed[sample]
    pages = pdf_pages(pdf)
    assert len(pages) >= 3
    assert all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in pages)
    assert pdf_title(pdf) == 'requests=0'  # the page asked for nothing, not even a failed request
    picture = ARTIFACTS / f'{sample}_maps.png'
    assert picture.read_bytes().startswith(b'\x89PNG') and picture.stat().st_size > 20_000
