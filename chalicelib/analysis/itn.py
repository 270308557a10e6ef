"""Bed-net (ITN) distribution plan (analysis spec section 9).

Nets go first to the most vulnerable rural wards, then to urban ones, at one net
per 1.8 people. Pure: a ranking and ward populations in, a plan out. Arithmetic
is exact (fractions) so a need such as 27 people / 1.8 is 15 nets, never 16.
"""
import csv
import math
import numbers
from fractions import Fraction

from chalicelib.analysis.errors import DataError
from chalicelib.analysis.exports import safe_cell
from chalicelib.analysis.ingest import identifier_text
from chalicelib.analysis.population import plain_number

PEOPLE_PER_NET = Fraction(9, 5)
PRESETS = ('default', 'mrpt-legacy')
METHODS = ('composite', 'pca')
TIERS = ('rural', 'urban')
PLAN_COLUMNS = ('ward_code', 'ward_name', 'lga', 'rank', 'population', 'urban_percentage', 'tier',
                'nets_needed', 'nets_allocated', 'people_covered', 'coverage_percent', 'phase')


def plan_itn(rankings, population, total_nets, household_size=5, urban_threshold=75,
             preset='default', method='composite'):
    """The plan for `total_nets` nets over the ranked wards.

    `rankings`: the engine's ranking rows; `population`: ward_code -> people.
    A ward without a positive population stays in the plan with no nets and a
    warning: a number is never invented for it.
    """
    _check_options(total_nets, household_size, urban_threshold, preset, method)
    total_nets = int(total_nets)
    rows = [_plan_row(ward, rank, population, household_size, urban_threshold)
            for ward, rank in _ranked_wards(rankings, method)]
    if not any(row['nets_needed'] for row in rows):
        raise DataError('no_population',
                        'No ranked ward has a population, so no bed-net plan can be made. '
                        'Upload a population table keyed by ward code (columns WardCode and population) '
                        'or ward data with a population column.', column='population')
    warnings = [_wards_note([row for row in rows if row['urban_percentage'] is None],
                            'have no urban percentage and were planned as rural'),
                _wards_note([row for row in rows if row['nets_needed'] is None],
                            'have no positive population, so they cannot be planned and get no nets')]
    warnings = [note for note in warnings if note]
    unmatched = set(population) - {row['ward_code'] for row in rows}
    if unmatched:
        warnings.append(f'{len(unmatched)} population entries match no ranked ward code '
                        f'(e.g. {sorted(map(str, unmatched))[0]}); they were not used.')
    remaining = total_nets
    for tier in TIERS:
        tier_rows = [row for row in rows if row['tier'] == tier and row['nets_needed']]
        remaining = _allocate(tier_rows, remaining, stop_at_first_misfit=(preset == 'mrpt-legacy'))
    for row in rows:
        _cover(row)
    return {'method': method, 'preset': preset, 'household_size': household_size,
            'urban_threshold': urban_threshold, 'rows': rows,
            'totals': _totals(rows, total_nets), 'warnings': warnings}


def nets_needed(people, household_size):
    """ceil(max(P / 1.8, P / household size)): the national campaign rule."""
    return math.ceil(max(people / PEOPLE_PER_NET, people / _exact(household_size)))


def _check_options(total_nets, household_size, urban_threshold, preset, method):
    if isinstance(total_nets, bool) or not isinstance(total_nets, numbers.Integral) or total_nets < 0:
        raise DataError('invalid_option', f'total_nets must be a whole number of nets, 0 or more (got {total_nets!r}).',
                        column='total_nets')
    if not _is_number(household_size) or not household_size > 0 or not math.isfinite(household_size):
        raise DataError('invalid_option', f'household_size must be a number above 0 (got {household_size!r}).',
                        column='household_size')
    if not _is_number(urban_threshold) or not 0 <= urban_threshold <= 100:
        raise DataError('invalid_option',
                        f'urban_threshold must be a percentage from 0 to 100 (got {urban_threshold!r}).',
                        column='urban_threshold')
    if preset not in PRESETS:
        raise DataError('invalid_option', f'preset must be one of {", ".join(PRESETS)} (got {preset!r}).',
                        column='preset')
    if method not in METHODS:
        raise DataError('invalid_option', f'method must be one of {", ".join(METHODS)} (got {method!r}).',
                        column='method')


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _exact(value):
    """A number as an exact fraction of its decimal text (1.8 is 9/5, not a binary approximation)."""
    return Fraction(value) if isinstance(value, (int, Fraction)) else Fraction(repr(float(value)))


def _ranked_wards(rankings, method):
    """(ward, rank) in rank order by the chosen method; ties keep the given order."""
    rank_key = f'{method}_rank'
    seen = set()
    ranked = []
    for position, ward in enumerate(rankings, start=1):
        code = ward.get('ward_code')
        if code is None or str(code).strip() == '':
            raise DataError('missing_ward_code',
                            f'Ranking row {position} has no ward code, and the plan is keyed on ward codes: '
                            'add a WardCode column to the ward data or upload the ward boundaries.',
                            row=position, column='ward_code')
        if code in seen:
            raise DataError('duplicate_ward_code', f'Ward code {code} appears twice in the ranking.',
                            row=position, column='ward_code')
        seen.add(code)
        rank = _number(ward.get(rank_key))
        if rank is None:
            raise DataError('missing_rank', f'Ward {code} has no {method} rank'
                            + (' (PCA did not run for this analysis: plan with the composite ranking).'
                               if method == 'pca' else '.'), row=position, column=rank_key)
        ranked.append((ward, int(rank)))
    return sorted(ranked, key=lambda pair: pair[1])


def _wards_note(rows, what):
    """One warning for many wards: how many, and the first ten by code and name."""
    if not rows:
        return None
    named = ', '.join(f'{row["ward_code"]} ({row["ward_name"]})' for row in rows[:10])
    more = f' and {len(rows) - 10} more' if len(rows) > 10 else ''
    return f'{len(rows)} wards {what}: {named}{more}.'


def _plan_row(ward, rank, population, household_size, urban_threshold):
    """One ward's row before allocation: its need and its tier (unknown urban share counts as rural)."""
    code = ward['ward_code']
    people = _number(population.get(code))
    urban = _number(ward.get('urban_percentage'))
    plannable = people is not None and people > 0
    return {
        'ward_code': code, 'ward_name': ward.get('ward_name'), 'lga': ward.get('lga'), 'rank': rank,
        'population': plain_number(people) if people is not None else None,
        'urban_percentage': urban,
        'tier': 'urban' if urban is not None and urban >= urban_threshold else 'rural',
        'nets_needed': nets_needed(_exact(people), household_size) if plannable else None,
        'nets_allocated': 0, 'people_covered': 0.0,
        'coverage_percent': 0.0 if plannable else None, 'phase': 'none',
    }


def _allocate(tier_rows, remaining, stop_at_first_misfit):
    """Full needs in rank order while they fit; returns the nets left.

    default: a ward that does not fit is skipped and the remainder finally goes to
    the highest-ranked skipped ward. legacy: the first misfit takes the remainder
    and allocation stops there.
    """
    skipped = []
    for row in tier_rows:
        if row['nets_needed'] <= remaining:
            _give(row, row['nets_needed'], 'full')
            remaining -= row['nets_needed']
        elif stop_at_first_misfit:
            _give(row, remaining, 'partial')
            return 0
        else:
            skipped.append(row)
    if skipped:
        _give(skipped[0], remaining, 'partial')
        return 0
    return remaining


def _give(row, nets, kind):
    if nets > 0:
        row['nets_allocated'] = nets
        row['phase'] = f'{row["tier"]}_{kind}'


def _covered(row):
    """People covered: nets x 1.8, at most the population (exact)."""
    return min(row['nets_allocated'] * PEOPLE_PER_NET, _exact(row['population']))


def _cover(row):
    if row['nets_needed'] is not None:
        covered = _covered(row)
        row['people_covered'] = float(covered)
        row['coverage_percent'] = round(float(100 * covered / _exact(row['population'])), 2)


def _totals(rows, total_nets):
    used = sum(row['nets_allocated'] for row in rows)
    planned = [row for row in rows if row['nets_needed'] is not None]
    covered = sum((_covered(row) for row in planned), Fraction(0))
    people = sum((_exact(row['population']) for row in planned), Fraction(0))
    return {
        'nets_total': total_nets, 'nets_used': used, 'nets_left': total_nets - used,
        'nets_needed': sum(row['nets_needed'] for row in planned),
        'people_covered': float(covered), 'population_planned': float(people),
        'coverage_percent': round(float(100 * covered / people), 2),
        'wards_covered': {tier: sum(row['phase'] == f'{tier}_full' for row in rows) for tier in TIERS},
        'wards_partial': {tier: sum(row['phase'] == f'{tier}_partial' for row in rows) for tier in TIERS},
        'wards_without_nets': sum(row['phase'] == 'none' for row in planned),
        'wards_unplanned': len(rows) - len(planned),
    }


def _number(value):
    """A finite number, or None for a missing, blank or non-numeric value."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        number = float(value)
    else:
        try:
            number = float(str(identifier_text(value)).replace(',', ''))
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def write_plan_csv(plan, fileobj):
    """The plan's ward rows as CSV; text cells are neutralised against spreadsheet formulas."""
    writer = csv.writer(fileobj, lineterminator='\n')
    writer.writerow(PLAN_COLUMNS)
    for row in plan['rows']:
        writer.writerow([safe_cell(row[column]) for column in PLAN_COLUMNS])

