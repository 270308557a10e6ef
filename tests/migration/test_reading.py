"""Reading an instance, a mapping and a stage's outputs, and comparing old results: no AWS involved."""
import json
import os

import pytest
from chalice.deploy.packager import LambdaDeploymentPackager
from chalice.utils import OSUtils

from migration.cli import main
from migration.compare import compare_rankings, compare_tpr, describe
from migration.instance import read_instance
from migration.mapping import MappingError, read_mapping
from migration.target import target_settings
from devstack.process import ROOT
from tests.migration import instances as build

RANKINGS = [{'ward_code': 'NI1', 'ward_name': 'Sabon Gari', 'composite_rank': 1, 'composite_score': 0.9},
            {'ward_code': 'NI2', 'ward_name': 'Sabon Gari', 'composite_rank': 2, 'composite_score': 0.8},
            {'ward_code': 'NI3', 'ward_name': 'Kawo', 'composite_rank': 3, 'composite_score': 0.5}]


def test_the_migration_is_not_in_the_deployed_package():
    packager = LambdaDeploymentPackager(OSUtils(), None, None)
    packaged = [zip_path for _, zip_path in packager._iter_app_filenames(str(ROOT))]
    assert 'app.py' in packaged and any(p.startswith('chalicelib/') for p in packaged)
    assert not any(p.startswith('migration/') for p in packaged)


def test_a_deployed_stage_is_its_outputs_with_its_settings_and_sign_up_rules(tmp_path, capsys):
    outputs = {'region': 'eu-west-2', 'user_pool_id': 'eu-west-2_pool', 'user_pool_client_id': 'client',
               'data_bucket': 'chatmrpt-dev-data-1a2b', 'tables': {role: f'dev-{role}' for role in (
                   'users', 'datasets', 'analyses', 'sessions', 'connections', 'audit')}}
    s = target_settings('dev', outputs)
    assert (s.region, s.users_table, s.sessions_table, s.data_bucket, s.analysis_queue) == (
        'eu-west-2', 'dev-users', 'dev-sessions', 'chatmrpt-dev-data-1a2b', 'chatmrpt-dev-analysis')
    i = build.Instance(tmp_path / 'instance')
    i.user('alice@example.org')
    mapping = build.mapping_csv(tmp_path / 'm.csv', [('alice@example.org', 'nmep', 'analyst', 'NI')])
    (tmp_path / 'dev.json').write_text(json.dumps(outputs))
    assert main(['plan', '--instance', str(i.root), '--mapping', str(mapping), '--stage', 'dev',
                 '--stack', str(tmp_path / 'dev.json')]) == 0
    assert "refused by the stage's sign-up rules (mapping row 2): Sign up with an email address of an approved " \
           'organization (health.gov.ng).' in capsys.readouterr().out


def test_a_session_whose_meta_names_another_user_is_nobodys(tmp_path):
    i = build.Instance(tmp_path)
    alice, bob = i.user('alice@example.org'), i.user('bob@example.org')
    sid = i.conversation(alice, 'Mine?', [('user', 'hello')])
    i.history(bob, 'other', 'Other', user_id=alice)       # Bob's file, but the meta says Alice's
    inventory = read_instance(tmp_path)
    assert sorted(inventory.conversations) == [sid]
    assert ('session other', 'claimed by more than one user (or its meta names another user): migrated to no one') \
        in inventory.left


def test_links_are_not_followed_and_unknown_files_are_reported(tmp_path):
    i = build.Instance(tmp_path / 'instance')
    alice = i.user('alice@example.org')
    sid = i.conversation(alice, 'Mine', [('user', 'hello')])
    (tmp_path / 'elsewhere').mkdir()
    (tmp_path / 'elsewhere' / 'raw_data.csv').write_text('WardName,x\nA,1\n')
    (tmp_path / 'instance' / 'uploads').mkdir()
    os.symlink(tmp_path / 'elsewhere', tmp_path / 'instance' / 'uploads' / sid)
    i.write('notes.txt', 'old admin notes')
    inventory = read_instance(tmp_path / 'instance')
    assert inventory.uploads == []
    assert (f'uploads/{sid}', 'a link: not followed') in inventory.left
    assert ('notes.txt', 'not part of a ChatMRPT instance the migration knows: not migrated') in inventory.left


def test_a_message_without_a_time_follows_the_one_before(tmp_path):
    i = build.Instance(tmp_path)
    sid = i.conversation(i.user('alice@example.org'), 'Times', [('user', 'first'), ('assistant', 'second')])
    path = tmp_path / 'memory' / f'{sid}_memory.json'
    path.write_text(path.read_text().replace('"2024-05-01T09:01:00"', '"yesterday"'))
    (tmp_path / 'memory' / f'{sid}.json').unlink()            # session memory alone
    messages = read_instance(tmp_path).conversations[sid].messages
    assert [(m.text, m.at.isoformat()) for m in messages] == [
        ('first', '2024-05-01T09:00:00+00:00'), ('second', '2024-05-01T09:00:00+00:00')]


@pytest.mark.parametrize('rows, problem', [
    ([('alice@example.org', 'demo-org', 'analyst', 'NI'), ('Alice@Example.org', 'nmep', 'viewer', 'KW')],
     'rows 2 and 3 both map alice@example.org: keep one'),
    ([('alice', 'demo-org', 'analyst', 'NI')], "row 2: email 'alice' is not an email address"),
    ([('alice@example.org', 'demo-org', '', 'NI')], 'row 2: role is empty'),
])
def test_a_mapping_file_with_a_mistake_is_refused_naming_the_row(tmp_path, rows, problem):
    with pytest.raises(MappingError, match=problem):
        read_mapping(build.mapping_csv(tmp_path / 'mapping.csv', rows))


def test_a_mapping_file_needs_its_four_columns(tmp_path):
    (tmp_path / 'm.csv').write_text('email,org\nalice@example.org,x\n')
    with pytest.raises(MappingError, match='the header must be email,organization,role,region'):
        read_mapping(tmp_path / 'm.csv')


def test_rankings_are_compared_by_code_when_the_old_file_has_it():
    old = b'WardCode,WardName,median_score,overall_rank\nNI2,Sabon Gari,0.8,1\nNI1,Sabon Gari,0.9,2\nNI3,Kawo,0.5,3\n'
    c = compare_rankings('analysis_vulnerability_rankings.csv', old, RANKINGS, 'composite')
    assert (c['compared'], c['same_rank'], c['max_rank_shift'], c['reproduced']) == (3, 1, 1, False)
    assert c['differing'] == [{'ward': 'NI1', 'old_rank': 2, 'new_rank': 1},
                              {'ward': 'NI2', 'old_rank': 1, 'new_rank': 2}]


def test_repeated_names_are_left_out_rather_than_guessed():
    old = b'WardName,median_score,overall_rank,vulnerability_category\nSabon Gari,0.9,1,High Risk\n' \
          b'Sabon Gari,0.8,2,High Risk\nKawo,0.5,3,Low Risk\n'
    c = compare_rankings('analysis_vulnerability_rankings.csv', old, RANKINGS, 'composite')
    assert (c['compared'], c['left_out_repeated_names'], c['reproduced']) == (1, 4, True)
    assert describe(c).startswith('analysis_vulnerability_rankings.csv (composite): REPRODUCED; 1 of 3 wards compared, '
                                  '4 left out (repeated names)')


def test_old_files_without_the_columns_are_said_not_comparable():
    c = compare_rankings('analysis_vulnerability_rankings.csv', b'ward,thing\nA,1\n', RANKINGS, 'composite')
    assert describe(c) == 'analysis_vulnerability_rankings.csv: not compared, the file has no ward and rank ' \
                          'columns ChatMRPT wrote'
    burden = compare_tpr('tpr_results.csv', b'WardName,LGA,Burden\nKawo,Bida,12\n', b'ward_name,tpr\nKawo,3\n')
    assert not burden['comparable'] and 'Burden' in burden['reason']
    tpr = compare_tpr('tpr_results.csv', b'WardName,TPR\nKawo Ward,30.0\n',
                      b'ward_code,ward_name,tpr\nNI3,Kawo,30.004\n')
    assert (tpr['compared'], tpr['reproduced']) == (1, True)
