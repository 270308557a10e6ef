"""infra/cost.py: the README's monthly estimate is the script's, from the resources declared now,
and a resource type without a price rule is refused."""
import subprocess
import sys

import pytest

from tests.infra.hcl import INFRA, ROOT, load_script


def test_the_readme_shows_the_estimate_of_the_resources_declared_now():
    proc = subprocess.run([sys.executable, str(INFRA / 'cost.py')], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() in (ROOT / 'README.md').read_text(), \
        'README.md: paste the output of `.venv/bin/python infra/cost.py` under "Monthly cost for 100 officers"'


def test_a_resource_without_a_price_rule_is_refused():
    cost = load_script('cost')
    types = cost.resource_types()
    assert 'aws_sfn_state_machine' in types and 'aws_cloudwatch_dashboard' in types
    with pytest.raises(cost.Unpriced, match='aws_rds_cluster'):
        cost.estimate(types | {'aws_rds_cluster'}, cost.functions())


def test_more_officers_cost_more():
    cost = load_script('cost')
    memory = cost.functions()
    base = sum(c for _, c in cost.estimate(cost.resource_types(), memory))
    doubled = {k: v * 2 for k, v in cost.USAGE.items()}
    assert sum(c for _, c in cost.estimate(cost.resource_types(), memory, doubled)) > base
