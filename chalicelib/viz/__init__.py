"""Maps and charts of an analysis (pure: a result dict in, file bytes out).

`draw(result, options)` takes the engine's `AnalysisResult.to_dict()` and returns
`{artifact name: (bytes, content type)}`: `vulnerability_map.html`, `pca_map.html`
(when PCA ran), `variable_maps.html`, `urban_map.html` (when wards carry an urban
percentage) and `rank_spread.html`. Options: `embed_plotlyjs` (default False:
plotly.js loads from one pinned CDN URL; True inlines it for offline use) and
`urban_threshold` (default 75). Plotly and shapely load only when `draw` runs,
so importing this package costs nothing on the REST path. `coverage_map(result,
plan)` draws an ITN plan's coverage on the same wards.
"""


def draw(result, options=None):
    """Draw every map and chart of one analysis result."""
    from chalicelib.viz import maps
    return maps.draw(result, options or {})


def coverage_map(result, plan, options=None):
    """The coverage map of an ITN plan (`chalicelib.analysis.itn.plan_itn`) as HTML bytes."""
    from chalicelib.viz import maps
    return maps.draw_coverage(result, plan, options or {})
