"""Numbers and times as a person reads them, the same on every map, chart and report.

Scores show 3 decimals (files keep 6: `analysis.exports.export_number`), people and nets are whole
numbers with thousands separators, p-values far below 0.001 read "< 0.001", and
times are local to Nigeria (West Africa Time, UTC+1 all year: no daylight saving).
"""
import math
from datetime import datetime, timedelta, timezone

DASH = '–'
SCORE_DECIMALS = 3
WAT = timezone(timedelta(hours=1), 'WAT')  # Africa/Lagos: UTC+1, no daylight saving


def score(value, digits=SCORE_DECIMALS):
    """A score (or any fraction) to `digits` decimals; '–' when there is none."""
    return DASH if value is None else f'{value:.{digits}f}'


def people(value):
    """People or nets: a whole number with thousands separators (899978.4 people is 899,978)."""
    return DASH if value is None else f'{math.floor(value + 1e-9):,}'


def quantity(value):
    """A measured value with three significant digits, thousands separated (2,433; 0.0396; 29.1)."""
    if value is None:
        return DASH
    if value == 0 or abs(value) >= 1000:
        return f'{value:,.0f}'
    return f'{value:.3g}' if abs(value) >= 0.001 else f'{value:.2e}'


def percent(fraction, digits=1):
    """A 0–1 fraction as a percentage."""
    return DASH if fraction is None else f'{100 * fraction:.{digits}f}%'


def p_value(value):
    """A p-value as a statistician writes it for a reader: 0.012, or < 0.001."""
    if value is None:
        return DASH
    return '< 0.001' if value < 0.001 else f'{value:.3f}'


def local_time(text):
    """An ISO time (UTC 'Z' or with an offset) as '25 Nov 2026, 07:00 WAT'; other text as it is."""
    if not text:
        return ''
    try:
        moment = datetime.fromisoformat(str(text).replace('Z', '+00:00'))
    except ValueError:
        return str(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(WAT).strftime('%-d %b %Y, %H:%M WAT')

