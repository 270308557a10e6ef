"""Old ChatMRPT results against the ones this service re-computed, for the run's report.

Pure: CSV bytes and rankings in, a comparison out. The old files name wards only
by WardName (ChatMRPT keyed on it), so a ward is compared by code when the old
file has `WardCode`, otherwise by the normalised name, and a name that repeats
(Niger has three Sabon Gari) is left out rather than guessed.
"""
import csv
import io
from types import MappingProxyType

from chalicelib.analysis.matching import normalise_name

SCORE_TOLERANCE = 1e-6
TPR_TOLERANCE = 0.01            # percentage points
SHOWN = 5
# The columns ChatMRPT's versions wrote, in the order they are looked for.
COLUMNS = MappingProxyType({
    'composite': (('overall_rank', 'composite_rank', 'rank'), ('median_score', 'composite_score', 'score')),
    'pca': (('pca_rank', 'overall_rank'), ('pca_score', 'median_score')),
})


def read_csv(data):
    """Rows of an old CSV (any of the encodings pandas wrote it in) with lower-cased column names."""
    text = next(data.decode(e) for e in ('utf-8-sig', 'cp1252', 'latin-1') if _decodes(data, e))
    return [{(k or '').strip().lower(): (v or '').strip() for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text))]


def _decodes(data, encoding):
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _number(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value else None


def _rank(text):
    value = _number(text)
    return int(value) if value is not None and value.is_integer() else value


def _column(rows, names):
    return next((n for n in names if rows and n in rows[0]), None)


def _keyed(pairs):
    """{key: value} of (key, value) pairs, without keys that repeat, and how many repeated."""
    counts = {}
    for key, _ in pairs:
        counts[key] = counts.get(key, 0) + 1
    return {k: v for k, v in pairs if counts[k] == 1}, sum(n for n in counts.values() if n > 1)


def _old_new_keys(rows, rankings):
    """The old and new rows' keys: ward codes when the old file has them, else normalised names."""
    if rows and 'wardcode' in rows[0]:
        return [r['wardcode'].upper() for r in rows], [(w.get('ward_code') or '').upper() for w in rankings]
    return ([normalise_name(r.get('wardname', '')) for r in rows],
            [normalise_name(w.get('ward_name') or '') for w in rankings])


def compare_rankings(name, data, rankings, method):
    """The old rankings file `name` (bytes) against the new `rankings` (rankings.json) for `method`."""
    rows = read_csv(data)
    rank_col, score_col = (_column(rows, names) for names in COLUMNS[method])
    if not rows or rank_col is None or not ({'wardname', 'wardcode'} & set(rows[0])):
        return {'file': name, 'method': method, 'comparable': False,
                'reason': 'the file has no ward and rank columns ChatMRPT wrote'}
    old_keys, new_keys = _old_new_keys(rows, rankings)
    old, old_repeats = _keyed([(k, (_rank(r[rank_col]), _number(r.get(score_col)))) for k, r in zip(old_keys, rows)])
    new, new_repeats = _keyed([(k, (w.get(f'{method}_rank'), w.get(f'{method}_score')))
                               for k, w in zip(new_keys, rankings)])
    both = sorted(set(old) & set(new))
    shifts = {k: abs(old[k][0] - new[k][0]) for k in both if None not in (old[k][0], new[k][0])}
    scores = [abs(old[k][1] - new[k][1]) for k in both if None not in (old[k][1], new[k][1])]
    top = {k for k in both if (old[k][0] or 0) and old[k][0] <= 10}
    comparison = {
        'file': name, 'method': method, 'comparable': True, 'old_wards': len(rows), 'new_wards': len(rankings),
        'compared': len(both), 'left_out_repeated_names': old_repeats + new_repeats,
        'only_old': len(set(old) - set(new)), 'only_new': len(set(new) - set(old)),
        'same_rank': sum(1 for s in shifts.values() if s == 0),
        'max_rank_shift': max(shifts.values(), default=None), 'max_score_difference': max(scores, default=None),
        'top10_kept': sum(1 for k in top if new[k][0] is not None and new[k][0] <= 10),
        'differing': [{'ward': k, 'old_rank': old[k][0], 'new_rank': new[k][0]}
                      for k in sorted(shifts, key=lambda k: -shifts[k]) if shifts[k]][:SHOWN]}
    comparison['reproduced'] = bool(both) and comparison['same_rank'] == len(both) and all(
        s <= SCORE_TOLERANCE for s in scores) and not comparison['only_old']
    return comparison


def compare_tpr(name, data, ward_tpr):
    """The old ward TPR file against the dataset's ward TPR (ward_tpr.csv bytes)."""
    rows = read_csv(data)
    if not rows or 'tpr' not in rows[0] or 'wardname' not in rows[0]:
        return {'file': name, 'method': 'tpr', 'comparable': False,
                'reason': 'the file has no WardName and TPR columns (later ChatMRPT versions wrote Burden per '
                          '1,000 instead)'}
    old, old_repeats = _keyed([(normalise_name(r['wardname']), _number(r['tpr'])) for r in rows])
    new, new_repeats = _keyed([(normalise_name(r.get('ward_name', '')), _number(r.get('tpr')))
                               for r in read_csv(ward_tpr)])
    both = sorted(k for k in set(old) & set(new) if old[k] is not None and new[k] is not None)
    differences = {k: abs(old[k] - new[k]) for k in both}
    return {'file': name, 'method': 'tpr', 'comparable': True, 'old_wards': len(rows), 'compared': len(both),
            'left_out_repeated_names': old_repeats + new_repeats,
            'only_old': len({k for k, v in old.items() if v is not None} - set(new)),
            'max_difference': max(differences.values(), default=None),
            'differing': [{'ward': k, 'old': old[k], 'new': new[k]}
                          for k in sorted(differences, key=lambda k: -differences[k])
                          if differences[k] > TPR_TOLERANCE][:SHOWN],
            'reproduced': bool(both) and all(d <= TPR_TOLERANCE for d in differences.values())}


def describe(c):
    """One line of the report for a comparison."""
    if not c['comparable']:
        return f'{c["file"]}: not compared, {c["reason"]}'
    verdict = 'REPRODUCED' if c['reproduced'] else 'DIFFERS'
    left = f', {c["left_out_repeated_names"]} left out (repeated names)' if c['left_out_repeated_names'] else ''
    if c['method'] == 'tpr':
        return (f'{c["file"]} (ward TPR): {verdict}; {c["compared"]} wards compared{left}, '
                f'largest difference {c["max_difference"]} points')
    worst = '; '.join(f'{d["ward"]} {d["old_rank"]} -> {d["new_rank"]}' for d in c['differing'])
    return (f'{c["file"]} ({c["method"]}): {verdict}; {c["compared"]} of {c["old_wards"]} wards compared{left}, '
            f'{c["same_rank"]} same rank, largest rank shift {c["max_rank_shift"]}, largest score difference '
            f'{c["max_score_difference"]}, {c["top10_kept"]} of the old top 10 still in it'
            + (f'; moved most: {worst}' if worst else ''))
