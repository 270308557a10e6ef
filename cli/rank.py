"""`rank`: the wards of a ward data file ranked by malaria vulnerability, as rankings.csv."""
import functools
import sys

from chalicelib.analysis import prepare_dataset, run_analysis
from chalicelib.analysis.engine import METHODS, PRESETS
from chalicelib.analysis.errors import DataError
from chalicelib.analysis.exports import write_rankings_csv
from cli.files import read_file, write_all_or_none


def add_parser(subparsers):
    parser = subparsers.add_parser('rank', help='rank wards by malaria vulnerability')
    parser.add_argument('--data', required=True, help='ward data, .csv or .xlsx')
    parser.add_argument('--boundaries', help='ward boundaries, zipped shapefile or .geojson')
    parser.add_argument('--variables', help='comma-separated variable names (default: by state zone)')
    parser.add_argument('--directions', help='comma-separated name=direct|inverse overrides')
    parser.add_argument('--preset', choices=PRESETS, default='default')
    parser.add_argument('--method', choices=METHODS, default='both')
    parser.add_argument('--state', help='state code or name (e.g. NI) when the files do not say')
    parser.add_argument('--out', required=True, help='rankings CSV to write')
    parser.set_defaults(run=run)


def run(args):
    files = {'data': read_file(args.data)}
    if args.boundaries:
        files['boundaries'] = read_file(args.boundaries)
    prepared = prepare_dataset(files)
    request = {'method': args.method, 'preset': args.preset, 'state': args.state,
               'variables': [v.strip() for v in args.variables.split(',') if v.strip()] if args.variables else None,
               'directions': parse_directions(args.directions)}
    result = run_analysis(prepared, request)
    write_all_or_none([(args.out, functools.partial(write_rankings_csv, result.rankings))])
    print(summary(prepared, result, args.out), file=sys.stderr)
    return 0


def parse_directions(text):
    directions = {}
    for item in filter(None, (part.strip() for part in (text or '').split(','))):
        name, sep, direction = item.partition('=')
        if not sep or not name.strip():
            raise DataError('bad_request', f'--directions item {item!r} must look like name=direct or name=inverse.',
                            column='directions')
        directions[name.strip()] = direction.strip()
    return directions


def summary(prepared, result, out):
    """What the analysis found, for the analyst to check before using the rankings."""
    wards = prepared.summary
    matched = wards['matched']
    lines = [f'wards: {wards["wards"]} (state {wards["state"] or "unknown"})',
             f'matched: {matched["by_code"]} by code, {matched["by_name"]} by name, {matched["fuzzy"]} fuzzy; '
             f'{wards["unmatched"]} unmatched',
             'variables: ' + ', '.join(f'{v["name"]} ({v["direction"]})' for v in result.variables),
             f'models: {len(result.models)}']
    pca = result.pca
    if pca.get('ran'):
        explained = ', '.join(f'{r:.3f}' for r in pca['explained_variance'])
        lines.append(f'pca: KMO {pca["kmo"]:.3f}, Bartlett chi2 {pca["bartlett"]["chi2"]:.1f} '
                     f'(df {pca["bartlett"]["df"]}, p {pca["bartlett"]["p_value"]:.3g}), '
                     f'{pca["components"]} components, explained {explained}')
    else:
        lines.append(f'pca: {pca.get("reason")}')
    if result.comparison:
        lines.append(f'comparison: Spearman {result.comparison["spearman"]:.3f}, '
                     f'top 10 overlap {result.comparison["top10_overlap"]:.2f}')
    lines.extend(f'warning: {w}' for w in result.warnings)
    lines.append(f'wrote {len(result.rankings)} rows to {out}')
    return '\n'.join(lines)
