"""Seconds and bytes per artifact of the drawing and report stages, on Niger and 9,400 wards.

`make bench` (`bench/__main__.py`) calls `report(label, result_dict)` with the
results its engine bench already computed for Niger and 9,400 wards;
`python -m bench.bench_viz` runs those two analyses itself and reports them.
"""
import sys
import time

from chalicelib.reports import build
from chalicelib.viz import display_boundaries, draw
from chalicelib.viz.maps import MAPS

from bench import niger_files

STATE_BUDGET = 600 * 1024
NATIONAL_BUDGET = 6 * 1024 * 1024
STAGES = (('draw', lambda result, display: draw(result, {}, display)),
          ('report', lambda result, display: build(result, {'dataset_name': 'bench'}, {}, display)))


def timed(function, *args):
    started = time.perf_counter()
    out = function(*args)
    return out, time.perf_counter() - started


def measure(result):
    """[(stage, seconds, {artifact: bytes})] for the drawing and report stages of one result.

    As in the worker, the boundaries are simplified once and both stages use them."""
    display, seconds = timed(display_boundaries, result)
    rows = [('simplify', seconds, {})]
    for name, stage in STAGES:
        artifacts, seconds = timed(stage, result, display)
        rows.append((name, seconds, {k: len(body) for k, (body, _) in artifacts.items()}))
    return rows


def report(label, result):
    """Print the stages' seconds and each artifact's size, flagging a map over its budget."""
    wards = len(result.get('rankings') or ())
    budget = STATE_BUDGET if wards <= 1000 else NATIONAL_BUDGET
    print(f'\n{label}: drawing and reporting {wards} wards (map budget {budget / 1024:.0f} KB)')
    for name, seconds, sizes in measure(result):
        print(f'  {name:<8}{seconds:9.3f} s')
        for artifact, size in sorted(sizes.items()):
            over = '  OVER BUDGET' if artifact in MAPS and size > budget else ''
            print(f'    {artifact:<24}{size / 1024:10.1f} KB{over}')


def main():
    from chalicelib.analysis import prepare_dataset, run_analysis
    from chalicelib.analysis.synthetic import generate_state
    datasets = [('Niger (real)', files)] if (files := niger_files()) else []
    datasets.append(('synthetic 9400 wards', generate_state(9400, seed=0)))
    for label, files in datasets:
        report(label, run_analysis(prepare_dataset(files), {'method': 'both'}).to_dict())
    return 0


if __name__ == '__main__':
    sys.exit(main())
