"""The malaria risk analysis domain: pure computation, bytes in, results out.

No AWS, no environment reads, and no heavy imports at package import: the
functions below import their submodules (pandas-free, but numpy, shapely,
pyproj, pyshp) only when called, so the REST path can import this package.

Interfaces
----------
DataError(code, message, file=None, row=None, column=None)
    Raised for every problem in a user's file or request. Attributes `code`
    (snake_case), `message` (what is wrong and what to do), `file`, `row`,
    `column`; `to_dict()` -> {code, message, file, row, column} (the dataset
    `errors` item of the API); `one_line()` for a command line.

Limits(max_bytes=50 MB, max_uncompressed_bytes=500 MB, max_boundary_bytes=24 MB,
       max_rows=20,000, max_columns=100, max_facility_rows=150,000, shapefile=None, sheet=None)
    Upload limits, passed in by the caller.

prepare_dataset(files, limits=Limits(), on_stage=None) -> PreparedDataset
    `files` maps 'data', 'boundaries' (optional) and 'population' (optional)
    to (filename, bytes). Reads, matches wards (code, name, fuzzy), builds
    queen contiguity; the display boundaries (`geojson`) are made on first use
    (maps, `to_canonical`), as ranking never needs them. The result has `summary`
    (the API dataset summary), `warnings`, `match_report`, `to_canonical()`
    -> {'wards.csv', 'boundaries.geojson', 'neighbours.json',
    'validation.json': bytes} and `PreparedDataset.from_canonical(files)`.

run_analysis(prepared, request, on_stage=None) -> AnalysisResult
    `request`: method (composite|pca|both, default both), variables (list),
    directions ({var: direct|inverse}), preset (default|mrpt-legacy), state.
    The result carries rankings (rank order, API rankings item fields plus
    urban_percentage), models, pca, comparison, match_report, imputation,
    variables, warnings, urban_thresholds, ward_values (raw, imputed and
    normalised values per ward) and geojson; `to_dict()` is JSON-safe.
    `on_stage(name)` is called as each stage starts (for progress).

exports.safe_cell(value), exports.write_rankings_csv(rankings, fileobj)
    Spreadsheet-safe cells and the rankings CSV.

synthetic.generate_state(n_wards, seed=0, ...) -> files for prepare_dataset.

The command line for offline work (`python -m cli`) lives outside, in cli/.
"""
from .errors import DataError


def prepare_dataset(files, limits=None, on_stage=None):
    from .dataset import prepare_dataset as prepare
    return prepare(files, limits, on_stage)


def run_analysis(prepared, request, on_stage=None):
    from .engine import run_analysis as run
    return run(prepared, request, on_stage)


def __getattr__(name):
    """Lazy access to the classes without importing numpy at package import."""
    if name == 'Limits':
        from .ingest import Limits
        return Limits
    if name == 'PreparedDataset':
        from .dataset import PreparedDataset
        return PreparedDataset
    if name == 'AnalysisResult':
        from .engine import AnalysisResult
        return AnalysisResult
    raise AttributeError(name)


__all__ = ['DataError', 'prepare_dataset', 'run_analysis', 'Limits', 'PreparedDataset', 'AnalysisResult']
