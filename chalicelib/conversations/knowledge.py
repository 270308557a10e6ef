"""General malaria questions in rules mode: a small curated knowledge base, each answer with its source.

The texts are written for this project in plain words, to agree with the publications they name;
they are short on purpose (a programme officer's question, not a textbook). A question that no
entry fits well gets an honest "I do not know" and what the assistant can help with, never a guess.
"""
import re
from dataclasses import dataclass
from typing import Optional, Tuple

WMR_2023 = 'WHO World Malaria Report 2023'
NMSP = "Nigeria's National Malaria Strategic Plan 2021–2025 (National Malaria Elimination Programme, NMEP)"
WHO_GUIDELINES = 'WHO Guidelines for malaria (2023 version)'
WHO_URBAN = 'WHO and UN-Habitat, Global framework for the response to malaria in urban areas (2022)'
WHO_SURVEILLANCE = 'WHO Malaria surveillance, monitoring & evaluation: a reference manual (2018)'
MIN_SCORE = 2


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    keywords: Tuple[str, ...]  # phrases specific to the entry: each found scores its number of words + 1
    weak: Tuple[str, ...]      # words that hint at it: each found scores 1
    text: str
    source: str                # the publication(s) it agrees with, '; ' between two


@dataclass(frozen=True)
class Answer:
    text: str
    source: Optional[str]
    key: Optional[str]


ENTRIES = (
    Entry('under5', 'why children under five are most at risk',
          ('child', 'under 5', 'u5', 'under5', 'infant', 'baby', 'kid', 'toddler'), ('young', 'vulnerable', 'age'),
          'Children under five carry most of the burden: in the WHO African Region roughly three out of four '
          'malaria deaths are in this age group. Protection against malaria is built up slowly, through repeated '
          'infections over years; a baby loses the antibodies it received from its mother within the first '
          'months of life, so a young child has little defence, and an infection can quickly become severe '
          '(severe anaemia, convulsions, cerebral malaria). That is why nets, seasonal chemoprevention and '
          'prompt testing and treatment target young children first.', WMR_2023),
    Entry('pregnancy', 'why pregnant women are at higher risk',
          ('pregnant', 'pregnancy', 'pregnant woman', 'antenatal', 'iptp', 'unborn', 'placenta'),
          ('woman', 'mother', 'pw', 'vulnerable'),
          'Pregnancy lowers a woman\'s protection against malaria, even if she had built up some immunity, and '
          'the parasites can collect in the placenta. Malaria in pregnancy causes maternal anaemia, miscarriage, '
          'stillbirth, premature birth and low birth weight, which raises the baby\'s risk of dying. WHO '
          'recommends that pregnant women in areas of moderate to high transmission sleep under an '
          'insecticide-treated net and receive intermittent preventive treatment with sulfadoxine-pyrimethamine '
          '(IPTp-SP) at antenatal visits from the second trimester, with at least three doses.', WHO_GUIDELINES),
    Entry('spread', 'how malaria spreads',
          ('spread', 'transmit', 'transmitted', 'contagious', 'anopheles', 'plasmodium', 'what cause',
           'get malaria', 'catch malaria', 'how malaria pass'),
          ('mosquito', 'bite', 'catch', 'infect', 'cause', 'parasite', 'transmission'),
          'Malaria is caused by Plasmodium parasites (in Nigeria almost all Plasmodium falciparum) passed on by '
          'the bite of infected female Anopheles mosquitoes, which mostly bite between dusk and dawn. The '
          'parasites grow in the liver and then in the blood; a mosquito that bites an infected person picks '
          'them up and can infect others about one to two weeks later. Malaria does not pass from person to '
          'person like a cold; apart from mosquitoes it can pass through blood transfusion or from mother to '
          'baby.', WHO_GUIDELINES),
    Entry('symptoms', 'symptoms and severe malaria',
          ('symptom', 'fever', 'headache', 'chill', 'severe malaria', 'danger sign', 'convulsion'),
          ('sign', 'sick', 'feel', 'severe'),
          'Malaria usually starts with fever, chills, headache and body pains, often 10 to 15 days after the '
          'infective bite; in young children it can look like many other illnesses. Severe malaria (repeated '
          'convulsions, confusion or coma, inability to drink, breathing difficulty, severe anaemia, passing '
          'little or dark urine) is an emergency. Because fever has many causes, every suspected case should '
          'be tested before it is treated.', WHO_GUIDELINES),
    Entry('itn', 'insecticide-treated nets (ITNs)',
          ('bed net', 'mosquito net', 'net work', 'net effective', 'insecticide treated net', 'itn', 'llin',
           'bednet', 'sleep under'),
          ('net', 'insecticide', 'sleep'),
          'An insecticide-treated net protects the people sleeping under it in two ways: it is a barrier '
          'between them and night-biting mosquitoes, and the insecticide kills or weakens the mosquitoes that '
          'land on it, which also protects the neighbours when most people in a community use nets. Because '
          'Anopheles in Nigeria have become widely resistant to pyrethroids, WHO now recommends nets that '
          'combine a pyrethroid with chlorfenapyr or with the synergist PBO where resistance is confirmed. Nets '
          'work only when they are hung and slept under every night, all year.', WHO_GUIDELINES),
    Entry('campaign', 'how many nets a campaign needs',
          ('net campaign', 'mass campaign', 'how many net', 'net per person', 'quantify net',
           'net quantification', 'net distribution', 'distribute net', 'net allocation', '1.8 people'),
          ('campaign', 'distribution', 'allocation', 'allocate'),
          'Nigeria\'s mass ITN campaigns quantify one net for every 1.8 people (about one net for two people '
          'sleeping together), counted by household, and keep nets flowing between campaigns through antenatal '
          'clinics, immunisation visits and schools. The national plan aims at universal access (every person '
          'able to sleep under a net) and at most people actually using one.', NMSP),
    Entry('irs', 'indoor residual spraying (IRS)',
          ('indoor residual spraying', 'spraying', 'spray wall', 'irs', 'residual spray'), ('spray', 'wall'),
          'Indoor residual spraying puts a long-lasting insecticide on the inside walls and ceilings of homes, '
          'where mosquitoes rest after feeding, so they die. It protects a whole community when most houses '
          'are sprayed, has to be repeated (usually each year before the rains) and is costly, so it is '
          'targeted to selected high-burden areas; insecticides are rotated to slow resistance.', WHO_GUIDELINES),
    Entry('smc', 'seasonal malaria chemoprevention (SMC)',
          ('seasonal malaria chemoprevention', 'chemoprevention', 'spaq', 'smc', 'monthly drug'),
          ('preventive', 'amodiaquine'),
          'Seasonal malaria chemoprevention gives young children (in Nigeria, 3 to 59 months old) a full course '
          'of antimalarial medicine, usually sulfadoxine-pyrimethamine plus amodiaquine (SPAQ), once a month '
          'through the high-transmission rainy season, typically four or five monthly cycles. It prevents most '
          'malaria episodes in the season and is delivered door to door in the northern states where '
          'transmission is strongly seasonal.', f'{WHO_GUIDELINES}; {NMSP}'),
    Entry('testing', 'RDT versus microscopy',
          ('rapid diagnostic test', 'microscopy', 'blood smear', 'diagnose', 'diagnosis', 'test malaria',
           'rdt', 'blood film'),
          ('test', 'testing', 'slide', 'accurate'),
          'Both confirm malaria before treatment, which WHO recommends for every suspected case. A rapid '
          'diagnostic test (RDT) detects parasite proteins in a drop of blood in about 15 minutes, needs no '
          'laboratory and suits any health post; the HRP2 protein it detects can stay for weeks after a cure, so '
          'an RDT may still read positive after recent treatment. Microscopy of a stained blood film shows the '
          'parasite species and how many there are and can follow treatment, but needs a trained microscopist '
          'and good equipment; its quality depends on both.', WHO_GUIDELINES),
    Entry('tpr', 'what test positivity rate (TPR) means',
          ('test positivity', 'positivity rate', 'positive test', 'tpr'), ('positive', 'rate'),
          'The test positivity rate is the share of malaria tests done that came back positive: 100 x positives '
          '/ tested, for a place and period. A high TPR points to heavy transmission among the people who come '
          'to facilities with fever. It is not the share of the whole population infected (parasite '
          'prevalence): it depends on who seeks care, on testing practice and on how many facilities report, so '
          'compare it between wards with care and look at the number tested too.', WHO_SURVEILLANCE),
    Entry('seasonality', 'malaria seasons in Nigeria',
          ('season', 'seasonality', 'rainy season', 'time of year', 'dry season'),
          ('seasonal', 'when', 'month', 'peak', 'year'),
          'Malaria is transmitted all year across Nigeria, but its intensity follows the rains, which create the '
          'puddles where Anopheles breed. In the south the rainy season is long and transmission stays high for '
          'most of the year; in the north the rains are shorter (roughly June or July to October) and cases '
          'rise sharply then, which is why seasonal chemoprevention is given in the northern states in those '
          'months.', NMSP),
    Entry('ranking', 'what a vulnerability ranking means',
          ('vulnerability ranking', 'rank mean', 'ranking mean', 'vulnerability mean', 'vulnerability score',
           'prioritise', 'prioritize', 'prioritisation', 'stratification', 'stratify', 'mrpt'),
          ('vulnerability', 'ranking', 'rank', 'targeting', 'priority'),
          'A vulnerability ranking orders wards by how many risk factors point to high malaria risk (for example '
          'test positivity, environment suited to mosquitoes, poor housing), so that limited nets, spraying or '
          'outreach go first where they are likely to do most good. It is relative (rank 1 is the most '
          'vulnerable of these wards, not a number of cases) and depends on the variables chosen, so read it '
          'with local knowledge. Nigeria\'s strategy asks for exactly this: stratify the country and tailor the '
          'mix of interventions below the state level.', NMSP),
    Entry('urban', 'malaria in towns and cities',
          ('urban malaria', 'city', 'cities', 'town', 'urbanisation', 'urbanization', 'slum'), ('urban',),
          'Transmission is usually lower in towns than in the countryside, because there are fewer clean '
          'standing-water breeding sites and better housing, but it is very uneven: informal settlements, '
          'urban farming, blocked drains and city edges can carry high risk. Many fevers in cities are not '
          'malaria, so testing matters. WHO advises planning urban malaria control with the city\'s own data '
          'and with other sectors (housing, water, sanitation).', WHO_URBAN),
    Entry('environment', 'how rainfall, temperature and vegetation affect malaria',
          ('rainfall', 'rain', 'temperature', 'humidity', 'vegetation', 'evi', 'ndvi', 'climate',
           'environment', 'flood', 'water body', 'breeding site', 'soil wetness'), ('water', 'weather', 'soil'),
          'Anopheles lay eggs in standing water, so rainfall, flooding, wet soils and nearby water bodies mean '
          'more breeding sites; vegetation indices such as EVI and NDVI stand in for that moisture. Temperature '
          'sets how fast the parasite develops inside the mosquito (too cold or too hot, and it cannot finish), '
          'and humidity helps mosquitoes live long enough to pass it on. Climate change is shifting where and '
          'when these conditions occur.', WMR_2023),
    Entry('housing', 'why housing quality matters',
          ('housing', 'housing quality', 'eave', 'window screen'), ('house', 'home', 'building', 'roof'),
          'Most malaria bites happen indoors at night. Houses with closed eaves, screened windows and doors and '
          'solid walls and roofs let fewer mosquitoes in, so people in better housing are bitten less; poorer '
          'housing also goes with poverty and less access to care. That is why housing quality counts as a risk '
          'factor: the worse the housing, the higher the risk.', WHO_URBAN),
    Entry('treatment', 'how malaria is treated',
          ('treat', 'treated', 'treatment', 'medicine', 'cure', 'artemisinin', 'artesunate', 'lumefantrine',
           'artemether', 'antimalarial'), ('drug', 'act'),
          'Uncomplicated malaria is treated with an artemisinin-based combination therapy (ACT) for three days '
          '(artemether-lumefantrine is the most used in Nigeria), after a positive test. Severe malaria needs '
          'injectable artesunate in hospital; where that is far away, a child can be given rectal artesunate '
          'before referral. Finishing the full course matters, and treatment should follow a test, not '
          'fever alone.', f'{WHO_GUIDELINES}; {NMSP}'),
    Entry('vaccine', 'malaria vaccines',
          ('vaccine', 'vaccination', 'immunisation', 'immunization', 'rts', 'r21'), ('jab',),
          'WHO recommends two malaria vaccines for children living where malaria transmission is moderate to '
          'high: RTS,S/AS01 (recommended in 2021) and R21/Matrix-M (2023), given as four doses from about five '
          'months of age. They reduce malaria illness and deaths in young children but do not replace nets, '
          'chemoprevention and prompt treatment: they are added to them.', WHO_GUIDELINES),
    Entry('resistance', 'insecticide and drug resistance',
          ('resistance', 'resistant', 'pyrethroid'), ('insecticide', 'drug', 'fail'),
          'Mosquitoes in Nigeria are widely resistant to pyrethroids, the insecticide on standard nets, which '
          'is why WHO now recommends newer nets (pyrethroid with chlorfenapyr, or with PBO) where resistance '
          'is found, and why spraying programmes rotate insecticides. Parasites partly resistant to artemisinin '
          'have emerged in parts of East Africa; ACTs still work well in Nigeria, and drug efficacy is '
          'monitored regularly.', f'{WHO_GUIDELINES}; {WMR_2023}'),
    Entry('burden', 'how big the malaria problem is in Nigeria',
          ('burden', 'how many death', 'how many case', 'how many people die', 'statistic', 'die of malaria'),
          ('death', 'case', 'nigeria', 'global', 'world', 'die', 'how many'),
          'Malaria remains one of the biggest causes of illness and death in Nigeria. According to the WHO '
          'World Malaria Report 2023 there were about 249 million malaria cases and 608,000 deaths worldwide in '
          '2022, most of them in Africa, and Nigeria alone accounted for about 27% of the world\'s cases and '
          'about 31% of its malaria deaths, more than any other country.', WMR_2023),
    Entry('strategy', "Nigeria's national malaria strategy",
          ('strategy', 'strategic plan', 'nmsp', 'nmep', 'national plan', 'elimination'),
          ('goal', 'target', 'programme', 'program', 'national', 'government'),
          'The National Malaria Strategic Plan 2021–2025 aims to bring malaria parasite prevalence below 10% '
          'and malaria deaths below 50 per 1,000 live births by 2025. Its approach is to tailor the mix of '
          'interventions (nets, spraying, seasonal chemoprevention, care in pregnancy, testing and treatment) '
          'to each area\'s transmission and risk, using local data, rather than giving every area the same '
          'package.', NMSP),
    Entry('prevention', 'how to prevent malaria',
          ('prevent', 'prevention', 'reduce malaria', 'control malaria', 'stop malaria', 'avoid malaria'),
          ('protect', 'avoid', 'control'),
          'The main tools are insecticide-treated nets slept under every night, indoor residual spraying in '
          'selected areas, preventive medicines for those most at risk (seasonal chemoprevention for young '
          'children, IPTp for pregnant women), vaccines for young children, and testing every fever and '
          'treating confirmed cases promptly. Clearing standing water around homes helps where breeding sites '
          'are few and easy to find.', WHO_GUIDELINES),
    Entry('prevalence', 'parasite prevalence (PfPR)',
          ('parasite prevalence', 'prevalence', 'parasite rate', 'pfpr'), ('survey', 'parasite'),
          'Parasite prevalence (PfPR) is the share of people, usually children aged 2 to 10 or under five, who '
          'carry malaria parasites in their blood at the time of a survey, whether or not they feel ill. It '
          'comes from household surveys or models built on them, so it describes the whole population, unlike '
          'test positivity, which describes people who came to a facility.', WHO_SURVEILLANCE),
)
WORD = re.compile(r"[a-z0-9.]+")
SPELLINGS = (('children', 'child'), ('women', 'woman'), ('fives', '5'), ('five', '5'), ('under-5', 'under 5'))


def tokens(text):
    """Lower-case words with a plural 's' dropped ('nets' -> 'net'), so phrases match their forms."""
    text = text.lower().replace('-', ' ')
    for written, meant in SPELLINGS:
        text = re.sub(rf'\b{written}\b', meant, text)
    found = set()
    for word in WORD.findall(text):
        word = word.strip('.')
        found.add(word[:-1] if len(word) > 3 and word.endswith('s') and not word.endswith('ss') else word)
    return found


def score(entry, words):
    """A specific phrase found counts its words + 1, a hint 1, and 'malaria' 1 more once anything matched:
    one specific word ('vaccine') is enough, one hint ('house') is not."""
    points = sum(len(phrase.split()) + 1 for phrase in entry.keywords if tokens(phrase) <= words)
    points += sum(1 for phrase in entry.weak if tokens(phrase) <= words)
    return points + (1 if points and 'malaria' in words else 0)


def best(question) -> Optional[Entry]:
    """The entry the question is about, or None when none scores MIN_SCORE (ties: the first listed)."""
    words = tokens(question)
    top = max(ENTRIES, key=lambda entry: score(entry, words))
    return top if score(top, words) >= MIN_SCORE else None


def answer(question) -> Answer:
    """The best entry's text with its source, or an honest 'I do not know' and what can be asked."""
    entry = best(question)
    if entry:
        return Answer(f'{entry.text}\n\nSource: {entry.source}.', entry.source, entry.key)
    topics = ', '.join(e.title for e in ENTRIES[:8])
    return Answer('I do not know the answer to that one, and I would rather not guess. I can explain general '
                  f'malaria topics ({topics}, and more), and work with your data: run the malaria risk '
                  'analysis, show the highest-risk wards, explain a ward, draw maps, compare the methods and '
                  'plan bed net distribution.', None, None)
