"""Variable choice by zone and concept, directions by rule or request, request mistakes named."""
import pytest

from chalicelib.analysis import DataError
from chalicelib.analysis.variables import check_model_count, resolve_state, rule_direction, select_variables


@pytest.mark.parametrize('name,direction', [
    ('distance_to_water', 'inverse'), ('elevation', 'inverse'), ('housing_quality', 'inverse'),
    ('val_housing_15', 'inverse'), ('urbanPercentage', 'inverse'), ('mean_rainfall', 'direct'),
    ('RH_mean', 'direct'), ('mean_EVI', 'direct'), ('NDWI', 'direct'), ('avgRAD', 'direct'),
    ('u5_tpr_rdt', 'direct'), ('pfpr', 'direct'), ('settlement_type', 'direct'), ('flood', 'direct'),
    ('population', 'direct'), ('building_height', 'direct'),
    ('dist_to_water', 'inverse'), ('dist_to_clinic', 'inverse'), ('avg_house_score', 'inverse'),
    ('district_population', 'direct'), ('household_size', 'direct'),
])
def test_direction_rules_check_inverse_keywords_first(name, direction):
    assert rule_direction(name)[0] == direction


def test_unknown_names_are_direct_but_not_known():
    assert rule_direction('building_height') == ('direct', False)
    assert rule_direction('mean_rainfall') == ('direct', True)


@pytest.mark.parametrize('value,code', [('NI', 'NI'), ('Niger', 'NI'), ('kw Kwara State', 'KW'),
                                        ('Federal Capital Territory', 'FC'), ('Atlantis', None), (None, None)])
def test_states_by_code_or_name(value, code):
    assert resolve_state(value) == code


def test_zone_concepts_map_by_synonym_and_never_to_a_look_alike():
    available = ('tpr_u5', 'avgRAD', 'urbanArea', 'mean_soil_wetness', 'housing_quality', 'population')
    chosen, notes = select_variables(available, None, None, 'NI', legacy=False)
    assert [n for n, _ in chosen] == ['tpr_u5', 'avgRAD', 'mean_soil_wetness', 'housing_quality']
    assert any('urban_percentage' in n and 'no look-alike' in n for n in notes)


def test_north_west_zone():
    available = ('u5_tpr_rdt', 'mean_rainfall', 'NDWI', 'housing_quality', 'elevation', 'urbanPercentage', 'flood')
    chosen, _ = select_variables(available, None, None, 'KN', legacy=False)
    assert [n for n, _ in chosen] == list(available[:6])


def test_without_a_zone_known_variables_are_used_tpr_first_at_most_eight():
    available = tuple(f'rainfall_{i}' for i in range(9)) + ('mystery', 'pfpr')
    chosen, notes = select_variables(available, None, None, None, legacy=False)
    names = [n for n, _ in chosen]
    assert len(names) == 8 and 'pfpr' in names and 'mystery' not in names and 'rainfall_8' not in names
    assert any('No state zone' in n for n in notes)


def test_request_names_variables_case_insensitively_and_sets_directions():
    chosen, _ = select_variables(('a_var', 'b_var', 'distance'), ['B_VAR', 'distance'], {'distance': 'direct'},
                                 None, legacy=False)
    assert chosen == [('b_var', 'direct'), ('distance', 'direct')]


@pytest.mark.parametrize('variables,directions,code,column', [
    (['nope'], None, 'unknown_variable', 'nope'),
    (None, {'nope': 'direct'}, 'unknown_variable', 'nope'),
    (['a'], {'a': 'upwards'}, 'bad_direction', 'a'),
])
def test_request_mistakes_name_the_field(variables, directions, code, column):
    available = ('a',) + tuple(f'v{i}' for i in range(11))
    with pytest.raises(DataError) as caught:
        select_variables(available, variables, directions, None, legacy=False)
    assert caught.value.code == code and caught.value.column == column


def test_more_than_ten_usable_variables_is_refused_in_the_default_only():
    with pytest.raises(DataError) as caught:
        check_model_count([(f'v{i}', 'direct') for i in range(11)], legacy=False)
    assert caught.value.code == 'too_many_variables' and caught.value.column == 'variables'
    check_model_count([(f'v{i}', 'direct') for i in range(10)], legacy=False)
    check_model_count([(f'v{i}', 'direct') for i in range(11)], legacy=True)


def test_legacy_accepts_more_than_ten_variables():
    available = tuple(f'v{i}' for i in range(11))
    chosen, _ = select_variables(available, list(available), None, None, legacy=True)
    assert len(chosen) == 11
