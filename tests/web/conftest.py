"""The web app's own tests run through pytest, so `make test` fails when one of them fails.

Node.js 20 with npm runs them (`make test` installs web/node_modules with npm ci first);
the browser tests drive Debian's Chromium (`make browser`).
"""
import pytest

from devstack import web
from tests.web.node import require_node


@pytest.fixture(scope='session')
def node_modules():
    """web/node_modules as package-lock.json says (npm ci only when the lock file changed)."""
    require_node()
    try:
        web.install()
    except web.WebBuildError as error:
        pytest.fail(str(error))
