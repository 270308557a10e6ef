"""`tpr`: the test positivity rate per ward (and per period) from a facility (DHIS2) export."""
import functools
import sys

from chalicelib.analysis.tpr_options import AGES, LEVELS, TESTS
from cli.files import read_file, write_all_or_none


def add_parser(subparsers):
    parser = subparsers.add_parser('tpr', help='test positivity rate per ward from a facility (DHIS2) export')
    parser.add_argument('--facilities', required=True, help='the facility export, CSV or XLSX')
    parser.add_argument('--age', choices=AGES, default='all')
    parser.add_argument('--test', choices=TESTS, default='both')
    parser.add_argument('--level', choices=LEVELS, default='all')
    parser.add_argument('--from', dest='period_from', help='first period, e.g. 2024-01')
    parser.add_argument('--to', dest='period_to', help='last period, e.g. 2024-12')
    parser.add_argument('--out', required=True, help='where to write the ward TPR CSV')
    parser.add_argument('--series-out', help='where to write the per-period series CSV (ward, period, TPR)')
    parser.set_defaults(run=run)


def run(args):
    from chalicelib.analysis.tpr import compute_ward_tpr, read_facility_export, write_ward_tpr_csv  # pandas: here only
    table, repairs = read_facility_export(*read_file(args.facilities))
    result = compute_ward_tpr(table, age=args.age, test=args.test, level=args.level,
                              period_from=args.period_from, period_to=args.period_to)
    write_all_or_none([(path, functools.partial(write_ward_tpr_csv, frame))
                       for path, frame in ((args.out, result.wards), (args.series_out, result.series)) if path])
    known = result.wards['tpr'].notna()
    written = args.out + (f' and {args.series_out}' if args.series_out else '')
    print(f'TPR ({args.age}, {args.test}, {args.level}): {int(known.sum())} of {len(known)} wards with a TPR, '
          f'{len(result.flagged)} flagged rows. Written to {written}', file=sys.stderr)
    for row in result.flagged.to_dict('records'):
        print(f'flagged: row {row["row"]}: {row["facility"]} ({row["ward_name"]}, {row["lga"]}) {row["period"]} '
              f'{row["method"]} {row["age"]}: {row["positives"]} positives > {row["tested"]} tested', file=sys.stderr)
    for warning in (*repairs, *result.warnings):
        print(f'warning: {warning}', file=sys.stderr)
    return 0
