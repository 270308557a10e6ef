"""The rules provider: a deterministic router in pure Python, the assistant wherever no model is configured.

It answers a turn's first step with the tool call a model would make (same names, same inputs, call
ids 'rules-1', ...), or with a question back when a required input is missing: the half-filled request
stays in the conversation (Reply.pending) until the next message completes it, and nothing is created
before. Later steps compose the answer from the tools' own summaries and suggest the natural next step.
General malaria questions are answered from knowledge.py, naming the source. A follow-up ("why is it
ranked so high?", "the second one", "the last one", "the next 5", "and in Bida?", "and by PCA?", "and the
least vulnerable?", "map that") is read against the conversation's focus (focus.py), or asked back when
there is none. No I/O: the names of the
conversation's data and its focus come through the context, and only when a message needs them.
"""
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Optional

from . import knowledge, language
from .assistant import TABLE_ROWS as MAX_ROWS, TOP_WARDS as DEFAULT_ROWS, Names, Reply, ToolCall

DATASET_ID = re.compile(r'\b(ds_[0-9a-z]+)\b', re.I)
ANALYSIS_ID = re.compile(r'\b(an_[0-9a-z]+)\b', re.I)
PERIOD_RANGE = re.compile(r'\bfrom\s+(\d{4}(?:[-/]\w+)?)\s+(?:to|until|till|through|-)\s+(\d{4}(?:[-/]\w+)?)', re.I)
DEFAULT_HOUSEHOLD = 5
NEW_ROWS_LISTED = 10       # the new wards of a continued table named in the answer
MAX_VARIABLE_OPTIONS = 10
NEEDS_DATASET = frozenset({'describe_dataset', 'compute_tpr', 'run_analysis'})
NEEDS_ANALYSIS = frozenset({'analysis_status', 'top_wards', 'explain_ward', 'show_map', 'compare_methods',
                            'plan_itn', 'get_report'})
AGE_GROUPS = (('o5', r'\bo5\b|\b(over|above|older than)[\s-]*(5|five)\b|\b(5|five)\s*(and|&|or)\s*(over|above|older)'
                     r'|\badults?\b|\bolder\b'),
              ('pw', r'\bpw\b|\bpregnan\w*|\bwomen\b|\bmothers?\b|\bantenatal\b'),
              ('u5', r'\bu5\b|\bunder[\s-]*(5|five)s?\b|\bchild\w*|\bkids?\b|\binfants?\b|\bbab(y|ies)\b'),
              ('all', r'\ball (the )?(ages|age groups|groups)\b|\bevery(one| age)\b|\bwhole population\b'))
FACILITY_LEVELS = (('primary', r'\bprimary\b|\bphcs?\b|\bhealth (centre|center|post|clinic)s?\b'),
                   ('secondary', r'\bsecondary\b|\bgeneral hospitals?\b'),
                   ('tertiary', r'\btertiary\b|\bteaching hospitals?\b|\bfederal medical\b'),
                   ('all', r'\ball (the )?(levels|facilities|facility levels|health facilities)\b'
                           r'|\bevery (level|facility)\b'))
TESTS = (('rdt', r'\brdts?\b|\brapid (diagnostic )?tests?\b'), ('microscopy', r'\bmicroscop\w*|\bslides?\b'))
CLAUSE = re.compile(r'[;:!?]|[,.](?!\d)|\band\b', re.I)  # a keyword names the numbers of its own clause
QUESTION = re.compile(r'^\W*(why|what|how|when|where|who|which|is|are|do|does|can|should)\b|.*\?\W*$', re.I | re.S)
BARE_ALL = re.compile(r'^\W*(all|all of them|everything|every one|both|any)\W*$', re.I)
NET_WORDS = frozenset({'net', 'nets', 'llin', 'llins', 'itn', 'itns', 'bednet', 'bednets'})
HOUSEHOLD_WORDS = frozenset({'household', 'households', 'family', 'families', 'house', 'home', 'homes', 'hh', 'size'})
THRESHOLD_WORDS = frozenset({'threshold', 'urban', 'cutoff', 'cut'})
QUESTIONS = MappingProxyType({
    'facility_level': ('Which facility level should the TPR count: primary, secondary, tertiary or all?',
                       ('primary', 'secondary', 'tertiary', 'all')),
    'age_group': ('Which age group: u5 (children under five), o5 (five and over, not pregnant women), '
                  'pw (pregnant women) or all?', ('u5', 'o5', 'pw', 'all')),
    'ward': ('Which ward should I explain (its name or its code)?', ()),
})
SUGGESTIONS = MappingProxyType({
    'none': ('what datasets do I have', 'why are children under 5 most vulnerable?'),
    'dataset': ('describe my data', 'run malaria risk analysis', 'start the tpr workflow'),
    'analysis': ('what are the top 10 highest risk wards?', 'create composite vulnerability map',
                 'compare the methods', 'I want to plan bed net distribution', 'show me the report'),
})
NEXT = MappingProxyType({
    'list_datasets': 'To work on one of them, say "use dataset <its id>".',
    'describe_dataset': 'Next, say "run malaria risk analysis" to rank the wards (or "start the tpr workflow" '
                        'if you uploaded a facility export).',
    'compute_tpr': 'Next, say "run malaria risk analysis" to rank the wards with this TPR.',
    'run_analysis': 'When it has finished, ask "what are the top 10 highest risk wards?".',
    'analysis_status': 'Ask "what are the top 10 highest risk wards?", or say "create composite vulnerability map".',
    'explain_ward': 'You can also ask "compare the methods" or say "I want to plan bed net distribution".',
    'show_map': 'Next, ask "what are the top 10 highest risk wards?" or say "I want to plan bed net distribution".',
    'compare_methods': 'Next, say "I want to plan bed net distribution" to share out the nets by this ranking.',
    'plan_itn': 'Say "show me the report" for the full report and downloads.',
    'explain_method': 'Ask about another part: scores, PCA, imputation, TPR or ITN plans.',
})
GREETING = re.compile(r"^\W*(hi|hello|hey|hiya|good (morning|afternoon|evening|day)|greetings|salam|sannu|thanks?|"
                      r"thank you( very much)?|ok(ay)?|cool|great)( (there|all|everyone|again|assistant|chatmrpt))?\W*$",
                      re.I)
HELP = re.compile(r"^\W*(help|menu|options|what can (you|i) (do|ask)( here)?|how (do|can) i (use this|start)|"
                  r"what (do|can) you do|what should i do( now| next)?|get started|start|commands?)\W*$", re.I)


@dataclass
class Draft:
    """A tool call being read from the conversation: the inputs known so far, and the wards a
    repeated name could mean (asked back as options)."""
    tool: str
    input: dict = field(default_factory=dict)
    choices: tuple = ()


class Reading:
    """One message as the router reads it; the data's names are loaded only when a rule needs them."""

    def __init__(self, context):
        self.context = context
        self.text = context.text.strip()
        self.lower = self.text.lower()
        self.loaded = None

    def names(self) -> Names:
        if self.loaded is None:
            self.loaded = (self.context.names() or Names(),)
        return self.loaded[0]

    def has(self, pattern):
        return re.search(pattern, self.lower) is not None

    def numbers(self):
        return language.numbers(self.text)

    def variables(self):
        return language.Variables(self.names().variables)

    def lgas(self):
        """(Found, LGA name) for each LGA the text names that only one LGA is called."""
        lgas = language.Vocabulary(self.names().lgas)
        return [(f, lgas.by_key[f.key][0]) for f in lgas.find(self.text) if len(lgas.by_key[f.key]) == 1]

    def focus(self):
        return self.context.focus()


# -- what is asked ---------------------------------------------------------------------------------

def intent_explain_method(r):
    topics = (('pca', r'\bpca\b|principal component'), ('imputation', r'imput\w*|missing values?'),
              ('tpr', r'\btpr\b|positivity'), ('itn', r'\bitn plan|allocat\w*|distribut\w*|\bplan\b'),
              ('scores', r'\bscor\w*|\bcomposite\b|\brank\w*|\bmodels?\b|\bweights?\b'))
    asks = (r'\bhow (does|do|is|are|was|were|did)\b.*\b(work\w*|calculat\w*|comput\w*|chos\w*|made|done|allocat\w*|'
            r'impute\w*|filled|decided|built|ranked|scored|weighted|distributed)\b'
            r'|\bexplain (the |your )?(method\w*|approach|pca|composite|imputation|scor\w*|ranking method)'
            r'|\bwhat (is|are|does) (a |the )?(pca|imputation|composite score|rank spread|principal component)'
            r'|\bmethodology\b')
    if not r.has(asks):
        return None
    if not r.has(r'\bpca\b|principal|imput|missing|\btpr\b|positivity|allocat|distribut|\bplan\b|scor|'
                 r'composite|\brank|\bmodel|\bweight|method|analysis|approach'):
        return None
    topic = next((name for name, pattern in topics if r.has(pattern)), None)
    return Draft('explain_method', {'topic': topic} if topic else {})


def intent_plan_itn(r):
    nets = r'\b(nets?|itns?|llins?|bed ?nets?|mosquito nets?)\b'
    given = itn_numbers(r)
    if not (r.has(rf'\b(plan\w*|distribut\w*|allocat\w*|shar\w* out|give out)\b.*{nets}') or
            r.has(rf'{nets}.*\b(plan\w*|distribut\w*|allocat\w*)\b') or r.has(r'\bitn plan') or
            'total_nets' in given):
        return None
    return Draft('plan_itn', dict(given, **method_of(r, allow_both=False)))


def intent_compare(r):
    if r.has(r'\b(compar\w*|agree\w*|differ\w*|versus|vs\.?|against each other)\b') and \
            r.has(r'\b(method\w*|pca|composite|rankings?|two)\b'):
        return Draft('compare_methods', {})
    if r.has(r'\bwards? (that )?(move|change|shift)\w* (the )?most\b'):
        return Draft('compare_methods', {})
    return None


def intent_map(r):
    if not r.has(r'\b(map|maps|mapped|mapping|choropleth|plot|visuali[sz]e|draw)\b'):
        return None
    if r.has(r'\b(itns?|nets?|llins?|coverage|distribution|allocation)\b'):
        return Draft('show_map', {'kind': 'itn'})
    found = r.variables().find_in(r.text) if r.names().variables else ()
    urban_only = r.has(r'\burban') and not r.has(r'percent') and all('urban' in v.lower() for v in found)
    if urban_only:
        return Draft('show_map', {'kind': 'urban'})
    if found:
        return Draft('show_map', {'kind': 'variable', 'variable': found[0]})
    if r.has(r'\bvariables?\b|\b(rain\w*|evi|ndvi|tpr|temperature|humidity|elevation|flood\w*|housing)\b'):
        return Draft('show_map', {'kind': 'variable'})
    if r.has(r'\bpca\b') and not r.has(r'\bcomposite\b'):
        return Draft('show_map', {'kind': 'pca'})
    return Draft('show_map', dict({'kind': 'vulnerability'}, **method_of(r, allow_both=False)))


def intent_report(r):
    if r.has(r'\breports?\b|\bdownload\w*|\bexport\w*|\bspreadsheet\b|\bexcel\b|\bcsv\b|\bxlsx\b|\bpdf\b'):
        return Draft('get_report', {})
    return None


def intent_status(r):
    if r.has(r'\b(status|progress)\b|\bis (it|the analysis) (done|finished|ready|complete\w*|running|over)\b|'
             r'\bhow is (it|the analysis) going\b|'
             r'\bhas (it|the analysis) (finished|completed|ended|failed)\b|\bhow (long|far)\b|\bstill running\b'):
        return Draft('analysis_status', {})
    return None


def intent_datasets(r):
    if r.has(r'\b(what|which|list|show|see)\b.*\b(datasets|data sets|uploads|files)\b|\bmy (datasets|uploads)\b|'
             r'\bwhat data\b.*\bhave\b'):
        return Draft('list_datasets', {})
    if r.has(r'\b(describe|summar\w*|overview)\b.*\b(data|dataset|upload|file)\b|\bwhat\W?s in (my|the|this)\b|'
             r'\b(what|which) variables\b|\bmatch(ed|ing)? report\b|\bwarnings?\b|\bhow many wards\b|'
             r'\b(use|switch to|work on|select|open)\b.*\bds_') or \
            (DATASET_ID.search(r.text) and not r.has(r'\b(run|start|analy|tpr|rank)')):
        return Draft('describe_dataset', {})
    return None


def intent_tpr(r):
    if not r.has(r'\btpr\b|\btest positivity\b|\bpositivity rate\b'):
        return None
    workflow = r.has(r'\b(tpr|positivity rate) (workflow|analysis|calculation)\b')
    if not workflow and r.has(r'\banaly[sz]\w*|\brank|^\W*what (is|does|are)\b|\bmean\b'):
        return None
    if not r.has(r'\b(workflow|start|run|comput\w*|calculat\w*|work out|do|begin|get|produce|generate|derive|'
                 r'want|need|make|give|show|for)\b'):
        return None
    return Draft('compute_tpr', dict(tpr_options(r, answering=None)))


def intent_top(r):
    wards = r'\b(wards?|areas?|places?|communities|localities|lgas?|list)\b'
    ranked = (r'\b(top|bottom|highest|lowest|most|least|worst|safest|best|riskiest|priority|prioriti[sz]e)\b'
              r'|\brank(ed|ing|ings)?\b|\bhigh[\s-]risk\b|\blow[\s-]risk\b')
    if not (r.has(ranked) and r.has(wards)) and not (r.has(r'\b(top|bottom)\b') and r.numbers()):
        return None
    least = r.has(r'\b(least|lowest|bottom|safest|low[\s-]risk|less vulnerable|best)\b')
    found = r.lgas()
    n = next((x.value for x in r.numbers() if not x.percent and isinstance(x.value, int)
              and not any(f.start <= x.start < f.end for f, _ in found)), DEFAULT_ROWS)
    draft = Draft('top_wards', dict({'n': n, 'order': 'least' if least else 'most'}, **method_of(r, allow_both=False)))
    if found:
        draft.input['lga'] = found[0][1]
    return draft


def intent_explain_ward(r):
    asks = r.has(r'\b(why|explain|tell me (more )?about|what about|what makes|how come|details?|profile|'
                 r'describe)\b')
    wards = ward_hits(r)
    if not asks and not (wards and covers_text(r, wards)):
        return None
    if not wards:
        if not r.has(r'\bwhy is\b|\bexplain\b|\bward\b') or r.has(r'\bwards\b'):
            return None
        if not r.has(r'\bexplain\b|\bward\b') and knowledge.best(r.text):
            return None   # 'why is malaria worse in the rainy season?' asks about malaria, not a ward
        return Draft('explain_ward', {})
    return ward_draft(r, wards[0])


def intent_run(r):
    if not (r.has(r'\b(run|start|begin|do|perform|launch|redo|re-?run|execute|kick off|carry out)\b( \S+){0,4} '
                  r'(analys\w*|analyz\w*|ranking|rank|prioriti[sz]ation|mrpt)\b') or
            r.has(r'\bmalaria risk analysis\b|\brank (the|my|all)( \w+)? wards\b|\banaly[sz]e (my|the|this) data')):
        return None
    draft = Draft('run_analysis', method_of(r, allow_both=True))
    listed = re.split(r'\b(?:with|using|based on|variables?|including|on)\b', r.text, maxsplit=1, flags=re.I)
    if len(listed) == 2 and r.names().variables:
        variables = r.variables().find_in(listed[1])
        if variables:
            draft.input['variables'] = list(variables)
    if r.has(r'\blegacy\b|\bold (tool|method|rules)\b|\bmrpt[\s-]legacy\b|\bpublished\b|\bparity\b'):
        draft.input['preset'] = 'mrpt-legacy'
    return draft


INTENTS = (intent_explain_method, intent_plan_itn, intent_compare, intent_map, intent_tpr, intent_report,
           intent_status, intent_datasets, intent_explain_ward, intent_run, intent_top)


# -- inputs ----------------------------------------------------------------------------------------

def method_of(r, allow_both):
    pca, composite = r.has(r'\bpca\b|principal component'), r.has(r'\bcomposite\b')
    if pca and composite:
        return {'method': 'both'} if allow_both else {}
    return {'method': 'pca'} if pca else {'method': 'composite'} if composite else {}


def first_match(r, choices):
    return next((value for value, pattern in choices if r.has(pattern)), None)


def tpr_options(r, answering):
    """The TPR options the text gives; a bare 'all' answers the one asked."""
    options = {'facility_level': first_match(r, FACILITY_LEVELS), 'age_group': first_match(r, AGE_GROUPS),
               'test': first_match(r, TESTS)}
    if answering in options and options[answering] is None and BARE_ALL.match(r.text):
        options[answering] = 'all'
    period = PERIOD_RANGE.search(r.text)
    if period:
        options.update(period_from=period.group(1), period_to=period.group(2))
    return {k: v for k, v in options.items() if v is not None}


def itn_numbers(r, answering=None):
    """Total nets, household size and urban threshold, each the number its nearest keyword names
    ('2 million nets', 'household size is 4', 'urban threshold 50%'); when the nets were asked, or the
    text speaks of nets, a number no keyword claims is the nets."""
    found = r.numbers()
    tokens = [(m.start(), m.group(0).lower()) for m in language.NAME_TOKEN.finditer(r.text)]
    read, loose = {}, []
    for i, number in enumerate(found):
        low = max([found[i - 1].end if i else -1] + [m.end() for m in CLAUSE.finditer(r.text, 0, number.start)])
        later = [m.start() for m in CLAUSE.finditer(r.text, number.end)]
        high = min([found[i + 1].start if i + 1 < len(found) else len(r.text)] + later[:1])
        before = [w for s, w in tokens if low <= s < number.start][-4:]
        after = [w for s, w in tokens if number.end <= s < high][:4]
        kinds = []
        for distance, word in [(len(before) - k, w) for k, w in enumerate(before)] + \
                [(k + 1, w) for k, w in enumerate(after)]:
            for kind, words in (('total_nets', NET_WORDS), ('household_size', HOUSEHOLD_WORDS),
                                ('urban_threshold', THRESHOLD_WORDS)):
                if word in words:
                    kinds.append((distance, kind))
        kind = min(kinds)[1] if kinds else ('urban_threshold' if number.percent else None)
        if kind and kind not in read:
            read[kind] = number.value
        elif not kind and not number.percent:
            loose.append(number.value)
    if 'total_nets' not in read and loose and (answering == 'total_nets' or any(w in NET_WORDS for _, w in tokens)):
        read['total_nets'] = loose[0]
    if isinstance(read.get('total_nets'), float):
        read['total_nets'] = round(read['total_nets'])
    return read


def ward_hits(r):
    """The wards named in the text, each hit a tuple of the wards its name may be; a look-alike of an LGA
    the text names exactly is the LGA ('wards in Bosso' is not the ward Bosso 1)."""
    if not r.names().wards:
        return []
    lgas = [f for f in language.Vocabulary(r.names().lgas).find(r.text) if f.score == 1]
    return [wards for wards, hit in language.Wards(r.names().wards).find_in(r.text)
            if hit.score == 1 or not any(f.start < hit.end and hit.start < f.end for f in lgas)]


def covers_text(r, hits):
    """Whether the message is little more than a ward's name ('Manta?', 'what about Kodo')."""
    return len(re.findall(r'[^\W_]+', r.text)) <= 4 and len(hits) == 1


def ward_draft(r, wards):
    """explain_ward for the ward(s) a name found: one, or the one in the LGA the text names too;
    several left are asked back as options."""
    if len(wards) > 1:
        lgas = language.names_in(r.text, [w[2] for w in wards if w[2]])
        wards = tuple(w for w in wards if w[2] in lgas) or wards
    if len(wards) > 1:
        return Draft('explain_ward', {}, choices=tuple(wards))
    return Draft('explain_ward', {'ward': ward_input(r, wards[0])})


def ward_input(r, ward):
    """The ward's name, or its code when other wards share the name."""
    code, name, _ = ward
    same = [w for w in r.names().wards if w[1] == name]
    return name if len(same) == 1 or not code else code


def read_slot(slot, r, pending):
    """The value the message gives for a slot that was asked, or None."""
    if slot in ('facility_level', 'age_group'):
        return tpr_options(r, answering=slot).get(slot)
    if slot == 'total_nets':
        return itn_numbers(r, answering=slot).get('total_nets')
    if slot == 'ward':
        choices = [tuple(c) for c in pending.get('choices') or ()]
        chosen = at(choices, language.position(r.text))
        if chosen:                                          # 'the second one' of the options asked
            return ward_input(r, chosen)
        if choices:
            lgas = language.names_in(r.text, [c[2] for c in choices if c[2]])
            chosen = [c for c in choices if c[2] in lgas or (c[0] and c[0].lower() in r.lower)]
            return ward_input(r, chosen[0]) if len(chosen) == 1 else None
        hits = ward_hits(r) or [language.Wards(r.names().wards).find(r.text)]
        draft = ward_draft(r, hits[0]) if hits and hits[0] else None
        return draft.input.get('ward') if draft else (r.text if not r.names().wards else None)
    if slot == 'variable':
        variables = r.variables()
        return variables.match(r.text) or next(iter(variables.find_in(r.text)), None)
    return None


def missing(draft):
    required = {'compute_tpr': ('facility_level', 'age_group'), 'plan_itn': ('total_nets',),
                'explain_ward': ('ward',)}.get(draft.tool, ())
    if draft.tool == 'show_map' and draft.input.get('kind') == 'variable':
        required = ('variable',)
    return [slot for slot in required if slot not in draft.input]


# -- follow-ups: what the conversation's latest answers showed ------------------------------------

# 'it' about a rank ('why is it ranked so high?'; not 'why is it that children ...'), 'explain it', 'that ward'
WHY = re.compile(r'\b(why|how come)\b', re.I)
IT = re.compile(r'\bit\b(?!\s+that)', re.I)
RANKED = re.compile(r'\b(rank\w*|high\w*|low\w*|top|bottom|scor\w*|vulnerab\w*|risk\w*|priorit\w*)\b', re.I)
THAT_WARD = re.compile(r'\b(explain|describe|about|on|of)\s+(it|this|that)\W*$|\b(this|that|the same)\s+(ward|one|place)\b',
                       re.I)
NEXT_WORD = re.compile(r'\bnext\b', re.I)
MORE = re.compile(r'\s+more\b', re.I)
MORE_ROWS = re.compile(r'\b(show|give|list|see)( me)? more\b|\bmore (wards|of them|rows|please)\b', re.I)
LEAD = r"^\W*((and|but|ok(ay)?|now|then|also|so)\W+)*"     # how a follow-up may begin: 'and', 'ok so', ...
ANOTHER_PLACE = re.compile(LEAD + r"((what|how)\s+about|(the\s+)?same\s+(for|in)|in)\b", re.I)
# the whole message names a method and nothing else: 'and by PCA?', 'what about the composite score'
OTHER_METHOD = re.compile(LEAD + r"(((what|how)\s+about|(the\s+)?same)\s+)?((by|with|using|under|in)\s+)?(the\s+)?"
                          r"(?P<method>pca|principal\s+components?|composite)"
                          r"(\s+(analysis|method|scores?|ranking|instead|then|too|one))*\W*$", re.I)
# the whole message names an end of the ranking: 'and the least vulnerable?', 'the bottom ones'
OTHER_END = re.compile(LEAD + r"((what|how)\s+about\s+)?(the\s+)?((?P<least>least|lowest|bottom|safest)|"
                       r"most|highest|top|riskiest|worst)(\s+(vulnerable|risk|risky|ranked|priority|ones|wards|places|"
                       r"areas))*\W*$", re.I)
THAT = re.compile(r'\b(that|it|this|them|those|these|the same)\b', re.I)
MAP_NAMED = re.compile(r'\b(vulnerab\w*|risk\w*|composite|pca|principal|rank\w*|scores?)\b', re.I)
FIRST_LISTS = ('what are the top 10 highest risk wards?', 'show me the least vulnerable wards')
MAPS = ('create composite vulnerability map', 'show the pca map', 'map a variable')
METHOD_NAMES = MappingProxyType({'pca': 'PCA', 'composite': 'the composite score'})
BY_METHOD = MappingProxyType({'pca': ('the top 10 highest risk wards by pca', 'show the pca map'),
                              'composite': ('the top 10 highest risk wards by composite score',
                                            'create composite vulnerability map')})


def follow_up(r, draft, pending):
    """What a message that points at the conversation's latest answers asks for, read against its focus:
    'the next 5' continues the last table, 'and in Bida?' is that table in Bida, 'why is it ranked so
    high?', 'the second one' or 'the last one' explains a ward it showed, 'and by PCA?' asks the latest
    answer again by PCA, 'and the least vulnerable?' turns the table round, 'map that' maps its ranking or
    variable. Without a focus, the question back a person would ask; `draft` (what the message says alone)
    when it points at nothing; a ward the message names is never overridden. A Draft, or a Reply."""
    tool = draft.tool if draft else None
    if tool in (None, 'top_wards'):
        more = more_rows(r)
        if more is not None:
            return continued(r, more)
    if tool in (None, 'explain_ward'):
        place = another_place(r, draft)
        if place is not None:
            return place
    named = bool(draft and (draft.input.get('ward') or draft.choices))     # 'why is Manta ranked last?'
    place = language.position(r.text) if tool in (None, 'explain_ward', 'top_wards') and not named else None
    pronoun = tool in (None, 'explain_ward') and not named and points_at_it(r.text)
    if (place or pronoun) and not (pending and pending.get('choices')):
        return pointed_ward(r, place)
    method = OTHER_METHOD.match(r.text) if tool is None else None
    if method:
        return other_method(r, 'composite' if method.group('method').lower() == 'composite' else 'pca')
    end = OTHER_END.match(r.text) if tool in (None, 'top_wards') else None
    if end:
        return turned_round(r, draft, 'least' if end.group('least') else 'most')
    if tool == 'show_map' and draft.input == {'kind': 'vulnerability'} and THAT.search(r.text) and \
            not MAP_NAMED.search(r.text):
        shown = r.focus().map
        return Draft('show_map', dict(shown)) if shown else Reply(
            text="Which map should I draw: the vulnerability map, the PCA map or a variable's map?", options=MAPS)
    return draft


def points_at_it(text):
    """Whether the text speaks of one ward it does not name: 'why is it ranked so high?', 'explain it',
    'that ward' (searched in turn, so a long message costs one pass)."""
    why = WHY.search(text)
    it = why and IT.search(text, why.end())
    return bool(it and RANKED.search(text, it.end())) or THAT_WARD.search(text) is not None


def more_rows(r):
    """How many more wards the text asks for after the last table ('the next 5', 'five more'; 0 for as many
    again: 'show me more', 'the next ones'), or None when it asks for no more."""
    counts = [x for x in r.numbers() if isinstance(x.value, int) and not x.percent]
    after_next = [x for x in counts for m in NEXT_WORD.finditer(r.text) if 0 <= x.start - m.end() <= 5]
    before_more = [x for x in counts if MORE.match(r.text, x.end)]
    counted = after_next or before_more
    if counted:
        return counted[0].value
    if r.has(r'\bnext (ones?|wards?|few|page|batch|lot)\b') or MORE_ROWS.search(r.text):
        return 0
    return None


def continued(r, more):
    """The last table with `more` rows after those it showed (top_wards has no offset: n grows, and the
    answer says which rows are new)."""
    table = r.focus().table
    if table is None:
        return Reply(text='There is no list of wards in this conversation to continue yet: which wards should I list?',
                     options=FIRST_LISTS)
    shown = table.get('n', DEFAULT_ROWS)
    if shown >= MAX_ROWS:
        return Reply(text=f'The list already shows {MAX_ROWS} wards, as many as a table holds. Say "show me the '
                          f'report" for the whole ranking as a spreadsheet.')
    return Draft('top_wards', dict(table, n=min(shown + (more or shown), MAX_ROWS)))


def another_place(r, draft):
    """'and in Bida?', 'what about Bosso': the last table's query in that LGA; asked back without a table.
    None when the text names no LGA, or names a ward and there is no table ('what about Rafi' explains
    the ward Rafi, as before)."""
    if not ANOTHER_PLACE.match(r.text) or len(re.findall(r'[^\W_]+', r.text)) > 6:
        return None
    named = r.lgas()
    if not named or (named[0][0].score < 1 and ward_hits(r)):
        return None
    lga, table = named[0][1], r.focus().table
    if table:
        return Draft('top_wards', dict(table, lga=lga))
    if draft:
        return None
    return Reply(text=f'What should I show for {lga}: its most or its least vulnerable wards?',
                 options=(f'the top 10 highest risk wards in {lga}', f'the least vulnerable wards in {lga}'))


def at(items, place):
    """The item at `place` (1 the first, -1 the last, as language.position counts), or None."""
    return items[place - 1 if place > 0 else place] if place and abs(place) <= len(items) else None


def pointed_ward(r, place):
    """explain_ward for the ward the text points at: the row at `place` in the last table, or ('it', 'that
    ward') the ward explained since, else the table's first; asked back when nothing was shown there."""
    focus = r.focus()
    rows = focus.rows
    if place is None and focus.ward:
        return Draft('explain_ward', {'ward': focus.ward})
    row = at(rows, place or 1)
    if row:
        return Draft('explain_ward', {'ward': ward_input(r, row)})
    shown = f'The last list shows {len(rows)} wards. ' if rows else ''
    return complete(Draft('explain_ward', {}), r, prefix=shown)


def other_method(r, method):
    """'and by PCA?': the latest answer by that method: the ranking's map after a map, the ward explained
    (whose answer gives its rank by each method) after explain_ward, else the last table; asked back
    when nothing was shown."""
    focus = r.focus()
    if focus.latest == 'show_map':
        return Draft('show_map', {'kind': 'vulnerability', 'method': method})
    if focus.latest == 'explain_ward' and focus.ward:
        return Draft('explain_ward', {'ward': focus.ward})
    if focus.table:
        return Draft('top_wards', dict(focus.table, method=method))
    return Reply(text=f'What should I show by {METHOD_NAMES[method]}: the highest risk wards or the '
                      f'vulnerability map?', options=BY_METHOD[method])


def turned_round(r, draft, order):
    """'and the least vulnerable?': the last table from the other end (its n, LGA and method kept); what
    the message says alone without a table ('the least vulnerable wards'), else asked back."""
    table = r.focus().table
    if table:
        return Draft('top_wards', dict(table, order=order))
    return draft or Reply(text='There is no list of wards in this conversation yet: which wards should I list?',
                          options=FIRST_LISTS)


def new_rows(context, result):
    """The sentence naming the wards a table adds to the last one ('the next 5' answers the first 15), or None."""
    table = context.focus().table
    given = result.call.input
    if result.call.name != 'top_wards' or not table:
        return None
    before = table.get('n', DEFAULT_ROWS)
    if {k: v for k, v in given.items() if k != 'n'} != {k: v for k, v in table.items() if k != 'n'} or \
            given.get('n', DEFAULT_ROWS) <= before:
        return None
    rows = next((a['rows'] for a in result.attachments if a.get('kind') == 'table'), [])[before:]
    if not rows:
        return f'There are no more wards after the {before} already shown.'
    named = [f'{w["rank"]}. {w["ward_name"]}' for w in rows[:NEW_ROWS_LISTED]]
    more = f' and {len(rows) - NEW_ROWS_LISTED} more' if len(rows) > NEW_ROWS_LISTED else ''
    return f'New after the {before} already shown: {", ".join(named)}{more}.'


# -- replies ---------------------------------------------------------------------------------------

def call(draft):
    return Reply(tool_calls=(ToolCall('rules-1', draft.tool, dict(draft.input)),))


def with_ids(draft, r):
    """A dataset or analysis id the text names, for the tools that take one."""
    for pattern, key, tools in ((DATASET_ID, 'dataset_id', NEEDS_DATASET),
                                (ANALYSIS_ID, 'analysis_id', NEEDS_ANALYSIS)):
        found = pattern.search(r.text)
        if found and draft.tool in tools:
            draft.input[key] = found.group(1)


def unready(draft, conversation):
    """Why the conversation cannot run this tool yet, or None: with no dataset there is nothing to analyse
    (with a dataset, the tools find its latest analysis, or say there is none)."""
    if draft.input.get('dataset_id') or draft.input.get('analysis_id') or conversation.get('dataset_id') or \
            conversation.get('analysis_id'):
        return None
    if draft.tool in NEEDS_DATASET:
        return ('This conversation has no dataset yet. Upload ward data with its boundaries (or a facility '
                'export for TPR), or say "what datasets do I have" and "use dataset <its id>".')
    if draft.tool in NEEDS_ANALYSIS:
        return ('There is no analysis in this conversation yet: upload ward data with its boundaries, then say '
                '"run malaria risk analysis", and ask again when it has finished.')
    return None


def complete(draft, r, prefix=''):
    """The tool call when every required input is known, else the question for the first missing one."""
    why = unready(draft, r.context.conversation)
    if why:
        return Reply(text=why)
    gaps = missing(draft)
    if not gaps:
        return call(draft)
    slot = gaps[0]
    pending = {'tool': draft.tool, 'input': dict(draft.input), 'asked': slot}
    if draft.choices:
        pending['choices'] = [list(w) for w in draft.choices]
        options = tuple(f'{w[1]} ({w[2]})' if w[2] else w[0] for w in draft.choices)
        text = f'{len(draft.choices)} wards are called {draft.choices[0][1]}: which one do you mean?'
        return Reply(text=prefix + text, options=options, pending=pending)
    if slot == 'total_nets':
        size = draft.input.get('household_size')
        given = f'an average household size of {size}' if size else \
            f'an average household size of {DEFAULT_HOUSEHOLD} unless you tell me otherwise'
        text = f'To plan the distribution I will use {given}. How many nets are there to distribute?'
        return Reply(text=prefix + text, pending=pending)
    if slot == 'variable':
        variables = r.names().variables
        options = tuple(variables) if len(variables) <= MAX_VARIABLE_OPTIONS else ()
        shown = '' if options or not variables else f' (for example {", ".join(variables[:5])})'
        return Reply(text=f'{prefix}Which variable should I map{shown}?', options=options, pending=pending)
    text, options = QUESTIONS[slot]
    return Reply(text=prefix + text, options=options, pending=pending)


def resumed(pending):
    """The Draft a pending request (as the conversation keeps it) stands for."""
    return Draft(pending['tool'], dict(pending.get('input') or {}), tuple(map(tuple, pending.get('choices') or ())))


def answer_pending(pending, draft, r):
    """The pending request with what this message adds (an answer to the question, or the same request
    said again with more); None when the message adds nothing to it, or when it only touches the request
    in passing while asking something else ('why are children under 5 most vulnerable?' is no age group)."""
    merged = resumed(pending)
    before = dict(merged.input)
    if draft:
        merged.input.update(draft.input)
    value = read_slot(pending['asked'], r, pending)
    if value is not None:
        merged.input[pending['asked']] = value
    if merged.tool == 'compute_tpr':
        merged.input = dict(tpr_options(r, answering=None), **merged.input)
    if merged.tool == 'plan_itn':
        merged.input = dict(itn_numbers(r), **merged.input)
    if not draft and (merged.input == before or (value is None and QUESTION.match(r.text) and knowledge.best(r.text))):
        return None
    if 'ward' in merged.input:
        merged.choices = ()
    return merged


def greeting(r):
    conversation = r.context.conversation
    state = 'analysis' if conversation.get('analysis_id') else 'dataset' if conversation.get('dataset_id') else 'none'
    where = {'none': 'Upload ward data with its boundaries to start, or ask me about malaria.',
             'dataset': 'This conversation has a dataset: I can describe it, compute a ward TPR from a facility '
                        'export, or run the malaria risk analysis.',
             'analysis': 'This conversation has an analysis: I can list the highest-risk wards, explain a ward, '
                         'draw maps, compare the methods, plan bed nets and give you the report.'}[state]
    return Reply(text=f'Hello, I am the ChatMRPT assistant. {where} What would you like to do?',
                 options=SUGGESTIONS[state])


def first_step(context):
    r = Reading(context)
    if GREETING.match(r.text) or HELP.match(r.text):
        return greeting(r)
    pending = context.conversation.get('pending') or None
    draft = follow_up(r, next(filter(None, (intent(r) for intent in INTENTS)), None), pending)
    if isinstance(draft, Reply):
        return draft
    if draft:
        with_ids(draft, r)
    if pending and (draft is None or draft.tool == pending['tool']):
        merged = answer_pending(pending, draft, r)
        if merged:
            return complete(merged, r)
    if draft:
        return complete(draft, r)
    found = knowledge.best(r.text)
    if found or not pending:
        return Reply(text=knowledge.answer(r.text).text)
    return complete(resumed(pending), r, prefix='I did not catch that. ')


def compose(context):
    """The answer after the tools ran: their summaries, then the next step a person would take."""
    parts = [result.summary if result.status == 'ok' else f'That did not work: {result.summary}'
             for result in context.results]
    last = context.results[-1]
    if last.status == 'ok':
        parts += [new_rows(context, last) or '', next_step(last) or '']
    return Reply(text='\n\n'.join(p for p in parts if p))


def next_step(result) -> Optional[str]:
    name = result.call.name
    if name == 'top_wards':
        rows = next((a.get('rows') for a in result.attachments if a.get('kind') == 'table'), None) or ()
        if rows:
            how = 'low' if result.call.input.get('order') == 'least' else 'high'
            return (f'Ask "why is {rows[0]["ward_name"]} ranked so {how}?" to see why, or say "create composite '
                    f'vulnerability map".')
    if name == 'analysis_status':
        status = result.content.get('status')
        return (NEXT[name] if status == 'SUCCEEDED' else None if status == 'FAILED' else
                'Its progress appears here as it runs.')
    return NEXT.get(name)


class RulesProvider:
    """Provider 'rules': pure Python, no model, no I/O of its own."""
    name = 'rules'

    def respond(self, context):
        return compose(context) if context.results else first_step(context)
