"""Importing the drawing and report packages costs the REST path nothing."""
import subprocess
import sys

from tests.conftest import ROOT


def test_packages_load_plotly_numpy_and_shapely_only_when_used():
    code = ('import sys, chalicelib.viz, chalicelib.reports; '
            'print(sorted(m for m in ("plotly", "numpy", "shapely", "openpyxl", "jinja2") if m in sys.modules))')
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == '[]'
