"""The variable dictionary: every variable of the sample data and the usual MRPT set has a label,
a unit, what it measures, a source and a direction; an unknown column keeps its name."""
import pytest

from chalicelib.analysis import prepare_dataset
from chalicelib.analysis.variables import CONCEPT_SYNONYMS, ZONES, rule_direction
from chalicelib.viz.dictionary import ENTRIES, describe
from tests.viz.conftest import SAMPLES, SHARED_DATA, need_shared_data, sample_files

MRPT_SET = ('u5_tpr_rdt', 'pfpr', 'population', 'mean_EVI', 'mean_NDVI', 'mean_rainfall', 'distance_to_water',
            'RH_mean', 'temp_mean', 'housing_quality', 'avgRAD', 'flood', 'NDWI', 'NDMI', 'elevation',
            'mean_soil_wetness', 'settlement_type', 'urbanPercentage', 'building_height', 'poverty',
            'population_density', 'distance_to_health_facility', 'nighttime_lights', 'soil_wetness',
            'distance_to_waterbodies', 'urban_percentage', 'rainfall', 'ndwi', 'ndmi')


def sample_variables():
    """Every variable the engine finds in the real samples, by sample."""
    need_shared_data()
    found = {name: prepare_dataset(sample_files(name)).variables for name in SAMPLES}
    template = SHARED_DATA / 'synthetic_template'
    found['synthetic_template'] = prepare_dataset({
        'data': ('sample_data_template.csv', (template / 'sample_data_template.csv').read_bytes())}).variables
    return found


def test_every_sample_variable_has_a_full_entry():
    for sample, variables in sample_variables().items():
        assert variables, sample
        for name in variables:
            entry = describe(name)
            assert entry.known, f'{sample}: {name} is not in the dictionary'
            assert entry.label != name and entry.unit and entry.measures and entry.source, name


@pytest.mark.parametrize('name', MRPT_SET + tuple(c for zone in ZONES.values() for c in zone))
def test_the_usual_mrpt_variables_have_entries(name):
    assert describe(name).known


def test_column_names_match_as_the_engine_matches_concepts():
    for concept, synonyms in CONCEPT_SYNONYMS.items():
        labels = {describe(s).label for s in synonyms}
        assert len(labels) == 1, concept
    assert describe('avgRAD').label == describe('Night lights').label == 'Night-time lights'
    assert describe('avgRAD').unit == 'nW/cm²/sr'


def test_a_variable_the_dictionary_does_not_know_keeps_its_name():
    entry = describe('mosquito_traps_per_km')
    assert not entry.known and entry.label == entry.heading == 'mosquito_traps_per_km'


def test_a_share_is_told_from_a_percentage_by_its_values():
    assert describe('tpr_u5', [0.24, 0.31]).unit == 'share, 0–1'
    assert describe('u5_tpr_rdt', [29.1, 40.2]).unit == '%'


def test_directions_agree_with_the_engine_wherever_the_engine_knows_the_name():
    for concept, entry in ENTRIES.items():
        for name in (concept, *entry['aliases']):
            direction, known = rule_direction(name)
            if known and entry['direction']:
                assert direction == entry['direction'], name


def test_the_report_flags_a_direction_the_dictionary_would_not_expect():
    from chalicelib.reports import build
    from chalicelib.analysis.synthetic import generate_state
    from tests.viz.conftest import analyse
    result = analyse(generate_state(30, seed=2), {'variables': ['u5_tpr_rdt', 'housing_quality', 'avgRAD'],
                                                 'directions': {'housing_quality': 'direct'}})
    html = build(result, {})['report.html'][0].decode()
    row = html.split('<section id="variables">', 1)[1].split('Housing quality', 1)[1].split('</tr>', 1)[0]
    assert 'usually the other way' in row
    assert html.count('usually the other way') == 1
