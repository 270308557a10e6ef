"""Preparing a dataset and checking a requested TPR period range do not load pandas."""
import subprocess
import sys

from tests.conftest import ROOT


def loaded(code, modules):
    """The heavy modules a fresh interpreter has loaded after running `code`."""
    probe = f'{code}; import sys; print(sorted(m for m in {modules!r} if m in sys.modules))'
    done = subprocess.run([sys.executable, '-c', probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_dataset_module_loads_no_pandas():
    assert loaded('import chalicelib.analysis.dataset', ('pandas',)) == '[]'


def test_checking_a_tpr_period_range_loads_no_pandas_or_numpy():
    code = ("from chalicelib.datasets.models import ComputeTpr; "
            "assert ComputeTpr(period_from='2024-01', period_to='2024Q2').period_to == '2024Q2'")
    assert loaded(code, ('pandas', 'numpy')) == '[]'
