"""Ward and LGA boundaries as one TopoJSON Topology: the map's data in a quarter of GeoJSON's bytes.

A map drawn on a slow link waits for its boundaries, so they travel as a Topology
(https://github.com/topojson/topojson-specification): positions are quantized to
integers and stored as deltas, and an edge two wards share (or a ward and its LGA's
outline) is stored once, as one arc both rings reference (`~i` when a ring runs it
backwards).

Quantization: QUANTIZATION steps over the longer side of the bounding box, one step
for both axes. On a 1000-px map a step is a tenth of a pixel, so nothing visible
moves; on Niger (about 4 degrees across) a step is some 40 m. The rings are quantized
first, then cut at junctions (a point whose neighbours differ between the rings
through it), so neighbours cut at the same points and share arcs exactly. A ring
without a junction is one closed arc, started at its least point so that two rings
tracing it (either way round) find the same arc. Rings keep their winding; a ring
that quantization shrinks below a triangle is left out (a polygon whose outer ring
goes, goes whole; a geometry with none left has type null).
"""
import numpy as np

QUANTIZATION = 10_000
POLYGONAL = ('Polygon', 'MultiPolygon')


def topology(layers, steps=QUANTIZATION, own=None):
    """A Topology dict of `layers`: {object name: [(id, properties, GeoJSON geometry)]}.

    Each object is a GeometryCollection of the items in order; an id of None is left
    out. Geometries are Polygon or MultiPolygon (None: a geometry of type null).
    `own` ({object name: properties}) are an object's own properties, stored once rather than per item.
    """
    polygons = {name: [_polygons(geometry) for _, _, geometry in items] for name, items in layers.items()}
    rings = [ring for shapes in polygons.values() for shape in shapes for polygon in shape for ring in polygon]
    box, transform, quantized = _quantize(rings, steps)
    arcs = _Arcs(_junctions([ring for ring in quantized if ring]))
    cut = iter(arcs.ring(ring) if ring else None for ring in quantized)
    objects = {}
    for name, items in layers.items():
        geometries = []
        for (key, properties, geometry), shape in zip(items, polygons[name]):
            parts = [[next(cut) for _ in polygon] for polygon in shape]
            geometries.append(_geometry(key, properties, geometry, parts))
        objects[name] = {'type': 'GeometryCollection', 'geometries': geometries,
                         **({'properties': own[name]} if name in (own or {}) else {})}
    return {'type': 'Topology', **({'bbox': box} if box else {}), 'transform': transform,
            'objects': objects, 'arcs': arcs.encoded()}


def _polygons(geometry):
    """The polygons of a Polygon or MultiPolygon, each a list of rings of positions."""
    if geometry is None:
        return []
    if geometry.get('type') not in POLYGONAL:
        raise ValueError(f'a map boundary must be a Polygon or MultiPolygon, not {geometry.get("type")!r}')
    return [geometry['coordinates']] if geometry['type'] == 'Polygon' else geometry['coordinates']


def _quantize(rings, steps):
    """(bbox, transform, rings as lists of integer points without their closing point; None when collapsed)."""
    if not rings:
        return None, {'scale': [1, 1], 'translate': [0, 0]}, []
    points = np.concatenate([np.asarray(ring, dtype=float)[:, :2] for ring in rings])
    low, high = points.min(axis=0), points.max(axis=0)
    scale = float(max(high - low)) / steps or 1.0
    grid = list(zip(*np.rint((points - low) / scale).astype(np.int64).T.tolist()))
    ends = np.cumsum([len(ring) for ring in rings]).tolist()
    quantized = [_clean(grid[start:end]) for start, end in zip([0] + ends, ends)]
    box = [float(low[0]), float(low[1]), float(high[0]), float(high[1])]
    return box, {'scale': [scale, scale], 'translate': box[:2]}, quantized


def _clean(points):
    """A quantized ring without repeated consecutive points or its closing point; None below a triangle."""
    kept = [point for i, point in enumerate(points) if i == 0 or point != points[i - 1]]
    while len(kept) > 1 and kept[-1] == kept[0]:
        kept.pop()
    return kept if len(kept) >= 3 else None


def _junctions(rings):
    """The points whose neighbours (either way round) differ between the rings through them."""
    seen, junctions = {}, set()
    for ring in rings:
        for i, point in enumerate(ring):
            pair = (ring[i - 1], ring[(i + 1) % len(ring)])
            first = seen.setdefault(point, pair)
            if first != pair and first != pair[::-1]:
                junctions.add(point)
    return junctions


class _Arcs:
    """The arcs of one topology: each distinct run of points between junctions, stored once."""

    def __init__(self, junctions):
        self.junctions = junctions
        self.index = {}

    def ring(self, ring):
        """The ring's arc references, in order: cut at its junctions, else one closed arc from its least point."""
        cuts = [i for i, point in enumerate(ring) if point in self.junctions] or [ring.index(min(ring))]
        start = cuts[0]
        closed = ring[start:] + ring[:start + 1]
        ends = [i - start for i in cuts] + [len(ring)]
        return [self._ref(tuple(closed[a:b + 1])) for a, b in zip(ends, ends[1:])]

    def _ref(self, arc):
        if arc in self.index:
            return self.index[arc]
        backwards = self.index.get(arc[::-1])
        if backwards is not None:
            return ~backwards
        self.index[arc] = len(self.index)
        return self.index[arc]

    def encoded(self):
        """The arcs in index order, delta-encoded: the first position, then each step from the last."""
        return [[list(arc[0])] + [[x - px, y - py] for (px, py), (x, y) in zip(arc, arc[1:])]
                for arc in self.index]   # a dict keeps insertion order: the index order


def _geometry(key, properties, geometry, parts):
    """One geometry object: its polygons' arc references, the collapsed rings left out."""
    polygons = [[ring for ring in polygon if ring] for polygon in parts if polygon and polygon[0]]
    if not polygons:
        shape = {'type': None}
    elif geometry['type'] == 'Polygon':
        shape = {'type': 'Polygon', 'arcs': polygons[0]}
    else:
        shape = {'type': 'MultiPolygon', 'arcs': polygons}
    return {**shape, **({} if key is None else {'id': key}), 'properties': properties}
