"""`make demo` against the running local stack: what a newcomer sees after `make run`."""
import re

import pytest

from devstack import demo

pytestmark = pytest.mark.integration


def test_the_demo_runs_the_whole_flow_and_prints_the_top_ten_wards(stack, capsys):
    assert demo.main(['--state-dir', str(stack.state_dir)]) == 0

    out = capsys.readouterr().out
    assert 'Dataset READY: 275 wards' in out
    assert 'Analysis SUCCEEDED.' in out
    ranks = re.findall(r'^\s+(\d+)\s+\S.*\s(High|Medium|Low)$', out, re.MULTILINE)
    assert [int(rank) for rank, _ in ranks] == list(range(1, 11))
    assert '100%' in out
    assert 'rankings.csv' in out and 'report.html' in out


def test_the_demo_says_what_to_do_when_no_stack_is_running(tmp_path, capsys):
    assert demo.main(['--state-dir', str(tmp_path)]) == 1
    assert 'make run' in capsys.readouterr().err
