"""Which variables score a state, and in which direction (spec section 3)."""
import re
from types import MappingProxyType

from .errors import DataError

MAX_DEFAULT_VARIABLES = 10
MAX_UNZONED_VARIABLES = 8
MIN_PRESENT_SHARE = 0.5

ZONES = MappingProxyType({
    'North Central': ('u5_tpr_rdt', 'nighttime_lights', 'housing_quality', 'soil_wetness',
                      'distance_to_waterbodies', 'ndmi', 'urban_percentage'),
    'North East': ('u5_tpr_rdt', 'distance_to_waterbodies', 'rainfall', 'soil_wetness', 'urban_percentage'),
    'North West': ('u5_tpr_rdt', 'rainfall', 'ndwi', 'housing_quality', 'elevation', 'urban_percentage'),
    'South': ('u5_tpr_rdt', 'ndwi', 'housing_quality', 'elevation', 'urban_percentage'),
})
STATES = MappingProxyType({  # INEC code: (name, zone)
    'AB': ('Abia', 'South'), 'AD': ('Adamawa', 'North East'), 'AK': ('Akwa Ibom', 'South'),
    'AN': ('Anambra', 'South'), 'BA': ('Bauchi', 'North East'), 'BY': ('Bayelsa', 'South'),
    'BE': ('Benue', 'North Central'), 'BO': ('Borno', 'North East'), 'CR': ('Cross River', 'South'),
    'DE': ('Delta', 'South'), 'EB': ('Ebonyi', 'South'), 'ED': ('Edo', 'South'), 'EK': ('Ekiti', 'South'),
    'EN': ('Enugu', 'South'), 'FC': ('FCT', 'North Central'), 'GO': ('Gombe', 'North East'),
    'IM': ('Imo', 'South'), 'JI': ('Jigawa', 'North West'), 'KD': ('Kaduna', 'North West'),
    'KN': ('Kano', 'North West'), 'KT': ('Katsina', 'North West'), 'KE': ('Kebbi', 'North West'),
    'KO': ('Kogi', 'North Central'), 'KW': ('Kwara', 'North Central'), 'LA': ('Lagos', 'South'),
    'NA': ('Nasarawa', 'North Central'), 'NI': ('Niger', 'North Central'), 'OG': ('Ogun', 'South'),
    'ON': ('Ondo', 'South'), 'OS': ('Osun', 'South'), 'OY': ('Oyo', 'South'), 'PL': ('Plateau', 'North Central'),
    'RI': ('Rivers', 'South'), 'SO': ('Sokoto', 'North West'), 'TA': ('Taraba', 'North East'),
    'YO': ('Yobe', 'North East'), 'ZA': ('Zamfara', 'North West'),
})
STATE_ALIASES = MappingProxyType({'federal capital territory': 'FC', 'abuja': 'FC', 'nassarawa': 'NA'})
CONCEPT_SYNONYMS = MappingProxyType({
    'u5_tpr_rdt': ('u5tprrdt', 'tpru5', 'tpr', 'u5tpr', 'tpru5new', 'testpositivityrate'),
    'nighttime_lights': ('nighttimelights', 'avgrad', 'nightlights', 'ntl'),
    'housing_quality': ('housingquality', 'housing'),
    'soil_wetness': ('soilwetness', 'meansoilwetness'),
    'distance_to_waterbodies': ('distancetowaterbodies', 'distancetowater', 'disttowater'),
    'ndmi': ('ndmi', 'meanndmi'),
    'ndwi': ('ndwi', 'meanndwi'),
    'rainfall': ('rainfall', 'meanrainfall', 'avgrainfall'),
    'elevation': ('elevation', 'meanelevation'),
    'urban_percentage': ('urbanpercentage', 'urbanpercent', 'urbanperc', 'urbanpct'),
})
INVERSE_KEYWORDS = ('distance', 'elevation', 'altitude', 'slope', 'housing', 'quality', 'income', 'education',
                    'access', 'urban', 'facility', 'distto')
# Short forms of inverse keywords, matched as whole words only ('dist' is not 'district', 'house' not
# 'household'): dist_to_water is a distance before it is water, avg_house_score a housing score.
INVERSE_WORDS = ('dist', 'house')
DIRECT_KEYWORDS = ('rainfall', 'rain', 'humidity', 'rh', 'temperature', 'temp', 'vegetation', 'evi', 'ndvi',
                   'ndwi', 'ndmi', 'poverty', 'population', 'density', 'water', 'flood', 'night', 'light',
                   'avgrad', 'ntl', 'settlement', 'tpr', 'pfpr', 'wetness', 'positivity')
PRIORITY_KEYWORDS = ('tpr', 'pfpr')
DIRECTIONS = ('direct', 'inverse')


def squash(name):
    return re.sub(r'[^a-z0-9]', '', str(name).lower())


def words(name):
    """Split `mean_EVI`, `avgRAD`, `RH_mean` into lower-case words for keyword rules."""
    spaced = re.sub(r'([a-z])([A-Z])', r'\1 \2', str(name))
    return [w for w in re.split(r'[^a-z0-9]+', spaced.lower()) if w]


def rule_direction(name):
    """(direction, known): inverse keywords first, then direct; unknown names count as direct."""
    squashed, parts = squash(name), words(name)

    def has(keyword):
        return keyword in parts if len(keyword) <= 3 else keyword in squashed
    if any(has(k) for k in INVERSE_KEYWORDS) or any(w in parts for w in INVERSE_WORDS):
        return 'inverse', True
    return 'direct', any(has(k) for k in DIRECT_KEYWORDS)


def resolve_state(value):
    """INEC code for a state code or name (`NI`, `Niger`, `Niger State`, `kw Kwara State`), or None."""
    if not value:
        return None
    text = str(value).strip()
    if text.upper() in STATES:
        return text.upper()
    key = re.sub(r'^[a-z]{2} ', '', text).lower().replace(' state', '').strip()
    for code, (name, _) in STATES.items():
        if name.lower() == key:
            return code
    return STATE_ALIASES.get(key)


def concept_column(concept, available):
    synonyms = CONCEPT_SYNONYMS.get(concept, (squash(concept),))
    for synonym in synonyms:
        for name in available:
            if squash(name) == synonym:
                return name
    return None


def select_variables(available, request_variables, request_directions, state, legacy):
    """Choose variables and directions: (list of (name, direction), notes).

    `available` lists scorable variables in file order. The returned order is
    file order (models list variables in data-file order). Request mistakes
    raise DataError naming the field.
    """
    notes = []
    lookup = {name.lower(): name for name in available}
    if request_variables:
        chosen = []
        for name in request_variables:
            column = lookup.get(str(name).strip().lower())
            if column is None:
                raise DataError('unknown_variable', f'Variable {name!r} is not in the dataset; choose from: '
                                f'{", ".join(available)}.', column=str(name))
            if column not in chosen:
                chosen.append(column)
    else:
        chosen = default_selection(available, state, notes)
    directions = {}
    for name, direction in (request_directions or {}).items():
        column = lookup.get(str(name).strip().lower())
        if column is None:
            raise DataError('unknown_variable', f'A direction is given for {name!r}, which is not in the dataset.',
                            column=str(name))
        if direction not in DIRECTIONS:
            raise DataError('bad_direction', f'Direction for {name!r} must be "direct" or "inverse", not '
                            f'{direction!r}.', column=str(name))
        directions[column] = direction
    ordered = [name for name in available if name in chosen]
    return [(name, directions.get(name) or rule_direction(name)[0]) for name in ordered], notes


def unusable(name, present, total, lowest, highest):
    """Why a variable cannot rank wards (values in under half of them, or one value in all), or None.

    The one rule: the engine drops such a variable, and POST /analyses, which knows only the
    dataset summary (missing, min, max), refuses a request that would leave under two.
    """
    if present < MIN_PRESENT_SHARE * total:
        return f'{name} dropped: only {present} of {total} wards have a value.'
    if present == 0 or lowest == highest:
        return f'{name} dropped: every ward has the same value, so it cannot rank wards.'
    return None


def check_model_count(chosen, legacy):
    """Refuse more variables than the default can combine (legacy caps itself at five).

    Checked on the variables left after unusable ones are dropped: those are the
    ones every subset of which becomes a model.
    """
    if not legacy and len(chosen) > MAX_DEFAULT_VARIABLES:
        raise DataError('too_many_variables', f'{len(chosen)} usable variables chosen; at most '
                        f'{MAX_DEFAULT_VARIABLES} can be combined (every subset is a model): choose fewer.',
                        column='variables')


def default_selection(available, state, notes):
    code = resolve_state(state)
    if code:
        zone = STATES[code][1]
        chosen, missing = [], []
        for concept in ZONES[zone]:
            column = concept_column(concept, available)
            (missing.append(concept) if column is None else chosen.append(column))
        notes.append(f'Variables chosen for {STATES[code][0]} ({zone if zone != "South" else "southern"} zone).')
        if missing:
            notes.append(f'No column found for {", ".join(missing)}; scored without '
                         f'{"it" if len(missing) == 1 else "them"} (no look-alike column was substituted).')
        if len(chosen) >= 2:
            return chosen
        reason = (f'Only {len(chosen)} of the zone\'s variables found, too few to rank wards: using '
                  'instead')
    else:
        reason = 'No state zone known: using'
    known = [name for name in available if rule_direction(name)[1]]
    known.sort(key=lambda name: not any(k in words(name) or k in squash(name) for k in PRIORITY_KEYWORDS))
    chosen = known[:MAX_UNZONED_VARIABLES]
    notes.append(f'{reason} {len(chosen)} variable(s) whose direction is known'
                 f'{" (first 8, TPR/pfpr first)" if len(known) > MAX_UNZONED_VARIABLES else ""}: '
                 f'{", ".join(chosen)}. Name the variables in the request to choose others.')
    return chosen
