"""Importing the drawing and report packages costs the REST path nothing; drawing loads no plotly."""
import json
import subprocess
import sys

from tests.conftest import ROOT


def test_packages_load_plotly_numpy_and_shapely_only_when_used():
    code = ('import sys, chalicelib.viz, chalicelib.reports; '
            'print(sorted(m for m in ("plotly", "numpy", "shapely", "openpyxl", "jinja2") if m in sys.modules))')
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == '[]'


def test_drawing_every_page_and_the_coverage_map_loads_no_plotly_module():
    """The figures are written without plotly's Python package: plotly.js and its template are read as files."""
    code = ('import json, sys\n'
            'from chalicelib.analysis import prepare_dataset, run_analysis\n'
            'from chalicelib.analysis.itn import plan_itn\n'
            'from chalicelib.analysis.synthetic import generate_state\n'
            'from chalicelib.reports import build\n'
            'from chalicelib.viz import coverage_map, draw\n'
            'result = run_analysis(prepare_dataset(generate_state(40, seed=5)), {}).to_dict()\n'
            'plan = plan_itn(result["rankings"], {w["ward_code"]: 1000 for w in result["rankings"]}, 5000)\n'
            'drawn = {**draw(result, {"embed_plotlyjs": True}), **build(result, {})}\n'
            'drawn["coverage_map.html"] = coverage_map(result, plan, {"embed_plotlyjs": True})\n'
            'loaded = [m for m in sys.modules if m.split(".")[0] in ("plotly", "_plotly_utils")]\n'
            'print(json.dumps([sorted(drawn), loaded]))')
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, check=True)
    drawn, loaded = json.loads(done.stdout)
    assert {'vulnerability_map.html', 'variable_maps.html', 'rank_spread.html', 'coverage_map.html'} <= set(drawn)
    assert loaded == []
