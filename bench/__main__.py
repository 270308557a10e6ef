"""Seconds per analysis stage on the Niger data and synthetic states up to all of Nigeria.

Prints, per dataset: the preparation stages (read, match, contiguity), the
analysis stages for both methods, the total, and peak memory; then how the
analysis time grows with wards x models; the drawing and report stages; and the
peak memory to validate the largest uploads the service accepts; and a chat turn's
time beyond its tools; and the web app's time budgets on a 512 kbps / 300 ms link. Goals: Niger
under 0.3 s of analysis compute, 9,400 wards under 5 s, every upload under 500 MiB, a
rules-provider turn under 300 ms beyond its tools, a usable sign-in form under 5 s and a drawn
map under 2 s after the analysis finishes.
"""
import argparse
import resource
import sys
import time
import tracemalloc

from chalicelib.analysis import prepare_dataset, run_analysis
from chalicelib.analysis.synthetic import generate_state
from bench import bench_chat, bench_uploads, bench_viz, bench_web, niger_files

SEVEN = ['u5_tpr_rdt', 'avgRAD', 'housing_quality', 'mean_soil_wetness', 'distance_to_water', 'NDMI',
         'urbanPercentage']
TEN = SEVEN + ['mean_rainfall', 'elevation', 'NDWI']


class StageClock:
    """Records when each stage starts; durations are the gaps between starts."""

    def __init__(self):
        self.marks = []

    def __call__(self, name):
        self.marks.append((name, time.perf_counter()))

    def durations(self, end):
        ends = [t for _, t in self.marks[1:]] + [end]
        return [(name, stop - start) for (name, start), stop in zip(self.marks, ends)]


def timed(function, *args, **kwargs):
    clock = StageClock()
    result = function(*args, on_stage=clock, **kwargs)
    return result, clock.durations(time.perf_counter())


def best_of(repeats, function, *args, **kwargs):
    """The run with the smallest total (least disturbed by other processes)."""
    runs = [timed(function, *args, **kwargs) for _ in range(repeats)]
    return min(runs, key=lambda run: sum(seconds for _, seconds in run[1]))


def traced_peak(files, request):
    """Peak bytes allocated (Python and numpy) while preparing and analysing, measured untimed."""
    tracemalloc.start()
    run_analysis(prepare_dataset(files), request)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def bench_dataset(label, files, request, repeats):
    prepared, prep_stages = best_of(repeats, prepare_dataset, files)
    result, run_stages = best_of(repeats, run_analysis, prepared, request)
    prep_total = sum(s for _, s in prep_stages)
    run_total = sum(s for _, s in run_stages)
    print(f'\n{label}: {prepared.summary["wards"]} wards, {len(result.variables)} variables, '
          f'{len(result.models)} models, PCA {"ran" if result.pca.get("ran") else "not run"}')
    for name, seconds in prep_stages:
        print(f'  prepare  {name:<12}{seconds:9.4f} s')
    for name, seconds in run_stages:
        print(f'  analyse  {name:<12}{seconds:9.4f} s')
    print(f'  total: prepare {prep_total:.3f} s + analyse {run_total:.3f} s (both methods, JSON-ready result)'
          f' = {prep_total + run_total:.3f} s')
    print(f'  peak traced memory {traced_peak(files, request) / 2 ** 20:.1f} MiB, process peak RSS '
          f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB')
    return (prepared.summary['wards'], len(result.models), run_total), result


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3, help='runs per dataset; the fastest is reported')
    parser.add_argument('--max-wards', type=int, default=9400)
    args = parser.parse_args(argv)
    request = {'method': 'both'}
    rows, drawn = [], []  # drawn: (label, result) the drawing and report bench reuses
    files = niger_files()
    if files:
        row, result = bench_dataset('Niger (real, default request)', files, request, args.repeats)
        rows.append(row)
        drawn.append(('Niger (real)', result))
    sizes = [n for n in (275, 2350, 9400) if n <= args.max_wards]
    for variables in (SEVEN, TEN):
        for n in sizes:
            files = generate_state(n, seed=0)
            row, result = bench_dataset(f'synthetic {n} wards', files, dict(request, variables=variables),
                                        args.repeats if n < 9400 else 1)
            rows.append(row)
            if n == sizes[-1] and variables is SEVEN:
                drawn.append((f'synthetic {n} wards', result))
    print('\nanalysis cost per ward x model (flat or falling = grows no faster than wards x models):')
    for wards, models, seconds in rows:
        print(f'  {wards:>6} wards x {models:>5} models: {seconds:7.3f} s  '
              f'{seconds / (wards * models) * 1e6:8.3f} us per ward-model')
    for label, result in drawn:
        bench_viz.report(label, result.to_dict())
    bench_uploads.report(args.repeats)
    bench_chat.report(args.repeats)
    bench_web.report(args.repeats)
    return 0


if __name__ == '__main__':
    sys.exit(main())
