"""The analysis report and its exports (pure: a result dict in, file bytes out).

`build(result, analysis_meta, options)` takes the engine's
`AnalysisResult.to_dict()`, a few facts about the analysis (`analysis_id`,
`dataset_id`, `dataset_name`, `created_at`, `completed_at`; all optional) and
options (`urban_threshold`, default 75; `rank_move`, the places a ward's rank must
move between the composite and PCA scores to join the rank-spread chart, default a
third of the wards) and returns `{artifact name: (bytes, content type)}`:
`report.html` (self-contained: static SVG maps, loads nothing, prints to A4),
`rankings.xlsx` (sheets Rankings, Models, Data used, Variables), `wards.geojson`,
`lgas.geojson` (the LGA outlines) and `map.topojson` (both as the web app's map reads
them, `viz.topology`). (`rankings.csv` is the engine's own export,
`analysis.exports.rankings_csv`, which the worker stores with the rankings.)
`display` is `viz.display_boundaries(result)` when the caller already has it.
Heavy modules load only when `build` runs.
"""


def build(result, analysis_meta=None, options=None, display=None):
    """Build the report and the export files of one analysis result."""
    from chalicelib.reports import builder
    return builder.build(result, analysis_meta or {}, options or {}, display)
