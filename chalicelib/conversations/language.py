"""Reading what people type: numbers in words and digits, and the names of the conversation's data.

Ward, LGA and variable names are found with ward matching's own normalisation and fuzzy rule
(analysis/matching.py), applied to both sides' normalised forms so that the chat is case- and
punctuation-blind: 'Bosoo' finds Bosso, 'chanchaga' finds Chanchaga, a tie finds nothing.
The tools resolve the names a model gives through `resolve` and `Wards.find` too, so a name
means the same thing whichever provider wrote it.
"""
import re
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Tuple

from chalicelib.analysis.matching import FUZZY_THRESHOLD, best_candidates, normalise_name
from chalicelib.analysis.variables import CONCEPT_SYNONYMS, concept_column, squash, words

UNITS = MappingProxyType({
    'zero': 0, 'one': 1, 'two': 2, 'three': 3, 'four': 4, 'five': 5, 'six': 6, 'seven': 7, 'eight': 8,
    'nine': 9, 'ten': 10, 'eleven': 11, 'twelve': 12, 'thirteen': 13, 'fourteen': 14, 'fifteen': 15,
    'sixteen': 16, 'seventeen': 17, 'eighteen': 18, 'nineteen': 19, 'twenty': 20, 'thirty': 30, 'forty': 40,
    'fourty': 40, 'fifty': 50, 'sixty': 60, 'seventy': 70, 'eighty': 80, 'ninety': 90})
SCALES = MappingProxyType({'hundred': 100, 'thousand': 1000, 'k': 1000, 'million': 10 ** 6, 'millions': 10 ** 6,
                           'mil': 10 ** 6, 'mln': 10 ** 6, 'mn': 10 ** 6, 'm': 10 ** 6, 'billion': 10 ** 9,
                           'bn': 10 ** 9, 'thousands': 1000, 'hundreds': 100})
ORDINALS = MappingProxyType({word: i for i, word in enumerate((
    'first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth '
    'fifteenth sixteenth seventeenth eighteenth nineteenth twentieth').split(), 1)})
# A place in a list the text points at: 'the second (one)', 'the 3rd', 'number three', '#4', 'the top one',
# or from its end: 'the last (one)', 'the final one', 'the bottom one', 'the second to last', '3rd last';
# only where the phrase ends or names a ward, so 'the first line treatment' and 'the first 5' are no place.
ORDINAL = '|'.join(ORDINALS)
POSITION = re.compile(
    r"(?<![\w-])(?:(?:the\s+)?(?:(?P<back>" + ORDINAL + r"|\d+(?:st|nd|rd|th))[\s-]+(?:to[\s-]+)?)?"
    r"(?P<last>last|final)|(?P<bottom>the\s+bottom\s+one)"
    r"|(?:the\s+)?(?:(?P<ordinal>" + ORDINAL + r")|(?P<digits>\d+)(?:st|nd|rd|th))"
    r"|(?P<top>the\s+(?:top|highest|riskiest)\s+one)|(?:number|no\.|#)\s*(?P<number>\d+|[a-z]+(?:[\s-][a-z]+)?))"
    r"(?=\s+(?:one|ward|on|in|is|was|so|ranked|placed|there)\b|\s*[?.!,]*\s*$)", re.I)
ATTACHED_ONLY = frozenset({'k', 'm'})  # '2m' is two million; a lone 'm' may be metres
NUMBER_TOKEN = re.compile(
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<fraction>\.\d+)?(?P<suffix>[a-z]+)?"
    r"|(?P<word>[a-z][a-z0-9]*)|(?P<mark>\S)")
NAME_TOKEN = re.compile(r"[^\W_]+(?:['’/.\-][^\W_]+)*")
# Words that never begin or end a name found in free text (a name may hold one inside it):
# English glue and the router's own vocabulary, so 'why is Manta ranked so high' looks only at 'Manta'.
COMMON_WORDS = frozenset((
    'a an the and or of in on at for to from by with without about into than then also is are was were be '
    'been being am do does did done i me my mine we our us you your it its this that these those there here '
    'what which who whom whose why how when where so very too much many most more least less lowest highest '
    'high higher low lower top bottom first last next show shows give tell list see get make create draw plot '
    'map maps mapped mapping ward wards lga lgas local government area areas state states rank ranks ranked '
    'ranking rankings risk risky riskiest vulnerable vulnerability score scores scored explain please can could '
    'would should will shall want need like let lets all any some each every no not number run start analysis '
    'analyse analyze compare method methods using use composite pca plan nets net data dataset datasets '
    'just only now again okay ok thanks thank hi hello hey yes table chart view display').split()) | set(UNITS)
GENERIC_VARIABLE_WORDS = frozenset({'mean', 'avg', 'average', 'total', 'val', 'value', 'new', 'score', 'index',
                                    'of', 'to', 'the', 'per', 'percent', 'percentage'})
# What people call a variable -> the squashed column names or concepts (variables.py) it may be.
VARIABLE_PHRASES = MappingProxyType({
    'rain': ('rainfall',), 'precipitation': ('rainfall',), 'vegetation': ('evi', 'vegetation', 'ndvi'),
    'greenness': ('evi', 'ndvi'), 'evi': ('enhancedvegetationindex',), 'enhancedvegetationindex': ('evi',),
    'ndvi': ('normaliseddifferencevegetationindex', 'normalizeddifferencevegetationindex'), 'tpr': ('u5_tpr_rdt',),
    'testpositivity': ('u5_tpr_rdt',), 'positivity': ('u5_tpr_rdt',), 'positivityrate': ('u5_tpr_rdt',),
    'urban': ('urban_percentage',), 'urbanisation': ('urban_percentage',), 'urbanization': ('urban_percentage',),
    'urbanicity': ('urban_percentage',), 'water': ('distance_to_waterbodies',),
    'waterbodies': ('distance_to_waterbodies',), 'distancefromwater': ('distance_to_waterbodies',),
    'lights': ('nighttime_lights',), 'nightlight': ('nighttime_lights',), 'housing': ('housing_quality',),
    'houses': ('housing_quality',), 'soilmoisture': ('soil_wetness',), 'wetness': ('soil_wetness',),
    'altitude': ('elevation',), 'height': ('elevation',), 'waterindex': ('ndwi',), 'moisture': ('ndmi',),
    'moistureindex': ('ndmi',), 'humidity': ('rh', 'humidity'), 'relativehumidity': ('rh',),
    'temperature': ('temp', 'temperature'), 'heat': ('temp',), 'prevalence': ('pfpr',),
    'parasiteprevalence': ('pfpr',), 'flooding': ('flood',), 'floods': ('flood',), 'people': ('population',),
    'settlements': ('settlement',), 'buildings': ('building',)})


@dataclass(frozen=True)
class Number:
    """A number found in text, where it is, and whether it was a percentage."""
    value: object  # int when whole, else float
    start: int
    end: int
    percent: bool = False


@dataclass(frozen=True)
class Token:
    kind: str  # 'number' | 'word' | 'mark'
    text: str
    start: int
    end: int
    value: Decimal = Decimal(0)
    scale: int = 1


def number_tokens(text):
    out = []
    for m in NUMBER_TOKEN.finditer(text.lower()):
        if m.group('digits'):
            value = Decimal(m.group('digits').replace(',', '') + (m.group('fraction') or ''))
            suffix = m.group('suffix') or ''
            out.append(Token('number', m.group(0), m.start(), m.end(), value, SCALES.get(suffix, 1)))
        elif m.group('word'):
            out.append(Token('word', m.group('word'), m.start(), m.end()))
        else:
            out.append(Token('mark', m.group('mark'), m.start(), m.end()))
    return out


def is_scale(token):
    return token.kind == 'word' and token.text in SCALES and token.text not in ATTACHED_ONLY


def read_number(tokens, i):
    """(Number, next index) for the number phrase starting at tokens[i], or None.

    'twenty five thousand', 'one hundred and twenty', 'a hundred', 'half a million', '2 million',
    '1.5m', '500,000', '2 million 500 thousand': units join tens and hundreds, a scale word multiplies
    what came since the last larger scale, and a number word never joins a written number.
    """
    total, current, last_scale = Decimal(0), None, None
    digits, j, end = False, i, None

    def nxt(k):
        return tokens[k] if k < len(tokens) else None
    while j < len(tokens):
        t = tokens[j]
        if t.kind == 'number':
            if current is not None or (last_scale is not None and t.value * t.scale >= last_scale):
                break
            current, digits = t.value, True
            if t.scale > 1:
                total, current, last_scale = total + current * t.scale, None, t.scale
        elif t.kind == 'word' and t.text in UNITS:
            value = UNITS[t.text]
            if digits and current is not None or not joins(current, value):
                break
            current = (current or 0) + value
        elif is_scale(t) and (current is not None or (j == i + 1 and tokens[i].text == 'a')):
            scale = SCALES[t.text]
            if scale == 100:
                if current is not None and current >= 100:
                    break
                current = (current or 1) * 100
            elif last_scale is not None and scale >= last_scale:
                total, current, last_scale = (total + (current or 0)) * scale, None, scale
            else:
                total, current, last_scale = total + (current or 1) * scale, None, scale
        elif j == i and t.text == 'a' and nxt(j + 1) and is_scale(nxt(j + 1)):
            pass
        elif j == i and t.text == 'half' and nxt(j + 1) and (is_scale(nxt(j + 1)) or nxt(j + 1).text == 'a'):
            current = Decimal('0.5')
            if nxt(j + 1).text == 'a':
                j += 1
        elif t.text in ('and', '-') and end is not None and nxt(j + 1) and nxt(j + 1).text in UNITS \
                and not digits and joins(current, UNITS[nxt(j + 1).text]):
            pass
        else:
            break
        end = t.end if t.text not in ('a', 'and', '-', 'half') or end is not None else end
        j += 1
    if end is None or (current is None and last_scale is None):
        return None
    if tokens[j - 1].text in ('a', 'and', '-', 'half'):
        return None
    value = total + (current or 0)
    percent, after = False, nxt(j)
    if after and (after.text in ('%', 'percent', 'pct', 'percentage') or
                  (after.text == 'per' and nxt(j + 1) and nxt(j + 1).text == 'cent')):
        percent, j = True, j + (2 if after.text == 'per' else 1)
        end = tokens[j - 1].end
    return Number(int(value) if value == value.to_integral_value() else float(value),
                  tokens[i].start, end, percent), j


def joins(current, value):
    """Whether a number word continues what was read: 'twenty' 'five', 'hundred (and) twenty'."""
    if current is None:
        return True
    rest = current % 100
    if rest == 0:
        return value < 100
    return rest % 10 == 0 and rest >= 20 and value < 10


def numbers(text):
    """Every number in `text`, in order: digits ('500,000', '1.5', '2m'), words ('twenty five
    thousand', 'a hundred') or both ('2 million'); 'u5' and 'o5' are words, not numbers."""
    tokens, found, i = number_tokens(text), [], 0
    while i < len(tokens):
        read = read_number(tokens, i)
        if read:
            found.append(read[0])
            i = read[1]
        else:
            i += 1
    return tuple(found)


def position(text):
    """The place in a list the text points at, or None: 1 is the first ('the second one', 'the 3rd',
    'third', 'number three', '#4', 'the top one'), -1 the last ('the last one', 'the bottom one', 'final'),
    -2 the one before ('the second to last', '2nd last')."""
    for m in POSITION.finditer(text):
        if m.group('top'):
            return 1
        if m.group('bottom'):
            return -1
        if m.group('last'):
            back = m.group('back') or 'first'
            value = ORDINALS.get(back.lower()) or int(back[:-2])
            if value >= 1:
                return -value
        elif m.group('ordinal'):
            return ORDINALS[m.group('ordinal').lower()]
        else:
            value = int(m.group('digits')) if m.group('digits') else parse_number(m.group('number'))
            if isinstance(value, int) and value >= 1:
                return value
    return None


def parse_number(text):
    """The number `text` is (surrounding words allowed when there is exactly one), or None."""
    found = numbers(text)
    return found[0].value if len(found) == 1 else None


@dataclass(frozen=True)
class Found:
    """A name found in free text: what it resolved to, where, and how well (1.0 = equal once normalised)."""
    key: str
    start: int
    end: int
    score: float


class Vocabulary:
    """Names (wards, LGAs) matched as ward matching matches them, keyed by their normalised form."""

    def __init__(self, names):
        by_key = {}
        for name in names:
            key = normalise_name(name) if name else ''
            if key and name not in by_key.setdefault(key, ()):
                by_key[key] += (name,)
        self.by_key = by_key
        self.keys = list(by_key)
        self.longest = max((len(key.split()) for key in self.keys), default=0)

    def match(self, name):
        """(normalised key, score) of the one name `name` means, or None: equal once normalised, else the best
        difflib ratio of the normalised forms at least FUZZY_THRESHOLD and strictly above the runner-up."""
        key = normalise_name(name)
        if not key:
            return None
        if key in self.by_key:
            return key, 1.0
        best = best_candidates(key, range(len(self.keys)), self.keys)
        if not best or best[0][0] < FUZZY_THRESHOLD or (len(best) > 1 and best[1][0] == best[0][0]):
            return None
        return self.keys[best[0][1]], best[0][0]

    def find(self, text):
        """The names in free text, best first, none overlapping: equal names before look-alikes, a longer
        equal name before a shorter one ('Sabon Gari Wuse' before 'Sabon Gari')."""
        tokens = word_tokens(text)
        hits = []
        for i, (start, _, first) in enumerate(tokens):
            if not name_word(first, True):
                continue
            for j, end in enumerate(phrase_ends(text, tokens, i, max(self.longest, 1)), i):
                found = self.match(text[start:end]) if name_word(tokens[j][2], j == i) else None
                if found:
                    hits.append(Found(found[0], start, end, found[1]))
        hits.sort(key=lambda f: (f.score < 1, -(f.end - f.start) if f.score == 1 else -f.score, f.start))
        chosen = []
        for hit in hits:
            if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
                chosen.append(hit)
        return sorted(chosen, key=lambda f: f.start)


def name_word(word, first):
    """A token a name found in free text may begin (first) or end with: not glue or the router's words,
    though a name may end in a letter or numeral ('Bagama A', 'Bosso 1')."""
    if word in COMMON_WORDS:
        return not first and (len(word) <= 2 and word != 'in')
    return first is False or not word.isdigit()


def resolve(name, candidates):
    """The one candidate `name` means (case- and punctuation-blind, typos within ward matching's fuzzy
    rule), or None when none does or several do equally well."""
    found = Vocabulary(candidates).match(name)
    if not found:
        return None
    named = Vocabulary(candidates).by_key[found[0]]
    return named[0] if len(named) == 1 else None


class Wards:
    """The wards of the conversation, (ward_code, ward_name, lga) each, found by code or by name."""

    def __init__(self, wards):
        self.wards = tuple(wards)
        self.names = Vocabulary(name for _, name, _ in self.wards)
        self.by_code = {str(code).lower(): w for w in self.wards for code in [w[0]] if code}

    def with_key(self, key):
        return tuple(w for w in self.wards if w[1] and normalise_name(w[1]) == key)

    def find(self, name):
        """The wards `name` names: one for a code or a unique name, several when the name repeats across
        LGAs (Niger has three Sabon Gari), none when nothing matches."""
        ward = self.by_code.get(str(name).strip().lower())
        if ward:
            return (ward,)
        found = self.names.match(name)
        return self.with_key(found[0]) if found else ()

    def find_in(self, text):
        """(wards, Found) for each ward name or code in free text."""
        hits = [(self.with_key(f.key), f) for f in self.names.find(text)]
        for m in NAME_TOKEN.finditer(text):
            ward = self.by_code.get(m.group(0).lower())
            if ward:
                hits.append(((ward,), Found(ward[0], m.start(), m.end(), 1.0)))
        return hits


class Variables:
    """The dataset's variables, found by column name, by what people call them ('rainfall', 'distance to
    water', 'tpr', 'urban', 'evi') through variables.py's concepts, or by a distinctive word of the column."""

    def __init__(self, variables):
        self.variables = tuple(variables)
        aliases = {squash(v): v for v in self.variables}
        for concept, synonyms in CONCEPT_SYNONYMS.items():
            column = concept_column(concept, self.variables)
            for alias in (squash(concept),) + synonyms if column else ():
                aliases.setdefault(alias, column)
        by_word = {}
        for v in self.variables:
            for word in set(words(v)) - GENERIC_VARIABLE_WORDS:
                by_word.setdefault(word, set()).add(v)
        for word, columns in by_word.items():
            if len(columns) == 1:
                aliases.setdefault(word, next(iter(columns)))
        for phrase, meanings in VARIABLE_PHRASES.items():
            column = next((aliases[squash(m)] for m in meanings if squash(m) in aliases), None)
            if column:
                aliases.setdefault(phrase, column)
        self.aliases = aliases
        self.vocabulary = Vocabulary(alias for alias in aliases if len(alias) >= 5)

    def match(self, name):
        """The column `name` means, or None: by name or alias, else a look-alike of one (typos)."""
        return self.exact(name) or self.fuzzy(name)

    def exact(self, name):
        return self.aliases.get(squash(name))

    def fuzzy(self, name):
        key = squash(name)
        found = self.vocabulary.match(key) if len(key) >= 5 else None
        return self.aliases.get(found[0]) if found else None

    def find_in(self, text):
        """The columns named in free text, in order of mention, each once: at each word the longest phrase
        (up to three words) that names a column, else the longest look-alike of one."""
        tokens = word_tokens(text)
        found, covered = [], -1
        for i, (start, _, word) in enumerate(tokens):
            if start < covered or word in COMMON_WORDS:
                continue
            ends = phrase_ends(text, tokens, i, 3)
            for way in (self.exact, self.fuzzy):
                hit = next(((column, end) for end in reversed(ends) for column in [way(text[start:end])] if column),
                           None)
                if hit:
                    found += [hit[0]] if hit[0] not in found else []
                    covered = hit[1]
                    break
        return tuple(found)


def word_tokens(text):
    return [(m.start(), m.end(), m.group(0).lower()) for m in NAME_TOKEN.finditer(text)]


def phrase_ends(text, tokens, i, most):
    """Where a phrase starting at tokens[i] may end: within `most` words, never across punctuation or 'and'."""
    ends = [tokens[i][1]]
    for j in range(i + 1, min(len(tokens), i + most)):
        if text[tokens[j - 1][1]:tokens[j][0]].strip() or tokens[j][2] in ('and', 'or'):
            break
        ends.append(tokens[j][1])
    return ends


def names_in(text, candidates) -> Tuple[str, ...]:
    """The candidates (e.g. LGA names) mentioned in free text, in order of mention."""
    vocabulary = Vocabulary(candidates)
    return tuple(vocabulary.by_key[f.key][0] for f in vocabulary.find(text) if len(vocabulary.by_key[f.key]) == 1)

