"""Fixtures for the analysis domain: the shared real datasets, prepared on demand."""
import pytest
from analysis_builders import real_files

from chalicelib.analysis import prepare_dataset


@pytest.fixture
def real(shared_data):
    """real('niger') -> PreparedDataset of that shared dataset."""
    return lambda name: prepare_dataset(real_files(shared_data, name))
