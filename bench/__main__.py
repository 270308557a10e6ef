"""`make bench`: the service's time and memory beside the floor under them, cold and warm.

Every figure is a median with its minimum and maximum (never the best run), and the engine's
stand beside the floor measured in the same run (bench/floor.py: reading both files, building
every polygon at once, queen neighbours with one STRtree query) with their ratio. Each dataset
runs in fresh interpreters (bench/fresh.py), service and floor taking turns: cold is a fresh
interpreter's first run, its imports included (what a Lambda cold start pays); warm, the runs
after it; peak RSS, the process's resident peak. Then: how time grows with the wards, storing
a dataset (its display boundaries, made once per dataset), drawing and report, Niger from
upload to SUCCEEDED on the local stack's moto server, `import app` in a fresh interpreter,
the largest uploads' memory, a chat turn and the web app's time budgets on a 512 kbps / 300 ms
link. Goals: Niger within 2x its floor, 9,400 wards within 3x, time growing no faster than the
wards, 9,400 wards under 300 MiB, upload to SUCCEEDED under 1.5 s, `import app` under 120 ms,
every upload under 500 MiB, a rules-provider turn under 300 ms beyond its tools, a usable
sign-in form under 5 s and a drawn map under 2 s after the analysis finishes.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

from bench import ROOT, bench_chat, bench_pipeline, bench_uploads, bench_viz, bench_web, fresh_json, niger_files, spread

SEVEN = ['u5_tpr_rdt', 'avgRAD', 'housing_quality', 'mean_soil_wetness', 'distance_to_water', 'NDMI',
         'urbanPercentage']
TEN = SEVEN + ['mean_rainfall', 'elevation', 'NDWI']
SYNTHETIC = ((1000, TEN), (4000, TEN), (9400, SEVEN), (9400, TEN))
IMPORT_APP = 'import time; t = time.perf_counter(); import {}; print(time.perf_counter() - t)'
IMPORT_FLOOR = 'chalice.app'   # what any Chalice app imports (the app loads pydantic with the first body it parses)
# What the first POST in a container pays once besides: pydantic, the route's models, its model built and used.
FIRST_BODY = ('import time; t = time.perf_counter(); import app; from chalicelib.requests import parse; '
              "parse(app.app.operations['/datasets', 'POST'].request, "
              "{'name': 'Niger', 'files': [{'role': 'boundaries', 'filename': 'wards.zip', 'size': 1}]}); "
              'print(time.perf_counter() - t)')


def ratio(service, floor):
    return f'{statistics.median(service) / statistics.median(floor):.1f}x'


def fresh(kind, folder, request, warm):
    return fresh_json(['-m', 'bench.fresh', kind, str(folder), json.dumps(request), str(warm)], f'{kind} run')


def measure(files, request, repeats, warm, kinds=('service', 'floor', 'store')):
    """{kind: [runs]} over `repeats` fresh interpreters each, the kinds taking turns."""
    with tempfile.TemporaryDirectory() as temp:
        folder = pathlib.Path(temp)
        for name, body in files.values():
            (folder / name).write_bytes(body)
        (folder / 'files.json').write_text(json.dumps({role: name for role, (name, _) in files.items()}))
        runs = {kind: [] for kind in kinds}
        for _ in range(repeats):
            for kind in runs:
                runs[kind].append(fresh(kind, folder, request, warm))
    return runs


def report_dataset(label, runs):
    """Print one dataset's lines; return its warm service seconds (all runs)."""
    service, floor = runs['service'], runs['floor']
    warm = [sum(run.values()) for r in service for run in r['warm']]
    floor_warm = [sum(run.values()) for r in floor for run in r['warm']]
    ranked = service[0]['ranked']
    print(f'\n{label}: {ranked["wards"]} wards, {ranked["variables"]} variables, {ranked["models"]} models, '
          f'PCA {"ran" if ranked["pca"] else "not run"}; files to both rankings')
    print(f'  {"":<10}{"service":<28}{"floor":<28}ratio')
    for name, mine, theirs, unit, digits in (
            ('warm', warm, floor_warm, 's', 3),
            ('cold', [r['cold'] for r in service], [r['cold'] for r in floor], 's', 3),
            ('peak RSS', [r['peak'] for r in service], [r['peak'] for r in floor], 'MiB', 0)):
        print(f'  {name:<10}{spread(mine, unit, digits):<28}{spread(theirs, unit, digits):<28}{ratio(mine, theirs)}')
    stages = {name: statistics.median(run[name] for r in service for run in r['warm'])
              for name in service[0]['warm'][0]}
    parts = {name: statistics.median(run[name] for r in floor for run in r['warm']) for name in floor[0]['warm'][0]}
    print('  service stages (warm medians, s): ' + ', '.join(f'{k} {v:.4f}' for k, v in stages.items()))
    print('  floor parts (warm medians, s): ' + ', '.join(f'{k} {v:.4f}' for k, v in parts.items()))
    store = runs.get('store')
    if store:
        print(f'  the upload function (read, match, neighbours, display boundaries simplified once, stored files): '
              f'warm {spread([s for r in store for s in r["warm"]])}, cold {spread([r["cold"] for r in store])}, '
              f'peak RSS {spread([r["peak"] for r in store], "MiB", 0)}')
    return ranked['wards'], warm, floor_warm


def report_growth(rows):
    print('\nhow time grows with the wards (10 variables, warm medians; linear = flat per ward):')
    base_wards, base, _ = rows[0]
    for wards, warm, floor in rows:
        seconds = statistics.median(warm)
        print(f'  {wards:>6} wards: {seconds:7.3f} s, {seconds / wards * 1e6:6.1f} us a ward; '
              f'{wards / base_wards:4.1f}x the wards, {seconds / statistics.median(base):4.1f}x the time; '
              f'floor {statistics.median(floor) / wards * 1e6:6.1f} us a ward')


def import_seconds(code, repeats):
    """Milliseconds in each of `repeats` fresh interpreters running `code`, which prints its own seconds."""
    out = []
    for _ in range(repeats):
        run = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT, check=True)
        out.append(float(run.stdout.strip()) * 1000)
    return out


def report_import(repeats):
    app, floor, first = (import_seconds(code, repeats)
                         for code in (IMPORT_APP.format('app'), IMPORT_APP.format(IMPORT_FLOOR), FIRST_BODY))
    print(f'\nimport app in a fresh interpreter (goal under 120 ms; {repeats} interpreters): {spread(app, "ms", 0)}; '
          f'floor (import {IMPORT_FLOOR}) {spread(floor, "ms", 0)}; ratio {ratio(app, floor)}; '
          f'import app + first body parsed (POST /datasets: pydantic and its models, once a container) '
          f'{spread(first, "ms", 0)}')


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3, help='fresh interpreters per dataset and figure')
    parser.add_argument('--warm', type=int, default=3, help='warm runs in each interpreter')
    parser.add_argument('--max-wards', type=int, default=9400)
    args = parser.parse_args(argv)
    from chalicelib.analysis import prepare_dataset, run_analysis
    from chalicelib.analysis.synthetic import generate_state
    print(f'load average (1, 5, 15 min) at the start: {", ".join(f"{x:.2f}" for x in os.getloadavg())} '
          f'on {os.cpu_count()} cores')
    drawn = []
    files = niger_files()
    if files:
        report_dataset('Niger (real), default request', measure(files, {'method': 'both'}, args.repeats, args.warm))
        drawn.append(('Niger (real)', files, {'method': 'both'}))
    growth, stored = [], set()
    for wards, variables in SYNTHETIC:
        if wards > args.max_wards:
            continue
        files = generate_state(wards, seed=0)
        request = {'method': 'both', 'variables': variables}
        kinds = ('service', 'floor') if wards in stored else ('service', 'floor', 'store')   # storing: once a dataset
        stored.add(wards)
        row = report_dataset(f'synthetic {wards} wards', measure(files, request, args.repeats, args.warm, kinds))
        if variables is TEN:
            growth.append(row)
        if wards == args.max_wards and variables is SEVEN:
            drawn.append((f'synthetic {wards} wards', files, request))
    if len(growth) > 1:
        report_growth(growth)
    for label, files, request in drawn:
        bench_viz.report(label, run_analysis(prepare_dataset(files), request).to_dict(), args.repeats)
    bench_pipeline.report(args.repeats, args.warm)
    report_import(max(7, args.repeats))
    bench_uploads.report(args.repeats)
    bench_chat.report(args.repeats)
    bench_web.report(args.repeats)
    print(f'\nload average (1, 5, 15 min) at the end: {", ".join(f"{x:.2f}" for x in os.getloadavg())}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
