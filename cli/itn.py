"""`itn`: a bed-net distribution plan from the engine's rankings.csv and a population table."""
import functools
import sys

from chalicelib.analysis.errors import DataError
from chalicelib.analysis.ingest import read_ward_table
from chalicelib.analysis.itn import METHODS, PRESETS, plan_itn, write_plan_csv
from chalicelib.analysis.population import population_from_table
from cli.files import read_file, write_all_or_none


def add_parser(subparsers):
    parser = subparsers.add_parser('itn', help='plan bed-net (ITN) distribution from a ranking')
    parser.add_argument('--rankings', required=True, help='rankings.csv written by the engine')
    parser.add_argument('--population', required=True,
                        help='CSV/XLSX with WardCode and population columns (the ward data file works)')
    parser.add_argument('--total-nets', required=True, type=int)
    parser.add_argument('--household-size', type=float, default=5)
    parser.add_argument('--urban-threshold', type=float, default=75)
    parser.add_argument('--preset', choices=PRESETS, default='default')
    parser.add_argument('--method', choices=METHODS, default='composite')
    parser.add_argument('--out', required=True, help='where to write the plan CSV')
    parser.set_defaults(run=run)


def run(args):
    rankings = rankings_from_table(*read_file(args.rankings))
    population = population_from_table(*read_file(args.population))
    plan = plan_itn(rankings, population, args.total_nets, household_size=args.household_size,
                    urban_threshold=args.urban_threshold, preset=args.preset, method=args.method)
    write_all_or_none([(args.out, functools.partial(write_plan_csv, plan))])
    totals = plan['totals']
    print(f'ITN plan ({args.method}, {args.preset}): {totals["nets_used"]} of {totals["nets_total"]} nets used, '
          f'{totals["nets_left"]} left; {totals["people_covered"]:.0f} people covered; '
          f'full: rural {totals["wards_covered"]["rural"]}, urban {totals["wards_covered"]["urban"]}; '
          f'partial: rural {totals["wards_partial"]["rural"]}, urban {totals["wards_partial"]["urban"]}; '
          f'{totals["wards_unplanned"]} wards without population. Written to {args.out}', file=sys.stderr)
    for warning in plan['warnings']:
        print(f'warning: {warning}', file=sys.stderr)
    return 0


def rankings_from_table(filename, data):
    """The ranking rows of the engine's rankings.csv, as plan_itn takes them (read as a ward table is)."""
    table = read_ward_table(filename, data)
    if 'ward_code' not in table.identifiers:
        raise DataError('missing_column', 'The rankings file has no ward_code column: use the rankings.csv the '
                        'engine wrote.', file=filename, column='ward_code')
    wanted = [(name, i) for i, name in enumerate(table.variables)
              if name in ('composite_rank', 'pca_rank', 'urban_percentage')]
    ids = {role: table.identifiers.get(role) or [None] * len(table.values)
           for role in ('ward_code', 'ward_name', 'lga')}
    rows = []
    for i in range(len(table.values)):
        row = {role: values[i] for role, values in ids.items()}
        row.update({name: table.values[i, j] for name, j in wanted})
        rows.append(row)
    return rows
