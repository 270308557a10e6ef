"""Values no ward can have, refused by row and column before they are ranked or planned with.

Only what is impossible by definition is refused, judged by the column's name:
a negative number of people, distance, area or rainfall; a percentage, relative
humidity or a rate (test positivity, parasite prevalence) below 0 or above 100.
A rate given as a fraction (0..1, as Warri's tpr_u5) lies inside 0..100 and passes.
A name that says the column is derived (a change, difference, log or z-score)
is left alone: those can be negative. Everything else (elevation, NDWI) can be
anything.
"""
import re
from types import MappingProxyType

import numpy as np

from .errors import DataError
from .variables import squash, words

# rule: (low, high, why)
RULES = MappingProxyType({
    'people': (0, None, 'a number of people cannot be below 0'),
    'percentage': (0, 100, 'a percentage lies between 0 and 100'),
    'rate': (0, 100, 'a rate lies between 0 and 100 (or 0 and 1 as a fraction)'),
    'humidity': (0, 100, 'relative humidity lies between 0 and 100'),
    'distance': (0, None, 'a distance cannot be below 0'),
    'area': (0, None, 'an area cannot be below 0'),
    'rainfall': (0, None, 'rainfall cannot be below 0'),
})
# rule: (a word of the name, or a pattern of the squashed name), e.g. `u5_tpr_rdt`, `tpru5new`, `urbanPct`.
MATCHES = MappingProxyType({
    'people': (frozenset({'pop'}), re.compile('population')),
    'percentage': (frozenset({'pct', 'perc'}), re.compile('percent|(pct|perc)$')),
    'rate': (frozenset({'tpr', 'pfpr'}), re.compile('^(u5)?tpr|tpr(u5|rdt)?$|positivity|prevalence')),
    'humidity': (frozenset({'rh'}), re.compile('humidity')),
    'distance': (frozenset({'dist'}), re.compile('distance')),
    'area': (frozenset({'area'}), re.compile('area$')),
    'rainfall': (frozenset(), re.compile('rainfall|precipitation')),
})
DERIVED_WORDS = frozenset({'log', 'z', 'std', 'sd', 'diff', 'delta', 'change', 'growth', 'trend', 'anomaly',
                           'residual', 'scaled', 'zscore', 'ratio'})
DERIVED = re.compile('change|difference|increase|decrease|growth|anomaly|zscore|standardi|normali')
ROUNDING = 1e-6  # a computed 100.0000001 % is rounding, not an impossible value


def rule_of(name):
    """The name of the rule a column is held to, or None."""
    parts, squashed = words(name), squash(name)
    if DERIVED_WORDS.intersection(parts) or DERIVED.search(squashed):
        return None
    return next((rule for rule, (whole, pattern) in MATCHES.items()
                 if whole.intersection(parts) or pattern.search(squashed)), None)


def check_column(filename, column, values, row_numbers, rule=None):
    """Refuse the first value of `column` outside what its rule allows, naming its row.

    `rule` forces one (a population table's column holds people whatever its name);
    missing values (NaN) pass."""
    rule = rule or rule_of(column)
    if rule is None:
        return
    low, high, why = RULES[rule]
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid='ignore'):
        wrong = (values < low - ROUNDING) | (values > high + ROUNDING if high is not None else False)
    if not wrong.any():
        return
    i = int(np.flatnonzero(wrong)[0])
    row = int(row_numbers[i])
    raise DataError('impossible_value', f'Row {row}: {column} is {values[i]:g}, but {why}. Correct the value '
                    '(or leave the cell empty if it is unknown) and upload the file again.',
                    file=filename, row=row, column=column)
