"""Datasets: created with presigned uploads, processed when the files arrive, given a ward TPR.

The file roles and extensions a dataset takes are here, where both the service (requests.py)
and its models (models.py, loaded only when a body is parsed) read them.
"""
from types import MappingProxyType

TABLE_EXTENSIONS = ('.csv', '.xlsx')
EXTENSIONS = MappingProxyType({'data': TABLE_EXTENSIONS, 'boundaries': ('.zip', '.geojson', '.json'),
                              'population': TABLE_EXTENSIONS, 'tpr': TABLE_EXTENSIONS})
