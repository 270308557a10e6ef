"""Timing of the analysis stages (`make bench`, i.e. `python -m bench`)."""
import pathlib
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
