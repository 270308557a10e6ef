"""Matching data rows to boundary polygons: by code, then normalised name, then fuzzy.

Ties are never matched (two equally good candidates mean we cannot know which
ward the row is), and unmatched rows stay unmatched rather than getting a zero.
"""
import difflib
import re
from collections import Counter
from types import MappingProxyType

from .errors import DataError

FUZZY_THRESHOLD = 0.80
ROMAN = (('viii', '8'), ('vii', '7'), ('iii', '3'), ('ix', '9'), ('vi', '6'), ('iv', '4'), ('ii', '2'),
         ('v', '5'), ('i', '1'))
ROMAN_WORD = re.compile(r'\b(' + '|'.join(r for r, _ in ROMAN) + r')\b')
ROMAN_VALUE = MappingProxyType(dict(ROMAN))


def normalise_name(name):
    """The name key of spec section 1: `kw Adewole (Ward II)` -> `adewole`; `Sabon-Gari II` -> `sabon gari 2`."""
    text = str(name).split('(', 1)[0].strip()
    text = re.sub(r'^[a-z]{2} (?=\S)', '', text)
    text = re.sub(r'[/\-_]', ' ', text.lower())
    text = re.sub(r'\bward\b', ' ', text)
    text = ROMAN_WORD.sub(lambda m: ROMAN_VALUE[m.group(1)], text)
    return ' '.join(text.split())


def lga_keys(data_ids, boundary_ids):
    """How to compare LGAs: by code when both sides carry codes they share, else by name when
    both name them, else by the correspondence the wards themselves show (boundaries often carry
    only a numeric LGACode while data and facility exports name the LGA), else not at all."""
    data, boundaries = lga_sides(data_ids), lga_sides(boundary_ids)
    if set(filter(None, data[0])) & set(filter(None, boundaries[0])):
        return data[0], boundaries[0]
    if any(data[1]) and any(boundaries[1]):
        return data[1], boundaries[1]
    if any(data[1]) and any(boundaries[0]):
        return data[1], translated(boundaries[0], learned_lgas(boundary_ids, boundaries[0], data_ids, data[1]))
    if any(data[0]) and any(boundaries[1]):
        return translated(data[0], learned_lgas(data_ids, data[0], boundary_ids, boundaries[1])), boundaries[1]
    return [None] * len(data_ids['ward_name']), [None] * len(next(iter(boundary_ids.values())))


def lga_sides(ids):
    """Per row (LGA code, normalised LGA name): a code is an LGA value of digits alone, as in
    INEC's `LGACode`, whichever column it came in."""
    n = len(next(iter(ids.values())))
    codes, names = list(ids.get('lga_code') or [None] * n), [None] * n
    for i, value in enumerate(ids.get('lga') or ()):
        if value and value.strip().isdigit():
            codes[i] = codes[i] or value.strip()
        elif value:
            names[i] = normalise_name(value)
    return codes, names


def learned_lgas(coded_ids, codes, named_ids, names):
    """LGA code -> name, read off the wards whose normalised name occurs once on each side: a code
    takes the name most of its wards agree on, when that is more than half of them."""
    def unique(ids):
        keys = [normalise_name(v) if v else None for v in ids['ward_name']]
        counts = Counter(keys)
        return {key: i for i, key in enumerate(keys) if key and counts[key] == 1}
    coded, named = unique(coded_ids), unique(named_ids)
    votes = {}
    for key, j in coded.items():
        i = named.get(key)
        if i is not None and codes[j] and names[i]:
            votes.setdefault(codes[j], Counter())[names[i]] += 1
    learned = {}
    for code, counter in votes.items():
        name, count = counter.most_common(1)[0]
        if 2 * count > sum(counter.values()):
            learned[code] = name
    return learned


def translated(codes, names_by_code):
    return [names_by_code.get(code) for code in codes]


def match_wards(data_ids, boundary_ids):
    """Assign each data row a boundary index (or -1) and report how.

    `data_ids` / `boundary_ids` map identifier roles to per-row lists (see ingest).
    Returns (assignment list, match report dict).
    """
    n_data = len(data_ids['ward_name'])
    n_boundaries = len(next(iter(boundary_ids.values())))
    assignment = [-1] * n_data
    free = set(range(n_boundaries))
    report = {'by_code': 0, 'by_name': [], 'fuzzy': [], 'unmatched': [], 'boundaries_without_data': []}
    data_names = data_ids['ward_name']
    boundary_names = boundary_ids.get('ward_name') or [None] * n_boundaries
    data_lga, boundary_lga = lga_keys(data_ids, boundary_ids)

    if 'ward_code' in data_ids and 'ward_code' in boundary_ids:
        by_code = {code: j for j, code in enumerate(boundary_ids['ward_code']) if code is not None}
        for i, code in enumerate(data_ids['ward_code']):
            j = by_code.get(code)
            if j is not None and j in free:
                assignment[i] = j
                free.discard(j)
                report['by_code'] += 1

    def claim(candidates_for_row, kind, score_of=None):
        """Match rows whose single candidate no other row also claims (order-independent)."""
        claims = {}
        for i, j in candidates_for_row.items():
            claims.setdefault(j, []).append(i)
        for j, rows in claims.items():
            if len(rows) == 1:
                i = rows[0]
                assignment[i] = j
                free.discard(j)
                entry = {'row': i, 'data_name': data_names[i], 'boundary_name': boundary_names[j],
                         'ward_code': (boundary_ids.get('ward_code') or [None] * n_boundaries)[j]}
                if score_of:
                    entry['score'] = round(score_of[i], 4)
                report[kind].append(entry)

    by_name = {}
    for j in free:
        if boundary_names[j]:
            by_name.setdefault((boundary_lga[j], normalise_name(boundary_names[j])), []).append(j)
    name_candidates = {}
    for i in range(n_data):
        if assignment[i] < 0:
            found = by_name.get((data_lga[i], normalise_name(data_names[i])), [])
            if len(found) == 1:
                name_candidates[i] = found[0]
    claim(name_candidates, 'by_name')

    fuzzy_candidates, scores, reasons = {}, {}, {}
    named = [j for j in range(n_boundaries) if boundary_names[j]]
    for i in range(n_data):
        if assignment[i] >= 0:
            continue
        same_lga = [j for j in named if None in (data_lga[i], boundary_lga[j]) or boundary_lga[j] == data_lga[i]]
        best = best_candidates(data_names[i], same_lga, boundary_names)
        if not best:
            reasons[i] = ('no_candidate', [])
            continue
        top = best[0][0]
        runner_up = best[1][0] if len(best) > 1 else -1.0
        shown = [{'name': boundary_names[j], 'score': round(s, 4)} for s, j in best[:3]]
        if top == runner_up:
            reasons[i] = ('tie', shown)
        elif top < FUZZY_THRESHOLD:
            reasons[i] = ('below_threshold', shown)
        elif best[0][1] not in free:
            reasons[i] = ('best_match_taken', shown)
        else:
            fuzzy_candidates[i] = best[0][1]
            scores[i] = top
            reasons[i] = ('claimed_by_several_rows', shown)
    claim(fuzzy_candidates, 'fuzzy', scores)

    for i in range(n_data):
        if assignment[i] < 0:
            reason, shown = reasons.get(i, ('no_candidate', []))
            report['unmatched'].append({'row': i, 'ward_name': data_names[i], 'reason': reason, 'candidates': shown})
    codes = boundary_ids.get('ward_code') or [None] * n_boundaries
    report['boundaries_without_data'] = [{'ward_code': codes[j], 'ward_name': boundary_names[j]}
                                         for j in sorted(free)]
    return assignment, report


def refuse_too_few_matched(report, unmatched, what, check, file=None, column=None):
    """Under half of the data rows on a boundary ward means the two files describe different places
    (or boundaries of another year): ranking the few that matched, or mapping a wrong fuzzy match
    over empty wards, would mislead. Raises the DataError saying how many of the rows `what`
    describes matched, the first `unmatched` names and what to `check`."""
    rows = len(report['unmatched']) + report['by_code'] + len(report['by_name']) + len(report['fuzzy'])
    matched = rows - len(unmatched)
    if 2 * matched >= rows:
        return
    shown = ', '.join(map(str, unmatched[:5])) + (f' and {len(unmatched) - 5} more' if len(unmatched) > 5 else '')
    raise DataError('no_matches' if matched == 0 else 'too_few_matched',
                    f'Only {matched} of the {rows} wards {what} (unmatched: {shown}). {check}',
                    file=file, column=column)


def best_candidates(name, candidates, boundary_names):
    """(score, index) pairs, best first, by difflib ratio on the names as written.

    Every boundary competes, matched or not, so a row is never pushed onto the
    last free look-alike. Names are compared as written (case included): the
    normalised form has already been tried, and comparing as written keeps a
    truncated suffix ambiguous (`Fagg c` scores the same against Fagge A, B
    and C: a tie, which the spec says must stay unmatched).
    """
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(name)
    scored = []
    for j in candidates:
        matcher.set_seq1(boundary_names[j])
        if matcher.real_quick_ratio() >= FUZZY_THRESHOLD * 0.5 and matcher.quick_ratio() >= FUZZY_THRESHOLD * 0.5:
            scored.append((matcher.ratio(), j))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return scored
