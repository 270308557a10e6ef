"""The web app: web/dist built when its sources changed, and served as CloudFront serves it.

`python -m devstack.web build` (`make web`) runs `npm ci` when package-lock.json
changed and `npm run build` when a source changed; a stamp of each (a digest of
what it depends on) makes an unchanged tree a no-op. The local server answers
/config.json from the running stack (the app reads its endpoints and pool ids
there, so one build serves every stage), falls back to index.html for the app's
own routes, and gzips as CloudFront does, so a throttled browser measures what
users download. infra/deploy.py publishes the same files with the same headers.
"""
import argparse
import fcntl
import gzip
import hashlib
import http.server
import json
import mimetypes
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from contextlib import contextmanager
from types import MappingProxyType

ROOT = pathlib.Path(__file__).resolve().parent.parent
WEB = ROOT / 'web'
# Not sources of the build: what npm and vite write, and the browser tests.
NOT_SOURCES = frozenset({'node_modules', 'dist', 'e2e', 'coverage'})
INSTALLED_STAMP = '.chatmrpt-installed'   # in node_modules: the package-lock.json it was installed from
BUILT_STAMP = '.chatmrpt-built'           # in dist: the sources it was built from (dotfiles are never served)
# Vite names every file under assets/ by its content hash: a new build never changes one in place.
IMMUTABLE_PREFIX = 'assets/'
IMMUTABLE = 'public, max-age=31536000, immutable'
REVALIDATE = 'no-cache'
CONTENT_TYPES = MappingProxyType({
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
    '.json': 'application/json', '.geojson': 'application/geo+json', '.map': 'application/json',
    '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.webp': 'image/webp',
    '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain; charset=utf-8',
    '.webmanifest': 'application/manifest+json', '.wasm': 'application/wasm',
})
COMPRESSIBLE = ('text/', 'application/json', 'application/geo+json', 'application/manifest+json',
                'image/svg+xml', 'application/wasm')


class WebBuildError(Exception):
    """The web app could not be built; the message says what to do."""


def content_type(name):
    suffix = pathlib.PurePosixPath(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or 'application/octet-stream'


def cache_control(relative):
    """Hashed assets are cached for a year; index.html and config.json are revalidated every time."""
    return IMMUTABLE if relative.startswith(IMMUTABLE_PREFIX) else REVALIDATE


def published_files(dist):
    """(path, name relative to dist) of every file a browser may fetch: no dotfile, no stamp."""
    for path in sorted(dist.rglob('*')):
        relative = path.relative_to(dist).as_posix()
        if path.is_file() and not any(part.startswith('.') for part in relative.split('/')):
            yield path, relative


def runtime_config(stack, auth_flow, user_pool_endpoint=None):
    """/config.json: where the app finds the API, the WebSocket and the user pool of its stage."""
    config = {'apiUrl': stack['api_url'], 'wsUrl': stack['ws_url'], 'region': stack['region'],
              'userPoolId': stack['user_pool_id'], 'userPoolClientId': stack['user_pool_client_id'],
              'authFlow': auth_flow}
    if user_pool_endpoint:
        config['userPoolEndpoint'] = user_pool_endpoint
    return config


def local_config(state):
    """The local stage signs in against moto, which checks no SRP proof: plain password auth."""
    return runtime_config(state, 'USER_PASSWORD_AUTH', state['aws_endpoint_url'])


def _digest(paths, root):
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.relative_to(root).as_posix().encode() + b'\0')
        hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


def source_digest(web=WEB):
    paths = sorted(path for path in web.rglob('*') if path.is_file()
                   and path.relative_to(web).parts[0] not in NOT_SOURCES)
    return _digest(paths, web)


def _stale(stamp, digest):
    return not stamp.is_file() or stamp.read_text().strip() != digest


@contextmanager
def _build_lock(web):
    """One build at a time per tree: a test run and `make run` may start together.

    The lock file lives outside web/: npm ci deletes node_modules, and web/ holds the sources.
    """
    tree = hashlib.sha256(str(web.resolve()).encode()).hexdigest()[:12]
    with open(pathlib.Path(tempfile.gettempdir()) / f'chatmrpt-web-{tree}.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _npm(web, *args, out):
    npm = shutil.which('npm')
    if npm is None:
        raise WebBuildError('npm is not on PATH: install Node.js 20 with npm (https://nodejs.org), '
                            'or start the stack without the web app: python -m devstack --no-web')
    print(f'web: npm {" ".join(args)}', file=out, flush=True)
    done = subprocess.run([npm, *args], cwd=web, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise WebBuildError(f'`npm {" ".join(args)}` in {web} failed (exit {done.returncode}):\n'
                            f'{done.stdout[-4000:]}')


def _install(web, out):
    if not (web / 'package.json').is_file():
        raise WebBuildError(f'{web / "package.json"} is missing: the web app has no sources to build')
    installed = web / 'node_modules' / INSTALLED_STAMP
    lock_digest = _digest([web / 'package-lock.json'], web)
    if _stale(installed, lock_digest):
        _npm(web, 'ci', '--no-audit', '--no-fund', out=out)
        installed.write_text(lock_digest)


def install(web=WEB, out=sys.stdout):
    """web/node_modules as package-lock.json says, reinstalled (npm ci) only when it changed."""
    with _build_lock(web):
        _install(web, out)


def _build(web, out):
    _install(web, out)
    dist = web / 'dist'
    built = dist / BUILT_STAMP
    digest = source_digest(web)
    if _stale(built, digest) or not (dist / 'index.html').is_file():
        _npm(web, 'run', 'build', out=out)
        built.write_text(digest)
    else:
        print('web: dist is up to date with its sources', file=out, flush=True)
    return dist


def build(web=WEB, out=sys.stdout):
    """web/dist, rebuilt only when package-lock.json or a source changed since the last build."""
    with _build_lock(web):
        return _build(web, out)


def snapshot(into, web=WEB, out=sys.stdout):
    """A copy of the current build in `into`, for a server to serve for its whole life.

    A rebuild replaces every hashed file: serving web/dist itself, a page loaded before it
    would find none of the chunks it loads later (the map, the signed-in screens).
    """
    with _build_lock(web):
        dist = _build(web, out)
        shutil.rmtree(into, ignore_errors=True)
        shutil.copytree(dist, into)
    return into


class WebHandler(http.server.BaseHTTPRequestHandler):
    """GET/HEAD of the built app; /config.json from the stack; index.html for the app's routes."""

    server_version = 'chatmrpt-web'

    def do_GET(self):
        self._answer(send_body=True)

    def do_HEAD(self):
        self._answer(send_body=False)

    def _answer(self, send_body):
        path = urllib.parse.urlsplit(self.path).path
        relative = urllib.parse.unquote(path).lstrip('/') or 'index.html'
        found = self.server.lookup(relative)
        if found is None:
            body = b'Not found. Open the app at / instead.\n'
            self._send(404, body, 'text/plain; charset=utf-8', REVALIDATE, send_body)
            return
        name, body = found
        self._send(200, body, content_type(name), cache_control(name), send_body)

    def _send(self, status, body, kind, cache, send_body):
        gzipped = (kind.startswith(COMPRESSIBLE) and len(body) > 1024
                   and 'gzip' in self.headers.get('Accept-Encoding', ''))
        if gzipped:
            body = self.server.compressed(body)
        self.send_response(status)
        self.send_header('Content-Type', kind)
        self.send_header('Cache-Control', cache)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('X-Content-Type-Options', 'nosniff')
        if kind.startswith(COMPRESSIBLE):
            self.send_header('Vary', 'Accept-Encoding')
        if gzipped:
            self.send_header('Content-Encoding', 'gzip')
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args):
        """Quiet: the API's access log is the one that matters locally."""


class WebServer(http.server.ThreadingHTTPServer):
    """Serves `dist` with `config` as /config.json; bind first, then `start(config)`."""

    daemon_threads = True

    def __init__(self, host, port, dist):
        super().__init__((host, port), WebHandler)
        self.dist = pathlib.Path(dist).resolve()
        self.config_body = b'{}'
        self._compressed = {}
        self._compressed_lock = threading.Lock()
        self._thread = None

    @property
    def url(self):
        """localhost, not 127.0.0.1: the stage's CORS origin is spelt so."""
        return f'http://localhost:{self.server_address[1]}'

    def start(self, config):
        self.config_body = json.dumps(config, indent=2).encode()
        self._thread = threading.Thread(target=self.serve_forever, name='web', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self.shutdown()
            self._thread.join(10)
        self.server_close()

    def lookup(self, relative):
        """(file name, bytes) for a request path, or None; never a file outside dist or a dotfile."""
        if relative == 'config.json':
            return relative, self.config_body
        parts = relative.split('/')
        if any(part.startswith('.') or part == '' for part in parts):
            return None
        path = self.dist.joinpath(*parts)
        if path.is_file():
            return relative, path.read_bytes()
        if '.' not in parts[-1]:     # an app route such as /analyses/an_1: the app draws it
            return 'index.html', (self.dist / 'index.html').read_bytes()
        return None

    def compressed(self, body):
        """gzip of `body`, computed once per distinct file content."""
        key = hashlib.sha256(body).digest()
        with self._compressed_lock:
            if key not in self._compressed:
                self._compressed[key] = gzip.compress(body, compresslevel=9, mtime=0)
            return self._compressed[key]


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m devstack.web', description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=('build',))
    parser.parse_args(argv)
    try:
        dist = build()
    except WebBuildError as error:
        print(f'web: {error}', file=sys.stderr)
        return 1
    print(f'web: {dist.relative_to(ROOT)} is ready')
    return 0


if __name__ == '__main__':
    sys.exit(main())
