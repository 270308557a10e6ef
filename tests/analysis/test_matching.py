"""Ward matching: code, then normalised name within the LGA, then fuzzy; ties never matched."""
import pytest

from chalicelib.analysis.matching import match_wards, normalise_name


@pytest.mark.parametrize('raw,key', [
    ('kw Adewole', 'adewole'),
    ('Sabon Gari (Ward II)', 'sabon gari'),
    ('Sabon-Gari II', 'sabon gari 2'),
    ('Marafa/Pepele', 'marafa pepele'),
    ('Tudun_Wada Ward', 'tudun wada'),
    ('Kofar  Ruwa VIII', 'kofar ruwa 8'),
    ('Zango IV', 'zango 4'),
    ('Ilorin', 'ilorin'),
])
def test_normalised_names(raw, key):
    assert normalise_name(raw) == key


def ids(names, codes=None, lga_codes=None):
    out = {'ward_name': list(names)}
    if codes is not None:
        out['ward_code'] = list(codes)
    if lga_codes is not None:
        out['lga_code'] = list(lga_codes)
    return out


def test_codes_match_first_even_when_names_differ():
    assignment, report = match_wards(ids(['Kodo', 'Kodo'], ['B', 'A']), ids(['Kodo', 'Kodo X'], ['A', 'B']))
    assert assignment == [1, 0] and report['by_code'] == 2


def test_repeated_names_match_within_their_lga():
    data = ids(['Sabon Gari', 'Sabon Gari'], lga_codes=['2', '1'])
    boundaries = ids(['Sabon Gari', 'Sabon Gari'], lga_codes=['1', '2'])
    assignment, report = match_wards(data, boundaries)
    assert assignment == [1, 0] and len(report['by_name']) == 2


def test_repeated_names_without_lga_or_code_are_not_guessed():
    assignment, report = match_wards(ids(['Sabon Gari']), ids(['Sabon Gari', 'Sabon Gari']))
    assert assignment == [-1]
    assert report['unmatched'][0]['reason'] == 'tie'


def test_fuzzy_needs_080_and_a_clear_winner():
    data = ids(['Gawunab', 'Yyyxx', 'Fagg c'])
    boundaries = ids(['Gawuna', 'Fagge A', 'Fagge B', 'Fagge C', 'Yyyy'])
    assignment, report = match_wards(data, boundaries)
    assert assignment == [0, -1, -1]
    assert report['fuzzy'][0]['score'] == pytest.approx(12 / 13, abs=1e-4)
    reasons = {u['ward_name']: u['reason'] for u in report['unmatched']}
    assert reasons == {'Yyyxx': 'below_threshold', 'Fagg c': 'tie'}
    assert [b['ward_name'] for b in report['boundaries_without_data']] == ['Fagge A', 'Fagge B', 'Fagge C', 'Yyyy']


def test_fuzzy_threshold_is_080_exactly():
    """Badeggi/Badeji scores 0.77 (a different ward to a programme officer); Emitswa/Emitsawu 0.80."""
    assignment, report = match_wards(ids(['Badeggi', 'Emitswa']), ids(['Badeji', 'Emitsawu']))
    assert assignment == [-1, 1]
    assert report['fuzzy'][0]['score'] == pytest.approx(0.8)
    assert report['unmatched'][0]['reason'] == 'below_threshold'


def test_two_rows_wanting_the_same_boundary_get_neither():
    assignment, report = match_wards(ids(['Gawunab', 'Gawunac']), ids(['Gawuna', 'Other']))
    assert assignment == [-1, -1]
    assert {u['reason'] for u in report['unmatched']} == {'claimed_by_several_rows'}


def test_fuzzy_never_takes_a_boundary_already_matched():
    assignment, report = match_wards(ids(['Gawuna', 'Gawunab']), ids(['Gawuna', 'Unrelated']))
    assert assignment == [0, -1]
    assert report['unmatched'][0]['reason'] == 'best_match_taken'


def test_matching_does_not_depend_on_row_order():
    names = ['Gawunab', 'Kodo', 'Fagg c', 'zaitawai']
    boundaries = ids(['Zaitawa', 'Fagge A', 'Fagge C', 'Gawuna', 'Kodo'])
    forward, _ = match_wards(ids(names), boundaries)
    backward, _ = match_wards(ids(names[::-1]), boundaries)
    assert forward == backward[::-1]


@pytest.mark.parametrize('matched, ready', [(2, True), (1, False), (0, False)])
def test_a_dataset_needs_half_of_its_rows_on_a_boundary(matched, ready):
    """Half the data rows matched is READY (the rest listed); fewer is refused, naming the count."""
    from analysis_builders import strip_geojson
    from chalicelib.analysis import prepare_dataset
    from chalicelib.analysis.errors import DataError
    names = [f'A{i + 1}' if i < matched else f'Elsewhere {i}' for i in range(4)]
    data = 'WardName,rain,heat\n' + ''.join(f'{name},{i},{i * i}\n' for i, name in enumerate(names))
    files = {'data': ('wards.csv', data.encode()), 'boundaries': ('wards.geojson', strip_geojson(4, codes=False))}
    if ready:
        prepared = prepare_dataset(files)
        assert [u['ward_name'] for u in prepared.summary['unmatched_wards']] == ['Elsewhere 2', 'Elsewhere 3']
        return
    with pytest.raises(DataError) as refused:
        prepare_dataset(files)
    assert f'Only {matched} of the 4 wards in wards.csv' in refused.value.message
    assert refused.value.code == ('no_matches' if matched == 0 else 'too_few_matched')


def test_lga_names_meet_lga_codes_through_the_wards_both_sides_name_alike():
    """Boundaries with only LGACode, data with only LGA names: the uniquely named wards show which
    code is which LGA, so the repeated Sabon Gari rows go to their own LGA's polygon."""
    data = {'ward_name': ['Kawo', 'Tudun Wada', 'Sabon Gari', 'Minna', 'Sabon Gari'],
            'lga': ['Agaie', 'Agaie', 'Agaie', 'Chanchaga Local', 'Chanchaga Local']}
    boundaries = {'ward_name': ['Sabon Gari', 'Minna', 'Kawo', 'Sabon Gari', 'Tudun Wada'],
                  'lga_code': ['27006', '27006', '27001', '27001', '27001']}

    assignment, report = match_wards(data, boundaries)

    assert assignment == [2, 4, 3, 1, 0] and not report['unmatched']
