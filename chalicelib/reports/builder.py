"""The reporting stage: an analysis result in, the report and the export files out."""
from chalicelib.reports import document, exports
from chalicelib.viz.maps import HTML, prepare


def build(result, analysis_meta, options, display=None):
    """{artifact name: (bytes, content type)}: report.html, rankings.xlsx, wards.geojson, lgas.geojson
    and map.topojson (the web app's map: both boundary layers in a few tens of KB)."""
    drawing = prepare(result, display)
    return {
        'report.html': (document.render(drawing, analysis_meta, options), HTML),
        'rankings.xlsx': (exports.rankings_xlsx(drawing.view), exports.XLSX),
        'wards.geojson': (exports.wards_geojson(drawing.view, drawing.collection), exports.GEOJSON),
        'lgas.geojson': (exports.lgas_geojson(drawing.sheet.outlines), exports.GEOJSON),
        'map.topojson': (exports.map_topojson(drawing.view, drawing.collection, drawing.sheet.outlines),
                         exports.JSON),
    }
