"""The web app's time budgets (spec/frontend.md) on a 512 kbps / 300 ms link, with their spread.

Starts the local stack serving the built app (devstack.process, as the browser tests do) and runs
web/e2e/measure.mjs in Debian's Chromium: Niger is uploaded once, then each run opens the app
in a fresh browser (nothing cached) on the throttled link, signs in, analyses the dataset again
and opens its map. Prints the median, fastest and slowest of the runs for "sign-in form usable"
(budget 5 s) and "finished analysis -> drawn map" (budget 2 s). The browser tests run the
same measurement once and only check that everything works on that link.
`python -m bench.bench_web` runs it alone.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from bench import SHARED_DATA
from devstack import web
from devstack.process import ROOT, StackProcess

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
NODE_SECONDS = 900


def _missing():
    """Why the measurement cannot run here, or None."""
    if shutil.which('node') is None or shutil.which('npm') is None:
        return 'Node.js 20 with npm is missing'
    if not shutil.which(CHROMIUM):
        return f'Chromium is missing at {CHROMIUM} (make browser)'
    if not (SHARED_DATA / 'niger').is_dir():
        return f'the Niger data is missing at {SHARED_DATA / "niger"}'
    return None


def measure(repeats, scratch):
    """{budgets, labels, runs} from web/e2e/measure.mjs against a stack started for it."""
    web.build(out=sys.stderr)
    stack = StackProcess(os.path.join(scratch, 'stack'), web=True).start()
    try:
        out = os.path.join(scratch, 'figures.json')
        env = {**os.environ, 'CHROMIUM': CHROMIUM, 'E2E_STACK': str(stack.state_dir / 'stack.json'),
               'E2E_NIGER': str(SHARED_DATA / 'niger'), 'E2E_ARTIFACTS': os.path.join(scratch, 'screens'),
               'E2E_SCRATCH': os.path.join(scratch, 'e2e')}
        done = subprocess.run(['node', 'web/e2e/measure.mjs', '--repeats', str(repeats), '--out', out],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=NODE_SECONDS)
        if done.returncode != 0:
            raise RuntimeError(f'the measurement failed:\n{done.stdout[-5000:]}\n--- stack log ---\n'
                               f'{stack.log_text()[-3000:]}')
        with open(out) as figures:
            return json.load(figures)
    finally:
        stack.stop()


def spread_lines(measured):
    """One line per figure: median, min and max of the runs beside its budget."""
    lines = []
    for name, label in measured['labels'].items():
        values = [run[name] for run in measured['runs'] if name in run]
        budget = measured['budgets'][name]
        median = statistics.median(values)
        verdict = 'over budget' if median > budget else 'within budget'
        lines.append(f'  {label:<32}median {median:6.0f} ms  min {min(values):6.0f}  max {max(values):6.0f}'
                     f'   budget {budget} ms ({verdict})')
    return lines


def report(repeats):
    print(f'\nweb app on a 512 kbps / 300 ms link (Chromium\'s network emulation), {repeats} runs:')
    missing = _missing()
    if missing:
        print(f'  skipped: {missing}')
        return
    with tempfile.TemporaryDirectory(prefix='bench-web-') as scratch:
        measured = measure(repeats, scratch)
    print('\n'.join(spread_lines(measured)))
    last = measured['runs'][-1]
    print('  downloaded after the analysis finished (last run): '
          + ', '.join(f'{d["file"] or "/"} {d["kB"]} kB' for d in last.get('mapDownloads', [])))


if __name__ == '__main__':
    parser = argparse.ArgumentParser(prog='python -m bench.bench_web', description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3, help='throttled runs, each in a fresh browser')
    report(parser.parse_args().repeats)
