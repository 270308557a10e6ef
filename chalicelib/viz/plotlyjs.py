"""What plotly.js reads, written without importing plotly's Python package (issue #16).

Building `graph_objects` validated and deep-copied every attribute (a quarter of a second
per Niger analysis) and importing them cost each cold worker about 80 ms, so figures are
the plain dicts plotly.js takes ({'data': [...], 'layout': {...}}) and `to_json` writes
them as plotly 6 does: a numpy array of numbers as a typed array ({'dtype': 'f4', 'bdata':
base64}, 64-bit integers narrowed to the smallest type that holds them, as plotly.js has
none), any other array as a list. The 'plotly_white' template and plotly.js itself are
read from plotly's package data, located without importing it. tests/viz/test_figure_json.py
passes every figure through plotly's own validation and writing and expects the same JSON.
"""
import base64
import functools
import importlib.util
import json
import pathlib

TYPED_ARRAYS = {'int8': 'i1', 'uint8': 'u1', 'int16': 'i2', 'uint16': 'u2', 'int32': 'i4', 'uint32': 'u4',
                'float32': 'f4', 'float64': 'f8'}
NARROWER = {'int64': (('int8', -2 ** 7, 2 ** 7), ('int16', -2 ** 15, 2 ** 15), ('int32', -2 ** 31, 2 ** 31)),
            'uint64': (('uint8', 0, 2 ** 8), ('uint16', 0, 2 ** 16), ('uint32', 0, 2 ** 32))}


def package_data(name):
    """A file of plotly's package data; `find_spec` locates the package without running it."""
    return pathlib.Path(importlib.util.find_spec('plotly').submodule_search_locations[0]) / 'package_data' / name


@functools.lru_cache(maxsize=None)
def template():
    """The 'plotly_white' template as plotly writes it into a layout, read once per container.
    Every figure shares this one dict: nothing may change it."""
    return json.loads(package_data('templates/plotly_white.json').read_text('utf-8'))


def library():
    """plotly.js itself, for a page that must open without internet."""
    return package_data('plotly.min.js').read_text('utf-8')


def _narrowed(array):
    """A 64-bit integer array in the narrowest type that holds its values, or as it is."""
    low, high = array.min(), array.max()
    return next((array.astype(name) for name, least, bound in NARROWER[array.dtype.name]
                 if least <= low and high < bound), array)


def _array(value):
    """`json.dumps`'s fallback: a numpy array as plotly 6 writes it (see the module docstring)."""
    if getattr(value, 'ndim', 0) < 1:
        raise TypeError(f'{type(value).__name__} is not JSON serialisable')
    if value.size and value.dtype.name in NARROWER:
        value = _narrowed(value)
    code = TYPED_ARRAYS.get(value.dtype.name) if value.size else None
    if code is None:
        return value.tolist()
    typed = {'dtype': code, 'bdata': base64.b64encode(value.tobytes()).decode('ascii')}
    if value.ndim > 1:
        typed['shape'] = ', '.join(map(str, value.shape))
    return typed


def to_json(value):
    """Compact JSON of a figure (or of any plain data holding numpy arrays). NaN is refused:
    JSON.parse would reject the page's figure."""
    return json.dumps(value, separators=(',', ':'), allow_nan=False, default=_array)
