"""Peak memory to validate the largest uploads the service accepts: under 500 MiB each.

Each upload is built at the limits the upload function reads with
(`datasets.processing.reading_limits` of the configured size): a ward CSV of the most rows and
columns filling the size limit; the most wards as a zipped shapefile and as GeoJSON at the
boundary limit, each alone and with that CSV; and a facility export at its row limit, read,
then with its ward TPR computed as the upload function does.
Each runs in a fresh interpreter, since peak memory is per process; a line gives the median
and the spread of the runs. `python -m bench.bench_uploads` runs it alone.
"""
import argparse
import io
import json
import pathlib
import sys
import tempfile
import time
import zipfile

import numpy as np

from bench import fresh_json, peak_mib, spread
from chalicelib.config import settings
from chalicelib.datasets.processing import reading_limits

BUDGET_MIB = 500
VALUE_BLOCK = 1000  # distinct rows of values, repeated down the table


def ward_csv(codes, names, limits):
    """A ward table of `codes` with as many variables as the column limit allows, each cell
    as long as keeps the table within the size limit."""
    columns = limits.max_columns - 2
    width = (limits.max_bytes // len(codes) - max(map(len, codes)) - max(map(len, names)) - 2) // columns - 1
    rng = np.random.default_rng(0)
    block = [','.join(f'{v:.{width - 2}f}' for v in row) for row in rng.random((VALUE_BLOCK, columns))]
    lines = ['WardCode,WardName,' + ','.join(f'v{j}' for j in range(columns))]
    lines += [f'{code},{name},{block[i % VALUE_BLOCK]}' for i, (code, name) in enumerate(zip(codes, names))]
    return ('\n'.join(lines) + '\n').encode()


def boundaries_at_limit(limits):
    """The ward data, and its wards (the most a table may have) as a zipped shapefile and as
    GeoJSON, each simplified as a coverage (shared edges stay shared) until its shapes take
    just under the boundary limit: {format: (filename, bytes, size held to the limit)}."""
    import shapely
    from chalicelib.analysis.synthetic import generate_state, geojson_bytes, shapefile_zip
    files = generate_state(limits.max_rows, seed=0)
    features = json.loads(files['boundaries'][1])['features']
    wards = shapely.polygons([f['geometry']['coordinates'][0] for f in features])
    properties = [f['properties'] for f in features]

    def zipped(rings):
        archive = shapefile_zip('wards', rings, properties)
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            return 'wards.zip', archive, sum(info.file_size for info in z.infolist())

    def geojson(rings):
        body = geojson_bytes(rings, properties)
        return 'wards.geojson', body, len(body)

    def at_limit(write):
        limit, low, high = limits.max_boundary_bytes, 0.0, 1e-3   # tolerance in degrees
        tolerance = low
        while True:
            simplified = shapely.coverage_simplify(wards, tolerance) if tolerance else wards
            written = write([shapely.get_coordinates(shapely.get_exterior_ring(w)).tolist() for w in simplified])
            if written[2] <= limit and (not tolerance or written[2] > 0.97 * limit):
                return written   # just under the limit, or all the detail there is
            low, high = (tolerance, high) if written[2] > limit else (low, tolerance)
            tolerance = (low + high) / 2
    return files['data'], {'zip': at_limit(zipped), 'geojson': at_limit(geojson)}


def facility_export(limits):
    """A DHIS2-shaped export of 400 wards' 3,000 facilities over months, as many rows as
    the row and size limits allow."""
    from chalicelib.analysis.tpr import AGE_TEXTS, INDICATOR_TEXTS
    columns = [(text, age) for text in INDICATOR_TEXTS for age in ('u5', 'o5', 'pw')]
    header = ['orgunitlevel2', 'orgunitlevel3', 'orgunitlevel4', 'organisationunitname', 'periodname']
    lines = [','.join(header + [f'"{text} {AGE_TEXTS[age]}"' for text, age in columns])]
    size = len(lines[0]) + 1
    for row in range(limits.max_facility_rows):
        tested = (row * 7) % 40 + 10
        line = ','.join([f'kw State {row % 2}', f'kw LGA {row % 16}', f'kw Ward {row % 400}', f'Facility {row % 3000}',
                         f'2024{row // 3000 % 12 + 1:02d}']
                        + [str(tested if 'tested by' in text else tested // 3) for text, _ in columns])
        if size + len(line) + 1 > limits.max_bytes:
            break
        lines.append(line)
        size += len(line) + 1
    return ('\n'.join(lines) + '\n').encode(), len(lines) - 1


def validate(case, folder):
    """In a fresh interpreter: validate the case's files as the upload function does; print
    {peak MiB, seconds} as JSON."""
    limits = reading_limits(settings().max_upload_bytes)
    files, ward_tpr = json.loads((folder / 'cases.json').read_text())[case]
    loaded = {role: (name, (folder / name).read_bytes()) for role, name in files.items()}
    started = time.perf_counter()
    if 'tpr' in loaded:
        from chalicelib.analysis.tpr import compute_ward_tpr, read_facility_export
        table, _ = read_facility_export(*loaded['tpr'], limits)
        if ward_tpr:
            compute_ward_tpr(table)
    else:
        from chalicelib.analysis import prepare_dataset
        prepare_dataset(loaded, limits).to_canonical()
    print(json.dumps({'peak': peak_mib(), 'seconds': time.perf_counter() - started}))


def build(folder, limits):
    """Write every case's files to `folder`, and the cases as labels of (files by role, whether
    the ward TPR is computed); the labels in the order printed."""
    data, boundaries = boundaries_at_limit(limits)
    codes_names = [row.split(',')[:2] for row in data[1].decode().splitlines()[1:]]
    big_csv = ward_csv(*zip(*codes_names), limits)
    export, export_rows = facility_export(limits)
    for name, body in [data, ('big.csv', big_csv), ('export.csv', export)] + [b[:2] for b in boundaries.values()]:
        (folder / name).write_bytes(body)
    wards, columns = big_csv.count(b'\n') - 1, big_csv.split(b'\n', 1)[0].count(b',') + 1
    zipped, geojson = boundaries['zip'], boundaries['geojson']
    cases = {
        f'ward CSV: {wards:,} rows x {columns} columns, {len(big_csv) / 2 ** 20:.1f} MiB': ({'data': 'big.csv'}, False),
        f'zipped shapefile: {wards:,} wards inflating to {zipped[2] / 2 ** 20:.1f} MiB '
        f'({len(zipped[1]) / 2 ** 20:.1f} MiB zipped)': ({'data': data[0], 'boundaries': zipped[0]}, False),
        f'GeoJSON: {wards:,} wards, {geojson[2] / 2 ** 20:.1f} MiB':
            ({'data': data[0], 'boundaries': geojson[0]}, False),
        'ward CSV and zipped shapefile together': ({'data': 'big.csv', 'boundaries': zipped[0]}, False),
        'ward CSV and GeoJSON together': ({'data': 'big.csv', 'boundaries': geojson[0]}, False),
        f'facility export: {export_rows:,} rows ({len(export) / 2 ** 20:.1f} MiB), read':
            ({'tpr': 'export.csv'}, False),
        'facility export: read and ward TPR': ({'tpr': 'export.csv'}, True),
    }
    (folder / 'cases.json').write_text(json.dumps(cases))
    return list(cases)


def measure(case, folder, repeats):
    runs = [fresh_json(['-m', 'bench.bench_uploads', '--validate', case, str(folder)], f'{case}: validation')
            for _ in range(repeats)]
    return [run['peak'] for run in runs], [run['seconds'] for run in runs]


def report(repeats=3):
    """Print each upload's peak memory and seconds (median, min-max of `repeats` runs)."""
    limits = reading_limits(settings().max_upload_bytes)
    print(f'\nvalidating the largest uploads (limits: {limits.max_bytes / 2 ** 20:.0f} MiB a file, '
          f'{limits.max_rows:,} rows, {limits.max_columns} columns, boundaries of '
          f'{limits.max_boundary_bytes / 2 ** 20:.0f} MiB): process peak memory, budget {BUDGET_MIB} MiB, '
          f'median (min-max) of {repeats} runs')
    with tempfile.TemporaryDirectory() as temp:
        folder = pathlib.Path(temp)
        for case in build(folder, limits):
            peaks, seconds = measure(case, folder, repeats)
            over = '  OVER BUDGET' if max(peaks) > BUDGET_MIB else ''
            print(f'  {case}\n    {spread(peaks, "MiB", 0, width=6)}  {spread(seconds, "s", 1, width=7)}{over}', flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench.bench_uploads', description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--validate', nargs=2, metavar=('CASE', 'FOLDER'), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.validate:
        validate(args.validate[0], pathlib.Path(args.validate[1]))
    else:
        report(args.repeats)
    return 0


if __name__ == '__main__':
    sys.exit(main())
