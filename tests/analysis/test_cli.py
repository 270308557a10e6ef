"""The offline command line (`python -m cli`): rankings CSV, summary on stderr, exit status 2 for bad
input; and the engine it calls holds no command line of its own."""
import ast
import csv
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from chalicelib.analysis.exports import RANKINGS_CSV_COLUMNS
from chalicelib.analysis.synthetic import generate_state

ROOT = Path(__file__).resolve().parents[2]
ENGINE = sorted((ROOT / 'chalicelib' / 'analysis').glob('*.py'))
# What a pure engine never does: talk to a terminal, open files by name, exit.
COMMAND_LINE_CALLS = ('print', 'open', 'exit', 'input')
COMMAND_LINE_MODULES = ('argparse', 'sys', 'os', 'pathlib', 'cli')


@pytest.fixture
def upload(tmp_path):
    files = generate_state(40, seed=2, boundaries_format='shapefile')
    paths = {}
    for role, (name, content) in files.items():
        paths[role] = tmp_path / name
        paths[role].write_bytes(content)
    return paths


def test_rank_writes_one_row_per_ward_in_rank_order(upload, tmp_path, capsys):
    out = tmp_path / 'rankings.csv'
    status = cli.main(['rank', '--data', str(upload['data']), '--boundaries', str(upload['boundaries']),
                       '--variables', 'u5_tpr_rdt,housing_quality,avgRAD,NDMI', '--directions', 'NDMI=inverse',
                       '--out', str(out)])
    assert status == 0
    with open(out, newline='') as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == RANKINGS_CSV_COLUMNS
    assert [int(r['composite_rank']) for r in rows] == list(range(1, 41))
    assert all(int(r['rank_min']) <= float(r['rank_p10']) <= float(r['rank_p90']) <= int(r['rank_max'])
               for r in rows)
    filled = {name for r in rows for name in r['imputed'].split(';') if name}
    assert 'housing_quality' in filled and filled <= {'u5_tpr_rdt', 'housing_quality', 'avgRAD', 'NDMI'}
    err = capsys.readouterr().err
    assert 'wards: 40' in err and 'NDMI (inverse)' in err and 'models: 11' in err and 'pca:' in err


def test_legacy_preset_and_composite_only(upload, tmp_path, capsys):
    out = tmp_path / 'r.csv'
    status = cli.main(['rank', '--data', str(upload['data']), '--boundaries', str(upload['boundaries']),
                       '--preset', 'mrpt-legacy', '--method', 'composite', '--state', 'NI', '--out', str(out)])
    assert status == 0
    rows = list(csv.DictReader(open(out, newline='')))
    assert rows[0]['pca_rank'] == ''
    assert 'models: 16' in capsys.readouterr().err


@pytest.mark.parametrize('extra', [['--variables', 'nope'], ['--directions', 'u5_tpr_rdt'],
                                   ['--directions', 'u5_tpr_rdt=sideways']])
def test_bad_requests_exit_2_with_one_line(upload, tmp_path, capsys, extra):
    status = cli.main(['rank', '--data', str(upload['data']), '--out', str(tmp_path / 'r.csv')] + extra)
    err = capsys.readouterr().err
    assert status == 2 and err.startswith('error: ') and err.count('\n') == 1
    assert not (tmp_path / 'r.csv').exists()


def test_bad_files_exit_2_naming_the_file(tmp_path, capsys):
    bad = tmp_path / 'wards.csv'
    bad.write_text('Name,v\nA,1\n')
    assert cli.main(['rank', '--data', str(bad), '--out', str(tmp_path / 'r.csv')]) == 2
    assert capsys.readouterr().err.startswith('error: wards.csv: No ward name column')
    assert cli.main(['rank', '--data', str(tmp_path / 'missing.csv'), '--out', str(tmp_path / 'r.csv')]) == 2
    assert 'cannot read' in capsys.readouterr().err


@pytest.mark.parametrize('argv', [['rank', '--data', 'd.csv', '--out', 'r.csv', '--preset', 'foo'],
                                  ['rank', '--out', 'r.csv'], ['no-such-command']])
def test_usage_mistakes_exit_2_with_one_line(capsys, argv):
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.startswith('error: ') and err.count('\n') == 1


def test_an_output_it_cannot_write_exits_2_with_one_line(upload, tmp_path, capsys):
    out = tmp_path / 'no-such-folder' / 'r.csv'
    assert cli.main(['rank', '--data', str(upload['data']), '--out', str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f'error: cannot write {out}: No such file or directory\n'


def test_importing_the_engine_loads_no_command_line():
    modules = [f'chalicelib.analysis.{path.stem}' for path in ENGINE if path.stem != '__init__']
    code = (f'import importlib, sys\nfor name in {modules!r}: importlib.import_module(name)\n'
            "print(sorted(m for m in sys.modules if m == 'argparse' or m == 'cli' or m.startswith('cli.')))")
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == '[]\n'


def test_the_engine_prints_nothing_opens_no_path_and_imports_no_command_line():
    found = []
    for path in ENGINE:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in COMMAND_LINE_CALLS:
                found.append(f'{path.name}:{node.lineno} calls {node.func.id}')
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and not node.level else [])
            found.extend(f'{path.name}:{node.lineno} imports {name}' for name in names
                         if name.split('.')[0] in COMMAND_LINE_MODULES)
    assert found == []


def test_rank_does_not_load_pandas(upload, tmp_path):
    """Only `tpr` needs pandas: ranking starts without its import (a quarter of a second)."""
    argv = ['rank', '--data', str(upload['data']), '--boundaries', str(upload['boundaries']),
            '--out', str(tmp_path / 'r.csv')]
    script = f'import sys\nfrom cli import main\nprint(main({argv!r}), "pandas" in sys.modules)\n'
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ['0', 'False']
