"""Node.js runs the web app's tests; a missing Node is a failure that says what to install."""
import shutil
import subprocess

import pytest

from devstack.process import ROOT

NODE_MISSING = 'Node.js 20 with npm is needed for the web app\'s tests: install it (https://nodejs.org)'


def require_node():
    if shutil.which('node') is None or shutil.which('npm') is None:
        pytest.fail(NODE_MISSING)


def run_node(command, env=None, seconds=600):
    """`command` in the project root; the finished process (output and errors together)."""
    require_node()
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=seconds)
