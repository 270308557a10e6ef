"""`make demo` against the running local stack: what a newcomer sees after `make run`."""
import re

import pytest

from devstack import demo

pytestmark = pytest.mark.integration


def test_the_demo_runs_the_whole_flow_and_prints_the_top_ten_wards_and_the_conversation(stack, capsys):
    assert demo.main(['--state-dir', str(stack.state_dir)]) == 0

    out = capsys.readouterr().out
    assert 'Dataset READY: 275 wards' in out
    assert 'Analysis SUCCEEDED.' in out
    printed, conversation = out.split('\nYou: What are the top 10 highest risk wards?')
    ranks = re.findall(r'^\s+(\d+)\s+\S.*\s(High|Medium|Low)$', printed, re.MULTILINE)
    assert [int(rank) for rank, _ in ranks] == list(range(1, 11))
    assert '100%' in out
    assert 'rankings.csv' in out and 'report.html' in out
    # The conversation: the analysis asked for, the top wards, the first explained, a bed-net plan.
    assert 'has 275 wards' in printed             # the greeting: the dataset's summary
    assert 'You: run malaria risk analysis' in printed and 'has finished' in printed
    first = re.search(r'^\s+1\s+(\S.*?)\s{2,}', printed, re.MULTILINE).group(1)
    why = conversation.split('You: why is it ranked so high?')[1].split('\nYou: ')[0]   # a follow-up
    assert f'{first} (' in why and 'ranks 1 of 275' in why
    assert conversation.count('\nAssistant: ') == 4
    assert 'covering' in conversation and 'plan plan_' in conversation and 'nets total 2,000,000' in conversation


def test_the_demo_says_what_to_do_when_no_stack_is_running(tmp_path, capsys):
    assert demo.main(['--state-dir', str(tmp_path)]) == 1
    assert 'make run' in capsys.readouterr().err
