"""Timing of the analysis stages (`make bench`, i.e. `python -m bench`)."""
import json
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / 'shared' / 'data'


def niger_files():
    """The real Niger upload from ../shared/data, or None (said on stderr) when it is absent."""
    niger = SHARED_DATA / 'niger'
    if not niger.is_dir():
        print(f'Niger data not found at {niger}: skipped', file=sys.stderr)
        return None
    return {'data': ('Niger_plus.csv', (niger / 'Niger_plus.csv').read_bytes()),
            'boundaries': ('Niger_State.zip', (niger / 'Niger_State.zip').read_bytes())}


def spread(values, unit='s', digits=3, width=0):
    """The median with the fastest and slowest run beside it (never the best alone): '0.031 s (0.030-0.032)'."""
    return f'{statistics.median(values):{width}.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})'


def peak_mib():
    """This process's peak resident memory (Linux's VmHWM: ru_maxrss would keep the parent's across exec)."""
    status = pathlib.Path('/proc/self/status').read_text().splitlines()
    return int(next(line for line in status if line.startswith('VmHWM:')).split()[1]) / 1024


def fresh_json(args, what):
    """What a fresh interpreter running `python *args` in the project prints as its last line (JSON);
    SystemExit naming `what` and the end of its stderr when it fails."""
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f'{what} failed\n{out.stderr[-3000:]}')
    return json.loads(out.stdout.strip().splitlines()[-1])
