"""What the chat reads in free text: numbers in words and digits, and the names of the conversation's
data, matched with ward matching's own normalisation and fuzzy rule."""
import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.analysis.matching import match_wards
from chalicelib.conversations.language import Variables, Wards, names_in, numbers, parse_number, resolve
from tests.chat.niger import niger  # noqa: F401  (fixture)

ONES = ('zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen '
        'seventeen eighteen nineteen').split()
TENS = dict(zip(range(2, 10), 'twenty thirty forty fifty sixty seventy eighty ninety'.split()))


def in_words(n, conjunction=False, hyphen=False):
    """An integer as people write it: 'two million five hundred (and) twenty(-)five thousand'."""
    if n < 20:
        return ONES[n]
    if n < 100:
        tens, units = divmod(n, 10)
        return TENS[tens] + (('-' if hyphen else ' ') + ONES[units] if units else '')
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = (' and ' if conjunction else ' ') + in_words(rest, conjunction, hyphen) if rest else ''
        return f'{ONES[hundreds]} hundred{tail}'
    for scale, word in ((10 ** 6, 'million'), (1000, 'thousand')):
        if n >= scale:
            big, rest = divmod(n, scale)
            tail = ' ' + in_words(rest, conjunction, hyphen) if rest else ''
            return f'{in_words(big, conjunction, hyphen)} {word}{tail}'


@pytest.mark.parametrize('text, value', [
    ('2 million', 2_000_000), ('2m', 2_000_000), ('2M nets', 2_000_000), ('500,000', 500_000),
    ('1.5 million', 1_500_000), ('1.15 million', 1_150_000), ('twenty', 20), ('twenty five thousand', 25_000),
    ('a hundred', 100), ('a million nets', 1_000_000), ('four', 4), ('half a million', 500_000),
    ('one hundred and twenty', 120), ('fifteen hundred', 1500), ('2 million 500 thousand', 2_500_000),
    ('750k', 750_000), ('twenty-five', 25), ('4.5', 4.5), ('zero', 0), ('2 thousand', 2000),
])
def test_a_number_is_read_in_words_digits_or_both(text, value):
    assert parse_number(text) == value


def test_numbers_in_a_sentence_are_found_in_order_with_their_place_and_percent():
    text = 'I have 2 million nets, household size four and urban threshold 50%; seventy five per cent'
    found = numbers(text)
    assert [(n.value, n.percent) for n in found] == [(2_000_000, False), (4, False), (50, True), (75, True)]
    assert [text[n.start:n.end] for n in found] == ['2 million', 'four', '50%', 'seventy five per cent']


@pytest.mark.parametrize('text', ['u5', 'o5 and pw', 'a few wards', 'the top wards', 'NISMAK01'])
def test_words_that_only_look_like_numbers_are_not_numbers(text):
    assert numbers(text) == ()


def test_two_written_numbers_side_by_side_stay_two_numbers():
    assert [n.value for n in numbers('2 4')] == [2, 4]
    assert [n.value for n in numbers('wards 1,2 and 3')] == [1, 2, 3]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 12))
def test_any_integer_written_with_digits_with_or_without_commas_parses_to_itself(n):
    assert parse_number(str(n)) == n
    assert parse_number(f'{n:,}') == n
    assert parse_number(f'we have {n:,} nets') == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999), st.booleans(), st.booleans())
def test_any_integer_up_to_millions_written_in_words_parses_to_itself(n, conjunction, hyphen):
    written = in_words(n, conjunction, hyphen)
    assert parse_number(written) == n, written
    assert parse_number(f'I have {written} nets') == n, written


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=99))
def test_a_decimal_number_of_millions_is_exact(whole, hundredths):
    assert parse_number(f'{whole}.{hundredths:02d} million') == whole * 1_000_000 + hundredths * 10_000


# -- names -----------------------------------------------------------------------------------------

@pytest.mark.shared_data
@pytest.mark.parametrize('typed, meant', [
    ('Bosoo', 'Bosso'), ('bosso', 'Bosso'), ('chanchaga', 'Chanchaga'), ('CHANCHAGA', 'Chanchaga'),
    ('Shirroro', 'Shiroro'), ('kontagorra', 'Kontagora'), ('Wushishi', 'Wushishi'),
    ('Mokwa', 'Mokwa'), ('Lagos', None), ('Zzz', None),
])
def test_an_lga_is_resolved_case_blind_and_through_typos(niger, typed, meant):
    assert resolve(typed, niger.lgas) == meant


def test_a_name_two_candidates_fit_equally_well_resolves_to_neither():
    assert resolve('Fagg c', ['Fagge A', 'Fagge B']) is None  # same score for both: a tie
    assert resolve('sabon-gari  WUSE', ['Sabon Gari Wuse', 'Sabon Gari']) == 'Sabon Gari Wuse'
    assert resolve('kw Adewole (Ward II)', ['Adewole', 'Adewole 2']) == 'Adewole'


SIMPLE = st.text(alphabet='abdegknorsu', min_size=3, max_size=9)  # one word, no roman numerals, no prefix


@settings(max_examples=300, deadline=None)
@given(SIMPLE, st.lists(SIMPLE, min_size=1, max_size=6, unique=True))
def test_resolve_matches_exactly_as_ward_matching_matches_a_data_row(name, candidates):
    """The same normalisation and fuzzy rule as analysis/matching.py: a name resolves to the candidate the
    matcher assigns a data row of that name to, and to none when the matcher leaves the row unmatched."""
    assignment, _ = match_wards({'ward_name': [name]}, {'ward_name': candidates})
    assert resolve(name, candidates) == (candidates[assignment[0]] if assignment[0] >= 0 else None)


@pytest.mark.shared_data
def test_a_ward_is_found_by_code_or_name_and_a_repeated_name_finds_every_ward_of_it(niger):
    wards = Wards(niger.wards)
    assert wards.find('nismak01') == (('NISMAK01', 'Beji', 'Bosso'),)
    assert wards.find('manta') == (('NISKUT12', 'Manta', 'Shiroro'),)
    assert wards.find('Bosoo 1') == (('NISMAK02', 'Bosso 1', 'Bosso'),)
    assert sorted(lga for _, _, lga in wards.find('sabon gari')) == ['Chanchaga', 'Rafi', 'Wushishi']
    assert wards.find('Lekki') == ()


@pytest.mark.shared_data
@pytest.mark.parametrize('text, found', [
    ('why is Manta ranked so high?', ['Manta']),
    ('why is Bosoo 1 ranked so high', ['Bosso 1']),
    ('explain Bagama A', ['Bagama A']),
    ('tell me about sabon gari wuse please', ['Sabon Gari Wuse']),
    ('compare T/Wada N with minna s', ['T/Wada N', 'Minna S']),
    ('why are children under 5 most vulnerable?', []),
    ('what are the top 10 highest risk wards?', []),
])
def test_ward_names_are_found_in_free_text_through_typos(niger, text, found):
    assert [wards[0][1] for wards, _ in Wards(niger.wards).find_in(text)] == found


@pytest.mark.shared_data
def test_lga_names_are_found_in_free_text_through_typos(niger):
    assert names_in('show me the least vulnerable wards in Bosoo', niger.lgas) == ('Bosso',)
    assert names_in('top 20 in chanchaga and suleja', niger.lgas) == ('Chanchaga', 'Suleja')
    assert names_in('top wards by pca', niger.lgas) == ()


@pytest.mark.shared_data
@pytest.mark.parametrize('said, column', [
    ('rainfall', 'mean_rainfall'), ('rain', 'mean_rainfall'), ('rainfal', 'mean_rainfall'), ('evi', 'mean_EVI'),
    ('vegetation', 'mean_EVI'), ('NDVI', 'mean_NDVI'), ('distance to water', 'distance_to_water'),
    ('tpr', 'u5_tpr_rdt'), ('test positivity', 'u5_tpr_rdt'), ('urban', 'urbanPercentage'),
    ('night lights', 'avgRAD'), ('housing', 'housing_quality'), ('soil moisture', 'mean_soil_wetness'),
    ('humidity', 'RH_mean'), ('temperature', 'temp_mean'), ('temprature', 'temp_mean'), ('flood', 'flood'),
    ('population', 'population'), ('pfpr', 'pfpr'), ('u5_tpr_rdt', 'u5_tpr_rdt'), ('malaria', None),
    ('wards', None),
])
def test_a_variable_is_found_by_what_people_call_it(niger, said, column):
    assert Variables(niger.variables).match(said) == column


@pytest.mark.parametrize('columns, said, column', [
    (('total', 'enhanced_vegetation_index', 'distance_to_water_bodies', 'test_positivity_rate', 'rainfall'),
     'evi', 'enhanced_vegetation_index'),
    (('total', 'enhanced_vegetation_index', 'distance_to_water_bodies', 'test_positivity_rate', 'rainfall'),
     'vegetation', 'enhanced_vegetation_index'),
    (('total', 'enhanced_vegetation_index', 'distance_to_water_bodies', 'test_positivity_rate', 'rainfall'),
     'tpr', 'test_positivity_rate'),
    (('total', 'enhanced_vegetation_index', 'distance_to_water_bodies', 'test_positivity_rate', 'rainfall'),
     'distance to water', 'distance_to_water_bodies'),
    (('distance', 'meanEVI', 'val_housing_15', 'settlement_type', 'tpr_u5_new'), 'evi', 'meanEVI'),
    (('distance', 'meanEVI', 'val_housing_15', 'settlement_type', 'tpr_u5_new'), 'tpr', 'tpr_u5_new'),
    (('population', 'tpr', 'urbanPercentage', 'avg_rainfall', 'ndvi_score', 'dist_to_clinic'), 'rainfall',
     'avg_rainfall'),
    (('population', 'tpr', 'urbanPercentage', 'avg_rainfall', 'ndvi_score', 'dist_to_clinic'), 'ndvi',
     'ndvi_score'),
])
def test_variables_of_other_datasets_are_found_by_the_same_names(columns, said, column):
    """Kano's, Ilorin's and the template's columns (the headers in shared/data), named otherwise."""
    assert Variables(columns).match(said) == column


@pytest.mark.shared_data
def test_several_variables_in_a_sentence_are_found_in_order_each_once(niger):
    variables = Variables(niger.variables)
    assert variables.find_in('use rainfall, evi and tpr') == ('mean_rainfall', 'mean_EVI', 'u5_tpr_rdt')
    assert variables.find_in('rainfall evi and distance to water, rain again') == (
        'mean_rainfall', 'mean_EVI', 'distance_to_water')
    assert variables.find_in('map the wards for me') == ()
