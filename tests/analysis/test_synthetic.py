"""The synthetic generator behaves like a real upload: matched by code, correlated neighbours, gaps."""
import json

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from chalicelib.analysis import prepare_dataset, run_analysis
from chalicelib.analysis.synthetic import generate_state


@pytest.mark.parametrize('fmt', ['geojson', 'shapefile'])
def test_a_state_of_275_wards_reads_like_an_upload(fmt):
    prepared = prepare_dataset(generate_state(275, seed=1, boundaries_format=fmt))
    assert prepared.summary['wards'] == 275 and prepared.summary['matched']['by_code'] == 275
    assert np.diff(prepared.indptr).min() >= 2
    missing = {v['name']: v['missing'] for v in prepared.summary['variables']}
    assert missing['housing_quality'] > 0
    assert prepared.state == 'NI'


def test_wards_have_wiggly_edges_that_neighbours_share_exactly():
    collection = json.loads(generate_state(30, seed=2)['boundaries'][1])
    wards = np.asarray([shape(f['geometry']) for f in collection['features']], dtype=object)
    assert shapely.is_valid(wards).all() and shapely.get_num_coordinates(wards).min() >= 100
    assert shapely.coverage_is_valid(wards)  # no overlaps, and every shared edge has the same vertices on both sides
    left, right = shapely.STRtree(wards).query(wards, predicate='touches')
    shared = shapely.intersection(wards[left], wards[right])
    assert (shapely.get_num_coordinates(shared) > 20).sum() >= 2 * 49  # 5 x 6 lattice: 49 shared edges, each twice


def test_variables_are_spatially_correlated():
    prepared = prepare_dataset(generate_state(400, seed=4))
    column = prepared.values[:, prepared.variables.index('u5_tpr_rdt')]
    owner = np.repeat(np.arange(len(column)), np.diff(prepared.indptr))
    pairs = ~np.isnan(column[owner]) & ~np.isnan(column[prepared.indices])
    assert np.corrcoef(column[owner][pairs], column[prepared.indices][pairs])[0, 1] > 0.5


def test_same_seed_same_files_and_pca_finds_structure():
    assert generate_state(50, seed=9) == generate_state(50, seed=9)
    result = run_analysis(prepare_dataset(generate_state(275, seed=9)), {})
    assert result.pca['ran'] and result.comparison['spearman'] > 0.5


def test_all_of_nigeria_scale():
    prepared = prepare_dataset(generate_state(9400, seed=0))
    assert prepared.summary['wards'] == 9400 and prepared.summary['unmatched'] == 0
    variables = ['u5_tpr_rdt', 'avgRAD', 'housing_quality', 'mean_soil_wetness', 'distance_to_water', 'NDMI',
                 'urbanPercentage']
    result = run_analysis(prepared, {'variables': variables})
    assert len(result.rankings) == 9400 and len(result.models) == 120
