"""The web's variable maps class values by the server's rule: web/src/map/riskClasses.cases.json holds
inputs and the classes chalicelib/viz/layers.py `_classes` gives them; the vitest suite
(web/src/map/maps.test.tsx) holds the web's `riskClasses` to the same file, so the screen and the
printed report put each ward in the same class."""
import json

import pytest

from chalicelib.viz.layers import _classes
from devstack.process import ROOT

CASES = json.loads((ROOT / 'web' / 'src' / 'map' / 'riskClasses.cases.json').read_text())


@pytest.mark.parametrize('case', CASES, ids=[case['case'] for case in CASES])
def test_the_shared_cases_are_the_servers_classes(case):
    count = case.get('count')
    classes = _classes(case['values']) if count is None else _classes(case['values'], count)
    assert [list(c) for c in classes] == case['classes']
