"""Maps and charts of an analysis (pure: a result dict in, file bytes out).

`draw(result, options)` takes the engine's `AnalysisResult.to_dict()` and returns
`{artifact name: (bytes, content type)}`: `vulnerability_map.html`, `pca_map.html`
(when PCA ran), `variable_maps.html`, `urban_map.html` (when wards carry an urban
percentage) and `rank_spread.html`. Each page holds a static SVG version of its
map or chart (`static`, `layers`, `spread`), drawn here, which stays where plotly.js
cannot load. Options: `embed_plotlyjs` (default False: plotly.js loads from one
pinned CDN URL; True inlines it for offline use), `urban_threshold` (default 75)
and `rank_move` (the places a ward's rank must move between the composite and PCA
scores to join the rank-spread chart; default a third of the wards). `display` is
the result's `display_boundaries(result)` when the caller already has it (the worker
keeps it for the report): the dataset's display boundaries, simplified once when it
was prepared, keyed for the maps. Numpy and shapely load only when these functions
run, so importing this package costs nothing on the REST path, and plotly's Python
package never loads: figures are plain dicts that `plotlyjs` writes as plotly would.
`coverage_map(result, plan)` draws an ITN plan's coverage on the same wards.
Variables are named by the dictionary (`dictionary.describe`).
"""


def display_boundaries(result):
    """The result's display boundaries keyed by ward: a JSON-ready FeatureCollection."""
    from chalicelib.viz import maps
    from chalicelib.viz.view import from_result
    return maps.display_boundaries(from_result(result))


def draw(result, options=None, display=None):
    """Draw every map and chart of one analysis result."""
    from chalicelib.viz import maps
    return maps.draw(result, options or {}, display)


def coverage_map(result, plan, options=None):
    """The coverage map of an ITN plan (`chalicelib.analysis.itn.plan_itn`) as HTML bytes."""
    from chalicelib.viz import maps
    return maps.draw_coverage(result, plan, options or {})
