"""devstack.web: the app is rebuilt exactly when its sources change, and served as CloudFront serves it."""
import gzip
import json
import pathlib

import pytest
import requests

from devstack import web

FAKE_NPM = '''#!/bin/sh
echo "$@" >> "{calls}"
if [ "$1" = ci ]; then mkdir -p node_modules; fi
if [ "$1" = run ]; then mkdir -p dist/assets && echo '<html>app</html>' > dist/index.html \
  && echo 'console.log(1)' > dist/assets/index-abc.js; fi
'''


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A web/ folder and an `npm` on PATH that records its calls and writes what npm would."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    calls = tmp_path / 'calls'
    npm = bin_dir / 'npm'
    npm.write_text(FAKE_NPM.format(calls=calls))
    npm.chmod(0o755)
    monkeypatch.setenv('PATH', f'{bin_dir}:/usr/bin:/bin')
    root = tmp_path / 'web'
    (root / 'src').mkdir(parents=True)
    (root / 'package.json').write_text('{}')
    (root / 'package-lock.json').write_text('{"lockfileVersion": 3}')
    (root / 'src' / 'main.tsx').write_text('export {}')

    def npm_calls():
        found = calls.read_text().splitlines() if calls.exists() else []
        calls.unlink(missing_ok=True)
        return found
    return root, npm_calls


def build(root):
    return web.build(root, out=open('/dev/null', 'w'))


def test_a_first_build_installs_and_builds_and_an_unchanged_tree_does_neither(tree):
    root, npm_calls = tree
    assert build(root) == root / 'dist'
    assert npm_calls() == ['ci --no-audit --no-fund', 'run build']
    build(root)
    assert npm_calls() == []


def test_a_changed_source_rebuilds_without_reinstalling(tree):
    root, npm_calls = tree
    build(root)
    npm_calls()
    (root / 'src' / 'main.tsx').write_text('export const changed = 1')
    build(root)
    assert npm_calls() == ['run build']
    (root / 'src' / 'new.tsx').write_text('export {}')
    build(root)
    assert npm_calls() == ['run build']


def test_a_changed_lock_file_reinstalls_and_rebuilds(tree):
    root, npm_calls = tree
    build(root)
    npm_calls()
    (root / 'package-lock.json').write_text('{"lockfileVersion": 3, "packages": {}}')
    build(root)
    assert npm_calls() == ['ci --no-audit --no-fund', 'run build']


def test_the_browser_tests_and_what_npm_writes_are_not_sources(tree):
    root, npm_calls = tree
    build(root)
    npm_calls()
    (root / 'e2e').mkdir()
    (root / 'e2e' / 'run.mjs').write_text('// a browser test')
    (root / 'node_modules' / 'pkg.js').write_text('')
    build(root)
    assert npm_calls() == []


def test_a_deleted_dist_is_rebuilt(tree):
    root, npm_calls = tree
    build(root)
    npm_calls()
    (root / 'dist' / 'index.html').unlink()
    build(root)
    assert npm_calls() == ['run build']


def test_without_npm_the_error_says_what_to_install(tree, monkeypatch, tmp_path):
    root, _ = tree
    monkeypatch.setenv('PATH', str(tmp_path / 'nowhere'))
    with pytest.raises(web.WebBuildError, match='install Node.js 20 with npm.*--no-web'):
        build(root)


def test_a_failed_build_is_reported_with_its_output_and_retried_next_time(tree):
    root, npm_calls = tree
    build(root)
    npm_calls()
    npm = pathlib.Path(web.shutil.which('npm'))
    working = npm.read_text()
    npm.write_text('#!/bin/sh\necho "src/main.tsx(1,1): error TS1005"\nexit 2\n')
    (root / 'src' / 'main.tsx').write_text('export const = ')
    with pytest.raises(web.WebBuildError, match=r'(?s)npm run build.*exit 2.*TS1005'):
        build(root)
    npm.write_text(working)
    build(root)
    assert npm_calls() == ['run build']


@pytest.fixture
def site(tmp_path):
    dist = tmp_path / 'dist'
    (dist / 'assets').mkdir(parents=True)
    (dist / 'index.html').write_text('<!doctype html><title>ChatMRPT</title>')
    (dist / 'assets' / 'index-1a2b.js').write_text('console.log("app");' * 200)
    (dist / web.BUILT_STAMP).write_text('digest')
    (tmp_path / 'secret.txt').write_text('outside dist')
    server = web.WebServer('127.0.0.1', 0, dist).start({'apiUrl': 'http://127.0.0.1:8000'})
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.stop()


def test_config_json_is_the_stacks_and_is_never_cached(site):
    answer = requests.get(site + '/config.json', timeout=5)
    assert answer.json() == {'apiUrl': 'http://127.0.0.1:8000'}
    assert answer.headers['Cache-Control'] == 'no-cache'


def test_an_app_route_gets_index_html_and_a_missing_file_gets_404(site):
    deep = requests.get(site + '/analyses/an_123?tab=map', timeout=5)
    assert deep.status_code == 200 and '<title>ChatMRPT</title>' in deep.text
    assert deep.headers['Content-Type'] == 'text/html; charset=utf-8'
    missing = requests.get(site + '/assets/index-gone.js', timeout=5)
    assert missing.status_code == 404, 'a missing script must not be answered with HTML'


@pytest.mark.parametrize('path', ['/' + web.BUILT_STAMP, '/../secret.txt', '/assets/../../secret.txt',
                                  '/%2e%2e/secret.txt'])
def test_nothing_outside_dist_and_no_dotfile_is_served(site, path):
    answer = requests.get(site + path, timeout=5)
    assert answer.status_code == 404 and 'outside dist' not in answer.text


def test_hashed_assets_are_immutable_and_gzipped_like_cloudfront(site):
    answer = requests.get(site + '/assets/index-1a2b.js', timeout=5, stream=True)
    assert answer.headers['Cache-Control'] == 'public, max-age=31536000, immutable'
    assert answer.headers['Content-Type'] == 'text/javascript; charset=utf-8'
    assert answer.headers['Content-Encoding'] == 'gzip'
    raw = answer.raw.read()
    assert int(answer.headers['Content-Length']) == len(raw) < 1000
    assert gzip.decompress(raw).decode() == 'console.log("app");' * 200
    plain = requests.get(site + '/assets/index-1a2b.js', headers={'Accept-Encoding': 'identity'}, timeout=5)
    assert 'Content-Encoding' not in plain.headers and plain.text == 'console.log("app");' * 200


def test_the_local_config_signs_in_against_moto_with_the_password_flow():
    state = {'api_url': 'http://127.0.0.1:8000', 'ws_url': 'ws://127.0.0.1:8001', 'region': 'eu-west-1',
             'user_pool_id': 'eu-west-1_abc', 'user_pool_client_id': 'client',
             'aws_endpoint_url': 'http://127.0.0.1:5000'}
    assert web.local_config(state) == {
        'apiUrl': 'http://127.0.0.1:8000', 'wsUrl': 'ws://127.0.0.1:8001', 'region': 'eu-west-1',
        'userPoolId': 'eu-west-1_abc', 'userPoolClientId': 'client',
        'userPoolEndpoint': 'http://127.0.0.1:5000', 'authFlow': 'USER_PASSWORD_AUTH'}
    assert json.loads(json.dumps(web.local_config(state)))['authFlow'] == 'USER_PASSWORD_AUTH'


def test_a_snapshot_keeps_serving_the_build_it_copied_when_web_dist_is_rebuilt(tree, tmp_path):
    root, npm_calls = tree
    served = web.snapshot(tmp_path / 'served', root, out=open('/dev/null', 'w'))
    assert npm_calls() == ['ci --no-audit --no-fund', 'run build']
    (root / 'dist' / 'assets' / 'index-abc.js').unlink()    # what the next `npm run build` does to old chunks
    assert (served / 'assets' / 'index-abc.js').read_text() == 'console.log(1)\n'
    assert (served / 'index.html').is_file()
