"""The web's variable maps class and word values by the server's rules: web/src/map/riskClasses.cases.json
holds inputs, the classes chalicelib/viz/layers.py `_classes` gives them and the legend the server's
variable map words them with; web/src/map/quantity.cases.json holds numbers as
chalicelib/viz/formats.py `quantity` writes them. The vitest suite (web/src/map/maps.test.tsx) holds
the web to the same files, so the screen and the printed report put each ward in the same class and
name it the same way."""
import json
from types import MappingProxyType

import pytest

from chalicelib.viz.formats import quantity
from chalicelib.viz.layers import _classes, variable_layer
from chalicelib.viz.view import ResultView, Variable
from devstack.process import ROOT

CASES = json.loads((ROOT / 'web' / 'src' / 'map' / 'riskClasses.cases.json').read_text())
NUMBERS = json.loads((ROOT / 'web' / 'src' / 'map' / 'quantity.cases.json').read_text())


@pytest.mark.parametrize('case', CASES, ids=[case['case'] for case in CASES])
def test_the_shared_cases_are_the_servers_classes(case):
    count = case.get('count')
    classes = _classes(case['values']) if count is None else _classes(case['values'], count)
    assert [list(c) for c in classes] == case['classes']


@pytest.mark.parametrize('case', [case for case in CASES if 'legend' in case], ids=lambda case: case['case'])
def test_the_shared_cases_are_the_servers_legend(case):
    keys = [f'w{i}' for i in range(len(case['values']))]
    values = MappingProxyType(dict(zip(keys, case['values'])))
    variable = Variable(name='rainfall', direction='direct', raw=values, value=values,
                        normalised=MappingProxyType({}), filled_from=MappingProxyType({}))
    view = ResultView(wards=(), variables=(variable,), boundaries=(), pca_ran=False, result=MappingProxyType({}))
    assert [label for _, label in variable_layer(view, keys, variable).legend] == case['legend']


@pytest.mark.parametrize('case', NUMBERS, ids=[case['case'] for case in NUMBERS])
def test_the_shared_numbers_are_the_servers(case):
    assert quantity(case['value']) == case['text']
