"""The web app in Chromium against the real local stack: web/e2e/run.mjs, its exit status and output.

A programme officer's day (sign in, upload Niger, watch the analysis, 275 ranked wards, the map,
the chat's top 5, an ITN plan, the CSV, sign out), a second user who sees none of it, bad input
that gets a message saying what to do, axe-core on every screen, and frontend.md's budgets on a
512 kbps / 300 ms link. Screenshots of every step go to test-artifacts/e2e/, the measured times
to test-artifacts/e2e/figures.json.
"""
import json
import os
import shutil

import pytest

from devstack import web
from devstack.process import ROOT
from tests.integration.support import LocalStack
from tests.web.node import run_node

pytestmark = pytest.mark.integration
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
ARTIFACTS = ROOT / 'test-artifacts' / 'e2e'


@pytest.fixture(scope='module')
def web_stack(node_modules, tmp_path_factory):
    """The stack serving the app, built first (a first build takes longer than the stack may to start)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f'Chromium is missing at {CHROMIUM}: `make browser` installs it')
    try:
        web.build()
    except web.WebBuildError as error:
        pytest.fail(str(error))
    running = LocalStack(tmp_path_factory.mktemp('web-stack'), 'app:app', web=True).start()
    yield running
    running.stop()


@pytest.mark.timeout(600)
def test_a_programme_officers_day_in_the_browser(web_stack, shared_data, tmp_path):
    second = web_stack.create_user(organization='demo-org')
    env = {**os.environ, 'CHROMIUM': CHROMIUM,
           'E2E_STACK': str(web_stack.state_dir / 'stack.json'),
           'E2E_SECOND_USER': json.dumps({'username': second.username, 'password': second.password}),
           'E2E_NIGER': str(shared_data / 'niger'), 'E2E_ARTIFACTS': str(ARTIFACTS),
           'E2E_SCRATCH': str(tmp_path)}
    done = run_node(['node', 'web/e2e/run.mjs'], env=env)
    print(done.stdout)
    assert done.returncode == 0, (f'the browser tests failed (screenshots in {ARTIFACTS}):\n'
                                  f'{done.stdout[-30000:]}\n--- stack log ---\n{web_stack.log_text()[-5000:]}')
