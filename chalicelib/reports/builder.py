"""The reporting stage: an analysis result in, the report and the export files out."""
from chalicelib.reports import document, exports
from chalicelib.viz.geometry import lga_outlines
from chalicelib.viz.maps import HTML, display_wards, wards_block
from chalicelib.viz.view import from_result


def build(result, analysis_meta, options, display=None):
    """{artifact name: (bytes, content type)}: report.html, rankings.xlsx, wards.geojson, lgas.geojson."""
    view = from_result(result)
    collection, keys = display_wards(view, display)
    outlines = lga_outlines(collection, view.lga_of_keys())
    return {
        'report.html': (document.render(view, analysis_meta, wards_block(view, collection, keys), keys,
                                        bool(options.get('embed_plotlyjs', False))), HTML),
        'rankings.xlsx': (exports.rankings_xlsx(result), exports.XLSX),
        'wards.geojson': (exports.wards_geojson(view, collection), exports.GEOJSON),
        'lgas.geojson': (exports.lgas_geojson(outlines), exports.GEOJSON),
    }
