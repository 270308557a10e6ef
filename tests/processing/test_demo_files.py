"""The demo's data: Niger when ../shared/data is there, a synthetic state otherwise."""
from chalicelib.analysis import prepare_dataset
from devstack import demo


def test_without_the_shared_data_the_demo_uploads_a_valid_synthetic_state(tmp_path):
    files, origin = demo.demo_files(niger=tmp_path)

    assert 'synthetic' in origin
    assert set(files) == {'data', 'boundaries'}
    assert prepare_dataset(files).summary['wards'] == 275


def test_with_the_shared_data_the_demo_uploads_niger(shared_data):
    files, origin = demo.demo_files(niger=shared_data / 'niger')

    assert 'Niger' in origin
    assert files['data'][0] == 'Niger_plus.csv'
