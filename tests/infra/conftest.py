"""Fixtures for the offline infrastructure checks.

The tools (checkov and its HCL parser) live in .venv-tools because checkov pins
packages that clash with moto; these tests call them by path and fail, not
skip, when they are missing: `make test` installs them.
"""
import json
import subprocess
import sys

import pytest

from tests.infra.hcl import INFRA, PARSE_SCRIPT, ROOT, Config, load_script, tool


@pytest.fixture(scope='session')
def infra():
    proc = subprocess.run([str(tool('python')), '-c', PARSE_SCRIPT, str(INFRA)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f'an infra/*.tf file does not parse:\n{proc.stderr}'
    return Config(json.loads(proc.stdout))


@pytest.fixture(scope='session')
def chalice_config():
    return json.loads((ROOT / '.chalice' / 'config.json').read_text())


@pytest.fixture(scope='session')
def package(tmp_path_factory):
    """`make package` for dev into a temporary directory, for the app as it is now.

    Chalice caches the dependency zip in .chalice/deployments, so only the first
    run on a machine downloads the wheels (about 50 MB zipped).
    """
    out = tmp_path_factory.mktemp('package') / 'build'
    proc = subprocess.run([sys.executable, str(INFRA / 'package.py'), '--stage', 'dev', '--out', str(out),
                           '--no-scan'],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f'infra/package.py failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return out, proc.stdout


@pytest.fixture(scope='session')
def packager():
    return load_script('package')
