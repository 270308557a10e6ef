"""The web app's component and API client tests (vitest) pass."""
import pytest

from tests.web.node import run_node


@pytest.mark.timeout(600)
def test_the_web_apps_vitest_suite_passes(node_modules):
    done = run_node(['npm', '--prefix', 'web', 'test'])
    assert done.returncode == 0, f'vitest failed (npm --prefix web test):\n{done.stdout[-20000:]}'
