"""Reporting periods of a facility export (`2024`, `2024Q1`, `202401`, `January 2024`) as month spans.

Apart from the TPR engine, so the REST path can check a requested period range
without loading pandas.
"""
import calendar
import re
from dataclasses import dataclass
from types import MappingProxyType

from chalicelib.analysis.errors import DataError

MONTH_NUMBERS = MappingProxyType({name.lower(): number for names in (calendar.month_name, calendar.month_abbr)
                                  for number, name in enumerate(names) if name})
PERIOD_FORMATS = (
    (re.compile(r'^(\d{4})$'), 'year'),
    (re.compile(r'^(\d{4})\s*q([1-4])$'), 'quarter'),
    (re.compile(r'^(\d{4})(\d{2})$'), 'month'),
    (re.compile(r'^(\d{4})[-/](\d{1,2})(?:[-/]\d{1,2})?(?:[ t].*)?$'), 'month'),
    (re.compile(r'^([a-z]+)\.?[\s\-]+(\d{4})$'), 'named_month'),
)


@dataclass(frozen=True)
class Period:
    """A reporting period as the months it spans (months counted from year 0)."""
    label: str
    first: int
    last: int


def parse_period(text, option='period'):
    """A Period from `2024`, `2024Q1`, `202401`, `2024-01(-15)` or `January 2024`; DataError otherwise."""
    period = period_or_none(text)
    if period is None:
        raise DataError('invalid_option', f'{option} period {text!r} is not a year, quarter or month '
                        '(e.g. 2024, 2024Q1, 202401, 2024-01, January 2024).', column=option)
    return period


def period_or_none(text):
    """The Period a cell's text names, or None (blank or not a period)."""
    text = '' if text is None else str(text).strip().lower()
    for pattern, kind in PERIOD_FORMATS:
        match = pattern.match(text)
        if not match:
            continue
        if kind == 'year':
            year = int(match.group(1))
            return Period(str(year), year * 12, year * 12 + 11)
        if kind == 'quarter':
            year, quarter = int(match.group(1)), int(match.group(2))
            return Period(f'{year}Q{quarter}', year * 12 + 3 * (quarter - 1), year * 12 + 3 * quarter - 1)
        year, month = ((int(match.group(2)), MONTH_NUMBERS.get(match.group(1))) if kind == 'named_month'
                       else (int(match.group(1)), int(match.group(2))))
        if month and 1 <= month <= 12:
            return Period(f'{year}-{month:02d}', year * 12 + month - 1, year * 12 + month - 1)
    return None
