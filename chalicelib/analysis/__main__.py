"""Command line for analysts who work offline: `python -m chalicelib.analysis rank ...`.

Every subcommand maps bad input (a DataError, a usage mistake, an output it
cannot write) to exit status 2 with a one-line reason. `itn` and `tpr` declare
their subcommands in their own modules.
"""
import argparse
import pathlib
import sys

from . import itn, tpr
from .errors import DataError


class OneLineParser(argparse.ArgumentParser):
    """A usage mistake is one line on stderr and exit status 2, like every other refusal."""

    def error(self, message):
        self.exit(2, f'error: {message} (see {self.prog} --help)\n')


def read_file(path):
    """(filename, bytes) as prepare_dataset takes them; an unreadable path is the user's mistake."""
    try:
        return pathlib.Path(path).name, pathlib.Path(path).read_bytes()
    except OSError as exc:
        raise DataError('unreadable_file', f'cannot read {path}: {exc.strerror or exc}', file=str(path)) from None


def parse_directions(text):
    directions = {}
    for item in filter(None, (part.strip() for part in (text or '').split(','))):
        name, sep, direction = item.partition('=')
        if not sep or not name.strip():
            raise DataError('bad_request', f'--directions item {item!r} must look like name=direct or name=inverse.',
                            column='directions')
        directions[name.strip()] = direction.strip()
    return directions


def rank(args):
    from . import prepare_dataset, run_analysis
    from .exports import write_rankings_csv
    files = {'data': read_file(args.data)}
    if args.boundaries:
        files['boundaries'] = read_file(args.boundaries)
    prepared = prepare_dataset(files)
    request = {'method': args.method, 'preset': args.preset, 'state': args.state,
               'variables': [v.strip() for v in args.variables.split(',') if v.strip()] if args.variables else None,
               'directions': parse_directions(args.directions)}
    result = run_analysis(prepared, request)
    with open(args.out, 'w', newline='', encoding='utf-8') as handle:
        write_rankings_csv(result.rankings, handle)
    print_summary(prepared, result, args.out, sys.stderr)
    return 0


def print_summary(prepared, result, out, stream):
    summary = prepared.summary
    matched = summary['matched']
    lines = [f'wards: {summary["wards"]} (state {summary["state"] or "unknown"})',
             f'matched: {matched["by_code"]} by code, {matched["by_name"]} by name, {matched["fuzzy"]} fuzzy; '
             f'{summary["unmatched"]} unmatched',
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
    print('\n'.join(lines), file=stream)


def build_parser():
    parser = OneLineParser(prog='python -m chalicelib.analysis',
                           description='Malaria risk prioritisation of wards, offline.')
    subparsers = parser.add_subparsers(dest='command', required=True)
    ranking = subparsers.add_parser('rank', help='rank wards by malaria vulnerability')
    ranking.add_argument('--data', required=True, help='ward data, .csv or .xlsx')
    ranking.add_argument('--boundaries', help='ward boundaries, zipped shapefile or .geojson')
    ranking.add_argument('--variables', help='comma-separated variable names (default: by state zone)')
    ranking.add_argument('--directions', help='comma-separated name=direct|inverse overrides')
    ranking.add_argument('--preset', choices=('default', 'mrpt-legacy'), default='default')
    ranking.add_argument('--method', choices=('composite', 'pca', 'both'), default='both')
    ranking.add_argument('--state', help='state code or name (e.g. NI) when the files do not say')
    ranking.add_argument('--out', required=True, help='rankings CSV to write')
    ranking.set_defaults(func=rank)
    itn.add_cli(subparsers)
    tpr.add_cli(subparsers)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except DataError as error:
        print(f'error: {error.one_line()}', file=sys.stderr)
        return 2
    except OSError as error:   # the output path: a missing folder, no permission
        print(f'error: cannot write {error.filename or "the output"}: {error.strerror or error}',
              file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
