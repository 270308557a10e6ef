"""Headless Chromium for the browser tests: load a page with plotly.js served from loopback.

Chromium comes from Debian's `chromium` package (`.ci/run` installs it); it runs
with a fresh profile and the flags that keep it off the network (no host name but
loopback resolves). Pages are rewritten so plotly.js loads from a local HTTP server
(the package's bundled copy) and so any script error is written into the DOM,
which is then dumped. A page printed with `pdf(..., count_requests=True)` writes
how many resources it asked for into the PDF's title.
"""
import functools
import http.server
import pathlib
import shutil
import re
import subprocess
import tempfile
import threading

import plotly

from chalicelib.viz.page import PLOTLYJS_URL

# Off the network: every host name fails to resolve except loopback, where pages are served.
FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1')
PLOTLYJS = pathlib.Path(plotly.__file__).parent / 'package_data' / 'plotly.min.js'
# Runs before anything else on the page: uncaught errors and rejected promises become DOM text.
ERROR_HOOK = ('<script>(function(){function note(m){var p=document.getElementById("script-errors");'
              'if(!p){p=document.createElement("pre");p.id="script-errors";document.documentElement.appendChild(p);}'
              'p.textContent+=String(m)+"\\n";}'
              'window.addEventListener("error",function(e){note(e.message);});'
              'window.addEventListener("unhandledrejection",function(e){note("rejected: "+e.reason);});})();</script>')
# Runs at load: the page's title becomes the number of resources it requested (failed ones count).
REQUEST_COUNTER = ('<script>window.addEventListener("load",function(){document.title="requests="+'
                   'performance.getEntriesByType("resource").length;});</script>')
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

    def publish(self, name, html_bytes, offline=False, count_requests=False):
        """Store a page with plotly.js (unless `offline`: it needs none or carries its own) and the
        error hook local (and the request counter, when asked); its URL."""
        html = html_bytes.decode('utf-8')
        if offline:
            assert '<script src=' not in html, 'an offline page loads nothing from elsewhere'
        else:
            assert PLOTLYJS_URL in html, 'the page should load plotly.js from the pinned URL'
            html = html.replace(PLOTLYJS_URL, f'{self.base}/plotly.min.js')
        html = html.replace('<head>', '<head>' + ERROR_HOOK + (REQUEST_COUNTER if count_requests else ''), 1)
        (self.folder / name).write_text(html, encoding='utf-8')
        return f'{self.base}/{name}'

    def _run(self, url, *extra):
        profile = tempfile.mkdtemp(prefix='profile-', dir=self.folder)  # fresh, and safe from two threads
        command = [chromium(), *FLAGS, f'--user-data-dir={profile}', '--virtual-time-budget=30000', *extra, url]
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        assert done.returncode == 0, done.stderr.decode(errors='replace')[-2000:]
        return done.stdout.decode('utf-8', errors='replace')

    def dom(self, url):
        """The DOM after the page's scripts ran."""
        return self._run(url, '--dump-dom')

    def screenshot(self, url, path, height=900, width=1280):
        self._run(url, f'--screenshot={path}', f'--window-size={width},{height}', '--hide-scrollbars')
        return pathlib.Path(path)

    def pdf(self, url, path):
        self._run(url, f'--print-to-pdf={path}', '--no-pdf-header-footer')
        return pathlib.Path(path)


def script_errors(dom):
    """The text the error hook wrote, or '' when the page ran cleanly."""
    marker = '<pre id="script-errors">'
    return dom.split(marker, 1)[1].split('</pre>', 1)[0] if marker in dom else ''


def pdf_pages(pdf):
    """The page sizes of a PDF in points, [(width, height)], read from its MediaBoxes."""
    return [(float(w), float(h)) for w, h in
            re.findall(rb'/Type\s*/Page\b(?!s).*?/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]', pdf, re.S)]


def pdf_title(pdf):
    """The PDF's title (Chromium writes the page's <title> as a plain string)."""
    found = re.search(rb'/Title\s*\(([^)]*)\)', pdf)
    return found.group(1).decode('latin-1') if found else None
