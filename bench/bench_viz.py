"""Seconds and bytes per artifact of the drawing and report stages, on Niger and 9,400 wards.

`make bench` (`bench/__main__.py`) calls `report(label, result_dict, repeats)` with the
results its engine bench computed for Niger and 9,400 wards; `python -m bench.bench_viz`
runs those two analyses itself and reports them. Each stage: the median (min-max) of
`repeats` runs after a first one, which is reported apart (this process's first drawing pays
for loading the templates, plotly's 'plotly_white' among them).
"""
import sys
import time

from chalicelib.reports import build
from chalicelib.viz import display_boundaries, draw
from chalicelib.viz.maps import MAPS

from bench import niger_files, spread

STATE_BUDGET = 600 * 1024
NATIONAL_BUDGET = 6 * 1024 * 1024
STAGES = (('draw', lambda result, display: draw(result, {}, display)),
          ('report', lambda result, display: build(result, {'dataset_name': 'bench'}, {}, display)))


def timed(function, *args):
    started = time.perf_counter()
    out = function(*args)
    return out, time.perf_counter() - started


def measure(result, repeats):
    """[(stage, first seconds, [seconds of the repeats], {artifact: bytes})] for the drawing and report
    stages of one result. As in the worker, the display boundaries are keyed once and both stages use them."""
    rows = []
    display = None
    for name, stage in (('display', lambda result, _: display_boundaries(result)),) + STAGES:
        runs = [timed(stage, result, display) for _ in range(repeats + 1)]
        out = runs[0][0]
        display = out if name == 'display' else display
        sizes = {} if name == 'display' else {k: len(body) for k, (body, _) in out.items()}
        rows.append((name, runs[0][1], [seconds for _, seconds in runs[1:]], sizes))
    return rows


def report(label, result, repeats=3):
    """Print the stages' seconds and each artifact's size, flagging a map over its budget."""
    wards = len(result.get('rankings') or ())
    budget = STATE_BUDGET if wards <= 1000 else NATIONAL_BUDGET
    print(f'\n{label}: drawing and reporting {wards} wards (map budget {budget / 1024:.0f} KB; median (min-max) of '
          f'{repeats} runs after a first)')
    for name, first, seconds, sizes in measure(result, repeats):
        print(f'  {name:<8}{spread(seconds, width=7)}; first {first:.3f} s')
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
