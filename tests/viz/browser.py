"""Headless Chromium for the browser tests: load a page with plotly.js served from loopback.

Chromium comes from Debian's `chromium` package (`.ci/run` installs it); it runs
with a fresh profile and the flags that keep it off the network. Pages are
rewritten so plotly.js loads from a local HTTP server (the package's bundled
copy) and so any script error is written into the DOM, which is then dumped.
"""
import functools
import http.server
import pathlib
import shutil
import subprocess
import threading

import plotly

from chalicelib.viz.page import PLOTLYJS_URL

FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--no-first-run')
PLOTLYJS = pathlib.Path(plotly.__file__).parent / 'package_data' / 'plotly.min.js'
# Runs before anything else on the page: uncaught errors and rejected promises become DOM text.
ERROR_HOOK = ('<script>(function(){function note(m){var p=document.getElementById("script-errors");'
              'if(!p){p=document.createElement("pre");p.id="script-errors";document.documentElement.appendChild(p);}'
              'p.textContent+=String(m)+"\\n";}'
              'window.addEventListener("error",function(e){note(e.message);});'
              'window.addEventListener("unhandledrejection",function(e){note("rejected: "+e.reason);});})();</script>')
TIMEOUT = 120


def chromium():
    """The Chromium binary, or None."""
    return next(filter(None, (shutil.which(name) for name in ('chromium', 'chromium-browser'))), None)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Browser:
    """Serves a folder on loopback and runs Chromium against it."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        shutil.copyfile(PLOTLYJS, self.folder / 'plotly.min.js')
        handler = functools.partial(_Quiet, directory=str(self.folder))
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
        self.base = f'http://127.0.0.1:{self.server.server_address[1]}'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.runs = 0

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def publish(self, name, html_bytes, offline=False):
        """Store a page with plotly.js (unless `offline`: it carries its own) and the error hook local; its URL."""
        html = html_bytes.decode('utf-8')
        if offline:
            assert '<script src=' not in html, 'an offline page loads nothing from elsewhere'
        else:
            assert PLOTLYJS_URL in html, 'the page should load plotly.js from the pinned URL'
            html = html.replace(PLOTLYJS_URL, f'{self.base}/plotly.min.js')
        html = html.replace('<head>', '<head>' + ERROR_HOOK, 1)
        (self.folder / name).write_text(html, encoding='utf-8')
        return f'{self.base}/{name}'

    def _run(self, url, *extra):
        self.runs += 1
        profile = self.folder / f'profile-{self.runs}'
        command = [chromium(), *FLAGS, f'--user-data-dir={profile}', '--virtual-time-budget=30000', *extra, url]
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        assert done.returncode == 0, done.stderr.decode(errors='replace')[-2000:]
        return done.stdout.decode('utf-8', errors='replace')

    def dom(self, url):
        """The DOM after the page's scripts ran."""
        return self._run(url, '--dump-dom')

    def screenshot(self, url, path, height=900):
        self._run(url, f'--screenshot={path}', f'--window-size=1280,{height}', '--hide-scrollbars')
        return pathlib.Path(path)

    def pdf(self, url, path):
        self._run(url, f'--print-to-pdf={path}', '--no-pdf-header-footer')
        return pathlib.Path(path)


def script_errors(dom):
    """The text the error hook wrote, or '' when the page ran cleanly."""
    marker = '<pre id="script-errors">'
    return dom.split(marker, 1)[1].split('</pre>', 1)[0] if marker in dom else ''
